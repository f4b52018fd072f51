//! The HTTP API and command line of the InLav PUA system.
//!
//! Handlers are grouped by capability, named as in the `domain` and `persistence` crates.

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
pub mod extract;
pub mod health;
pub mod idempotency;
pub mod openapi;
pub mod organizations;
pub mod passwords;
pub mod schemas;
pub mod secrets;
pub mod server;
pub mod state;
pub mod telemetry;
pub mod users;
pub mod vocabularies;
