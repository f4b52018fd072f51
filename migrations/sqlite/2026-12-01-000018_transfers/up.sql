-- People move between districts: transfers of a person's record, the matches a registration
-- finds in another district (a short-lived token to ask for a transfer), and emergency access.
-- New values in three closed lists: the closure outcome `transferred`, the audit actions
-- `transfer`, `duplicate_confirmed` and `emergency_access`, the feed's resource `transfer`.
PRAGMA foreign_keys = OFF;
BEGIN;
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
    outcome TEXT CHECK (outcome IN ('regular_employment', 'training_completed', 'documents_regularised', 'transferred_to_anti_trafficking', 'permit_obtained', 'not_eligible', 'declined', 'lost_contact', 'moved_away', 'transferred', 'other')),
    closure_summary TEXT,
    -- A closure waiting for the coordinator's approval.
    closure_request_by TEXT REFERENCES users (id),
    closure_request_effective_at TIMESTAMP,
    closure_request_outcome TEXT CHECK (closure_request_outcome IN ('regular_employment', 'training_completed', 'documents_regularised', 'transferred_to_anti_trafficking', 'permit_obtained', 'not_eligible', 'declined', 'lost_contact', 'moved_away', 'transferred', 'other')),
    closure_request_summary TEXT,
    closure_request_reason TEXT,
    version INTEGER NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    -- When the person's record moved to another district: the case stays this district's
    -- history, read-only, and no longer opens the person's record to this district.
    transferred_at TIMESTAMP
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
    action TEXT NOT NULL CHECK (action IN ('read', 'list', 'create', 'update', 'transition', 'export', 'consent_override', 'eligibility_override', 'legal_disclosure', 'subject_access', 'erasure', 'retention_run', 'transfer', 'duplicate_confirmed', 'emergency_access')),
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
    resource TEXT NOT NULL CHECK (resource IN ('case', 'beneficiary', 'referral', 'service', 'note', 'user', 'organization', 'transfer')),
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

-- A request to move a person's record to another district, and its answer. The person's
-- consent to the move is part of the answer: an acceptance carries it, a refusal declines.
CREATE TABLE transfers (
    id TEXT PRIMARY KEY NOT NULL,
    beneficiary_id TEXT NOT NULL REFERENCES beneficiaries (id),
    from_district TEXT NOT NULL REFERENCES districts (code),
    to_district TEXT NOT NULL REFERENCES districts (code),
    status TEXT NOT NULL CHECK (status IN ('requested', 'accepted', 'declined', 'cancelled')),
    reason TEXT NOT NULL,
    requested_by TEXT NOT NULL REFERENCES users (id),
    requested_at TIMESTAMP NOT NULL,
    decided_by TEXT REFERENCES users (id),
    decided_at TIMESTAMP,
    decision_note TEXT,
    consent_granted BOOLEAN,
    consent_given_on DATE,
    consent_method TEXT CHECK (consent_method IN ('written', 'oral', 'digital')),
    consent_language TEXT,
    -- The case the receiving district opened on acceptance, when one was open in the sending one.
    opened_case_id TEXT REFERENCES cases (id),
    version INTEGER NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    CHECK (from_district <> to_district)
);
CREATE INDEX transfers_from ON transfers (from_district, requested_at);
CREATE INDEX transfers_to ON transfers (to_district, requested_at);
-- One open request per person at a time.
CREATE UNIQUE INDEX transfers_one_open ON transfers (beneficiary_id) WHERE status = 'requested';

-- What a registration refused as a possible duplicate found in a district the caller does not
-- see: the caller gets a token (only its digest is kept) that names the record for a short
-- time, to ask for a transfer or open emergency access, without learning anything of it.
CREATE TABLE duplicate_matches (
    token_digest TEXT PRIMARY KEY NOT NULL,
    beneficiary_id TEXT NOT NULL REFERENCES beneficiaries (id),
    district_code TEXT NOT NULL REFERENCES districts (code),
    matched_by TEXT NOT NULL REFERENCES users (id),
    matched_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL
);
CREATE INDEX duplicate_matches_by ON duplicate_matches (matched_by, beneficiary_id);
CREATE INDEX duplicate_matches_expiry ON duplicate_matches (expires_at);

-- Read-only access of a coordinator of another district to one person, for an urgent
-- protection need, for a fixed time; the owning district's coordinators are alerted.
CREATE TABLE emergency_accesses (
    id TEXT PRIMARY KEY NOT NULL,
    beneficiary_id TEXT NOT NULL REFERENCES beneficiaries (id),
    -- The district holding the person's record when access was opened: its coordinators see it.
    owner_district TEXT NOT NULL REFERENCES districts (code),
    -- The district of the coordinator who opened it.
    opened_for TEXT NOT NULL REFERENCES districts (code),
    opened_by TEXT NOT NULL REFERENCES users (id),
    reason TEXT NOT NULL,
    opened_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL
);
CREATE INDEX emergency_accesses_opener ON emergency_accesses (opened_by, beneficiary_id, expires_at);
CREATE INDEX emergency_accesses_owner ON emergency_accesses (owner_district, opened_at);
COMMIT;
PRAGMA foreign_keys = ON;
