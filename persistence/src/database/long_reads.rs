//! The long-read budget: exports and reports over many districts run a bounded number at once,
//! each on a thread of its own at lower priority, so that they cannot take the pool's
//! connections, the blocking threads or the cores from the desks' interactive work.
//!
//! Measured before this budget (10k cases, 2 cores): twelve concurrent exports and reports made
//! a coordinator's `GET /cases/{id}` answer 503 five times in 132 and take up to 10.3 s.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::error::Error;

/// How many long reads run at once, how many may wait, and for how long.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LongReadSettings {
    /// Long reads running at once in this instance.
    pub running: usize,
    /// Long reads waiting for a turn; one more is refused at once.
    pub waiting: usize,
    /// The longest a long read waits for its turn before it is refused.
    pub longest_wait: Duration,
    /// What a refusal tells the client to wait before asking again.
    pub retry_after: Duration,
}

impl Default for LongReadSettings {
    fn default() -> Self {
        LongReadSettings {
            running: 2,
            waiting: 8,
            longest_wait: Duration::from_secs(20),
            retry_after: Duration::from_secs(5),
        }
    }
}

pub(super) struct LongReads {
    settings: LongReadSettings,
    turns: Arc<Semaphore>,
    waiting: AtomicUsize,
}

impl LongReads {
    pub(super) fn new(settings: LongReadSettings) -> LongReads {
        let turns = Arc::new(Semaphore::new(settings.running.max(1)));
        LongReads { settings, turns, waiting: AtomicUsize::new(0) }
    }

    /// A turn to run a long read: at once while fewer than `running` run, else after a wait in
    /// a queue of at most `waiting` (first come, first served) of at most `longest_wait`.
    pub(super) async fn admit(&self) -> Result<OwnedSemaphorePermit, Error> {
        if let Ok(turn) = self.turns.clone().try_acquire_owned() {
            return Ok(turn);
        }
        let busy = Error::LongReadsBusy { retry_after: self.settings.retry_after };
        let queued = Queued::join(&self.waiting);
        if queued.ahead >= self.settings.waiting {
            return Err(busy);
        }
        match tokio::time::timeout(self.settings.longest_wait, self.turns.clone().acquire_owned()).await {
            Ok(Ok(turn)) => Ok(turn),
            _ => Err(busy),
        }
    }
}

/// A place in the queue, given up when dropped.
struct Queued<'a> {
    count: &'a AtomicUsize,
    ahead: usize,
}

impl<'a> Queued<'a> {
    fn join(count: &'a AtomicUsize) -> Queued<'a> {
        let ahead = count.fetch_add(1, Ordering::SeqCst);
        Queued { count, ahead }
    }
}

impl Drop for Queued<'_> {
    fn drop(&mut self) {
        self.count.fetch_sub(1, Ordering::SeqCst);
    }
}

/// Runs `work` on a new thread at lower priority, holding `turn` until it ends.
pub(super) fn spawn(turn: OwnedSemaphorePermit, work: impl FnOnce() + Send + 'static) -> Result<(), Error> {
    let span = tracing::Span::current();
    std::thread::Builder::new()
        .name("long-read".into())
        .spawn(move || {
            let _turn = turn;
            let _entered = span.enter();
            lower_this_threads_priority();
            work();
        })
        .map(|_| ())
        .map_err(|err| Error::Internal(format!("cannot start a long read: {err}")))
}

/// Nice 10 for the calling thread: the scheduler then gives the desks' threads about ten times
/// its share of a busy core. Linux sets the nice value of one thread with `setpriority` on its
/// thread id; elsewhere the long read runs at normal priority.
fn lower_this_threads_priority() {
    #[cfg(target_os = "linux")]
    // SAFETY: gettid has no preconditions; setpriority only changes this thread's nice value
    // (raising it needs no privilege) and reports failure through its return value.
    unsafe {
        let thread = libc::syscall(libc::SYS_gettid) as libc::id_t;
        if libc::setpriority(libc::PRIO_PROCESS, thread, 10) != 0 {
            tracing::debug!("the long read runs at normal priority: setpriority was refused");
        }
    }
}
