//! One connection type for both backends, the backend it runs on, and timestamps as stored.

use diesel::{PgConnection, RunQueryDsl, SqliteConnection};

use crate::error::{DISK_IO_ERROR, Error, read_only};

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

    /// A storage error, classified with what the connection can tell beyond the message. SQLite
    /// words every write the system refused as a bare "disk I/O error": a file made immutable,
    /// or a filesystem the kernel remounted read-only after errors, refuses the connections
    /// already open that way (those opened after it get `SQLITE_READONLY`). When the database's
    /// files cannot be written, the database is read-only, not damaged.
    pub fn storage_error(&mut self, error: diesel::result::Error) -> Error {
        let classified = Error::from(error);
        if let (Error::Damaged(message), DbConnection::Sqlite(sqlite)) = (&classified, self)
            && message.to_ascii_lowercase().contains(DISK_IO_ERROR)
            && let Some(path) = unwritable_database_file(sqlite)
        {
            return read_only(format!("{message}: {path} cannot be written"));
        }
        classified
    }
}

impl DbConnection {
    /// On SQLite, refuses a write as read-only when this process may not write the database's
    /// files. The system checks permissions when a file is opened, so a connection opened
    /// before the files were made read-only would go on writing while one opened after is
    /// refused; asked before each write, every connection answers alike.
    pub fn refuse_if_files_read_only(&mut self) -> Result<(), Error> {
        match self {
            DbConnection::Sqlite(sqlite) => match unwritable_database_file(sqlite) {
                Some(path) => Err(read_only(format!("attempt to write a readonly database: {path} cannot be written"))),
                None => Ok(()),
            },
            DbConnection::Postgresql(_) => Ok(()),
        }
    }
}

/// The database file, or its write-ahead log, that this process may not write, if any. Asked
/// with `access(2)`, which opens nothing: closing a descriptor of the database file would
/// release the locks SQLite holds on it.
fn unwritable_database_file(sqlite: &mut SqliteConnection) -> Option<String> {
    let main = sqlite_main_file(sqlite)?;
    [main.clone(), format!("{main}-wal")].into_iter().find(|path| {
        let Ok(c_path) = std::ffi::CString::new(path.as_str()) else { return false };
        // SAFETY: `c_path` is a valid NUL-terminated string that outlives the call; faccessat
        // only reads it. AT_EACCESS asks with this process's effective ids, as its writes are.
        let denied = unsafe { libc::faccessat(libc::AT_FDCWD, c_path.as_ptr(), libc::W_OK, libc::AT_EACCESS) } != 0;
        // A write-ahead log that does not exist yet is not a refusal.
        denied && std::io::Error::last_os_error().raw_os_error() != Some(libc::ENOENT)
    })
}

/// The path of the connection's main database file, as SQLite opened it.
pub(crate) fn sqlite_main_file(sqlite: &mut SqliteConnection) -> Option<String> {
    #[derive(diesel::QueryableByName)]
    struct Main {
        #[diesel(sql_type = diesel::sql_types::Text)]
        file: String,
    }
    let main: Main =
        diesel::sql_query("SELECT file FROM pragma_database_list WHERE name = 'main'").get_result(sqlite).ok()?;
    Some(main.file).filter(|file| !file.is_empty())
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
