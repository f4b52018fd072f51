//! Alerts: what needs the team's attention, computed for a day.

use chrono::{DateTime, Duration, NaiveDate, Utc};

use crate::vocabulary;

vocabulary! {
    pub enum AlertKind as "alert_kinds" {
        PermitExpiring => ("permit_expiring", "Permesso in scadenza", "Permit expiring"),
        ReferralUnanswered => ("referral_unanswered", "Invio senza risposta", "Referral unanswered"),
        CaseIdle => ("case_idle", "Percorso senza attività", "Case without activity"),
        LegalDeadline => ("legal_deadline", "Scadenza legale vicina", "Legal deadline near"),
        MinorWithoutGuardian => ("minor_without_guardian", "Minore senza tutore", "Minor without a guardian"),
        /// A coordinator of another district opened one of the district's people (coordinators).
        EmergencyAccess => ("emergency_access", "Accesso d'emergenza da un altro distretto", "Emergency access from another district"),
    }
}

pub const PERMIT_WINDOW_DAYS: i64 = 60;
pub const REFERRAL_SILENCE_DAYS: i64 = 14;
pub const IDLE_DAYS: i64 = 30;
pub const DEADLINE_WINDOW_DAYS: i64 = 14;

/// A permit that expires from today to 60 days from now (inclusive).
pub fn permit_expiring(expires_on: NaiveDate, today: NaiveDate) -> bool {
    expires_on >= today && (expires_on - today).num_days() <= PERMIT_WINDOW_DAYS
}

/// A referral sent 14 days ago or more and not answered.
pub fn referral_unanswered(sent_at: DateTime<Utc>, now: DateTime<Utc>) -> bool {
    now - sent_at >= Duration::days(REFERRAL_SILENCE_DAYS)
}

/// A case in charge with no service or note for 30 days (counted from the latest of them, or
/// from the taking in charge).
pub fn case_idle(last_activity: DateTime<Utc>, now: DateTime<Utc>) -> bool {
    now - last_activity >= Duration::days(IDLE_DAYS)
}

/// A legal deadline from today to 14 days from now (inclusive).
pub fn deadline_near(deadline: NaiveDate, today: NaiveDate) -> bool {
    deadline >= today && (deadline - today).num_days() <= DEADLINE_WINDOW_DAYS
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn windows_include_their_ends() {
        let today = day("2026-03-02");
        assert!(permit_expiring(day("2026-03-02"), today));
        assert!(permit_expiring(day("2026-05-01"), today));
        assert!(!permit_expiring(day("2026-05-02"), today));
        assert!(!permit_expiring(day("2026-03-01"), today));
        assert!(deadline_near(day("2026-03-16"), today));
        assert!(!deadline_near(day("2026-03-17"), today));
        let now = today.and_hms_opt(9, 0, 0).unwrap().and_utc();
        assert!(referral_unanswered(now - Duration::days(14), now));
        assert!(!referral_unanswered(now - Duration::days(14) + Duration::seconds(1), now));
        assert!(case_idle(now - Duration::days(30), now));
        assert!(!case_idle(now - Duration::days(29), now));
    }
}
