//! How work reaches the database: one handle with an operation for each kind of work the use
//! cases do, so that none of them decides again how it runs.
//!
//! | operation | for | runs |
//! |---|---|---|
//! | [`lookup`](Database::lookup) | one record by its key | on SQLite on the caller's thread while a connection is free, else as `read` |
//! | [`read`](Database::read) | queries of a request | on the blocking pool, in one read transaction on SQLite |
//! | [`write`](Database::write) | a change | on SQLite in a group commit with other writes, on PostgreSQL in a transaction of its own |
//! | [`record`](Database::record) | audit entries of a read | in a group commit, answered once durable |
//! | [`snapshot`](Database::snapshot), [`stream`](Database::stream) | exports, reports over many districts | within the long-read budget, on a thread of lower priority, over one snapshot |
//!
//! Diesel is synchronous: nothing here blocks the caller's async thread but a SQLite lookup,
//! which SQLite answers from memory.

mod long_reads;
mod writer;

use std::sync::Arc;

use domain::audit::AuditEntry;
use tokio::sync::{mpsc, oneshot};

pub use self::long_reads::LongReadSettings;
use self::long_reads::LongReads;
use self::writer::Writer;
use crate::db::{Backend, DbConnection, Pool, read_snapshot, read_together, roll_back_all, write_transaction};
use crate::error::Error;

/// The database as the use cases see it. Cheap to clone: every clone shares the pool, the
/// writer thread and the long-read budget.
#[derive(Clone)]
pub struct Database(Arc<Inner>);

struct Inner {
    pool: Pool,
    backend: Backend,
    writer: Writer,
    long_reads: LongReads,
}

impl Database {
    /// Starts the writer thread; it ends when the last clone is dropped.
    pub fn new(pool: Pool, backend: Backend, long_reads: LongReadSettings) -> Database {
        let writer = Writer::start(pool.clone(), backend == Backend::Sqlite);
        Database(Arc::new(Inner { pool, backend, writer, long_reads: LongReads::new(long_reads) }))
    }

    pub fn backend(&self) -> Backend {
        self.0.backend
    }

    /// The pool, for maintenance that owns its connection (migrations, the command line).
    pub fn pool(&self) -> &Pool {
        &self.0.pool
    }

