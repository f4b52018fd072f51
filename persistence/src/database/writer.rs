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
//!   way and answers an internal error.
//! - Writes of a group see the writes committed before them in the same group, as if they had
//!   run one after the other — which they do.
//! - PostgreSQL takes writes from many connections (and instances) at once, and grouping them
//!   in one transaction could make two instances' groups wait on each other's rows: there a
//!   write runs on a pool connection in its own transaction.

use std::sync::mpsc;

use domain::audit::AuditEntry;
use tokio::sync::oneshot;

use crate::audit;
use crate::db::{DbConnection, Pool, in_savepoint, write_transaction};
use crate::error::Error;

/// Delivers a write's outcome once the group's commit is known.
type Deliver = Box<dyn FnOnce(&Result<(), Error>) + Send>;

/// A request's write, ready to run on the group's connection; given none when the group's
/// transaction could not begin (no connection, a refused `BEGIN`), it runs nothing and answers
/// the group's error.
type WriteJob = Box<dyn FnOnce(Option<&mut DbConnection>) -> Deliver + Send>;

enum Job {
    /// Audit entries of a read (none: a flush), answered once committed.
    Entries { entries: Vec<AuditEntry>, done: oneshot::Sender<Result<(), Error>> },
    /// A request's write: runs in its own savepoint, then waits for the commit.
    Write(WriteJob),
}

pub(super) struct Writer {
    queue: mpsc::Sender<Job>,
    /// Requests' writes come here (SQLite), or run on the pool (PostgreSQL).
    groups_writes: bool,
}

/// Audit entries per transaction at most, and writes per transaction at most: bounds on the
/// time one commit holds the lock and on what one failed commit takes with it.
const MAX_ENTRIES_PER_COMMIT: usize = 2_000;
const MAX_WRITES_PER_COMMIT: usize = 64;

impl Writer {
    /// Starts the writer thread; it ends when the writer is dropped.
    pub(super) fn start(pool: Pool, groups_writes: bool) -> Writer {
        let (queue, waiting) = mpsc::channel::<Job>();
        let spawned = std::thread::Builder::new().name("writer".into()).spawn(move || commit_groups(&pool, &waiting));
        if let Err(err) = spawned {
            // Without the thread every audited read and every write answers 503.
            tracing::error!(%err, "cannot start the writer thread");
        }
        Writer { queue, groups_writes }
    }

    /// Commits `entries` (with others waiting at the same time) and answers once they are
    /// durable; with none, once everything submitted before is.
    pub(super) async fn record(&self, entries: Vec<AuditEntry>) -> Result<(), Error> {
        let (done, answer) = oneshot::channel();
        self.queue.send(Job::Entries { entries, done }).map_err(|_| stopped())?;
        metrics::gauge!("inlav_writer_queue_jobs").increment(1.0);
        answer.await.map_err(|_| stopped())?
    }

    pub(super) fn groups_writes(&self) -> bool {
        self.groups_writes
    }

    /// Runs `work` in a savepoint of the next group's transaction and answers its result once
    /// the group is committed. Only for a writer that [groups writes](Self::groups_writes).
    pub(super) async fn write<T, E, F>(&self, work: F) -> Result<T, E>
    where
        F: FnOnce(&mut DbConnection) -> Result<T, E> + Send + 'static,
        T: Send + 'static,
        E: From<Error> + Send + 'static,
    {
        let (done, answer) = oneshot::channel::<Result<T, E>>();
        let span = tracing::Span::current();
        let job = Job::Write(Box::new(move |conn: Option<&mut DbConnection>| -> Deliver {
            let outcome = conn.map(|conn| {
                let _entered = span.enter();
                in_savepoint(conn, work).unwrap_or_else(|| {
                    tracing::error!("a write panicked; its savepoint was rolled back");
                    Err(E::from(Error::Internal("a write panicked".into())))
                })
            });
            Box::new(move |committed: &Result<(), Error>| {
                let delivered = match (committed, outcome) {
                    (Ok(()), Some(outcome)) => outcome,
                    (Err(error), _) => Err(E::from(error.clone())),
                    (Ok(()), None) => Err(E::from(Error::Internal("a write of the group was not run".into()))),
                };
                let _ = done.send(delivered);
            })
        }));
        self.queue.send(job).map_err(|_| E::from(stopped()))?;
        metrics::gauge!("inlav_writer_queue_jobs").increment(1.0);
        answer.await.map_err(|_| E::from(stopped()))?
    }
}

fn stopped() -> Error {
    Error::Unavailable("the writer thread is not running".into())
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
        let jobs = group.waiting.len() + group.writes.len();
        metrics::gauge!("inlav_writer_queue_jobs").decrement(jobs as f64);
        metrics::histogram!("inlav_writer_group_jobs").record(jobs as f64);
        metrics::histogram!("inlav_writer_group_audit_entries").record(group.entries.len() as f64);
        group.commit(pool);
    }
}

/// What one transaction commits, and who waits for it.
#[derive(Default)]
struct Group {
    entries: Vec<AuditEntry>,
    waiting: Vec<oneshot::Sender<Result<(), Error>>>,
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
        let committed: Result<(), Error> = if entries.is_empty() && writes.is_empty() {
            Ok(())
        } else {
            let mut writes = writes.into_iter();
            let committed = super::acquire(pool).map_err(Error::from).and_then(|mut conn| {
                conn.refuse_if_files_read_only()?;
                write_transaction(&mut conn, |conn| {
                    for write in writes.by_ref() {
                        deliveries.push(write(Some(&mut *conn)));
                    }
                    audit::append(conn, entries)
                })
            });
            // Writes the transaction never ran answer its error too.
            deliveries.extend(writes.map(|write| write(None)));
            committed
        };
        match &committed {
            // A full, read-only or damaged storage is logged once per episode by the api.
            Err(error) if error.is_storage_fault() => {
                tracing::debug!(%error, "a group of writes could not be committed; its requests were refused")
            }
            Err(error) => {
                tracing::error!(%error, "a group of writes could not be committed; its requests were refused")
            }
            Ok(()) => {}
        }
        for deliver in deliveries {
            deliver(&committed);
        }
        for done in waiting {
            let _ = done.send(committed.clone());
        }
    }
}
