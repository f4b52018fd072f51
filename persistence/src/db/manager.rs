//! Opening connections: the r2d2 manager that picks the backend from the URL and reports the
//! real error, the per-connection settings (SQLite pragmas, PostgreSQL timeouts), the
//! process-wide SQLite settings, and the pool.

use std::ffi::{c_char, c_int};
use std::path::Path;
use std::sync::Once;
use std::time::Duration;

use diesel::connection::SimpleConnection;
use diesel::r2d2::R2D2Connection;
use diesel::{Connection, PgConnection, SqliteConnection};
use libsqlite3_sys::{
    SQLITE_CONFIG_MEMSTATUS, SQLITE_DBCONFIG_ENABLE_QPSG, SQLITE_OK, sqlite3, sqlite3_api_routines,
    sqlite3_auto_extension, sqlite3_config, sqlite3_db_config,
};

use super::connection::{Backend, DbConnection};
use super::url::DatabaseUrl;

/// SQLite's `synchronous` pragma: FULL survives a power cut once a write is answered;
/// NORMAL (in WAL mode) survives a crash of the process but may lose the last commits on
/// power loss.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SqliteSync {
    Full,
    Normal,
}

#[derive(Debug, Clone)]
pub struct PoolSettings {
    pub max_size: u32,
    /// How long a request waits for a connection before the database counts as unavailable.
    pub acquire_timeout: Duration,
    /// PostgreSQL: how long establishing a connection may take.
    pub connect_timeout: Duration,
    pub sqlite_sync: SqliteSync,
    /// SQLite: how long a writer waits for another writer's lock.
    pub sqlite_busy_timeout: Duration,
    /// PostgreSQL: the longest a statement may run, and a transaction may sit idle, before the
    /// server cancels it; a stuck query then ends in an error rather than holding a connection.
    pub statement_timeout: Duration,
}

impl Default for PoolSettings {
    fn default() -> Self {
        PoolSettings {
            max_size: 8,
            acquire_timeout: Duration::from_secs(5),
            connect_timeout: Duration::from_secs(3),
            sqlite_sync: SqliteSync::Full,
            sqlite_busy_timeout: Duration::from_secs(5),
            statement_timeout: Duration::from_secs(30),
        }
    }
}

/// An r2d2 manager that opens the backend named by the URL and reports its real error
/// (diesel's own `establish` on a multi-connection tries each backend in turn and hides why).
#[derive(Debug, Clone)]
pub struct Manager {
    url: DatabaseUrl,
    settings: PoolSettings,
}

