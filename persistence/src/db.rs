//! Connections: the backend chosen by the URL scheme, one connection type for both backends,
//! the pool, SQLite pragmas, embedded migrations and write transactions.

use std::ffi::{c_char, c_int};
use std::path::{Path, PathBuf};
use std::sync::{Condvar, Mutex, Once, PoisonError};
use std::time::Duration;

use diesel::connection::{AnsiTransactionManager, SimpleConnection, TransactionManager};
use diesel::r2d2::R2D2Connection;
use diesel::{Connection, PgConnection, SqliteConnection};
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};
use libsqlite3_sys::{
    SQLITE_CONFIG_MEMSTATUS, SQLITE_DBCONFIG_ENABLE_QPSG, SQLITE_OK, sqlite3, sqlite3_api_routines,
    sqlite3_auto_extension, sqlite3_config, sqlite3_db_config,
};

use crate::error::{Error, Result};

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

const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("../migrations/sqlite");
const POSTGRES_MIGRATIONS: EmbeddedMigrations = embed_migrations!("../migrations/postgres");

/// Where the data lives, parsed from `DATABASE_URL`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DatabaseUrl {
    /// `sqlite://relative/path.db` or `sqlite:///absolute/path.db`.
    Sqlite { path: PathBuf },
    /// `postgres://…` or `postgresql://…`, handed to libpq.
    Postgres { url: String },
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct UrlError(String);

impl DatabaseUrl {
    pub fn parse(raw: &str) -> std::result::Result<DatabaseUrl, UrlError> {
        let raw = raw.trim();
        if let Some(rest) = raw.strip_prefix("sqlite://") {
            if rest.is_empty() || rest.contains('?') || rest == ":memory:" {
                return Err(UrlError(
                    "DATABASE_URL: a sqlite URL needs a file path, such as sqlite://data/inlav.db".into(),
                ));
            }
            Ok(DatabaseUrl::Sqlite { path: PathBuf::from(rest) })
        } else if raw.starts_with("postgres://") || raw.starts_with("postgresql://") {
            Ok(DatabaseUrl::Postgres { url: raw.to_string() })
        } else {
            let scheme = raw.split_once("://").map(|(scheme, _)| scheme).unwrap_or(raw);
            let scheme: String = scheme.chars().take(32).collect();
            Err(UrlError(format!(
                "DATABASE_URL: unsupported scheme `{scheme}`; use sqlite://path or postgres://user@host/db"
            )))
        }
    }

    pub fn backend(&self) -> Backend {
        match self {
            DatabaseUrl::Sqlite { .. } => Backend::Sqlite,
            DatabaseUrl::Postgres { .. } => Backend::Postgres,
        }
    }

    /// The URL without its password, for logs and messages.
    pub fn redacted(&self) -> String {
        match self {
            DatabaseUrl::Sqlite { path } => format!("sqlite://{}", path.display()),
            DatabaseUrl::Postgres { url } => redact_password(url),
        }
    }
}

