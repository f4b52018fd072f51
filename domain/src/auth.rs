//! Sessions: access-token lifetime, refresh-token rotation with reuse detection, and the
//! throttle on failed logins. Times are given by the caller; the domain never reads the clock.

use chrono::{DateTime, Duration, Utc};

/// Lifetime of an access token (JWT).
pub const ACCESS_TOKEN_TTL: Duration = Duration::minutes(15);
/// Lifetime of the access token of a login after an administrator reset the password: it
/// may only change the password.
pub const PASSWORD_CHANGE_TOKEN_TTL: Duration = Duration::minutes(5);

/// The lifetime of an access token, short when it may only change the password.
pub fn access_token_ttl(password_change_required: bool) -> Duration {
    if password_change_required { PASSWORD_CHANGE_TOKEN_TTL } else { ACCESS_TOKEN_TTL }
}

/// A refresh token must be used within this time, or the session ends.
pub const REFRESH_TOKEN_TTL: Duration = Duration::hours(12);
/// No session outlives this, however often it is refreshed: a new login is required.
pub const SESSION_MAX_AGE: Duration = Duration::days(7);

/// Failed logins tolerated per account within [`FAILURE_WINDOW`].
pub const MAX_FAILED_LOGINS: usize = 5;
pub const FAILURE_WINDOW: Duration = Duration::minutes(15);

/// When an account is locked by failed logins, the instant the lock lifts.
///
/// The lock holds while at least [`MAX_FAILED_LOGINS`] failures fall within the window before
/// `now`; it lifts when the oldest of the latest five leaves the window.
pub fn login_locked_until(failures: &[DateTime<Utc>], now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    let mut recent: Vec<DateTime<Utc>> =
        failures.iter().copied().filter(|at| *at > now - FAILURE_WINDOW && *at <= now).collect();
    if recent.len() < MAX_FAILED_LOGINS {
        return None;
    }
    recent.sort_unstable_by(|a, b| b.cmp(a));
    let until = recent[MAX_FAILED_LOGINS - 1] + FAILURE_WINDOW;
    (until > now).then_some(until)
}

/// What is known of a presented refresh token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RefreshTokenState {
    pub used: bool,
    pub revoked: bool,
    pub expires_at: DateTime<Utc>,
    /// When the whole session (the token family) ends.
    pub session_expires_at: DateTime<Utc>,
}

/// The answer to a refresh request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RefreshVerdict {
    /// Issue a new token in the same family, expiring at the given instant; mark this one used.
    Rotate { new_expires_at: DateTime<Utc> },
    /// The token was already used: it may have been stolen. Revoke the whole family.
    Reused,
    /// The family was revoked (logout, reuse, deactivation).
    Revoked,
    /// Too late: log in again.
    Expired,
}

pub fn judge_refresh(token: RefreshTokenState, now: DateTime<Utc>) -> RefreshVerdict {
    if token.revoked {
        RefreshVerdict::Revoked
    } else if token.used {
        RefreshVerdict::Reused
    } else if now >= token.expires_at || now >= token.session_expires_at {
        RefreshVerdict::Expired
    } else {
        RefreshVerdict::Rotate { new_expires_at: (now + REFRESH_TOKEN_TTL).min(token.session_expires_at) }
    }
}

/// Expiry of the first refresh token of a new session, and of the session itself.
pub fn new_session_expiry(now: DateTime<Utc>) -> (DateTime<Utc>, DateTime<Utc>) {
    (now + REFRESH_TOKEN_TTL, now + SESSION_MAX_AGE)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t0() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-03-02T09:00:00Z").unwrap().with_timezone(&Utc)
    }

    #[test]
    fn four_failures_do_not_lock() {
        let now = t0();
        let failures: Vec<_> = (1..=4).map(|m| now - Duration::minutes(m)).collect();
        assert_eq!(login_locked_until(&failures, now), None);
    }

    #[test]
    fn five_failures_in_the_window_lock_until_the_fifth_latest_ages_out() {
        let now = t0();
        let failures: Vec<_> = [1, 2, 3, 4, 10, 30].iter().map(|m| now - Duration::minutes(*m)).collect();
        assert_eq!(login_locked_until(&failures, now), Some(now - Duration::minutes(10) + FAILURE_WINDOW));
        // Five minutes later the failure at -10 min leaves the window: unlocked.
        let later = now + Duration::minutes(5);
        assert_eq!(login_locked_until(&failures, later), None);
    }

    #[test]
    fn failures_outside_the_window_do_not_count() {
        let now = t0();
        let failures: Vec<_> = [16, 20, 25, 30, 40].iter().map(|m| now - Duration::minutes(*m)).collect();
        assert_eq!(login_locked_until(&failures, now), None);
    }

    fn fresh() -> RefreshTokenState {
        let (expires_at, session_expires_at) = new_session_expiry(t0());
        RefreshTokenState { used: false, revoked: false, expires_at, session_expires_at }
    }

    #[test]
    fn a_fresh_token_rotates_within_the_session_bound() {
        let now = t0() + Duration::hours(1);
        assert_eq!(judge_refresh(fresh(), now), RefreshVerdict::Rotate { new_expires_at: now + REFRESH_TOKEN_TTL });
        // Near the end of the session, the new token cannot outlive it.
        let token = RefreshTokenState { expires_at: t0() + SESSION_MAX_AGE, ..fresh() };
        let late = t0() + SESSION_MAX_AGE - Duration::hours(1);
        assert_eq!(judge_refresh(token, late), RefreshVerdict::Rotate { new_expires_at: t0() + SESSION_MAX_AGE });
    }

    #[test]
    fn used_revoked_and_expired_tokens_are_refused() {
        let now = t0() + Duration::hours(1);
        assert_eq!(judge_refresh(RefreshTokenState { used: true, ..fresh() }, now), RefreshVerdict::Reused);
        assert_eq!(
            judge_refresh(RefreshTokenState { used: true, revoked: true, ..fresh() }, now),
            RefreshVerdict::Revoked
        );
        assert_eq!(judge_refresh(fresh(), t0() + REFRESH_TOKEN_TTL), RefreshVerdict::Expired);
        let token = RefreshTokenState { session_expires_at: now, ..fresh() };
        assert_eq!(judge_refresh(token, now), RefreshVerdict::Expired);
    }
}
