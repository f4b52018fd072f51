ALTER TABLE report_tally_state DROP COLUMN time_zone;
DROP TABLE report_recounted_people;
UPDATE report_tally_state SET full_rebuild = TRUE;
