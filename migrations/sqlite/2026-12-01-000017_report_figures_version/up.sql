-- Changes whenever a figure of the report may have changed beyond the stale-day markers: a
-- refresh that recounted, a rebuild, a work grant, an activity or a district's targets written.
-- A report computed at one value is still current while it holds and no day is marked stale,
-- so the service keeps it instead of counting it again. A random token, not a counter: a
-- database restored from another lineage never repeats a value seen before.
ALTER TABLE report_tally_state ADD COLUMN figures_version TEXT NOT NULL DEFAULT '';
