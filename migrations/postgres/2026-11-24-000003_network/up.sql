-- The network and the work done once a person is in charge: services offered and delivered,
-- referrals, partner systems, legal procedures, work grants and notes.

-- Services offered by organisations (HSDS 3.0 field names where one exists).
CREATE TABLE network_services (
    id TEXT PRIMARY KEY NOT NULL,
    organization_id TEXT NOT NULL REFERENCES organizations (id),
    name TEXT NOT NULL,
    description TEXT,
    status TEXT NOT NULL CHECK (status IN ('active', 'inactive', 'temporarily_closed')),
    eligibility_description TEXT,
    email TEXT,
    url TEXT,
    phone TEXT,
    address_1 TEXT,
    city TEXT,
    postal_code TEXT,
    schedule_description TEXT,
    -- Folded name, for search.
    search_key TEXT NOT NULL,
    version INTEGER NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX network_services_organization ON network_services (organization_id);

CREATE TABLE network_service_categories (
    service_id TEXT NOT NULL REFERENCES network_services (id),
    category TEXT NOT NULL CHECK (category IN ('prevention_irregular_work', 'prevention_health_safety', 'orientation_italian_language', 'orientation_health', 'orientation_work', 'orientation_legal', 'orientation_housing', 'training', 'job_placement', 'protection_referral', 'legal_advice', 'documents', 'work_grant', 'income_support')),
    PRIMARY KEY (service_id, category)
);
CREATE INDEX network_service_categories_category ON network_service_categories (category);

CREATE TABLE network_service_areas (
    service_id TEXT NOT NULL REFERENCES network_services (id),
    district_code TEXT NOT NULL REFERENCES districts (code),
    PRIMARY KEY (service_id, district_code)
);
CREATE INDEX network_service_areas_district ON network_service_areas (district_code);

CREATE TABLE network_service_languages (
    service_id TEXT NOT NULL REFERENCES network_services (id),
    language TEXT NOT NULL,
    PRIMARY KEY (service_id, language)
);

CREATE TABLE network_service_documents (
    service_id TEXT NOT NULL REFERENCES network_services (id),
    position INTEGER NOT NULL,
    document TEXT NOT NULL,
    PRIMARY KEY (service_id, position)
);

-- Services delivered within a case. Deleted records are kept, marked, for the audit.
CREATE TABLE service_deliveries (
    id TEXT PRIMARY KEY NOT NULL,
    case_id TEXT NOT NULL REFERENCES cases (id),
    category TEXT NOT NULL CHECK (category IN ('prevention_irregular_work', 'prevention_health_safety', 'orientation_italian_language', 'orientation_health', 'orientation_work', 'orientation_legal', 'orientation_housing', 'training', 'job_placement', 'protection_referral', 'legal_advice', 'documents', 'work_grant', 'income_support')),
    delivered_on DATE NOT NULL,
    duration_minutes INTEGER,
    delivered_by TEXT NOT NULL REFERENCES organizations (id),
    operator_id TEXT REFERENCES users (id),
    notes TEXT,
    outcome TEXT CHECK (outcome IN ('completed', 'in_progress', 'interrupted', 'no_show')),
    -- A user or a partner system: no foreign key.
    recorded_by TEXT NOT NULL,
    recorded_by_role TEXT NOT NULL CHECK (recorded_by_role IN ('admin', 'regional_coordinator', 'evaluator', 'district_coordinator', 'case_worker', 'legal_advisor', 'outreach_worker', 'partner')),
    recorded_at TIMESTAMP NOT NULL,
    deleted_at TIMESTAMP,
    deleted_by TEXT,
    version INTEGER NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX service_deliveries_case ON service_deliveries (case_id, delivered_on);
CREATE INDEX service_deliveries_category ON service_deliveries (category, delivered_on);

CREATE TABLE referrals (
    id TEXT PRIMARY KEY NOT NULL,
    case_id TEXT NOT NULL REFERENCES cases (id),
    district_code TEXT NOT NULL REFERENCES districts (code),
    to_organization_id TEXT NOT NULL REFERENCES organizations (id),
    network_service_id TEXT REFERENCES network_services (id),
    category TEXT NOT NULL CHECK (category IN ('prevention_irregular_work', 'prevention_health_safety', 'orientation_italian_language', 'orientation_health', 'orientation_work', 'orientation_legal', 'orientation_housing', 'training', 'job_placement', 'protection_referral', 'legal_advice', 'documents', 'work_grant', 'income_support')),
    reason TEXT NOT NULL,
    joint_intake BOOLEAN NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('proposed', 'sent', 'accepted', 'declined', 'completed', 'failed', 'revoked')),
    consent_override_by TEXT REFERENCES users (id),
    consent_override_reason TEXT,
    created_by TEXT NOT NULL REFERENCES users (id),
    created_at TIMESTAMP NOT NULL,
    sent_at TIMESTAMP,
    version INTEGER NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX referrals_case ON referrals (case_id);
CREATE INDEX referrals_to_organization ON referrals (to_organization_id, status);
CREATE INDEX referrals_district ON referrals (district_code, status);

CREATE TABLE referral_events (
    id TEXT PRIMARY KEY NOT NULL,
    referral_id TEXT NOT NULL REFERENCES referrals (id),
    from_status TEXT,
    to_status TEXT NOT NULL,
    reason TEXT,
    -- A user or a partner system: no foreign key.
    actor_id TEXT NOT NULL,
    actor_role TEXT NOT NULL CHECK (actor_role IN ('admin', 'regional_coordinator', 'evaluator', 'district_coordinator', 'case_worker', 'legal_advisor', 'outreach_worker', 'partner')),
    actor_organization_id TEXT NOT NULL,
    at TIMESTAMP NOT NULL
);
CREATE INDEX referral_events_referral ON referral_events (referral_id, at);

-- Partner systems: client credentials acting as partner of one organisation.
CREATE TABLE service_accounts (
    id TEXT PRIMARY KEY NOT NULL,
    organization_id TEXT NOT NULL REFERENCES organizations (id),
    name TEXT NOT NULL,
    client_id TEXT NOT NULL UNIQUE,
    -- argon2id of the secret.
    secret_hash TEXT NOT NULL,
    -- Bumped by rotation and revocation: tokens carry it and stop at once.
    key_version INTEGER NOT NULL,
    active BOOLEAN NOT NULL,
    created_by TEXT NOT NULL REFERENCES users (id),
    version INTEGER NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

CREATE TABLE service_account_scopes (
    service_account_id TEXT NOT NULL REFERENCES service_accounts (id),
    scope TEXT NOT NULL CHECK (scope IN ('referrals:read', 'referrals:write', 'services:write')),
    PRIMARY KEY (service_account_id, scope)
);

CREATE TABLE legal_procedures (
    id TEXT PRIMARY KEY NOT NULL,
    case_id TEXT NOT NULL REFERENCES cases (id),
    kind TEXT NOT NULL CHECK (kind IN ('complaint', 'permit_art18', 'permit_art18ter', 'permit_renewal', 'labour_dispute', 'assegno_di_inclusione', 'other')),
    status TEXT NOT NULL CHECK (status IN ('planned', 'filed', 'pending', 'granted', 'rejected', 'withdrawn')),
    authority TEXT CHECK (authority IN ('questura', 'prefettura', 'labour_inspectorate', 'court', 'inps', 'municipality', 'other')),
    filed_on DATE,
    decided_on DATE,
    next_deadline DATE,
    notes TEXT,
    created_by TEXT NOT NULL REFERENCES users (id),
    version INTEGER NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX legal_procedures_case ON legal_procedures (case_id);
CREATE INDEX legal_procedures_deadline ON legal_procedures (next_deadline);

CREATE TABLE work_grants (
    id TEXT PRIMARY KEY NOT NULL,
    case_id TEXT NOT NULL REFERENCES cases (id),
    funder_organization_id TEXT NOT NULL REFERENCES organizations (id),
    host_employer TEXT NOT NULL,
    start_on DATE NOT NULL,
    end_on DATE NOT NULL,
    monthly_amount_cents BIGINT NOT NULL,
    hours_per_week INTEGER NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('proposed', 'approved', 'active', 'completed', 'terminated')),
    approved_by TEXT REFERENCES users (id),
    created_by TEXT NOT NULL REFERENCES users (id),
    version INTEGER NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    CHECK (end_on >= start_on)
);
CREATE INDEX work_grants_case ON work_grants (case_id);

-- Append-only notes: a correction is a new note that points at the one it corrects.
CREATE TABLE case_notes (
    id TEXT PRIMARY KEY NOT NULL,
    case_id TEXT NOT NULL REFERENCES cases (id),
    body TEXT NOT NULL,
    confidentiality TEXT NOT NULL CHECK (confidentiality IN ('team', 'legal', 'coordinators')),
    corrects_id TEXT REFERENCES case_notes (id),
    author_id TEXT NOT NULL REFERENCES users (id),
    author_role TEXT NOT NULL CHECK (author_role IN ('admin', 'regional_coordinator', 'evaluator', 'district_coordinator', 'case_worker', 'legal_advisor', 'outreach_worker', 'partner')),
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX case_notes_case ON case_notes (case_id, created_at);