    /// Runs a lookup by key — a token's standing, one record by its id — on the caller's own
    /// thread when the database is SQLite and a connection is free at once, otherwise as
    /// [`read`](Self::read). SQLite answers such a lookup from its page cache in microseconds,
    /// less than it costs to hand the work to a blocking thread and be woken when it is done
    /// (read one case at 1M cases: about a fifth more requests a second). Anything that scans,
    /// sorts or may wait goes through `read`: the caller's thread serves other requests meanwhile.
    pub async fn lookup<T, E, F>(&self, work: F) -> Result<T, E>
    where
        F: FnOnce(&mut DbConnection) -> Result<T, E> + Send + 'static,
        T: Send + 'static,
        E: From<Error> + Send + 'static,
    {
        if self.0.backend == Backend::Sqlite
            && let Some(mut conn) = self.0.pool.try_get()
        {
            // As on the blocking pool, a panic fails the work, not the caller's thread; the
            // connection goes back without the read transaction the work left open.
            return std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| read_together(&mut conn, work)))
                .unwrap_or_else(|_| {
                    roll_back_all(&mut conn);
                    Err(panicked().into())
                });
        }
        self.read(work).await
    }

    /// Runs the queries of a read together (see [`read_together`]) on the blocking pool.
    pub async fn read<T, E, F>(&self, work: F) -> Result<T, E>
    where
        F: FnOnce(&mut DbConnection) -> Result<T, E> + Send + 'static,
        T: Send + 'static,
        E: From<Error> + Send + 'static,
    {
        self.on_blocking_pool(move |conn| read_together(conn, work)).await
    }

    /// Runs `work` in a write transaction and answers its result once committed. On SQLite it
    /// joins the next group commit (see [`writer`]); on PostgreSQL it runs on the pool in a
    /// transaction of its own.
    pub async fn write<T, E, F>(&self, work: F) -> Result<T, E>
    where
        F: FnOnce(&mut DbConnection) -> Result<T, E> + Send + 'static,
        T: Send + 'static,
        E: From<Error> + Send + 'static,
    {
        if self.0.writer.groups_writes() {
            self.0.writer.write(work).await
        } else {
            self.on_blocking_pool(move |conn| write_transaction(conn, work)).await
        }
    }

    /// Appends the audit entries of a read (with others waiting at the same time) and answers
    /// once they are durable: a read whose trail cannot be written must not answer.
    pub async fn record(&self, entries: Vec<AuditEntry>) -> Result<(), Error> {
        if entries.is_empty() {
            return Ok(());
        }
        self.0.writer.record(entries).await
    }

    /// Answers once everything submitted to the writer before is committed (at shutdown: the
    /// entries of requests whose clients went away before the answer).
    pub async fn flush(&self) -> Result<(), Error> {
        self.0.writer.record(Vec::new()).await
    }

    /// Runs a long read (a report over many districts) over one snapshot, within the long-read
    /// budget, on a thread of its own at lower priority, so that the interactive work of the
    /// desks keeps its latency. Beyond the budget it waits in a short queue; beyond the queue,
    /// or after the longest wait, it answers [`Error::LongReadsBusy`].
    pub async fn snapshot<T, E, F>(&self, work: F) -> Result<T, E>
    where
        F: FnOnce(&mut DbConnection) -> Result<T, E> + Send + 'static,
        T: Send + 'static,
        E: From<Error> + Send + 'static,
    {
        let permit = self.0.long_reads.admit().await?;
        let (answer, answered) = oneshot::channel();
        let pool = self.0.pool.clone();
        long_reads::spawn(permit, move || {
            let outcome =
                acquire(&pool).map_err(|err| E::from(err.into())).and_then(|mut conn| read_snapshot(&mut conn, work));
            let _ = answer.send(outcome);
        })?;
        answered.await.unwrap_or_else(|_| Err(panicked().into()))
    }

    /// Waits for a turn in the long-read budget (see [`snapshot`](Self::snapshot)): for a long
    /// read that must do something (write its audit entries) once admitted and before it runs.
    pub async fn long_read_turn(&self) -> Result<LongReadTurn, Error> {
        Ok(LongReadTurn(self.0.long_reads.admit().await?))
    }

    /// Runs a long read that produces items as it goes (an export), in its `turn`, as
    /// [`snapshot`](Self::snapshot) does, and answers the items as they come, at most `buffer`
    /// ahead of the reader. `work` hands each item to its [`Sink`]; when the reader goes away,
    /// the sink answers [`Error::Cancelled`] and the work should stop. A failure of `work`
    /// arrives as the last item.
    pub fn stream<R, F>(
        &self,
        turn: LongReadTurn,
        buffer: usize,
        work: F,
    ) -> Result<mpsc::Receiver<Result<R, Error>>, Error>
    where
        F: FnOnce(&mut DbConnection, &Sink<R>) -> Result<(), Error> + Send + 'static,
        R: Send + 'static,
    {
        let (sender, items) = mpsc::channel(buffer.max(1));
        let pool = self.0.pool.clone();
        long_reads::spawn(turn.0, move || {
            let sink = Sink(sender);
            let outcome = acquire(&pool)
                .map_err(Error::from)
                .and_then(|mut conn| read_snapshot(&mut conn, |conn| work(conn, &sink)));
            match outcome {
                Ok(()) | Err(Error::Cancelled) => {}
                Err(error) => {
                    let _ = sink.0.blocking_send(Err(error));
                }
            }
        })?;
        Ok(items)
    }

    /// Runs `work` on a connection of the pool, on the blocking pool, in no transaction of its
    /// own: for maintenance that manages its own (the command line, tests).
    pub async fn with_connection<T, E, F>(&self, work: F) -> Result<T, E>
    where
        F: FnOnce(&mut DbConnection) -> Result<T, E> + Send + 'static,
        T: Send + 'static,
        E: From<Error> + Send + 'static,
    {
        self.on_blocking_pool(work).await
    }

    async fn on_blocking_pool<T, E, F>(&self, work: F) -> Result<T, E>
    where
        F: FnOnce(&mut DbConnection) -> Result<T, E> + Send + 'static,
        T: Send + 'static,
        E: From<Error> + Send + 'static,
    {
        let pool = self.0.pool.clone();
        let span = tracing::Span::current();
        tokio::task::spawn_blocking(move || {
            let _entered = span.enter();
            let mut conn = acquire(&pool).map_err(|err| E::from(err.into()))?;
            work(&mut conn)
        })
        .await
        .unwrap_or_else(|_| Err(panicked().into()))
    }
}

/// What the pool and the long-read budget hold now, for the metrics.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Occupancy {
    pub connections_open: u32,
    pub connections_idle: u32,
    pub long_reads_running: usize,
    pub long_reads_waiting: usize,
}

impl Database {
    /// What the pool and the long-read budget hold now.
    pub fn occupancy(&self) -> Occupancy {
        let pool = self.0.pool.state();
        let (long_reads_running, long_reads_waiting) = self.0.long_reads.occupancy();
        Occupancy {
            connections_open: pool.connections,
            connections_idle: pool.idle_connections,
            long_reads_running,
            long_reads_waiting,
        }
    }
}

/// A connection from the pool; the wait for it is measured (`inlav_db_pool_wait_seconds`): a
/// pool too small for the load shows there before it shows as 503s.
pub(crate) fn acquire(pool: &Pool) -> Result<crate::db::PooledConnection, r2d2::Error> {
    let started = std::time::Instant::now();
    let conn = pool.get();
    metrics::histogram!("inlav_db_pool_wait_seconds").record(started.elapsed().as_secs_f64());
    conn
}

/// A turn in the long-read budget, held until the long read it is given to ends.
pub struct LongReadTurn(tokio::sync::OwnedSemaphorePermit);

/// Where a [`stream`](Database::stream)'s work hands its items.
pub struct Sink<R>(mpsc::Sender<Result<R, Error>>);

impl<R> Sink<R> {
    /// Waits until the reader has room; [`Error::Cancelled`] when the reader went away.
    pub fn send(&self, item: R) -> Result<(), Error> {
        self.0.blocking_send(Ok(item)).map_err(|_| Error::Cancelled)
    }
}

fn panicked() -> Error {
    tracing::error!("storage work panicked or was cancelled");
    Error::Internal("storage work panicked or was cancelled".into())
}

#[cfg(test)]
mod tests;
