ALTER TABLE audit_events DROP COLUMN reason_text;
ALTER TABLE audit_events DROP COLUMN reason_salt;
ALTER TABLE audit_events DROP COLUMN reason_digest;
ALTER TABLE audit_events DROP CONSTRAINT audit_events_action_check;
ALTER TABLE audit_events ADD CONSTRAINT audit_events_action_check CHECK (action IN ('read', 'list', 'create', 'update', 'transition', 'export'));
