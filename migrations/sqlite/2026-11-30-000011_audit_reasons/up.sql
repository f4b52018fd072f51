-- Entries that set a rule aside, disclose or erase data are actions of their own, and carry a
-- reason. The chain binds the reason's salted digest; the text and salt may be blanked when
-- the person is erased. SQLite cannot change a CHECK constraint: the table is rebuilt.
CREATE TABLE audit_events_with_reasons (
    seq BIGINT PRIMARY KEY NOT NULL,
    at TIMESTAMP NOT NULL,
    actor_id TEXT NOT NULL,
    actor_role TEXT NOT NULL CHECK (actor_role IN ('admin', 'regional_coordinator', 'evaluator', 'district_coordinator', 'case_worker', 'legal_advisor', 'outreach_worker', 'partner')),
    action TEXT NOT NULL CHECK (action IN ('read', 'list', 'create', 'update', 'transition', 'export', 'consent_override', 'eligibility_override', 'legal_disclosure', 'subject_access', 'erasure', 'retention_run')),
    district_code TEXT,
    beneficiary_id TEXT,
    case_id TEXT,
    request_id TEXT,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL,
    listed TEXT,
    reason_digest TEXT,
    reason_salt TEXT,
    reason_text TEXT
) WITHOUT ROWID;
INSERT INTO audit_events_with_reasons
    (seq, at, actor_id, actor_role, action, district_code, beneficiary_id, case_id, request_id, prev_hash, hash, listed)
    SELECT seq, at, actor_id, actor_role, action, district_code, beneficiary_id, case_id, request_id, prev_hash, hash, listed
    FROM audit_events ORDER BY seq;
DROP TABLE audit_events;
ALTER TABLE audit_events_with_reasons RENAME TO audit_events;
CREATE INDEX audit_events_district ON audit_events (district_code, seq);
CREATE INDEX audit_events_beneficiary ON audit_events (beneficiary_id, seq);
CREATE INDEX audit_events_case ON audit_events (case_id, seq);
