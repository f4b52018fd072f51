//! The writer thread: group commit of audit entries, and on SQLite of the writes of requests.
//!
//! Every read of personal data adds entries to the audit chain; one write transaction each
//! would serialise all reads behind the database's write lock (SQLite) or the chain's head row
//! (PostgreSQL), and an fsync each. On SQLite, writes meet the same limit: one writer at a
//! time, and each commit wrote every page it touched to the log and waited for the disk — at
//! about 1 ms a create, the core sat idle 40% of the time while creates queued. The writer
//! thread takes whatever is waiting — audit entries, and on SQLite requests' writes — runs it in
//! one transaction, commits once, then answers every request of the group.
//!
//! - A request answers only after its part is committed, so nothing is lost on a crash or at
//!   shutdown; when the commit fails, every request of the group gets the error and nothing of
//!   the group is stored.
//! - Each write runs in a savepoint of its own: one that fails (a stale version, a conflict)
//!   leaves no trace and does not affect the others; one that panics is rolled back the same
//!   way and answers 500.
//! - Writes of a group see the writes committed before them in the same group, as if they had
//!   run one after the other — which they do.
//! - PostgreSQL takes writes from many connections (and instances) at once, and grouping them
//!   in one transaction could make two instances' groups wait on each other's rows: there a
//!   write runs on a pool connection in its own transaction, as before.

use std::sync::mpsc;

use domain::audit::AuditEntry;
use persistence::audit as audit_store;
use persistence::{DbConnection, Pool, in_savepoint, write_transaction};
use tokio::sync::oneshot;

use crate::error::ApiError;

/// Delivers a write's outcome once the group's commit is known.
type Deliver = Box<dyn FnOnce(&Result<(), ApiError>) + Send>;

/// A request's write, ready to run on the group's connection.
type WriteJob = Box<dyn FnOnce(&mut DbConnection) -> Deliver + Send>;

enum Job {
    /// Audit entries of a read (none: a flush), answered once committed.
    Entries { entries: Vec<AuditEntry>, done: oneshot::Sender<Result<(), ApiError>> },
    /// A request's write: runs in its own savepoint, then waits for the commit.
    Write(WriteJob),
}

#[derive(Clone)]
pub struct Writer {
    queue: mpsc::Sender<Job>,
    /// Requests' writes go to the writer thread (SQLite), or to the pool (PostgreSQL).
    groups_writes: bool,
}

/// Audit entries per transaction at most, and writes per transaction at most: bounds on the
/// time one commit holds the lock and on what one failed commit takes with it.
const MAX_ENTRIES_PER_COMMIT: usize = 2_000;
const MAX_WRITES_PER_COMMIT: usize = 64;

impl Writer {
    /// Starts the writer thread; it ends when the last handle is dropped. `groups_writes`:
    /// requests' writes come here too (SQLite).
    pub fn start(pool: Pool, groups_writes: bool) -> Writer {
        let (queue, waiting) = mpsc::channel::<Job>();
        let spawned = std::thread::Builder::new().name("writer".into()).spawn(move || commit_groups(&pool, &waiting));
        if let Err(err) = spawned {
            // Without the thread every audited read and every write answers 503.
            tracing::error!(%err, "cannot start the writer thread");
        }
        Writer { queue, groups_writes }
    }

    /// Commits `entries` (with others waiting at the same time) and answers once they are durable.
    pub async fn record(&self, entries: Vec<AuditEntry>) -> Result<(), ApiError> {
        if entries.is_empty() {
            return Ok(());
        }
        self.submit_entries(entries).await
    }

    /// Answers once everything submitted before is committed.
    pub async fn flush(&self) -> Result<(), ApiError> {
        self.submit_entries(Vec::new()).await
    }

    async fn submit_entries(&self, entries: Vec<AuditEntry>) -> Result<(), ApiError> {
        let (done, answer) = oneshot::channel();
        self.queue.send(Job::Entries { entries, done }).map_err(|_| stopped())?;
        answer.await.map_err(|_| stopped())?
    }

    /// Whether requests' writes are grouped here (SQLite) rather than run on the pool.
    pub fn groups_writes(&self) -> bool {
        self.groups_writes
    }

    /// Runs `work` in a savepoint of the next group's transaction and answers its result once
    /// the group is committed. Only for a writer that [groups writes](Self::groups_writes).
    pub async fn write<T, F>(&self, work: F) -> Result<T, ApiError>
    where
        F: FnOnce(&mut DbConnection) -> Result<T, ApiError> + Send + 'static,
        T: Send + 'static,
    {
        let (done, answer) = oneshot::channel::<Result<T, ApiError>>();
        let span = tracing::Span::current();
        let job = Job::Write(Box::new(move |conn: &mut DbConnection| -> Deliver {
            let outcome = {
                let _entered = span.enter();
                in_savepoint(conn, work).unwrap_or_else(|| {
                    tracing::error!("a write panicked; its savepoint was rolled back");
                    Err(ApiError::internal())
                })
            };
            Box::new(move |committed: &Result<(), ApiError>| {
                let _ = done.send(committed.clone().and(outcome));
            })
        }));
        self.queue.send(job).map_err(|_| stopped())?;
        answer.await.map_err(|_| stopped())?
    }
}

fn stopped() -> ApiError {
    ApiError::unavailable("the database cannot be written now")
}

fn commit_groups(pool: &Pool, waiting: &mpsc::Receiver<Job>) {
    while let Ok(first) = waiting.recv() {
        let mut group = Group::default();
        group.add(first);
        while !group.is_full() {
            match waiting.try_recv() {
                Ok(next) => group.add(next),
                Err(_) => break,
            }
        }
        group.commit(pool);
    }
}

/// What one transaction commits, and who waits for it.
#[derive(Default)]
struct Group {
    entries: Vec<AuditEntry>,
    waiting: Vec<oneshot::Sender<Result<(), ApiError>>>,
    writes: Vec<WriteJob>,
}

impl Group {
    fn add(&mut self, job: Job) {
        match job {
            Job::Entries { mut entries, done } => {
                self.entries.append(&mut entries);
                self.waiting.push(done);
            }
            Job::Write(write) => self.writes.push(write),
        }
    }

    fn is_full(&self) -> bool {
        self.entries.len() >= MAX_ENTRIES_PER_COMMIT || self.writes.len() >= MAX_WRITES_PER_COMMIT
    }

    fn commit(self, pool: &Pool) {
        let Group { entries, waiting, writes } = self;
        let mut deliveries: Vec<Deliver> = Vec::with_capacity(writes.len());
        let committed: Result<(), ApiError> = if entries.is_empty() && writes.is_empty() {
            Ok(())
        } else {
            pool.get().map_err(|err| ApiError::from(persistence::Error::from(err))).and_then(|mut conn| {
                write_transaction(&mut conn, |conn| {
                    for write in writes {
                        deliveries.push(write(conn));
                    }
                    Ok(audit_store::append(conn, entries)?)
                })
            })
        };
        if let Err(error) = &committed {
            tracing::error!(status = %error.status(), "a group of writes could not be committed; its requests were refused");
        }
        for deliver in deliveries {
            deliver(&committed);
        }
        for done in waiting {
            let _ = done.send(committed.clone());
        }
    }
}
