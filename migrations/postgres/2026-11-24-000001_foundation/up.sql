-- Reference data and accounts: the foundation every capability stands on.
-- Portable types only (TEXT, INTEGER, BOOLEAN, TIMESTAMP, DATE): the sqlite and postgres trees
-- must declare the same tables and columns, which a test checks.

CREATE TABLE districts (
    code TEXT PRIMARY KEY NOT NULL,
    name TEXT NOT NULL,
    position INTEGER NOT NULL UNIQUE
);

CREATE TABLE district_targets (
    id TEXT PRIMARY KEY NOT NULL,
    district_code TEXT NOT NULL REFERENCES districts (code),
    period_from DATE NOT NULL,
    period_to DATE NOT NULL,
    intercepted_min INTEGER NOT NULL,
    intercepted_max INTEGER NOT NULL,
    taken_in_charge_min INTEGER NOT NULL,
    taken_in_charge_max INTEGER NOT NULL,
    version INTEGER NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    CHECK (period_to >= period_from),
    CHECK (intercepted_min >= 0 AND intercepted_max >= intercepted_min),
    CHECK (taken_in_charge_min >= 0 AND taken_in_charge_max >= taken_in_charge_min)
);
CREATE INDEX district_targets_district ON district_targets (district_code, period_from);

CREATE TABLE service_categories (
    code TEXT PRIMARY KEY NOT NULL,
    group_code TEXT NOT NULL CHECK (group_code IN ('prevention', 'orientation', 'pathway', 'support')),
    position INTEGER NOT NULL UNIQUE
);

