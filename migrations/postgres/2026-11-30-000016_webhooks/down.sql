DROP TABLE webhook_attempts;
DROP TABLE webhook_messages;
DROP TABLE webhooks;
DELETE FROM service_account_scopes WHERE scope = 'webhooks:write';
ALTER TABLE service_account_scopes DROP CONSTRAINT service_account_scopes_scope_check;
ALTER TABLE service_account_scopes ADD CONSTRAINT service_account_scopes_scope_check
    CHECK (scope IN ('referrals:read', 'referrals:write', 'services:write'));
