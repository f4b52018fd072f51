//! The HTTP API and command line of the InLav PUA system.
//!
//! Handlers are grouped by capability, named as in the `domain` and `persistence` crates.

pub mod bearer;
pub mod body_schemas;
pub mod caller;
pub mod cli;
pub mod clock;
pub mod config;
pub mod error;
pub mod extract;
pub mod formats;
pub mod housekeeping;
pub mod idempotency;
pub mod language;
pub mod limits;
pub mod metrics;
pub mod openapi;
pub mod problem;
pub mod response_headers;
pub mod routes;
pub mod schemas;
pub mod secrets;
pub mod server;
pub mod state;
pub mod storage_health;
pub mod telemetry;
pub mod tokens;
pub mod views;
pub mod webhook_client;
