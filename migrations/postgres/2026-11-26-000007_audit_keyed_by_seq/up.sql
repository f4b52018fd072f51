-- The trail is keyed by its sequence number: an entry goes into one index fewer than with a
-- separate random id (never read) and a unique constraint on seq.
ALTER TABLE audit_events DROP COLUMN id;
ALTER TABLE audit_events DROP CONSTRAINT audit_events_seq_key;
ALTER TABLE audit_events ADD PRIMARY KEY (seq);
