DROP TABLE pact_signatories;
DROP TABLE pacts;
DROP TABLE activity_organizations;
DROP TABLE activity_topics;
DROP TABLE activities;
