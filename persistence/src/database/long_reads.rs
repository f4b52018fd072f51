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
        let busy = || {
            metrics::counter!("inlav_long_reads_refused_total").increment(1);
            Error::LongReadsBusy { retry_after: self.settings.retry_after }
        };
        let queued = Queued::join(&self.waiting);
        if queued.ahead >= self.settings.waiting {
            return Err(busy());
        }
        match tokio::time::timeout(self.settings.longest_wait, self.turns.clone().acquire_owned()).await {
            Ok(Ok(turn)) => Ok(turn),
            _ => Err(busy()),
        }
    }

    /// How many long reads run, and how many wait for a turn.
    pub(super) fn occupancy(&self) -> (usize, usize) {
        let running = self.settings.running.max(1).saturating_sub(self.turns.available_permits());
        (running, self.waiting.load(Ordering::SeqCst))
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

/// The calling thread yields to every other: `SCHED_IDLE` runs it only on a core no desk thread
/// wants, and a desk thread that wakes takes the core at once. Measured at 10k cases with twelve
/// exports and reports running (docs/bench.md): a desk read's p99 was 3.9x its quiet p99 with the
/// long reads at nice 10 (a waking thread could wait out the long read's time slice) and 2.4x
/// with `SCHED_IDLE`, while as many exports finished. Where `SCHED_IDLE` is refused, nice 10;
/// outside Linux, normal priority.
fn lower_this_threads_priority() {
    #[cfg(target_os = "linux")]
    // SAFETY: sched_setscheduler and setpriority with id 0 / this thread's id only change the
    // scheduling of the calling thread (lowering it needs no privilege) and report failure
    // through their return value; gettid has no preconditions.
    unsafe {
        let param = libc::sched_param { sched_priority: 0 };
        if libc::sched_setscheduler(0, libc::SCHED_IDLE, &param) == 0 {
            return;
        }
        let thread = libc::syscall(libc::SYS_gettid) as libc::id_t;
        if libc::setpriority(libc::PRIO_PROCESS, thread, 10) != 0 {
            tracing::debug!("the long read runs at normal priority: SCHED_IDLE and setpriority were refused");
        }
    }
}