#[derive(Debug, thiserror::Error)]
pub enum ConnectError {
    #[error("{0}")]
    Connection(#[from] diesel::ConnectionError),
    #[error("{0}")]
    Query(#[from] diesel::result::Error),
    #[error("cannot create {path}: {source}")]
    Directory { path: String, source: std::io::Error },
}

impl Manager {
    pub fn new(url: DatabaseUrl, settings: PoolSettings) -> Manager {
        Manager { url, settings }
    }

    pub fn url(&self) -> &DatabaseUrl {
        &self.url
    }

    fn connect_sqlite(&self, path: &Path) -> std::result::Result<DbConnection, ConnectError> {
        configure_sqlite_library();
        create_private_file(path)
            .map_err(|source| ConnectError::Directory { path: path.display().to_string(), source })?;
        let mut conn = SqliteConnection::establish(&path.to_string_lossy())?;
        let synchronous = match self.settings.sqlite_sync {
            SqliteSync::Full => "FULL",
            SqliteSync::Normal => "NORMAL",
        };
        // journal_mode is persistent in the file; the others hold per connection. Temporary
        // storage in memory keeps the savepoint journal of a grouped write (see the api's
        // writer) off the disk: spilled to a file, it was a fifth of the writer's time.
        // `secure_delete` zeroes the space a change frees, so an erased person's old values
        // are not left in the file's free space (see `erasure::leave_no_trace`).
        conn.batch_execute(&format!(
            "PRAGMA busy_timeout = {}; PRAGMA journal_mode = WAL; PRAGMA synchronous = {synchronous}; PRAGMA foreign_keys = ON; PRAGMA temp_store = MEMORY; PRAGMA secure_delete = ON;",
            self.settings.sqlite_busy_timeout.as_millis()
        ))?;
        Ok(DbConnection::Sqlite(conn))
    }

    fn connect_postgres(&self, url: &str) -> std::result::Result<DbConnection, ConnectError> {
        let url = with_connect_timeout(url, self.settings.connect_timeout);
        let mut conn = PgConnection::establish(&url)?;
        let timeout = self.settings.statement_timeout.as_millis();
        conn.batch_execute(&format!(
            "SET statement_timeout = {timeout}; SET idle_in_transaction_session_timeout = {}; {RANDOM_PAGE_COST_UNLESS_SET}",
            timeout * 2
        ))?;
        Ok(DbConnection::Postgresql(conn))
    }
}

/// PostgreSQL's planner prices a random page read at 4 sequential ones by default (spinning
/// disks); its documentation suggests 1.1 for solid-state storage. At the default the list of
/// cases at 1M walked the interception-date index backwards, filtering out 10,000 rows that were
/// not of the district and status asked for (4,500 buffers, 7.6 ms), rather than the
/// (district, status, date) index made for it (260 buffers, 1.3 ms): lists of 50 485–497 ->
/// 770–788 req/s. Applied to our sessions only where nobody configured it (server, database,
/// role or connection options), so an administrator's value stands.
const RANDOM_PAGE_COST_UNLESS_SET: &str = "SELECT set_config('random_page_cost', '1.1', false) \
     WHERE (SELECT source FROM pg_settings WHERE name = 'random_page_cost') = 'default';";

/// Process-wide SQLite settings, applied once before our first connection opens.
///
/// - No memory statistics: with them every allocation inside SQLite takes one global mutex, and
///   the pool's threads queue on it (14% of a read's time, in futex calls, before this).
/// - The query-planner stability guarantee on every connection, set by an auto-extension (the
///   documented hook that sees each new connection). Without it SQLite expires a cached
///   statement whenever a new value is bound to a parameter its plan looked at — the `LIMIT ?`
///   of every `.first()` and of every page, and every indexed comparison once `ANALYZE` has
///   gathered samples — and the next step parses and plans the statement again: 28% of a read's
///   time went to re-preparing statements that diesel had cached. Our queries do not need plans
///   tuned to each value.
pub fn configure_sqlite_library() {
    static CONFIGURED: Once = Once::new();
    CONFIGURED.call_once(|| {
        // SAFETY: `sqlite3_config` must precede SQLite's initialisation and any other use of the
        // library; this runs before our first connection opens, and `Once` makes every other
        // opener wait for it. Had something initialised SQLite already, it answers
        // SQLITE_MISUSE and changes nothing. `sqlite3_auto_extension` is thread-safe.
        let (memstatus, extension) = unsafe {
            (
                sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0 as c_int),
                sqlite3_auto_extension(Some(enable_planner_stability)),
            )
        };
        if memstatus != SQLITE_OK {
            tracing::warn!(code = memstatus, "SQLite was initialised before its memory statistics could be turned off");
        }
        if extension != SQLITE_OK {
            tracing::warn!(
                code = extension,
                "SQLite connections will re-prepare statements: the auto-extension was refused"
            );
        }
    });
}

/// Runs on every new SQLite connection (registered by [`configure_sqlite_library`]).
unsafe extern "C" fn enable_planner_stability(
    db: *mut sqlite3,
    _error: *mut *mut c_char,
    _api: *const sqlite3_api_routines,
) -> c_int {
    // SAFETY: SQLite calls this with the connection it is opening; the option takes an int and
    // an optional out-pointer for the new value.
    unsafe { sqlite3_db_config(db, SQLITE_DBCONFIG_ENABLE_QPSG, 1 as c_int, std::ptr::null_mut::<c_int>()) };
    SQLITE_OK
}

/// Creates the database file (and its directory) readable by its owner only: it holds
/// personal data. SQLite gives its -wal and -shm files the same permissions.
fn create_private_file(path: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty() && !p.exists()) {
        std::fs::DirBuilder::new().recursive(true).mode(0o700).create(parent)?;
    }
    match std::fs::OpenOptions::new().write(true).create_new(true).mode(0o600).open(path) {
        Ok(_) => Ok(()),
        Err(err) if err.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(err) => Err(err),
    }
}

/// Adds libpq's `connect_timeout` unless the URL sets one, so an unreachable server fails fast.
fn with_connect_timeout(url: &str, timeout: Duration) -> String {
    if url.contains("connect_timeout=") {
        return url.to_string();
    }
    let separator = if url.contains('?') { '&' } else { '?' };
    format!("{url}{separator}connect_timeout={}", timeout.as_secs().max(1))
}

