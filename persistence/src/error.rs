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
    /// The disk holding the database is full (SQLite `SQLITE_FULL`, PostgreSQL `53100`, or
    /// `53200` out of memory): the write was rolled back, and works again once space is freed.
    #[error("the storage is full: {0}")]
    StorageFull(String),
    /// The database takes no writes: a read-only file or mount (SQLite `SQLITE_READONLY`), a
    /// PostgreSQL standby (`25006`). Reads still work.
    #[error("the database is read-only: {0}")]
    ReadOnly(String),
    /// The database file is damaged or is not a database, or the disk failed (SQLite
    /// `SQLITE_CORRUPT`, `SQLITE_NOTADB`, `SQLITE_IOERR`).
    #[error("the storage failed: {0}")]
    Damaged(String),
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

impl Error {
    /// Whether the storage itself is at fault (full, read-only, damaged), not the work asked.
    pub fn is_storage_fault(&self) -> bool {
        matches!(self, Error::StorageFull(_) | Error::ReadOnly(_) | Error::Damaged(_))
    }
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
                if let Some(fault) = storage_fault(&message) {
                    return fault;
                }
                match kind {
                    DatabaseErrorKind::UniqueViolation | DatabaseErrorKind::ForeignKeyViolation => {
                        Error::Conflict(message)
                    }
                    DatabaseErrorKind::ClosedConnection => Error::Unavailable(message),
                    DatabaseErrorKind::ReadOnlyTransaction => read_only(message),
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
        let message = error.to_string();
        storage_fault(&message).unwrap_or(Error::Unavailable(message))
    }
}

thread_local! {
    /// Whether this thread's connection was just refused a write as read-only. Work on a
    /// connection runs on one thread, which returns the connection to the pool at its end.
    static REFUSED_AS_READ_ONLY: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Whether the connection this thread returns to the pool was refused a write as read-only
/// since it was last asked (then the pool drops it: once a standby is promoted or a mount made
/// writable again, fresh connections write, where a kept session would stay read-only).
pub fn take_refused_as_read_only() -> bool {
    REFUSED_AS_READ_ONLY.with(|refused| refused.replace(false))
}

/// A write refused because the database takes none; the connection that met it is marked so
/// that the pool drops it (see [`take_refused_as_read_only`]).
pub(crate) fn read_only(message: String) -> Error {
    REFUSED_AS_READ_ONLY.with(|refused| refused.set(true));
    Error::ReadOnly(message)
}

/// How SQLite words every failed read, write or sync of its files, whatever the system's cause.
pub(crate) const DISK_IO_ERROR: &str = "disk i/o error";

/// A fault of the storage itself, as SQLite and PostgreSQL word it (diesel passes neither
/// SQLite's result code nor every SQLSTATE on): a full disk, a read-only database, a damaged
/// file. Its cause is not the request's, and no retry of the request alone mends it.
pub fn storage_fault(message: &str) -> Option<Error> {
    let lower = message.to_ascii_lowercase();
    let any = |needles: &[&str]| needles.iter().any(|needle| lower.contains(needle));
    if any(&[
        "database or disk is full",
        "no space left on device",
        "could not extend file",
        "disk quota exceeded",
        "out of memory",
    ]) {
        Some(Error::StorageFull(message.to_string()))
    } else if any(&["attempt to write a readonly database", "read-only transaction", "read-only file system"]) {
        Some(read_only(message.to_string()))
    } else if any(&["database disk image is malformed", "file is not a database", DISK_IO_ERROR]) {
        Some(Error::Damaged(message.to_string()))
    } else {
        None
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
