//! One connection type for both backends, the backend it runs on, and timestamps as stored.

use diesel::{PgConnection, SqliteConnection};

/// One connection type for both backends; queries are written once against it.
#[derive(diesel::MultiConnection)]
pub enum DbConnection {
    Postgresql(PgConnection),
    Sqlite(SqliteConnection),
}

/// Runs `body` with `$inner` bound to the backend's own connection. Through the multi-backend
/// connection, diesel writes out a statement's SQL text on every execution (its wrapper renders
/// the query each time it collects the binds), even when the prepared statement is cached: on a
/// read of one case that was a tenth of the server's instructions (callgrind). On the backend's
/// own connection a cached statement is found by its type and only its binds are collected. For
/// the statements of the hot paths (keyed lookups); `body` is written once and compiled for each
/// backend.
macro_rules! on_backend {
    ($conn:expr, |$inner:ident| $body:expr) => {
        match $conn {
            $crate::db::DbConnection::Sqlite($inner) => $body,
            $crate::db::DbConnection::Postgresql($inner) => $body,
        }
    };
}
pub(crate) use on_backend;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl DbConnection {
    pub fn backend(&self) -> Backend {
        match self {
            DbConnection::Sqlite(_) => Backend::Sqlite,
            DbConnection::Postgresql(_) => Backend::Postgres,
        }
    }
}

/// A timestamp as stored: UTC, truncated to microseconds so both backends round-trip it.
pub fn to_db_time(at: chrono::DateTime<chrono::Utc>) -> chrono::NaiveDateTime {
    use chrono::SubsecRound;
    at.trunc_subsecs(6).naive_utc()
}

pub fn from_db_time(at: chrono::NaiveDateTime) -> chrono::DateTime<chrono::Utc> {
    at.and_utc()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_are_truncated_to_microseconds() {
        let at =
            chrono::DateTime::parse_from_rfc3339("2026-01-02T03:04:05.123456789Z").unwrap().with_timezone(&chrono::Utc);
        assert_eq!(to_db_time(at).to_string(), "2026-01-02 03:04:05.123456");
    }
}
