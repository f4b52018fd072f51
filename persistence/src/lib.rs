//! Storage for the InLav PUA system: one set of queries over SQLite or PostgreSQL.
//!
//! Modules are capabilities, named as in the `domain` and `api` crates.

pub mod activities;
pub mod audit;
pub mod auth;
pub mod backup;
pub mod beneficiaries;
pub mod cases;
pub mod changes;
pub mod consents;
pub mod database;
pub mod db;
pub mod districts;
pub mod erasure;
pub mod error;
pub mod exports;
pub mod health;
pub mod idempotency;
pub mod legal;
pub mod network;
pub mod notes;
pub mod organizations;
mod outbox;
pub mod pacts;
pub mod pagination;
pub mod referrals;
pub mod reports;
pub mod schema;
pub mod seed;
pub mod service_accounts;
pub mod services;
mod sql;
pub mod transfers;
pub mod users;
pub mod webhooks;
pub mod work_grants;

pub use database::{Database, LongReadSettings, LongReadTurn, Occupancy, Sink};
pub use db::{
    Backend, DatabaseUrl, DbConnection, Pool, PoolSettings, SqliteSync, in_savepoint, read_snapshot, read_together,
    write_transaction,
};
pub use error::{Error, Result};
pub use pagination::{ChangedSince, MAX_PAGE_SIZE, Page, PageRequest};
