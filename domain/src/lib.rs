//! The rules of the InLav PUA system, free of storage, HTTP and clock.
//!
//! Each module is a capability, named as in the `persistence` and `api` crates.

pub mod access;
pub mod auth;
pub mod districts;
pub mod organizations;
pub mod services;
pub mod users;
pub mod validation;
pub mod vocabulary;

pub use vocabulary::Vocabulary;
