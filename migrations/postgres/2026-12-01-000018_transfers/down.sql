-- Cases closed as `transferred` and audit entries or feed changes of the new kinds must be
-- removed first: the old CHECKs refuse them.
DROP TABLE emergency_accesses;
DROP TABLE duplicate_matches;
DROP TABLE transfers;
ALTER TABLE changes DROP CONSTRAINT changes_resource_check;
ALTER TABLE changes ADD CONSTRAINT changes_resource_check CHECK (resource IN ('case', 'beneficiary', 'referral', 'service', 'note', 'user', 'organization'));
ALTER TABLE audit_events DROP CONSTRAINT audit_events_action_check;
ALTER TABLE audit_events ADD CONSTRAINT audit_events_action_check CHECK (action IN ('read', 'list', 'create', 'update', 'transition', 'export', 'consent_override', 'eligibility_override', 'legal_disclosure', 'subject_access', 'erasure', 'retention_run'));
ALTER TABLE cases DROP COLUMN transferred_at;
ALTER TABLE cases DROP CONSTRAINT cases_closure_request_outcome_check;
ALTER TABLE cases ADD CONSTRAINT cases_closure_request_outcome_check CHECK (closure_request_outcome IN ('regular_employment', 'training_completed', 'documents_regularised', 'transferred_to_anti_trafficking', 'permit_obtained', 'not_eligible', 'declined', 'lost_contact', 'moved_away', 'other'));
ALTER TABLE cases DROP CONSTRAINT cases_outcome_check;
ALTER TABLE cases ADD CONSTRAINT cases_outcome_check CHECK (outcome IN ('regular_employment', 'training_completed', 'documents_regularised', 'transferred_to_anti_trafficking', 'permit_obtained', 'not_eligible', 'declined', 'lost_contact', 'moved_away', 'other'));