CREATE TABLE organizations (
    id TEXT PRIMARY KEY NOT NULL,
    name TEXT NOT NULL,
    -- The name folded to lower case by the application, so that uniqueness is
    -- case-insensitive in the same way on both backends (SQLite's lower() is ASCII-only).
    name_key TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL CHECK (kind IN ('region', 'coordination', 'university', 'municipal_service', 'ets', 'anti_trafficking', 'public_service')),
    municipality TEXT,
    version INTEGER NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

CREATE TABLE organization_districts (
    organization_id TEXT NOT NULL REFERENCES organizations (id),
    district_code TEXT NOT NULL REFERENCES districts (code),
    PRIMARY KEY (organization_id, district_code)
);

CREATE TABLE users (
    id TEXT PRIMARY KEY NOT NULL,
    -- Stored lower-cased: unique case-insensitively.
    email TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('admin', 'regional_coordinator', 'evaluator', 'district_coordinator', 'case_worker', 'legal_advisor', 'outreach_worker', 'partner')),
    organization_id TEXT NOT NULL REFERENCES organizations (id),
    active BOOLEAN NOT NULL,
    -- Bumped by every change that must end the user's current tokens
    -- (role, districts, organisation, deactivation, password reset).
    token_version INTEGER NOT NULL,
    version INTEGER NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX users_organization ON users (organization_id);

CREATE TABLE user_districts (
    user_id TEXT NOT NULL REFERENCES users (id),
    district_code TEXT NOT NULL REFERENCES districts (code),
    PRIMARY KEY (user_id, district_code)
);
CREATE INDEX user_districts_district ON user_districts (district_code);

-- Refresh tokens are stored as SHA-256 hashes; a family is one login session.
CREATE TABLE refresh_tokens (
    id TEXT PRIMARY KEY NOT NULL,
    user_id TEXT NOT NULL REFERENCES users (id),
    family_id TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    issued_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    session_expires_at TIMESTAMP NOT NULL,
    used_at TIMESTAMP,
    revoked_at TIMESTAMP
);
CREATE INDEX refresh_tokens_family ON refresh_tokens (family_id);
CREATE INDEX refresh_tokens_user ON refresh_tokens (user_id);

-- Failed logins by normalised e-mail (whether or not an account exists), so that the
-- throttle holds across instances and does not reveal which addresses exist.
CREATE TABLE login_failures (
    id TEXT PRIMARY KEY NOT NULL,
    email TEXT NOT NULL,
    failed_at TIMESTAMP NOT NULL
);
CREATE INDEX login_failures_email ON login_failures (email, failed_at);
CREATE INDEX login_failures_failed_at ON login_failures (failed_at);

-- The twelve districts of the programme, in the programme's order.
INSERT INTO districts (code, name, position) VALUES
    ('alto_basso_pavese', 'Alto e Basso Pavese', 1),
    ('bergamo', 'Bergamo', 2),
    ('carate_brianza', 'Carate Brianza', 3),
    ('desio', 'Desio', 4),
    ('sebino', 'Sebino', 5),
    ('lecco', 'Lecco', 6),
    ('mariano_comense', 'Mariano Comense', 7),
    ('milano', 'Milano', 8),
    ('somma_lombardo', 'Somma Lombardo', 9),
    ('suzzara', 'Suzzara', 10),
    ('tradate', 'Tradate', 11),
    ('treviglio', 'Treviglio', 12);

-- Default targets per district, as in the Milan PUA slides (project targets for
-- May-November 2025): intercepted 70-100, taken in charge 30-50.
INSERT INTO district_targets (id, district_code, period_from, period_to, intercepted_min, intercepted_max, taken_in_charge_min, taken_in_charge_max, version, created_at, updated_at) VALUES
    ('01900000-0000-7000-8000-000000000101', 'alto_basso_pavese', '2025-05-01', '2025-11-30', 70, 100, 30, 50, 1, '2026-11-24 00:00:00', '2026-11-24 00:00:00'),
    ('01900000-0000-7000-8000-000000000102', 'bergamo', '2025-05-01', '2025-11-30', 70, 100, 30, 50, 1, '2026-11-24 00:00:00', '2026-11-24 00:00:00'),
    ('01900000-0000-7000-8000-000000000103', 'carate_brianza', '2025-05-01', '2025-11-30', 70, 100, 30, 50, 1, '2026-11-24 00:00:00', '2026-11-24 00:00:00'),
    ('01900000-0000-7000-8000-000000000104', 'desio', '2025-05-01', '2025-11-30', 70, 100, 30, 50, 1, '2026-11-24 00:00:00', '2026-11-24 00:00:00'),
    ('01900000-0000-7000-8000-000000000105', 'sebino', '2025-05-01', '2025-11-30', 70, 100, 30, 50, 1, '2026-11-24 00:00:00', '2026-11-24 00:00:00'),
    ('01900000-0000-7000-8000-000000000106', 'lecco', '2025-05-01', '2025-11-30', 70, 100, 30, 50, 1, '2026-11-24 00:00:00', '2026-11-24 00:00:00'),
    ('01900000-0000-7000-8000-000000000107', 'mariano_comense', '2025-05-01', '2025-11-30', 70, 100, 30, 50, 1, '2026-11-24 00:00:00', '2026-11-24 00:00:00'),
    ('01900000-0000-7000-8000-000000000108', 'milano', '2025-05-01', '2025-11-30', 70, 100, 30, 50, 1, '2026-11-24 00:00:00', '2026-11-24 00:00:00'),
    ('01900000-0000-7000-8000-000000000109', 'somma_lombardo', '2025-05-01', '2025-11-30', 70, 100, 30, 50, 1, '2026-11-24 00:00:00', '2026-11-24 00:00:00'),
    ('01900000-0000-7000-8000-000000000110', 'suzzara', '2025-05-01', '2025-11-30', 70, 100, 30, 50, 1, '2026-11-24 00:00:00', '2026-11-24 00:00:00'),
    ('01900000-0000-7000-8000-000000000111', 'tradate', '2025-05-01', '2025-11-30', 70, 100, 30, 50, 1, '2026-11-24 00:00:00', '2026-11-24 00:00:00'),
    ('01900000-0000-7000-8000-000000000112', 'treviglio', '2025-05-01', '2025-11-30', 70, 100, 30, 50, 1, '2026-11-24 00:00:00', '2026-11-24 00:00:00');

INSERT INTO service_categories (code, group_code, position) VALUES
    ('prevention_irregular_work', 'prevention', 1),
    ('prevention_health_safety', 'prevention', 2),
    ('orientation_italian_language', 'orientation', 3),
    ('orientation_health', 'orientation', 4),
    ('orientation_work', 'orientation', 5),
    ('orientation_legal', 'orientation', 6),
    ('orientation_housing', 'orientation', 7),
    ('training', 'pathway', 8),
    ('job_placement', 'pathway', 9),
    ('protection_referral', 'pathway', 10),
    ('legal_advice', 'pathway', 11),
    ('documents', 'support', 12),
    ('work_grant', 'support', 13),
    ('income_support', 'support', 14);

-- The programme's promoters: lead, coordination, evaluation.
INSERT INTO organizations (id, name, name_key, kind, municipality, version, created_at, updated_at) VALUES
    ('01900000-0000-7000-8000-000000000001', 'Regione Lombardia', 'regione lombardia', 'region', 'Milano', 1, '2026-11-24 00:00:00', '2026-11-24 00:00:00'),
    ('01900000-0000-7000-8000-000000000002', 'ANCI Lombardia', 'anci lombardia', 'coordination', 'Milano', 1, '2026-11-24 00:00:00', '2026-11-24 00:00:00'),
    ('01900000-0000-7000-8000-000000000003', 'Università degli Studi di Milano-Bicocca', 'università degli studi di milano-bicocca', 'university', 'Milano', 1, '2026-11-24 00:00:00', '2026-11-24 00:00:00');
