-- The change feed: which resource changed and how, never what it holds. `seq` is taken from
-- the audit head's row, whose lock writers already hold until they commit: a change with a
-- higher number can never become visible before one with a lower number, so a reader that
-- follows `seq` misses none, even with several instances on one PostgreSQL.
ALTER TABLE audit_head ADD COLUMN change_seq BIGINT NOT NULL DEFAULT 0;
CREATE TABLE changes (
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
CREATE INDEX changes_district ON changes (district_code, seq);
CREATE INDEX changes_organization ON changes (organization_id, seq);
