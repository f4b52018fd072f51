//! The use cases of the InLav PUA system. Each takes who asks ([`Actor`]), what is asked, the
//! time (the clock is the caller's) and the [`Context`] with the database handle, and answers
//! domain results or a refusal ([`Error`]). Access checks and audit entries are made here, once;
//! the rules are the `domain` crate's, storage is the `persistence` crate's, and HTTP is not
//! known here.
//!
//! Modules are capabilities, named as in the other crates.

mod access;
pub mod activities;
pub mod actor;
pub mod alerts;
pub mod audit;
pub mod auth;
pub mod backup;
pub mod beneficiaries;
pub mod cases;
pub mod changes;
pub mod consents;
pub mod context;
pub mod districts;
pub mod erasure;
pub mod error;
pub mod exports;
pub mod health;
pub mod idempotency;
mod kept_reports;
pub mod legal;
pub mod network;
pub mod notes;
pub mod organizations;
pub mod pacts;
pub mod passwords;
pub mod random;
pub mod referrals;
pub mod reports;
pub mod seed;
pub mod service_accounts;
pub mod services;
pub mod subject_access;
pub mod transfers;
pub mod users;
pub mod webhooks;
pub mod work_grants;

pub use access::RangeRequest;
pub use actor::Actor;
pub use context::{Context, ReadVersion};
pub use error::{Conflict, DuplicateCandidate, Error, Result};
