-- Monitoring: activities (no personal data) and territorial pacts.

CREATE TABLE activities (
    id TEXT PRIMARY KEY NOT NULL,
    district_code TEXT NOT NULL REFERENCES districts (code),
    organization_id TEXT NOT NULL REFERENCES organizations (id),
    kind TEXT NOT NULL CHECK (kind IN ('awareness_session', 'street_outreach_shift', 'desk_shift', 'information_campaign', 'operator_training', 'network_meeting')),
    held_on DATE NOT NULL,
    duration_minutes INTEGER,
    location_label TEXT,
    participants_male INTEGER NOT NULL CHECK (participants_male >= 0),
    participants_female INTEGER NOT NULL CHECK (participants_female >= 0),
    participants_other INTEGER NOT NULL CHECK (participants_other >= 0),
    participants_unknown INTEGER NOT NULL CHECK (participants_unknown >= 0),
    contacts_made INTEGER NOT NULL CHECK (contacts_made >= 0),
    notes TEXT,
    created_by TEXT NOT NULL REFERENCES users (id),
    version INTEGER NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX activities_district_held ON activities (district_code, held_on);

CREATE TABLE activity_topics (
    activity_id TEXT NOT NULL REFERENCES activities (id),
    topic TEXT NOT NULL CHECK (topic IN ('prevention_irregular_work', 'prevention_health_safety', 'orientation_italian_language', 'orientation_health', 'orientation_work', 'orientation_legal', 'orientation_housing')),
    PRIMARY KEY (activity_id, topic)
);

CREATE TABLE activity_organizations (
    activity_id TEXT NOT NULL REFERENCES activities (id),
    organization_id TEXT NOT NULL REFERENCES organizations (id),
    PRIMARY KEY (activity_id, organization_id)
);

CREATE TABLE pacts (
    id TEXT PRIMARY KEY NOT NULL,
    district_code TEXT NOT NULL REFERENCES districts (code),
    title TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('drafting', 'signed', 'renewed', 'expired')),
    signed_on DATE,
    valid_until DATE,
    document_reference TEXT,
    version INTEGER NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX pacts_district ON pacts (district_code);

CREATE TABLE pact_signatories (
    pact_id TEXT NOT NULL REFERENCES pacts (id),
    organization_id TEXT NOT NULL REFERENCES organizations (id),
    PRIMARY KEY (pact_id, organization_id)
);
