-- Beneficiaries, consents, cases with their lifecycle events, the audit chain and
-- idempotency keys. Portable types only; the same tables and columns in both trees.

-- District settings: closure approval and the eligibility rule set in force.
ALTER TABLE districts ADD COLUMN closure_requires_approval BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE districts ADD COLUMN eligibility_rule_set TEXT NOT NULL DEFAULT 'inlav_2023'
    CHECK (eligibility_rule_set IN ('inlav_2023', 'inlav_2023_any_nationality'));
ALTER TABLE districts ADD COLUMN version INTEGER NOT NULL DEFAULT 1;

CREATE TABLE beneficiaries (
    id TEXT PRIMARY KEY NOT NULL,
    -- The district that registered the person.
    district_code TEXT NOT NULL REFERENCES districts (code),
    alias TEXT NOT NULL,
    first_name TEXT,
    last_name TEXT,
    -- Alias and names folded (lower case, no accents) by the application, for search.
    search_key TEXT NOT NULL,
    -- Folded name words in sorted order, for duplicate detection; NULL unless both names.
    name_key TEXT,
    gender TEXT CHECK (gender IN ('male', 'female', 'non_binary', 'undisclosed')),
    birth_date DATE,
    birth_year INTEGER,
    -- FALSE: citizenship not known yet. TRUE with no rows in beneficiary_citizenships: stateless.
    citizenships_known BOOLEAN NOT NULL,
    phone TEXT,
    email TEXT,
    municipality TEXT,
    arrival_year INTEGER,
    permit_kind TEXT CHECK (permit_kind IN ('work', 'family', 'study', 'international_protection', 'special_protection', 'art18', 'art18ter', 'awaiting_renewal', 'other', 'none')),
    permit_number TEXT,
    permit_expires_on DATE,
    codice_fiscale TEXT,
    guardian_name TEXT,
    guardian_relation TEXT,
    guardian_contact TEXT,
    created_by TEXT NOT NULL REFERENCES users (id),
    version INTEGER NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX beneficiaries_district ON beneficiaries (district_code);
CREATE INDEX beneficiaries_codice_fiscale ON beneficiaries (codice_fiscale);
CREATE INDEX beneficiaries_name_key ON beneficiaries (name_key, birth_year);

CREATE TABLE beneficiary_citizenships (
    beneficiary_id TEXT NOT NULL REFERENCES beneficiaries (id),
    country TEXT NOT NULL,
    PRIMARY KEY (beneficiary_id, country)
);
CREATE INDEX beneficiary_citizenships_country ON beneficiary_citizenships (country);

CREATE TABLE beneficiary_languages (
    beneficiary_id TEXT NOT NULL REFERENCES beneficiaries (id),
    language TEXT NOT NULL,
    PRIMARY KEY (beneficiary_id, language)
);

-- The documents checklist; a document without a row is missing.
CREATE TABLE beneficiary_documents (
    beneficiary_id TEXT NOT NULL REFERENCES beneficiaries (id),
    document TEXT NOT NULL CHECK (document IN ('codice_fiscale', 'tessera_sanitaria', 'residence_certificate', 'hospitality_declaration', 'family_doctor', 'spid', 'did')),
    status TEXT NOT NULL CHECK (status IN ('missing', 'in_progress', 'obtained')),
    status_on DATE,
    PRIMARY KEY (beneficiary_id, document)
);

CREATE TABLE consents (
    id TEXT PRIMARY KEY NOT NULL,
    beneficiary_id TEXT NOT NULL REFERENCES beneficiaries (id),
    kind TEXT NOT NULL CHECK (kind IN ('privacy_notice', 'data_sharing', 'research_use')),
    organization_id TEXT REFERENCES organizations (id),
    granted BOOLEAN NOT NULL,
    given_on DATE NOT NULL,
    method TEXT NOT NULL CHECK (method IN ('written', 'oral', 'digital')),
    language TEXT NOT NULL,
    recorded_by TEXT NOT NULL REFERENCES users (id),
    recorded_at TIMESTAMP NOT NULL,
    withdrawn_on DATE,
    withdrawn_by TEXT REFERENCES users (id),
    withdrawal_reason TEXT,
    CHECK ((kind = 'data_sharing') = (organization_id IS NOT NULL))
);
CREATE INDEX consents_beneficiary ON consents (beneficiary_id);

CREATE TABLE cases (
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
CREATE INDEX cases_district_intercepted ON cases (district_code, intercepted_at);
CREATE INDEX cases_intercepted ON cases (intercepted_at);
CREATE INDEX cases_beneficiary ON cases (beneficiary_id);
CREATE INDEX cases_recorded_by ON cases (recorded_by);
CREATE INDEX cases_case_worker ON cases (case_worker_id);

CREATE TABLE case_needs (
    case_id TEXT NOT NULL REFERENCES cases (id),
    need TEXT NOT NULL CHECK (need IN ('italian_language', 'documents', 'housing', 'health', 'territorial_orientation', 'work_advice', 'labour_dispute', 'job_placement', 'training', 'legal', 'protection', 'income_support')),
    PRIMARY KEY (case_id, need)
);
CREATE INDEX case_needs_need ON case_needs (need);

CREATE TABLE case_indicators (
    case_id TEXT NOT NULL REFERENCES cases (id),
    indicator TEXT NOT NULL CHECK (indicator IN ('pay_below_agreements', 'working_time_violations', 'safety_violations', 'degrading_conditions', 'abuse_of_vulnerability', 'deception', 'restriction_of_movement', 'isolation', 'physical_sexual_violence', 'intimidation_threats', 'retention_of_documents', 'withholding_of_wages', 'debt_bondage', 'abusive_conditions', 'excessive_overtime')),
    noted_on DATE NOT NULL,
    PRIMARY KEY (case_id, indicator)
);

-- The timeline of a case: transitions, assignments and field changes.
CREATE TABLE case_events (
    id TEXT PRIMARY KEY NOT NULL,
    case_id TEXT NOT NULL REFERENCES cases (id),
    kind TEXT NOT NULL CHECK (kind IN ('interception', 'transition', 'update', 'assignment', 'eligibility_override', 'closure_requested', 'closure_rejected')),
    from_status TEXT,
    to_status TEXT,
    effective_at TIMESTAMP,
    reason TEXT,
    -- What changed: field names, or the assignee; never free text of the person.
    details TEXT,
    actor_id TEXT NOT NULL REFERENCES users (id),
    actor_role TEXT NOT NULL,
    recorded_at TIMESTAMP NOT NULL
);
CREATE INDEX case_events_case ON case_events (case_id, recorded_at);
CREATE INDEX case_events_transitions ON case_events (to_status, effective_at);

-- Who read or changed personal data. Append-only; each entry carries the hash of the
-- previous one. No foreign keys: the trail outlives what it describes.
CREATE TABLE audit_events (
    id TEXT PRIMARY KEY NOT NULL,
    seq BIGINT NOT NULL UNIQUE,
    at TIMESTAMP NOT NULL,
    actor_id TEXT NOT NULL,
    actor_role TEXT NOT NULL CHECK (actor_role IN ('admin', 'regional_coordinator', 'evaluator', 'district_coordinator', 'case_worker', 'legal_advisor', 'outreach_worker', 'partner')),
    action TEXT NOT NULL CHECK (action IN ('read', 'list', 'create', 'update', 'transition', 'export')),
    district_code TEXT,
    beneficiary_id TEXT,
    case_id TEXT,
    request_id TEXT,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);
CREATE INDEX audit_events_district ON audit_events (district_code, seq);
CREATE INDEX audit_events_beneficiary ON audit_events (beneficiary_id, seq);
CREATE INDEX audit_events_case ON audit_events (case_id, seq);

-- The end of the chain. Appending takes this row's lock, so entries are chained in order
-- across transactions and instances.
CREATE TABLE audit_head (
    id INTEGER PRIMARY KEY NOT NULL CHECK (id = 1),
    seq BIGINT NOT NULL,
    hash TEXT NOT NULL
);
INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');

-- Answers to POSTs sent with an Idempotency-Key, kept for replays.
CREATE TABLE idempotency_keys (
    id TEXT PRIMARY KEY NOT NULL,
    caller_id TEXT NOT NULL,
    idempotency_key TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    status_code INTEGER NOT NULL,
    body TEXT NOT NULL,
    location TEXT,
    etag TEXT,
    created_at TIMESTAMP NOT NULL,
    UNIQUE (caller_id, idempotency_key)
);
CREATE INDEX idempotency_keys_created ON idempotency_keys (created_at);
