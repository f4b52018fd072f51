use std::thread::{self, ThreadId};
use std::time::Duration;

use super::*;
use crate::db::{DatabaseUrl, PoolSettings, SqliteSync, connect};

/// A database on a fresh SQLite file with `connections` connections; the file goes with the guard.
fn sqlite_database(connections: u32, long_reads: LongReadSettings) -> (Database, impl Drop) {
    struct RemoveOnDrop(std::path::PathBuf);
    impl Drop for RemoveOnDrop {
        fn drop(&mut self) {
            for suffix in ["", "-wal", "-shm"] {
                let _ = std::fs::remove_file(format!("{}{suffix}", self.0.display()));
            }
        }
    }
    let path = std::env::temp_dir().join(format!("inlav-database-{}.db", uuid::Uuid::now_v7()));
    let settings = PoolSettings {
        max_size: connections,
        acquire_timeout: Duration::from_secs(5),
        connect_timeout: Duration::from_secs(5),
        sqlite_sync: SqliteSync::Normal,
        sqlite_busy_timeout: Duration::from_secs(1),
        statement_timeout: Duration::from_secs(5),
    };
    let pool = connect(DatabaseUrl::Sqlite { path: path.clone() }, settings).unwrap();
    // The pool opens its connections in the background; wait for one, as the server does.
    drop(pool.get().unwrap());
    (Database::new(pool, Backend::Sqlite, long_reads), RemoveOnDrop(path))
}

fn thread_of(database: &Database) -> impl std::future::Future<Output = Result<ThreadId, Error>> + '_ {
    database.lookup(|_| Ok(thread::current().id()))
}

#[tokio::test]
async fn on_sqlite_a_lookup_runs_on_the_callers_thread_while_a_connection_is_free() {
    let (database, _file) = sqlite_database(1, LongReadSettings::default());
    assert_eq!(thread_of(&database).await.unwrap(), thread::current().id());
    // The only connection is taken: the lookup waits for it on the blocking pool instead.
    let taken = database.pool().get().unwrap();
    let release = thread::spawn(move || {
        thread::sleep(Duration::from_millis(100));
        drop(taken);
    });
    assert_ne!(thread_of(&database).await.unwrap(), thread::current().id());
    release.join().unwrap();
}

#[tokio::test]
async fn a_lookup_that_panics_fails_its_work_and_the_thread_goes_on() {
    let (database, _file) = sqlite_database(1, LongReadSettings::default());
    let failed = database.lookup(|_| -> Result<(), Error> { panic!("a bug in a lookup") }).await;
    assert!(matches!(failed, Err(Error::Internal(_))), "{failed:?}");
    assert_eq!(thread_of(&database).await.unwrap(), thread::current().id(), "and its connection is back");
}

/// A long read that holds its turn until `release` is dropped or sent to, and says it started.
fn held_long_read(
    database: &Database,
) -> (oneshot::Receiver<()>, std::sync::mpsc::Sender<()>, tokio::task::JoinHandle<Result<bool, Error>>) {
    let (started, has_started) = oneshot::channel();
    let (release, released) = std::sync::mpsc::channel::<()>();
    let database = database.clone();
    let handle = tokio::spawn(async move {
        database
            .snapshot(move |_| {
                let _ = started.send(());
                let _ = released.recv_timeout(Duration::from_secs(10));
                Ok(yields_to_others())
            })
            .await
    });
    (has_started, release, handle)
}

#[tokio::test]
async fn long_reads_beyond_the_budget_wait_in_a_short_queue_and_beyond_it_are_refused_at_once() {
    let settings = LongReadSettings {
        running: 1,
        waiting: 1,
        longest_wait: Duration::from_secs(10),
        retry_after: Duration::from_secs(7),
    };
    let (database, _file) = sqlite_database(4, settings);
    let (first_started, release_first, first) = held_long_read(&database);
    first_started.await.unwrap();
    // The second waits for the first's turn.
    let (second_started, release_second, second) = held_long_read(&database);
    tokio::time::sleep(Duration::from_millis(50)).await;
    // The queue is full: the third is refused at once, with the time to wait.
    let third = database.snapshot(|_| Ok::<_, Error>(0)).await;
    assert!(matches!(third, Err(Error::LongReadsBusy { retry_after }) if retry_after == Duration::from_secs(7)));
    // Interactive reads are not part of the budget.
    assert_eq!(database.read(|_| Ok::<_, Error>(1)).await.unwrap(), 1);
    drop(release_first);
    first.await.unwrap().unwrap();
    second_started.await.unwrap();
    drop(release_second);
    second.await.unwrap().unwrap();
}

