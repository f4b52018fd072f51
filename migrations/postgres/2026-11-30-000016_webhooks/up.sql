-- Partner systems may be given `webhooks:write`.
ALTER TABLE service_account_scopes DROP CONSTRAINT service_account_scopes_scope_check;
ALTER TABLE service_account_scopes ADD CONSTRAINT service_account_scopes_scope_check
    CHECK (scope IN ('referrals:read', 'referrals:write', 'services:write', 'webhooks:write'));

-- Webhooks: a partner organisation's endpoints, told of the changes the organisation follows
-- in the change feed. The secret signs each message (HMAC-SHA256): it is kept as issued, since
-- signing needs it; the previous one still signs for a day after a rotation.
CREATE TABLE webhooks (
    id TEXT PRIMARY KEY NOT NULL,
    organization_id TEXT NOT NULL REFERENCES organizations (id),
    url TEXT NOT NULL,
    description TEXT,
    -- The event codes subscribed to, separated by spaces.
    events TEXT NOT NULL,
    secret TEXT NOT NULL,
    previous_secret TEXT,
    previous_secret_until TIMESTAMP,
    enabled BOOLEAN NOT NULL,
    disabled_reason TEXT CHECK (disabled_reason IN ('owner', 'failing')),
    -- The first failure of the current run of failures; cleared by a success.
    failing_since TIMESTAMP,
    -- A user, or a partner system (its service account's id).
    created_by TEXT NOT NULL,
    version INTEGER NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX webhooks_organization ON webhooks (organization_id);

-- The outbox: one message per change and endpoint, written in the change's transaction, so a
-- change is never committed without its messages, nor a message without its change.
CREATE TABLE webhook_messages (
    id TEXT PRIMARY KEY NOT NULL,
    webhook_id TEXT NOT NULL REFERENCES webhooks (id),
    event TEXT NOT NULL,
    -- The change told (the payload is the feed's item); none for a test message.
    change_seq BIGINT REFERENCES changes (seq),
    status TEXT NOT NULL CHECK (status IN ('pending', 'delivered', 'failed')),
    attempts INTEGER NOT NULL,
    -- When a dispatcher may take it next; a dispatcher that takes it moves this a minute on,
    -- so that an instance that dies while delivering leaves it to another.
    next_attempt_at TIMESTAMP,
    first_attempt_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL,
    completed_at TIMESTAMP
);
CREATE INDEX webhook_messages_due ON webhook_messages (status, next_attempt_at);
CREATE INDEX webhook_messages_of_webhook ON webhook_messages (webhook_id, created_at);

-- Every attempt, with the answer's status code but never its body.
CREATE TABLE webhook_attempts (
    message_id TEXT NOT NULL REFERENCES webhook_messages (id),
    attempt INTEGER NOT NULL,
    webhook_id TEXT NOT NULL REFERENCES webhooks (id),
    at TIMESTAMP NOT NULL,
    outcome TEXT NOT NULL CHECK (outcome IN ('succeeded', 'rejected', 'unreachable')),
    response_code INTEGER,
    duration_ms INTEGER NOT NULL,
    error TEXT,
    next_attempt_at TIMESTAMP,
    PRIMARY KEY (message_id, attempt)
);
