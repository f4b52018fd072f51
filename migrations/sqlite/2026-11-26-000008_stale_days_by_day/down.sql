DROP INDEX report_stale_days_district_day;
CREATE INDEX report_stale_days_district ON report_stale_days (district_code);
