//! People move: a person's record passes from one district's PUA to another's (trasferimento),
//! and a coordinator facing an urgent protection need may read a person of another district
//! for a short time (accesso d'emergenza).
//!
//! A transfer is asked for by the receiving district, which knows of the person only that a
//! record exists elsewhere (a match of a registration, or a codice fiscale), and answered by
//! the coordinator of the district holding the record, with the person's consent to the move:
//! given, the transfer is accepted; refused, it is declined.
//!
//! ```text
//! requested ──accept (consent given)──> accepted
//!     │ ─────decline (or consent refused)──> declined
//!     └──────cancel (receiving district)──> cancelled
//! ```

use chrono::{DateTime, Duration, NaiveDate, Utc};
use uuid::Uuid;

use crate::cases::{Case, CaseChanges, CaseStatus, Closure, EventKind, NewCaseEvent, Outcome, REASON_MAX_CHARS};
use crate::consents::ConsentMethod;
use crate::districts::DistrictCode;
use crate::iso::parse_language;
use crate::users::Role;
use crate::validation::{Violations, check_label};
use crate::vocabulary;

vocabulary! {
    pub enum TransferStatus as "transfer_statuses" {
        Requested => ("requested", "Richiesto", "Requested"),
        Accepted => ("accepted", "Accettato", "Accepted"),
        Declined => ("declined", "Rifiutato", "Declined"),
        Cancelled => ("cancelled", "Annullato", "Cancelled"),
    }
}

/// How long the token of a match found in another district names the record.
pub const MATCH_LIFETIME: Duration = Duration::minutes(30);

/// How long emergency access lasts.
pub const EMERGENCY_ACCESS_LIFETIME: Duration = Duration::hours(24);

/// The person's answer when asked whether their record may move.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TransferConsent {
    pub granted: bool,
    pub given_on: NaiveDate,
    pub method: ConsentMethod,
    /// ISO 639-1: the language the person was asked in.
    pub language: String,
}

/// A request to move a person's record, and its answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transfer {
    pub id: Uuid,
    pub beneficiary_id: Uuid,
    pub from_district: DistrictCode,
    pub to_district: DistrictCode,
    pub status: TransferStatus,
    pub reason: String,
    pub requested_by: Uuid,
    pub requested_at: DateTime<Utc>,
    pub decided_by: Option<Uuid>,
    pub decided_at: Option<DateTime<Utc>>,
    pub decision_note: Option<String>,
    pub consent: Option<TransferConsent>,
    /// The case the receiving district opened on acceptance.
    pub opened_case_id: Option<Uuid>,
    pub version: i32,
    pub updated_at: DateTime<Utc>,
}

/// Read-only access of a coordinator of another district to one person.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmergencyAccess {
    pub id: Uuid,
    pub beneficiary_id: Uuid,
    pub owner_district: DistrictCode,
    pub opened_for: DistrictCode,
    pub opened_by: Uuid,
    pub reason: String,
    pub opened_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

/// A reason as recorded: required, trimmed, bounded.
pub fn check_reason(field: &str, raw: Option<&str>) -> Result<String, Violations> {
    Ok(check_label(field, raw.unwrap_or(""), REASON_MAX_CHARS)?)
}

/// What a caller asks of a transfer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TransferDecision {
    pub to: TransferStatus,
    pub consent: Option<TransferConsent>,
    pub note: Option<String>,
}

/// Who asks, and from where.
#[derive(Debug, Clone, Copy)]
pub struct Decider<'a> {
    pub role: Role,
    pub districts: &'a [DistrictCode],
}

/// Why a transfer cannot move as asked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TransferRefusal {
    Forbidden(&'static str),
    Invalid(Violations),
    NotReachable { from: TransferStatus, to: TransferStatus },
}

/// The statuses a transfer in `status` may move to.
pub fn next_statuses(status: TransferStatus) -> &'static [TransferStatus] {
    match status {
        TransferStatus::Requested => &[TransferStatus::Accepted, TransferStatus::Declined, TransferStatus::Cancelled],
        TransferStatus::Accepted | TransferStatus::Declined | TransferStatus::Cancelled => &[],
    }
}

/// A decision the rules accept, as it is recorded: the note trimmed, the consent checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decided {
    pub status: TransferStatus,
    pub note: Option<String>,
    pub consent: Option<TransferConsent>,
}

