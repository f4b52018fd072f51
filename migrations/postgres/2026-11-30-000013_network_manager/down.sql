-- Network managers must be removed (or given another role) first: the old CHECK refuses them.
ALTER TABLE users DROP CONSTRAINT users_role_check;
ALTER TABLE users ADD CONSTRAINT users_role_check CHECK (role IN ('admin', 'regional_coordinator', 'evaluator', 'district_coordinator', 'case_worker', 'legal_advisor', 'outreach_worker', 'partner'));
ALTER TABLE audit_events DROP CONSTRAINT audit_events_actor_role_check;
ALTER TABLE audit_events ADD CONSTRAINT audit_events_actor_role_check CHECK (actor_role IN ('admin', 'regional_coordinator', 'evaluator', 'district_coordinator', 'case_worker', 'legal_advisor', 'outreach_worker', 'partner'));
