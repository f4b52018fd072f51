DROP TABLE audit_listed;
ALTER TABLE audit_events DROP COLUMN listed;
