//! This crate holds only the integration tests, in `tests/api/`.
