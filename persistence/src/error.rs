//! Storage errors, classified so that a caller can answer with the right status.

use std::time::Duration;

use diesel::result::{DatabaseErrorKind, Error as DieselError};

/// Cloneable, so that the failure of a group commit can be given to every request of the group.
#[derive(Debug, Clone, thiserror::Error)]
pub enum Error {
    #[error("not found")]
    NotFound,
    /// The row changed since the caller read it (optimistic concurrency).
    #[error("the stored version differs from the expected one")]
    StaleVersion,
    /// A uniqueness or reference constraint refused the write.
    #[error("conflicts with stored data: {0}")]
    Conflict(String),
    /// SQLite could not take its lock within the busy timeout, or PostgreSQL cancelled a
    /// statement that ran too long: the work was rolled back and may be retried.
    #[error("the database is busy")]
    Busy,
    /// As many long reads (exports, reports over many districts) run as the instance allows,
    /// and as many wait: retry after the given time.
    #[error("too many long reads are running")]
    LongReadsBusy { retry_after: Duration },
    /// No connection could be obtained, or it was lost.
    #[error("the database is unavailable: {0}")]
    Unavailable(String),
    /// A stored value does not fit the domain (a code no vocabulary knows, a bad id).
    #[error("stored data is invalid: {0}")]
    Corrupt(String),
    /// The one reading a stream of results went away.
    #[error("the reader went away")]
    Cancelled,
    /// Work on the database panicked, or its thread could not run it.
    #[error("storage work failed: {0}")]
    Internal(String),
    #[error("database error: {0}")]
    Query(String),
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// A lookup's answer with "not found" as `None`: for callers to whom absence is an answer.
pub fn optional<T>(found: Result<T>) -> Result<Option<T>> {
    match found {
        Ok(value) => Ok(Some(value)),
        Err(Error::NotFound) => Ok(None),
        Err(other) => Err(other),
    }
}

impl From<DieselError> for Error {
    fn from(error: DieselError) -> Self {
        match error {
            DieselError::NotFound => Error::NotFound,
            DieselError::DatabaseError(kind, info) => {
                let message = info.message().to_string();
                match kind {
                    DatabaseErrorKind::UniqueViolation | DatabaseErrorKind::ForeignKeyViolation => {
                        Error::Conflict(message)
                    }
                    DatabaseErrorKind::ClosedConnection => Error::Unavailable(message),
                    DatabaseErrorKind::SerializationFailure => Error::Busy,
                    _ if is_busy_message(&message) => Error::Busy,
                    _ if is_connection_message(&message) => Error::Unavailable(message),
                    _ => Error::Query(DieselError::DatabaseError(kind, info).to_string()),
                }
            }
            DieselError::BrokenTransactionManager => Error::Unavailable("broken transaction".into()),
            other => Error::Query(other.to_string()),
        }
    }
}

impl From<r2d2::Error> for Error {
    fn from(error: r2d2::Error) -> Self {
        Error::Unavailable(error.to_string())
    }
}

/// SQLite reports lock contention only as text (SQLITE_BUSY / SQLITE_LOCKED).
/// SQLite's lock timeouts, and PostgreSQL cancelling a statement that ran past
/// `statement_timeout`: the work was rolled back and may be retried.
fn is_busy_message(message: &str) -> bool {
    message.contains("database is locked")
        || message.contains("database table is locked")
        || message.contains("database is busy")
        || message.contains("canceling statement due to statement timeout")
}

/// libpq reports a lost server as text when the kind is not set.
fn is_connection_message(message: &str) -> bool {
    let message = message.to_ascii_lowercase();
    message.contains("server closed the connection")
        || message.contains("connection to server")
        || message.contains("terminating connection")
        || message.contains("no connection to the server")
        || message.contains("could not receive data from server")
        || message.contains("could not send data to server")
}

/// Converts a stored code back into its vocabulary member.
pub fn decode<V: domain::Vocabulary>(code: &str) -> Result<V> {
    V::parse(code).map_err(|err| Error::Corrupt(err.to_string()))
}

pub fn decode_id(id: &str) -> Result<uuid::Uuid> {
    uuid::Uuid::parse_str(id).map_err(|_| Error::Corrupt(format!("`{id}` is not a UUID")))
}
