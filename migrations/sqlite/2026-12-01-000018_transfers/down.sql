-- Transfers, matches and emergency accesses are dropped; cases closed as `transferred` and
-- audit entries or feed changes of the new kinds must be removed first: the old CHECKs refuse them.
PRAGMA foreign_keys = OFF;
BEGIN;
DROP TABLE emergency_accesses;
DROP TABLE duplicate_matches;
DROP TABLE transfers;
CREATE TABLE cases_rebuilt (
    id TEXT PRIMARY KEY NOT NULL,
    beneficiary_id TEXT NOT NULL REFERENCES beneficiaries (id),
    district_code TEXT NOT NULL REFERENCES districts (code),
    channel TEXT NOT NULL CHECK (channel IN ('street_outreach', 'anti_trafficking_desk', 'formal_antenna', 'awareness_event', 'service_referral', 'self_referral', 'word_of_mouth')),
    intercepted_at TIMESTAMP NOT NULL,
    intercepting_organization_id TEXT NOT NULL REFERENCES organizations (id),
    recorded_by TEXT NOT NULL REFERENCES users (id),
    status TEXT NOT NULL CHECK (status IN ('intercepted', 'screening', 'taken_in_charge', 'suspended', 'closed')),
    -- Effective date of the latest transition (the interception at first).
    status_since TIMESTAMP NOT NULL,
    -- Effective date of the latest taking in charge.
    taken_in_charge_at TIMESTAMP,
    profile TEXT CHECK (profile IN ('grey_work', 'recent_arrival', 'exploitation_victim')),
    work_sector TEXT CHECK (work_sector IN ('agriculture', 'logistics', 'delivery_platform', 'construction', 'domestic_care', 'hospitality', 'manufacturing', 'cleaning', 'retail', 'other')),
    work_contract TEXT CHECK (work_contract IN ('none', 'irregular', 'grey', 'regular')),
    employer_name TEXT,
    case_worker_id TEXT REFERENCES users (id),
    legal_advisor_id TEXT REFERENCES users (id),
    override_by TEXT REFERENCES users (id),
    override_reason TEXT,
    override_at TIMESTAMP,
    outcome TEXT CHECK (outcome IN ('regular_employment', 'training_completed', 'documents_regularised', 'transferred_to_anti_trafficking', 'permit_obtained', 'not_eligible', 'declined', 'lost_contact', 'moved_away', 'other')),
    closure_summary TEXT,
    -- A closure waiting for the coordinator's approval.
    closure_request_by TEXT REFERENCES users (id),
    closure_request_effective_at TIMESTAMP,
    closure_request_outcome TEXT CHECK (closure_request_outcome IN ('regular_employment', 'training_completed', 'documents_regularised', 'transferred_to_anti_trafficking', 'permit_obtained', 'not_eligible', 'declined', 'lost_contact', 'moved_away', 'other')),
    closure_request_summary TEXT,
    closure_request_reason TEXT,
    version INTEGER NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
INSERT INTO cases_rebuilt (id, beneficiary_id, district_code, channel, intercepted_at, intercepting_organization_id, recorded_by, status, status_since, taken_in_charge_at, profile, work_sector, work_contract, employer_name, case_worker_id, legal_advisor_id, override_by, override_reason, override_at, outcome, closure_summary, closure_request_by, closure_request_effective_at, closure_request_outcome, closure_request_summary, closure_request_reason, version, created_at, updated_at) SELECT id, beneficiary_id, district_code, channel, intercepted_at, intercepting_organization_id, recorded_by, status, status_since, taken_in_charge_at, profile, work_sector, work_contract, employer_name, case_worker_id, legal_advisor_id, override_by, override_reason, override_at, outcome, closure_summary, closure_request_by, closure_request_effective_at, closure_request_outcome, closure_request_summary, closure_request_reason, version, created_at, updated_at FROM cases;
DROP TABLE cases;
ALTER TABLE cases_rebuilt RENAME TO cases;
CREATE INDEX cases_district_intercepted ON cases (district_code, intercepted_at);
CREATE INDEX cases_intercepted ON cases (intercepted_at);
CREATE INDEX cases_beneficiary ON cases (beneficiary_id);
CREATE INDEX cases_recorded_by ON cases (recorded_by);
CREATE INDEX cases_case_worker ON cases (case_worker_id);
CREATE INDEX cases_district_status_intercepted ON cases (district_code, status, intercepted_at, id);
CREATE INDEX cases_status_since ON cases (status, status_since);

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

CREATE TABLE changes_rebuilt (
    seq BIGINT PRIMARY KEY NOT NULL,
    at TIMESTAMP NOT NULL,
    resource TEXT NOT NULL CHECK (resource IN ('case', 'beneficiary', 'referral', 'service', 'note', 'user', 'organization')),
    resource_id TEXT NOT NULL,
    action TEXT NOT NULL CHECK (action IN ('created', 'updated', 'deleted')),
    version INTEGER,
    district_code TEXT,
    organization_id TEXT,
    confidentiality TEXT
);
INSERT INTO changes_rebuilt SELECT seq, at, resource, resource_id, action, version, district_code, organization_id, confidentiality FROM changes ORDER BY seq;
DROP TABLE changes;
ALTER TABLE changes_rebuilt RENAME TO changes;
CREATE INDEX changes_district ON changes (district_code, seq);
CREATE INDEX changes_organization ON changes (organization_id, seq);
COMMIT;
PRAGMA foreign_keys = ON;
