//! Transactions: writes that take SQLite's lock up front (its writers queueing at one gate),
//! savepoints for grouped writes, snapshots for long reads, and reads run together.

use std::sync::{Condvar, Mutex, PoisonError};
use std::time::Duration;

use diesel::Connection;
use diesel::connection::{AnsiTransactionManager, TransactionManager};

use super::connection::DbConnection;
use crate::error::{Error, Result};

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

/// Rolls back every transaction and savepoint open on `conn` (after work on it panicked), so
/// that the connection goes back to the pool usable.
pub fn roll_back_all(conn: &mut DbConnection) {
    type Manager = <DbConnection as Connection>::TransactionManager;
    while transaction_depth(conn) > 0 {
        if Manager::rollback_transaction(conn).is_err() {
            break;
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
            if let Err(error) = Manager::begin_transaction(conn) {
                return Err(E::from(conn.storage_error(error)));
            }
        }
        Some(Err(other)) => return Err(E::from(conn.storage_error(other))),
    }
    match f(conn) {
        Ok(value) => match Manager::commit_transaction(conn) {
            Ok(()) => Ok(value),
            Err(error) => Err(E::from(conn.storage_error(error))),
        },
        Err(error) => match Manager::rollback_transaction(conn) {
            Ok(()) | Err(diesel::result::Error::BrokenTransactionManager) => Err(error),
            Err(rollback_error) => Err(E::from(conn.storage_error(rollback_error))),
        },
    }
}

#[cfg(test)]
mod tests {
    use diesel::SqliteConnection;
    use diesel::connection::SimpleConnection;

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
}