/// Checks a decision on `transfer` by `decider` on `today`. The holding district's
/// coordinator accepts (with the person's consent) or declines (saying why, or recording the
/// refused consent); the receiving district withdraws its own request.
pub fn decide(
    transfer: &Transfer,
    decider: Decider<'_>,
    decision: TransferDecision,
    today: NaiveDate,
) -> Result<Decided, TransferRefusal> {
    if !next_statuses(transfer.status).contains(&decision.to) {
        return Err(TransferRefusal::NotReachable { from: transfer.status, to: decision.to });
    }
    let holder = decider.role == Role::DistrictCoordinator && decider.districts.contains(&transfer.from_district);
    let requester = matches!(decider.role, Role::DistrictCoordinator | Role::CaseWorker)
        && decider.districts.contains(&transfer.to_district);
    let mut v = Violations::new();
    let note = decision.note.as_deref().map(str::trim).filter(|n| !n.is_empty());
    let note = note.and_then(|n| v.check(check_label("note", n, REASON_MAX_CHARS)));
    let consent = decision.consent.and_then(|c| v.take(check_consent(c, today)));
    match decision.to {
        TransferStatus::Accepted | TransferStatus::Declined if !holder => {
            return Err(TransferRefusal::Forbidden(
                "only a coordinator of the district holding the record answers a transfer",
            ));
        }
        TransferStatus::Cancelled if !requester => {
            return Err(TransferRefusal::Forbidden("only the district that asked withdraws a transfer"));
        }
        TransferStatus::Accepted => match &consent {
            None if v.is_empty() => v.add("consent", "required", "record the person's consent to the transfer"),
            Some(c) if !c.granted => {
                v.add("consent.granted", "refused", "the person refused: decline the transfer instead")
            }
            _ => {}
        },
        TransferStatus::Declined => {
            if note.is_none() && consent.as_ref().is_none_or(|c| c.granted) {
                v.add("note", "required", "say why, or record the person's refusal");
            }
            if consent.as_ref().is_some_and(|c| c.granted) {
                v.add("consent.granted", "given", "the person agreed: accept the transfer, or say why not in a note");
            }
        }
        TransferStatus::Cancelled if consent.is_some() => {
            v.add("consent", "not_allowed", "a withdrawal records no consent")
        }
        TransferStatus::Requested | TransferStatus::Cancelled => {}
    }
    v.finish(Decided { status: decision.to, note, consent }).map_err(TransferRefusal::Invalid)
}

fn check_consent(consent: TransferConsent, today: NaiveDate) -> Result<TransferConsent, Violations> {
    let mut v = Violations::new();
    if consent.given_on > today {
        v.add("consent.given_on", "in_future", "must not be in the future");
    }
    let language = v.check(parse_language("consent.language", &consent.language));
    v.finish(())?;
    Ok(TransferConsent { language: language.unwrap_or(consent.language), ..consent })
}

/// What an accepted transfer changes on a case still open in the sending district: closed at
/// `now` with the outcome `transferred`, and the timeline entry that says where the person went.
pub fn transfer_closure(
    case: &Case,
    to_district: &DistrictCode,
    actor: (Uuid, Role),
    now: DateTime<Utc>,
) -> (CaseChanges, NewCaseEvent) {
    let summary = format!("Trasferito al distretto {to_district} / Transferred to district {to_district}");
    let changes = CaseChanges {
        status: Some((CaseStatus::Closed, now)),
        closure: Some(Some(Closure { outcome: Outcome::Transferred, summary })),
        closure_request: case.closure_request.as_ref().map(|_| None),
        ..CaseChanges::default()
    };
    let event = NewCaseEvent {
        from_status: Some(case.status),
        to_status: Some(CaseStatus::Closed),
        effective_at: Some(now),
        details: Some(format!("outcome: {}; to district: {to_district}", Outcome::Transferred)),
        ..NewCaseEvent::new(case.id, EventKind::Transition, actor, now)
    };
    (changes, event)
}

/// Whether a transfer shows the person's id to a caller of `districts`: the district holding the
/// record when it was asked for does; the receiving district only once it holds the record.
pub fn shows_person(transfer: &Transfer, districts: &[DistrictCode]) -> bool {
    districts.contains(&transfer.from_district)
        || (transfer.status == TransferStatus::Accepted && districts.contains(&transfer.to_district))
}