fn redact_password(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_string();
    };
    let (authority, tail) = match rest.find('/') {
        Some(at) => rest.split_at(at),
        None => (rest, ""),
    };
    match authority.rsplit_once('@') {
        Some((userinfo, host)) => match userinfo.split_once(':') {
            Some((user, _password)) => format!("{scheme}://{user}:***@{host}{tail}"),
            None => url.to_string(),
        },
        None => url.to_string(),
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

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
        conn.batch_execute(&format!(
            "PRAGMA busy_timeout = {}; PRAGMA journal_mode = WAL; PRAGMA synchronous = {synchronous}; PRAGMA foreign_keys = ON; PRAGMA temp_store = MEMORY;",
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
        conn.is_broken()
    }
}

impl DbConnection {
    pub fn backend(&self) -> Backend {
        match self {
            DbConnection::Sqlite(_) => Backend::Sqlite,
            DbConnection::Postgresql(_) => Backend::Postgres,
        }
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

/// Applies the migrations not yet applied; answers their names.
pub fn run_migrations(conn: &mut DbConnection) -> Result<Vec<String>> {
    let applied = match conn {
        DbConnection::Sqlite(inner) => inner.run_pending_migrations(SQLITE_MIGRATIONS).map(names),
        DbConnection::Postgresql(inner) => inner.run_pending_migrations(POSTGRES_MIGRATIONS).map(names),
    };
    applied.map_err(|err| Error::Unavailable(format!("migration failed: {err}")))
}

/// How many embedded migrations the database still lacks.
pub fn pending_migrations(conn: &mut DbConnection) -> Result<usize> {
    let pending = match conn {
        DbConnection::Sqlite(inner) => inner.pending_migrations(SQLITE_MIGRATIONS).map(|m| m.len()),
        DbConnection::Postgresql(inner) => inner.pending_migrations(POSTGRES_MIGRATIONS).map(|m| m.len()),
    };
    pending.map_err(|err| Error::Unavailable(format!("cannot read the migrations table: {err}")))
}

fn names<M: std::fmt::Display>(migrations: Vec<M>) -> Vec<String> {
    migrations.iter().map(ToString::to_string).collect()
}

/// Runs `f` in a transaction meant to write. On SQLite it begins with `BEGIN IMMEDIATE`, so the
/// write lock is taken up front and waits under the busy timeout; a deferred transaction that
/// reads first could fail at once when another writer got in between.
///
/// A nested call joins the transaction already open, without a savepoint of its own: its
/// failure fails the enclosing work, which every caller passes on, and the enclosing
/// transaction (or the writer's savepoint, [`in_savepoint`]) undoes it. Work that must survive
/// a failure inside it takes a savepoint explicitly. A savepoint is two more statements, and a
/// create opened three of them.
///
/// On SQLite the writers of this process also queue at [`SQLITE_WRITERS`] first.
pub fn write_transaction<T, E, F>(conn: &mut DbConnection, f: F) -> std::result::Result<T, E>
where
    F: FnOnce(&mut DbConnection) -> std::result::Result<T, E>,
    E: From<Error>,
{
    if transaction_depth(conn) > 0 {
        return f(conn);
    }
    let _turn = if matches!(conn, DbConnection::Sqlite(_)) { Some(SQLITE_WRITERS.enter(WRITER_WAIT)?) } else { None };
    transaction_begun_with(conn, Some("BEGIN IMMEDIATE"), None, f)
}

/// SQLite has one writer at a time, and a connection that finds the lock taken polls for it
/// with sleeps of up to 100 ms: under a burst of writes a writer could lose every round for
/// the whole busy timeout (5 s, then 503), while the core sat idle. Writers of this process
/// instead queue here and the next one starts as soon as the previous commits. (Other
/// processes on the same file still meet SQLite's busy timeout.) One gate for the process,
/// whatever the file: writes to two SQLite databases from one process (tests) only take turns.
pub static SQLITE_WRITERS: WriterGate = WriterGate { busy: Mutex::new(false), freed: Condvar::new() };

/// How long a writer waits for its turn before the request is answered as busy (503).
const WRITER_WAIT: Duration = Duration::from_secs(10);

pub struct WriterGate {
    busy: Mutex<bool>,
    freed: Condvar,
}

/// The turn of one writer; the next one is let in when it is dropped.
pub struct WriterTurn(&'static WriterGate);

impl WriterGate {
    fn enter(&'static self, wait: Duration) -> Result<WriterTurn> {
        // A poisoned lock only means a writer panicked while holding the flag: the flag is
        // still meaningful.
        let busy = self.busy.lock().unwrap_or_else(PoisonError::into_inner);
        let (mut busy, timeout) =
            self.freed.wait_timeout_while(busy, wait, |busy| *busy).unwrap_or_else(PoisonError::into_inner);
        if timeout.timed_out() && *busy {
            return Err(Error::Busy);
        }
        *busy = true;
        Ok(WriterTurn(self))
    }
}

impl Drop for WriterTurn {
    fn drop(&mut self) {
        *self.0.busy.lock().unwrap_or_else(PoisonError::into_inner) = false;
        self.0.freed.notify_one();
    }
}

/// Runs `f` in a savepoint of the transaction open on `conn` and undoes its writes when it
/// fails, so the transaction stays usable for the next piece of work. A panic in `f` is caught
/// and its savepoints rolled back too; it answers `None`.
pub fn in_savepoint<T, E, F>(conn: &mut DbConnection, f: F) -> Option<std::result::Result<T, E>>
where
    F: FnOnce(&mut DbConnection) -> std::result::Result<T, E>,
    E: From<Error>,
{
    type Manager = <DbConnection as Connection>::TransactionManager;
    let depth = transaction_depth(conn);
    let outcome =
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| transaction_begun_with(conn, None, None, f)));
    match outcome {
        Ok(outcome) => Some(outcome),
        Err(_) => {
            while transaction_depth(conn) > depth {
                if Manager::rollback_transaction(conn).is_err() {
                    break;
                }
            }
            None
        }
    }
}

/// How many transactions and savepoints are open on `conn`.
pub fn transaction_depth(conn: &mut DbConnection) -> u32 {
    let depth = match conn {
        DbConnection::Sqlite(inner) => {
            AnsiTransactionManager::transaction_manager_status_mut(inner).transaction_depth()
        }
        DbConnection::Postgresql(inner) => {
            AnsiTransactionManager::transaction_manager_status_mut(inner).transaction_depth()
        }
    };
    depth.ok().flatten().map_or(0, |depth| depth.get())
}

/// Runs `f` over one consistent snapshot of the database, for reads made of several queries
/// that must agree (an export read twice). PostgreSQL: `REPEATABLE READ, READ ONLY`; SQLite
/// (WAL): a deferred transaction, whose snapshot is taken at its first read.
pub fn read_snapshot<T, E, F>(conn: &mut DbConnection, f: F) -> std::result::Result<T, E>
where
    F: FnOnce(&mut DbConnection) -> std::result::Result<T, E>,
    E: From<Error>,
{
    transaction_begun_with(conn, None, Some("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY"), f)
}

/// Runs the queries of one request's read together. SQLite: in one deferred read transaction,
/// so they see one snapshot, and the connection checks once — not before every query — whether
/// another connection has written; when one has (the audit writer commits all the time), SQLite
/// drops the connection's page cache, and each query read its pages from the file again.
/// PostgreSQL: as they are, each statement with its own snapshot; a transaction there would
/// cost two more round trips per request.
pub fn read_together<T, E, F>(conn: &mut DbConnection, f: F) -> std::result::Result<T, E>
where
    F: FnOnce(&mut DbConnection) -> std::result::Result<T, E>,
    E: From<Error>,
{
    match conn {
        DbConnection::Sqlite(_) => transaction_begun_with(conn, None, None, f),
        DbConnection::Postgresql(_) => f(conn),
    }
}

fn transaction_begun_with<T, E, F>(
    conn: &mut DbConnection,
    sqlite_begin: Option<&str>,
    postgres_begin: Option<&str>,
    f: F,
) -> std::result::Result<T, E>
where
    F: FnOnce(&mut DbConnection) -> std::result::Result<T, E>,
    E: From<Error>,
{
    type Manager = <DbConnection as Connection>::TransactionManager;
    let storage = |error: diesel::result::Error| E::from(Error::from(error));
    let begun = match (&mut *conn, sqlite_begin, postgres_begin) {
        (DbConnection::Sqlite(inner), Some(sql), _) => Some(AnsiTransactionManager::begin_transaction_sql(inner, sql)),
        (DbConnection::Postgresql(inner), _, Some(sql)) => {
            Some(AnsiTransactionManager::begin_transaction_sql(inner, sql))
        }
        _ => None,
    };
    match begun {
        Some(Ok(())) => {}
        Some(Err(diesel::result::Error::AlreadyInTransaction)) | None => {
            Manager::begin_transaction(conn).map_err(storage)?
        }
        Some(Err(other)) => return Err(storage(other)),
    }
    match f(conn) {
        Ok(value) => {
            Manager::commit_transaction(conn).map_err(storage)?;
            Ok(value)
        }
        Err(error) => match Manager::rollback_transaction(conn) {
            Ok(()) | Err(diesel::result::Error::BrokenTransactionManager) => Err(error),
            Err(rollback_error) => Err(storage(rollback_error)),
        },
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
    fn writers_take_turns_and_a_writer_gives_up_as_busy() {
        let gate: &'static WriterGate =
            Box::leak(Box::new(WriterGate { busy: Mutex::new(false), freed: Condvar::new() }));
        let first = gate.enter(Duration::from_secs(1)).expect("the gate is free");
        assert!(
            matches!(gate.enter(Duration::from_millis(20)), Err(Error::Busy)),
            "a second writer waits, then gives up"
        );
        // A waiting writer is let in as soon as the first one is done, well before its timeout.
        let waiter = std::thread::spawn(move || gate.enter(Duration::from_secs(30)).map(|_| ()).is_ok());
        std::thread::sleep(Duration::from_millis(20));
        drop(first);
        assert!(waiter.join().unwrap_or(false));
        assert!(gate.enter(Duration::from_millis(1)).is_ok(), "the turn is given back when dropped");
    }

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

    /// An in-memory database with one table of names.
    fn names_table() -> DbConnection {
        let mut conn = DbConnection::Sqlite(SqliteConnection::establish(":memory:").unwrap());
        conn.batch_execute("CREATE TABLE t (name TEXT NOT NULL)").unwrap();
        conn
    }

    fn insert_name(conn: &mut DbConnection, name: &str) -> Result<()> {
        use diesel::RunQueryDsl;
        diesel::sql_query(format!("INSERT INTO t VALUES ('{name}')")).execute(conn).map(|_| ()).map_err(Error::from)
    }

    fn stored_names(conn: &mut DbConnection) -> Vec<String> {
        use diesel::RunQueryDsl;
        #[derive(diesel::QueryableByName)]
        struct Name {
            #[diesel(sql_type = diesel::sql_types::Text)]
            name: String,
        }
        let names: Vec<Name> = diesel::sql_query("SELECT name FROM t ORDER BY rowid").load(conn).unwrap();
        names.into_iter().map(|n| n.name).collect()
    }

    #[test]
    fn a_savepoint_undoes_a_failed_or_panicking_piece_of_work_and_keeps_the_transaction() {
        let mut conn = names_table();
        let outcome: Result<()> = write_transaction(&mut conn, |conn| {
            insert_name(conn, "before")?;
            let panicked = in_savepoint(conn, |conn| -> Result<()> {
                insert_name(conn, "panicked")?;
                write_transaction(conn, |conn| -> Result<()> {
                    insert_name(conn, "panicked deeper")?;
                    panic!("a bug");
                })
            });
            assert!(panicked.is_none());
            let failed = in_savepoint(conn, |conn| -> Result<()> {
                insert_name(conn, "failed")?;
                Err(Error::StaleVersion)
            });
            assert!(matches!(failed, Some(Err(Error::StaleVersion))));
            assert!(matches!(in_savepoint(conn, |conn| insert_name(conn, "after")), Some(Ok(()))));
            Ok(())
        });
        assert!(outcome.is_ok());
        assert_eq!(transaction_depth(&mut conn), 0, "the transaction was committed, not left open");
        assert_eq!(stored_names(&mut conn), ["before", "after"]);
    }

    #[test]
    fn a_nested_write_transaction_joins_the_enclosing_one_and_fails_with_it() {
        let mut conn = names_table();
        let joined: Result<u32> = write_transaction(&mut conn, |conn| {
            insert_name(conn, "outer")?;
            write_transaction(conn, |conn| {
                insert_name(conn, "inner")?;
                Ok(transaction_depth(conn))
            })
        });
        assert_eq!(joined.unwrap(), 1, "no savepoint was opened");
        let failed: Result<()> = write_transaction(&mut conn, |conn| {
            insert_name(conn, "outer, failed")?;
            write_transaction(conn, |conn| {
                insert_name(conn, "inner, failed")?;
                Err(Error::StaleVersion)
            })
        });
        assert!(matches!(failed, Err(Error::StaleVersion)));
        assert_eq!(transaction_depth(&mut conn), 0);
        assert_eq!(stored_names(&mut conn), ["outer", "inner"]);
    }

    #[test]
    fn cached_sqlite_statements_are_not_prepared_again_for_each_new_limit() {
        assert_eq!(times_prepared_again(c"SELECT id FROM t WHERE k > 'a' ORDER BY id LIMIT ?1"), 0);
        assert_eq!(times_prepared_again(c"SELECT 1 LIMIT ?1"), 0);
    }

    #[test]
    fn urls_pick_the_backend_by_scheme() {
        assert_eq!(
            DatabaseUrl::parse("sqlite://data/inlav.db").unwrap(),
            DatabaseUrl::Sqlite { path: "data/inlav.db".into() }
        );
        assert_eq!(
            DatabaseUrl::parse("sqlite:///var/lib/inlav.db").unwrap(),
            DatabaseUrl::Sqlite { path: "/var/lib/inlav.db".into() }
        );
        assert_eq!(DatabaseUrl::parse("postgres://u@h/db").unwrap().backend(), Backend::Postgres);
        assert_eq!(DatabaseUrl::parse("postgresql://u@h/db").unwrap().backend(), Backend::Postgres);
        for bad in ["mysql://u@h/db", "data/inlav.db", "sqlite://", "sqlite://:memory:", "", "sqlite:data.db"] {
            assert!(DatabaseUrl::parse(bad).is_err(), "{bad}");
        }
        assert!(DatabaseUrl::parse("mysql://x").unwrap_err().to_string().contains("`mysql`"));
    }

    #[test]
    fn passwords_are_redacted() {
        let url = DatabaseUrl::parse("postgres://inlav:s3cret@db.example:5432/inlav?sslmode=require").unwrap();
        assert_eq!(url.redacted(), "postgres://inlav:***@db.example:5432/inlav?sslmode=require");
        let url = DatabaseUrl::parse("postgres://postgres@127.0.0.1/x").unwrap();
        assert_eq!(url.redacted(), "postgres://postgres@127.0.0.1/x");
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

    #[test]
    fn times_are_truncated_to_microseconds() {
        let at =
            chrono::DateTime::parse_from_rfc3339("2026-01-02T03:04:05.123456789Z").unwrap().with_timezone(&chrono::Utc);
        assert_eq!(to_db_time(at).to_string(), "2026-01-02 03:04:05.123456");
    }
}
