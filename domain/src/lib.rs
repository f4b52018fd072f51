//! The rules of the InLav PUA system, free of storage, HTTP and clock.
//!
//! Each module is a capability, named as in the `persistence` and `api` crates.

pub mod access;
pub mod activities;
pub mod alerts;
pub mod audit;
pub mod auth;
pub mod beneficiaries;
pub mod cases;
pub mod consents;
pub mod districts;
pub mod eligibility;
pub mod exploitation;
pub mod iso;
pub mod legal;
pub mod network;
pub mod notes;
pub mod organizations;
pub mod pacts;
pub mod referrals;
pub mod reports;
pub mod services;
pub mod users;
pub mod validation;
pub mod vocabulary;
pub mod work_grants;

pub use vocabulary::Vocabulary;