/// Whether the case is open: an accepted transfer closes it in the sending district and opens
/// one in the receiving district.
pub fn still_open(case: &Case) -> bool {
    case.status != CaseStatus::Closed
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Vocabulary;

    fn district(code: &str) -> DistrictCode {
        DistrictCode::from_trusted(code.into())
    }

    fn day(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn requested() -> Transfer {
        Transfer {
            id: Uuid::from_u128(1),
            beneficiary_id: Uuid::from_u128(2),
            from_district: district("suzzara"),
            to_district: district("bergamo"),
            status: TransferStatus::Requested,
            reason: "works in Bergamo for the winter".into(),
            requested_by: Uuid::from_u128(3),
            requested_at: DateTime::<Utc>::MIN_UTC,
            decided_by: None,
            decided_at: None,
            decision_note: None,
            consent: None,
            opened_case_id: None,
            version: 1,
            updated_at: DateTime::<Utc>::MIN_UTC,
        }
    }

    fn consent(granted: bool) -> Option<TransferConsent> {
        Some(TransferConsent {
            granted,
            given_on: day("2026-12-01"),
            method: ConsentMethod::Oral,
            language: "AR".into(),
        })
    }

    fn decision(to: TransferStatus, consent: Option<TransferConsent>, note: Option<&str>) -> TransferDecision {
        TransferDecision { to, consent, note: note.map(Into::into) }
    }

    fn codes(refusal: TransferRefusal) -> Vec<String> {
        match refusal {
            TransferRefusal::Invalid(v) => {
                v.into_vec().into_iter().map(|v| format!("{}:{}", v.field, v.code)).collect()
            }
            other => vec![format!("{other:?}")],
        }
    }

    const TODAY: &str = "2026-12-01";

    #[test]
    fn the_holding_coordinator_accepts_with_the_persons_consent() {
        let suzzara = [district("suzzara")];
        let coordinator = Decider { role: Role::DistrictCoordinator, districts: &suzzara };
        let accepted =
            decide(&requested(), coordinator, decision(TransferStatus::Accepted, consent(true), None), day(TODAY));
        let accepted = accepted.unwrap();
        assert_eq!(accepted.status, TransferStatus::Accepted);
        assert_eq!(accepted.consent.unwrap().language, "ar", "the language is checked and folded");

        let bare = decide(&requested(), coordinator, decision(TransferStatus::Accepted, None, None), day(TODAY));
        assert_eq!(codes(bare.unwrap_err()), ["consent:required"]);
        let refused =
            decide(&requested(), coordinator, decision(TransferStatus::Accepted, consent(false), None), day(TODAY));
        assert_eq!(codes(refused.unwrap_err()), ["consent.granted:refused"]);
        let future = TransferConsent { given_on: day("2026-12-02"), ..consent(true).unwrap() };
        let early =
            decide(&requested(), coordinator, decision(TransferStatus::Accepted, Some(future), None), day(TODAY));
        assert_eq!(codes(early.unwrap_err()), ["consent.given_on:in_future"]);
    }

    #[test]
    fn a_refused_consent_or_a_reason_declines() {
        let suzzara = [district("suzzara")];
        let coordinator = Decider { role: Role::DistrictCoordinator, districts: &suzzara };
        assert!(
            decide(&requested(), coordinator, decision(TransferStatus::Declined, consent(false), None), day(TODAY))
                .is_ok()
        );
        assert!(
            decide(
                &requested(),
                coordinator,
                decision(TransferStatus::Declined, None, Some("case open here")),
                day(TODAY)
            )
            .is_ok()
        );
        let silent =
            decide(&requested(), coordinator, decision(TransferStatus::Declined, None, Some("  ")), day(TODAY));
        assert_eq!(codes(silent.unwrap_err()), ["note:required"]);
    }

    #[test]
    fn only_the_right_side_answers() {
        let suzzara = [district("suzzara")];
        let bergamo = [district("bergamo")];
        let worker_there = Decider { role: Role::CaseWorker, districts: &suzzara };
        let accept = || decision(TransferStatus::Accepted, consent(true), None);
        assert!(matches!(decide(&requested(), worker_there, accept(), day(TODAY)), Err(TransferRefusal::Forbidden(_))));
        let asker = Decider { role: Role::DistrictCoordinator, districts: &bergamo };
        assert!(matches!(decide(&requested(), asker, accept(), day(TODAY)), Err(TransferRefusal::Forbidden(_))));
        let asking_worker = Decider { role: Role::CaseWorker, districts: &bergamo };
        assert!(
            decide(&requested(), asking_worker, decision(TransferStatus::Cancelled, None, None), day(TODAY)).is_ok()
        );
        let holder = Decider { role: Role::DistrictCoordinator, districts: &suzzara };
        let cancel = decide(&requested(), holder, decision(TransferStatus::Cancelled, None, None), day(TODAY));
        assert!(matches!(cancel, Err(TransferRefusal::Forbidden(_))));
    }

    #[test]
    fn an_answered_transfer_is_final() {
        let suzzara = [district("suzzara")];
        let coordinator = Decider { role: Role::DistrictCoordinator, districts: &suzzara };
        for status in [TransferStatus::Accepted, TransferStatus::Declined, TransferStatus::Cancelled] {
            let answered = Transfer { status, ..requested() };
            for to in TransferStatus::ALL.iter().copied() {
                let refusal = decide(&answered, coordinator, decision(to, consent(true), None), day(TODAY));
                assert_eq!(refusal, Err(TransferRefusal::NotReachable { from: status, to }));
            }
        }
    }
}
