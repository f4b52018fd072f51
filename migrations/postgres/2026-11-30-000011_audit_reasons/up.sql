-- Entries that set a rule aside, disclose or erase data are actions of their own, and carry a
-- reason. The chain binds the reason's salted digest; the text and salt may be blanked when
-- the person is erased.
ALTER TABLE audit_events DROP CONSTRAINT audit_events_action_check;
ALTER TABLE audit_events ADD CONSTRAINT audit_events_action_check CHECK (action IN ('read', 'list', 'create', 'update', 'transition', 'export', 'consent_override', 'eligibility_override', 'legal_disclosure', 'subject_access', 'erasure', 'retention_run'));
ALTER TABLE audit_events ADD COLUMN reason_digest TEXT;
ALTER TABLE audit_events ADD COLUMN reason_salt TEXT;
ALTER TABLE audit_events ADD COLUMN reason_text TEXT;
