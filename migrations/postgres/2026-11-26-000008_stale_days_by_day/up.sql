-- Markers are looked up by district and day: on SQLite a write adds one only where none is
-- waiting for that district's day (see persistence::reports::tallies::mark_day).
DROP INDEX report_stale_days_district;
CREATE INDEX report_stale_days_district_day ON report_stale_days (district_code, day);
