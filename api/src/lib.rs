//! The HTTP API and command line of the InLav PUA system.
//!
//! Handlers are grouped by capability, named as in the `domain` and `persistence` crates.

pub mod activities;
pub mod alerts;
pub mod audit;
pub mod auth;
pub mod beneficiaries;
pub mod cases;
pub mod cli;
pub mod clock;
pub mod config;
pub mod consents;
pub mod districts;
pub mod error;
pub mod exports;
pub mod extract;
pub mod health;
pub mod idempotency;
pub mod legal;
pub mod network;
pub mod notes;
pub mod openapi;
pub mod organizations;
pub mod pacts;
pub mod passwords;
pub mod referrals;
pub mod reports;
pub mod schemas;
pub mod secrets;
pub mod seed;
pub mod server;
pub mod service_accounts;
pub mod services;
pub mod state;
pub mod telemetry;
pub mod users;
pub mod vocabularies;
pub mod work_grants;
pub mod writer;
