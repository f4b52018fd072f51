//! The HTTP routes, one module per capability. A handler parses the request, calls the use case
//! and renders its answer; no route module imports another's handlers.

pub mod activities;
pub mod alerts;
pub mod audit;
pub mod auth;
pub mod beneficiaries;
pub mod cases;
pub mod changes;
pub mod consents;
pub mod districts;
pub mod exports;
pub mod health;
pub mod legal;
pub mod network;
pub mod notes;
pub mod organizations;
pub mod pacts;
pub mod referrals;
pub mod reports;
pub mod service_accounts;
pub mod services;
pub mod transfers;
pub mod users;
pub mod vocabularies;
pub mod webhooks;
pub mod work_grants;
