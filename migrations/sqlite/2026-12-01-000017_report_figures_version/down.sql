ALTER TABLE report_tally_state DROP COLUMN figures_version;
