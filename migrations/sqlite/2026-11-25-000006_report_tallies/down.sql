DROP INDEX case_events_reopened;
DROP INDEX cases_status_since;
DROP INDEX service_deliveries_delivered;
DROP INDEX legal_procedures_created;
DROP INDEX referrals_district_created;
DROP TABLE report_tally_state;
DROP TABLE report_stale_days;
DROP TABLE report_tallies;
