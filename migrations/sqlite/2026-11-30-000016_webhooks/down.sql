DROP TABLE webhook_attempts;
DROP TABLE webhook_messages;
DROP TABLE webhooks;
DELETE FROM service_account_scopes WHERE scope = 'webhooks:write';
CREATE TABLE service_account_scopes_old (
    service_account_id TEXT NOT NULL REFERENCES service_accounts (id),
    scope TEXT NOT NULL CHECK (scope IN ('referrals:read', 'referrals:write', 'services:write')),
    PRIMARY KEY (service_account_id, scope)
);
INSERT INTO service_account_scopes_old SELECT service_account_id, scope FROM service_account_scopes;
DROP TABLE service_account_scopes;
ALTER TABLE service_account_scopes_old RENAME TO service_account_scopes;