#[tokio::test]
async fn a_long_read_waits_no_longer_than_its_longest_wait() {
    let settings = LongReadSettings {
        running: 1,
        waiting: 4,
        longest_wait: Duration::from_millis(50),
        retry_after: Duration::from_secs(1),
    };
    let (database, _file) = sqlite_database(4, settings);
    let (started, release, first) = held_long_read(&database);
    started.await.unwrap();
    let waited = database.snapshot(|_| Ok::<_, Error>(0)).await;
    assert!(matches!(waited, Err(Error::LongReadsBusy { .. })), "{waited:?}");
    drop(release);
    first.await.unwrap().unwrap();
}

#[cfg(target_os = "linux")]
#[tokio::test]
async fn long_reads_run_at_lower_priority_than_the_desks() {
    let (database, _file) = sqlite_database(2, LongReadSettings::default());
    assert!(database.snapshot(|_| Ok::<_, Error>(yields_to_others())).await.unwrap());
    assert!(!database.read(|_| Ok::<_, Error>(yields_to_others())).await.unwrap());
}

#[tokio::test]
async fn a_stream_hands_its_items_over_and_stops_when_the_reader_goes_away() {
    let (database, _file) = sqlite_database(2, LongReadSettings::default());
    let mut items = database
        .stream(database.long_read_turn().await.unwrap(), 2, |_, sink| {
            for n in 0..5 {
                sink.send(n)?;
            }
            Ok(())
        })
        .unwrap();
    let mut seen = Vec::new();
    while let Some(item) = items.recv().await {
        seen.push(item.unwrap());
    }
    assert_eq!(seen, [0, 1, 2, 3, 4]);

    let (stopped, has_stopped) = oneshot::channel();
    let mut items = database
        .stream(database.long_read_turn().await.unwrap(), 1, move |_, sink| {
            let outcome = (0..1_000_000).try_for_each(|n| sink.send(n));
            let _ = stopped.send(outcome);
            Ok(())
        })
        .unwrap();
    assert_eq!(items.recv().await.unwrap().unwrap(), 0);
    drop(items);
    assert!(matches!(has_stopped.await.unwrap(), Err(Error::Cancelled)), "the work learns the reader is gone");

    let mut items = database
        .stream(database.long_read_turn().await.unwrap(), 1, |_, sink| {
            sink.send(1)?;
            Err(Error::Busy)
        })
        .unwrap();
    assert_eq!(items.recv().await.unwrap().unwrap(), 1);
    assert!(matches!(items.recv().await, Some(Err(Error::Busy))), "a failure is the last item");
}

/// Whether the calling thread runs only when others do not want its core: `SCHED_IDLE`, or the
/// fallback of a positive nice value.
fn yields_to_others() -> bool {
    #[cfg(target_os = "linux")]
    // SAFETY: both only read the calling thread's scheduling; errno is not needed for these values.
    unsafe {
        let thread = libc::syscall(libc::SYS_gettid) as libc::id_t;
        libc::sched_getscheduler(0) == libc::SCHED_IDLE || libc::getpriority(libc::PRIO_PROCESS, thread) > 0
    }
    #[cfg(not(target_os = "linux"))]
    false
}

#[tokio::test]
async fn writes_of_a_group_whose_transaction_cannot_begin_answer_its_error() {
    use diesel::connection::SimpleConnection;
    let (database, _file) = sqlite_database(2, LongReadSettings::default());
    // Another writer, outside this process's queue, holds the lock past the busy timeout (1 s).
    let mut other = database.pool().get().unwrap();
    other.batch_execute("BEGIN IMMEDIATE").unwrap();
    let refused = database.write(|_| -> Result<(), Error> { Ok(()) }).await;
    assert!(matches!(refused, Err(Error::Busy)), "the transaction's own error, not a lost answer: {refused:?}");
    other.batch_execute("ROLLBACK").unwrap();
    drop(other);
    database.write(|_| -> Result<(), Error> { Ok(()) }).await.unwrap();
}