impl r2d2::ManageConnection for Manager {
    type Connection = DbConnection;
    type Error = ConnectError;

    fn connect(&self) -> std::result::Result<DbConnection, ConnectError> {
        match &self.url {
            DatabaseUrl::Sqlite { path } => self.connect_sqlite(path),
            DatabaseUrl::Postgres { url } => self.connect_postgres(url),
        }
    }

    fn is_valid(&self, conn: &mut DbConnection) -> std::result::Result<(), ConnectError> {
        conn.ping().map_err(ConnectError::from)
    }

    fn has_broken(&self, conn: &mut DbConnection) -> bool {
        crate::error::take_refused_as_read_only() || conn.is_broken()
    }
}

pub type Pool = r2d2::Pool<Manager>;
pub type PooledConnection = r2d2::PooledConnection<Manager>;

/// Opens one connection directly, so that a wrong URL or an unreachable server is reported
/// with its real cause, then builds the pool.
pub fn connect(url: DatabaseUrl, settings: PoolSettings) -> std::result::Result<Pool, ConnectError> {
    // A PostgreSQL connection can die with its server, so it is pinged before each use; a
    // SQLite connection is a file handle in this process, and the ping was one more query on
    // every request.
    let ping_on_checkout = url.backend() == Backend::Postgres;
    let manager = Manager::new(url, settings.clone());
    let probe = r2d2::ManageConnection::connect(&manager)?;
    drop(probe);
    let pool = r2d2::Pool::builder()
        .max_size(settings.max_size)
        .test_on_check_out(ping_on_checkout)
        .min_idle(Some(1))
        .connection_timeout(settings.acquire_timeout)
        .build_unchecked(manager);
    Ok(pool)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// How many times SQLite prepared `sql` again while it ran three times, each time with the
    /// value 1 bound anew, as diesel does for the `LIMIT ?` of `.first()`.
    fn times_prepared_again(sql: &std::ffi::CStr) -> c_int {
        use libsqlite3_sys::*;
        use std::ptr::{null, null_mut};
        configure_sqlite_library();
        // SAFETY: plain use of the C API on a private in-memory connection; every handle is
        // checked before use and released at the end.
        unsafe {
            let mut db = null_mut();
            let flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
            assert_eq!(sqlite3_open_v2(c":memory:".as_ptr(), &mut db, flags, null()), SQLITE_OK);
            let schema = c"CREATE TABLE t (id INTEGER PRIMARY KEY, k TEXT); CREATE INDEX t_k ON t (k);";
            assert_eq!(sqlite3_exec(db, schema.as_ptr(), None, null_mut(), null_mut()), SQLITE_OK);
            let mut stmt = null_mut();
            assert_eq!(
                sqlite3_prepare_v3(db, sql.as_ptr(), -1, SQLITE_PREPARE_PERSISTENT, &mut stmt, null_mut()),
                SQLITE_OK
            );
            for _ in 0..3 {
                assert_eq!(sqlite3_bind_int64(stmt, 1, 1), SQLITE_OK);
                assert!(matches!(sqlite3_step(stmt), SQLITE_ROW | SQLITE_DONE));
                sqlite3_reset(stmt);
            }
            let again = sqlite3_stmt_status(stmt, SQLITE_STMTSTATUS_REPREPARE, 0);
            sqlite3_finalize(stmt);
            sqlite3_close(db);
            again
        }
    }

    #[test]
    fn cached_sqlite_statements_are_not_prepared_again_for_each_new_limit() {
        assert_eq!(times_prepared_again(c"SELECT id FROM t WHERE k > 'a' ORDER BY id LIMIT ?1"), 0);
        assert_eq!(times_prepared_again(c"SELECT 1 LIMIT ?1"), 0);
    }

    #[test]
    fn connect_timeout_is_added_once() {
        assert_eq!(
            with_connect_timeout("postgres://h/db", Duration::from_secs(3)),
            "postgres://h/db?connect_timeout=3"
        );
        assert_eq!(
            with_connect_timeout("postgres://h/db?sslmode=disable", Duration::from_secs(3)),
            "postgres://h/db?sslmode=disable&connect_timeout=3"
        );
        assert_eq!(
            with_connect_timeout("postgres://h/db?connect_timeout=9", Duration::from_secs(3)),
            "postgres://h/db?connect_timeout=9"
        );
    }
}
