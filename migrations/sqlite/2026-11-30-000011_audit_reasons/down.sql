CREATE TABLE audit_events_without_reasons (
    seq BIGINT PRIMARY KEY NOT NULL,
    at TIMESTAMP NOT NULL,
    actor_id TEXT NOT NULL,
    actor_role TEXT NOT NULL CHECK (actor_role IN ('admin', 'regional_coordinator', 'evaluator', 'district_coordinator', 'case_worker', 'legal_advisor', 'outreach_worker', 'partner')),
    action TEXT NOT NULL CHECK (action IN ('read', 'list', 'create', 'update', 'transition', 'export')),
    district_code TEXT,
    beneficiary_id TEXT,
    case_id TEXT,
    request_id TEXT,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL,
    listed TEXT
) WITHOUT ROWID;
INSERT INTO audit_events_without_reasons
    (seq, at, actor_id, actor_role, action, district_code, beneficiary_id, case_id, request_id, prev_hash, hash, listed)
    SELECT seq, at, actor_id, actor_role, action, district_code, beneficiary_id, case_id, request_id, prev_hash, hash, listed
    FROM audit_events WHERE reason_digest IS NULL ORDER BY seq;
DROP TABLE audit_events;
ALTER TABLE audit_events_without_reasons RENAME TO audit_events;
CREATE INDEX audit_events_district ON audit_events (district_code, seq);
CREATE INDEX audit_events_beneficiary ON audit_events (beneficiary_id, seq);
CREATE INDEX audit_events_case ON audit_events (case_id, seq);
