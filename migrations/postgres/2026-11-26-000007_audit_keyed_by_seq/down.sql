ALTER TABLE audit_events DROP CONSTRAINT audit_events_pkey;
ALTER TABLE audit_events ADD CONSTRAINT audit_events_seq_key UNIQUE (seq);
ALTER TABLE audit_events ADD COLUMN id TEXT;
UPDATE audit_events SET id = gen_random_uuid()::text;
ALTER TABLE audit_events ALTER COLUMN id SET NOT NULL;
ALTER TABLE audit_events ADD PRIMARY KEY (id);
