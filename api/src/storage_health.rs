//! The storage's health as the answers show it: a write refused because the disk is full, the
//! database read-only or its file damaged starts an episode, which `/ready` reports and the log
//! names once; the next write that succeeds ends it. Each instance follows its own answers, and
//! writes a probe of its own at start and from `/ready` while a fault that mends by itself lasts:
//! a load balancer sends no requests to an instance whose `/ready` answers 503, so no request's
//! write would end the episode.

use std::sync::{Mutex, PoisonError};

use chrono::{DateTime, Utc};

use crate::problem::ProblemCode;

/// A storage fault seen in an answer, and since when.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StorageFault {
    pub code: ProblemCode,
    pub since: DateTime<Utc>,
}

/// The current episode, if any.
#[derive(Debug, Default)]
pub struct StorageHealth(Mutex<Option<StorageFault>>);

impl StorageHealth {
    /// The fault of the current episode.
    pub fn fault(&self) -> Option<StorageFault> {
        *self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Follows one answer: a storage problem starts (or changes) an episode, a write that
    /// succeeded ends it. Each change is logged once.
    pub fn observe(&self, code: Option<ProblemCode>, wrote: bool, now: DateTime<Utc>) {
        let mut current = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        match code.filter(|code| is_storage_fault(*code)) {
            Some(code) if current.is_none_or(|fault| fault.code != code) => {
                tracing::error!(problem = code.code(), "storage fault: writes are refused until it is mended");
                *current = Some(StorageFault { code, since: now });
            }
            None if wrote => {
                if let Some(fault) = current.take() {
                    tracing::warn!(problem = fault.code.code(), since = %fault.since, "storage mended: writes succeed again");
                }
            }
            _ => {}
        }
    }
}

/// Whether a fault can mend without an operator touching the service: space freed, the database
/// writable again, a standby promoted. While one lasts `/ready` tries a write to see (a damaged
/// file is repaired by an operator, who restarts the service).
pub fn mends_by_itself(code: ProblemCode) -> bool {
    matches!(code, ProblemCode::StorageFull | ProblemCode::ReadOnly)
}

/// The kinds of problem that say the storage itself is at fault.
pub fn is_storage_fault(code: ProblemCode) -> bool {
    matches!(code, ProblemCode::StorageFull | ProblemCode::ReadOnly | ProblemCode::StorageError)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_episode_starts_at_a_fault_and_ends_at_a_write_that_succeeds() {
        let health = StorageHealth::default();
        let now = DateTime::<Utc>::MIN_UTC;
        health.observe(Some(ProblemCode::NotFound), false, now);
        assert_eq!(health.fault(), None);
        health.observe(Some(ProblemCode::StorageFull), false, now);
        assert_eq!(health.fault().map(|f| f.code), Some(ProblemCode::StorageFull));
        health.observe(None, false, now);
        assert!(health.fault().is_some(), "a read that works says nothing of writes");
        health.observe(None, true, now);
        assert_eq!(health.fault(), None);
    }
}
