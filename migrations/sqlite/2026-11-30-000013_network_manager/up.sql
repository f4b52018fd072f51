-- The network manager of the PUA team (tutor lavorativo, consulente legale, network manager).
PRAGMA foreign_keys = OFF;
BEGIN;
CREATE TABLE users_rebuilt (
    id TEXT PRIMARY KEY NOT NULL,
    -- Stored lower-cased: unique case-insensitively.
    email TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('admin', 'regional_coordinator', 'evaluator', 'district_coordinator', 'case_worker', 'legal_advisor', 'network_manager', 'outreach_worker', 'partner')),
    organization_id TEXT NOT NULL REFERENCES organizations (id),
    active BOOLEAN NOT NULL,
    -- Bumped by every change that must end the user's current tokens
    -- (role, districts, organisation, deactivation, password reset).
    token_version INTEGER NOT NULL,
    version INTEGER NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
INSERT INTO users_rebuilt SELECT id, email, display_name, password_hash, role, organization_id, active, token_version, version, created_at, updated_at FROM users;
DROP TABLE users;
ALTER TABLE users_rebuilt RENAME TO users;
CREATE INDEX users_organization ON users (organization_id);

CREATE TABLE audit_events_rebuilt (
    seq BIGINT PRIMARY KEY NOT NULL,
    at TIMESTAMP NOT NULL,
    actor_id TEXT NOT NULL,
    actor_role TEXT NOT NULL CHECK (actor_role IN ('admin', 'regional_coordinator', 'evaluator', 'district_coordinator', 'case_worker', 'legal_advisor', 'network_manager', 'outreach_worker', 'partner')),
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
INSERT INTO audit_events_rebuilt SELECT seq, at, actor_id, actor_role, action, district_code, beneficiary_id, case_id, request_id, prev_hash, hash, listed, reason_digest, reason_salt, reason_text FROM audit_events ORDER BY seq;
DROP TABLE audit_events;
ALTER TABLE audit_events_rebuilt RENAME TO audit_events;
CREATE INDEX audit_events_district ON audit_events (district_code, seq);
CREATE INDEX audit_events_beneficiary ON audit_events (beneficiary_id, seq);
CREATE INDEX audit_events_case ON audit_events (case_id, seq);
COMMIT;
PRAGMA foreign_keys = ON;
