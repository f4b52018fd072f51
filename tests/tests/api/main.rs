//! Black-box tests of the InLav PUA API. Every test body runs on the backend this run targets:
//! SQLite by default (`make test`), PostgreSQL when `TEST_DATABASE_URL` is set (`make test-pg`).
//! Tests under `pg_only` need both backends at once and run only in the PostgreSQL suite.

mod access;
mod alerts;
mod audit;
mod auth;
mod beneficiaries;
mod cases;
mod changes;
mod cli;
mod hostile;
mod http;
mod kept_reports;
mod milan_table;
mod monitoring;
mod network;
mod openapi;
mod operations;
mod organizations;
mod pathways;
mod pg_only;
mod problems;
mod reference;
mod referrals;
mod rights;
mod storage_faults;
mod support;
mod transfers;
mod use_cases;
mod users;
mod webhooks;
