-- People move between districts: transfers of a person's record, the matches a registration
-- finds in another district (a short-lived token to ask for a transfer), and emergency access.
-- New values in three closed lists: the closure outcome `transferred`, the audit actions
-- `transfer`, `duplicate_confirmed` and `emergency_access`, the feed's resource `transfer`.
ALTER TABLE cases DROP CONSTRAINT cases_outcome_check;
ALTER TABLE cases ADD CONSTRAINT cases_outcome_check CHECK (outcome IN ('regular_employment', 'training_completed', 'documents_regularised', 'transferred_to_anti_trafficking', 'permit_obtained', 'not_eligible', 'declined', 'lost_contact', 'moved_away', 'transferred', 'other'));
ALTER TABLE cases DROP CONSTRAINT cases_closure_request_outcome_check;
ALTER TABLE cases ADD CONSTRAINT cases_closure_request_outcome_check CHECK (closure_request_outcome IN ('regular_employment', 'training_completed', 'documents_regularised', 'transferred_to_anti_trafficking', 'permit_obtained', 'not_eligible', 'declined', 'lost_contact', 'moved_away', 'transferred', 'other'));
-- When the person's record moved to another district: the case stays this district's history,
-- read-only, and no longer opens the person's record to this district.
ALTER TABLE cases ADD COLUMN transferred_at TIMESTAMP;
ALTER TABLE audit_events DROP CONSTRAINT audit_events_action_check;
ALTER TABLE audit_events ADD CONSTRAINT audit_events_action_check CHECK (action IN ('read', 'list', 'create', 'update', 'transition', 'export', 'consent_override', 'eligibility_override', 'legal_disclosure', 'subject_access', 'erasure', 'retention_run', 'transfer', 'duplicate_confirmed', 'emergency_access'));
ALTER TABLE changes DROP CONSTRAINT changes_resource_check;
ALTER TABLE changes ADD CONSTRAINT changes_resource_check CHECK (resource IN ('case', 'beneficiary', 'referral', 'service', 'note', 'user', 'organization', 'transfer'));

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

