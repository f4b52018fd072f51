-- Counts behind the indicators report: every figure per district and per day, and the same
-- summed per month (`period` 'month', `day` its first day), so a report over a year sums a
-- few thousand rows instead of counting half a million cases at each request.
CREATE TABLE report_tallies (
    district_code TEXT NOT NULL,
    period TEXT NOT NULL,
    day DATE NOT NULL,
    figure TEXT NOT NULL,
    item TEXT NOT NULL,
    detail TEXT NOT NULL,
    count INTEGER NOT NULL,
    PRIMARY KEY (district_code, period, day, figure, item, detail)
);

-- One row per write that changed a figure of a district's day; a report recomputes those days
-- before it reads, then deletes the rows it saw.
CREATE TABLE report_stale_days (
    id TEXT PRIMARY KEY,
    district_code TEXT NOT NULL,
    day DATE NOT NULL
);
CREATE INDEX report_stale_days_district ON report_stale_days (district_code);

-- One row: the lock that serialises refreshes across processes, and whether every tally must
-- be recomputed (after this migration on an existing database, and after a bulk load).
CREATE TABLE report_tally_state (
    id INTEGER PRIMARY KEY,
    full_rebuild BOOLEAN NOT NULL,
    rebuilt_at TIMESTAMP
);
INSERT INTO report_tally_state (id, full_rebuild) VALUES (1, TRUE);

-- Recomputing a few days reads the rows dated on them.
CREATE INDEX referrals_district_created ON referrals (district_code, created_at);
CREATE INDEX legal_procedures_created ON legal_procedures (created_at);
CREATE INDEX service_deliveries_delivered ON service_deliveries (delivered_on);
CREATE INDEX cases_status_since ON cases (status, status_since);
-- Reopenings are few: a report finds those of its range without reading every taking in charge.
CREATE INDEX case_events_reopened ON case_events (from_status, to_status, effective_at);
