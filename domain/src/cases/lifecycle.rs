//! The lifecycle: which transitions a case can make, what taking in charge needs, and what
//! a transition or a closure decision changes.

use chrono::{DateTime, NaiveDate, Utc};
use uuid::Uuid;

use crate::beneficiaries::{Beneficiary, Minor, minor_on};
use crate::consents::{Consent, privacy_notice_given};
use crate::districts::District;
use crate::eligibility::{self, Assessment, Facts, Verdict};
use crate::users::Role;
use crate::validation::{Violation, Violations, check_label};

use super::case::*;

/// The statuses reachable from a status.
pub fn next_statuses(from: CaseStatus) -> &'static [CaseStatus] {
    use CaseStatus::*;
    match from {
        Intercepted => &[Screening, Closed],
        Screening => &[TakenInCharge, Closed],
        TakenInCharge => &[Suspended, Closed],
        Suspended => &[TakenInCharge, Closed],
        Closed => &[TakenInCharge],
    }
}

/// What taking in charge depends on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IntakeFacts {
    pub privacy_notice_given: bool,
    pub verdict: Verdict,
    pub eligibility_overridden: bool,
    pub need_count: usize,
    pub case_worker_assigned: bool,
    pub minor_without_guardian: bool,
}

/// The failed preconditions of taking in charge (empty when it may happen).
pub fn intake_preconditions(facts: &IntakeFacts) -> Vec<Precondition> {
    let mut failed = Vec::new();
    if !facts.privacy_notice_given {
        failed.push(Precondition::ConsentMissing);
    }
    if !facts.eligibility_overridden {
        match facts.verdict {
            Verdict::Eligible => {}
            Verdict::NotEligible => failed.push(Precondition::EligibilityNotMet),
            Verdict::Undetermined => failed.push(Precondition::EligibilityUndetermined),
        }
    }
    if facts.need_count == 0 {
        failed.push(Precondition::NoNeed);
    }
    if !facts.case_worker_assigned {
        failed.push(Precondition::NoCaseWorker);
    }
    if facts.minor_without_guardian {
        failed.push(Precondition::GuardianMissing);
    }
    failed
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TransitionRequest {
    pub to: CaseStatus,
    pub effective_at: DateTime<Utc>,
    pub reason: Option<String>,
    pub outcome: Option<Outcome>,
    pub summary: Option<String>,
}

/// What to do with an accepted transition request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Plan {
    Apply,
    /// Record the closure as a request for the coordinator's approval.
    AwaitApproval,
}

/// Why a transition request is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// The role may not do this (403).
    Forbidden(&'static str),
    /// The request is malformed (422).
    Invalid(Violations),
    /// Not reachable from the current status (409).
    NotReachable { from: CaseStatus, to: CaseStatus },
    /// Taking in charge lacks what it needs (409).
    Preconditions(Vec<Precondition>),
}

pub const REASON_MAX_CHARS: usize = 2000;
pub const SUMMARY_MAX_CHARS: usize = 4000;

/// Context of a transition the request itself does not carry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TransitionContext {
    pub role: Role,
    pub status: CaseStatus,
    /// Effective date of the case's previous event.
    pub previous_effective_at: DateTime<Utc>,
    pub now: DateTime<Utc>,
    pub closure_requires_approval: bool,
    pub intake: IntakeFacts,
}

/// Decides a transition: role, request, reachability, then preconditions.
pub fn plan_transition(context: &TransitionContext, request: &TransitionRequest) -> Result<Plan, Refusal> {
    let coordinator = context.role == Role::DistrictCoordinator;
    let reopening = context.status == CaseStatus::Closed && request.to == CaseStatus::TakenInCharge;
    match context.role {
        Role::DistrictCoordinator => {}
        Role::CaseWorker if reopening => return Err(Refusal::Forbidden("only a district coordinator reopens a case")),
        Role::CaseWorker => {}
        _ => return Err(Refusal::Forbidden("only case workers and district coordinators move a case")),
    }

    let mut v = Violations::new();
    v.check(check_effective_at("effective_at", request.effective_at, context.previous_effective_at, context.now));
    let reason = request.reason.as_deref().map(str::trim).filter(|r| !r.is_empty());
    if let Some(reason) = reason {
        v.check(check_label("reason", reason, REASON_MAX_CHARS));
    }
    if reason.is_none() && (reopening || request.to == CaseStatus::Suspended) {
        v.add("reason", "required", "say why the case is suspended or reopened");
    }
    let summary = request.summary.as_deref().map(str::trim).filter(|s| !s.is_empty());
    if request.to == CaseStatus::Closed {
        if request.outcome.is_none() {
            v.add("outcome", "required", "a closure carries its outcome");
        }
        match summary {
            None => v.add("summary", "required", "a closure carries a summary"),
            Some(s) if s.chars().count() > SUMMARY_MAX_CHARS => {
                v.add("summary", "too_long", format!("must be at most {SUMMARY_MAX_CHARS} characters"))
            }
            Some(_) => {}
        }
    } else {
        if request.outcome.is_some() {
            v.add("outcome", "not_allowed", "only a closure carries an outcome");
        }
        if summary.is_some() {
            v.add("summary", "not_allowed", "only a closure carries a summary");
        }
    }
    if !v.is_empty() {
        return Err(Refusal::Invalid(v));
    }

    if !next_statuses(context.status).contains(&request.to) {
        return Err(Refusal::NotReachable { from: context.status, to: request.to });
    }
    if request.to == CaseStatus::TakenInCharge {
        let failed = intake_preconditions(&context.intake);
        if !failed.is_empty() {
            return Err(Refusal::Preconditions(failed));
        }
    }
    if request.to == CaseStatus::Closed && context.closure_requires_approval && !coordinator {
        return Ok(Plan::AwaitApproval);
    }
    Ok(Plan::Apply)
}

/// Whether a case was taken in charge at any moment of `day`, from its status history: the
/// statuses it entered, with their effective dates, in order (the interception first).
pub fn in_charge_on(history: &[(DateTime<Utc>, CaseStatus)], day: NaiveDate) -> bool {
    let Some(start) = day.and_hms_opt(0, 0, 0).map(|t| t.and_utc()) else { return false };
    let end = start + chrono::Duration::days(1);
    history.iter().enumerate().any(|(i, (from, status))| {
        let until = history.get(i + 1).map(|(next, _)| *next);
        *status == CaseStatus::TakenInCharge && *from < end && until.is_none_or(|until| until > start)
    })
}

/// Effective dates are given by the operator, who records after the fact: never in the
/// future, never before the previous event.
pub fn check_effective_at(
    field: &str,
    effective_at: DateTime<Utc>,
    previous: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<(), Violation> {
    if effective_at > now {
        Err(Violation::new(field, "in_future", "must not be in the future"))
    } else if effective_at < previous {
        Err(Violation::new(
            field,
            "before_previous_event",
            format!("must not be before the previous event ({})", previous.to_rfc3339()),
        ))
    } else {
        Ok(())
    }
}

/// The eligibility of `case` and its `person` under the rule set of the case's `district`,
/// judged on `today`.
pub fn assess_eligibility(district: &District, case: &Case, person: &Beneficiary, today: NaiveDate) -> Assessment {
    let data = &person.data;
    eligibility::assess(
        district.settings.eligibility_rule_set,
        &Facts {
            citizenships: data.citizenships.clone(),
            contract: case.work.contract,
            profile: case.profile,
            indicator_count: case.indicators.len(),
            permit: data.permit.clone(),
            birth_date: data.birth_date,
            birth_year: data.birth_year,
            has_guardian: data.guardian.is_some(),
            intercepted_on: case.intercepted_at.date_naive(),
            today,
        },
    )
}

/// What taking `case` in charge on `day` depends on: the privacy notice in force then, the
/// eligibility `verdict` (or a coordinator's override), a need, a case worker, a guardian for a
/// minor.
pub fn intake_facts(
    case: &Case,
    person: &Beneficiary,
    consents: &[Consent],
    verdict: Verdict,
    day: NaiveDate,
) -> IntakeFacts {
    let data = &person.data;
    IntakeFacts {
        privacy_notice_given: privacy_notice_given(consents, day),
        verdict,
        eligibility_overridden: case.eligibility_override.is_some(),
        need_count: case.needs.len(),
        case_worker_assigned: case.case_worker_id.is_some(),
        minor_without_guardian: data.guardian.is_none()
            && minor_on(data.birth_date, data.birth_year, case.intercepted_at.date_naive()) == Minor::Yes,
    }
}

/// A transition's reason or a closure's summary as recorded: trimmed, absent when blank.
fn text(raw: Option<&str>) -> Option<String> {
    raw.map(str::trim).filter(|t| !t.is_empty()).map(ToString::to_string)
}

/// What a transition the state machine accepted (`plan`) changes on `case`, and the timeline
/// entry that records it.
pub fn transition_changes(
    case: &Case,
    plan: Plan,
    request: &TransitionRequest,
    actor: (Uuid, Role),
    now: DateTime<Utc>,
) -> (CaseChanges, NewCaseEvent) {
    let reason = text(request.reason.as_deref());
    let closure = request.outcome.zip(text(request.summary.as_deref()));
    let (changes, kind) = match plan {
        Plan::Apply => {
            let mut changes = CaseChanges {
                status: Some((request.to, request.effective_at)),
                closure_request: case.closure_request.as_ref().map(|_| None),
                ..CaseChanges::default()
            };
            match request.to {
                CaseStatus::TakenInCharge => {
                    changes.taken_in_charge_at = Some(Some(request.effective_at));
                    if case.status == CaseStatus::Closed {
                        changes.closure = Some(None);
                    }
                }
                CaseStatus::Closed => {
                    changes.closure = Some(closure.map(|(outcome, summary)| Closure { outcome, summary }));
                }
                _ => {}
            }
            (changes, EventKind::Transition)
        }
        Plan::AwaitApproval => {
            let request = closure.map(|(outcome, summary)| ClosureRequest {
                by: actor.0,
                effective_at: request.effective_at,
                outcome,
                summary,
                reason: reason.clone(),
            });
            (CaseChanges { closure_request: Some(request), ..CaseChanges::default() }, EventKind::ClosureRequested)
        }
    };
    let event = NewCaseEvent {
        from_status: Some(case.status),
        to_status: Some(request.to),
        effective_at: Some(request.effective_at),
        reason,
        details: request.outcome.map(|o| format!("outcome: {o}")),
        ..NewCaseEvent::new(case.id, kind, actor, now)
    };
    (changes, event)
}

/// A coordinator's answer to a closure a case worker requested.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClosureDecision {
    Approve,
    Reject,
}

/// Why a closure decision cannot be made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClosureDecisionRefusal {
    /// No closure is waiting.
    NoRequest,
    /// The case moved after the closure was requested.
    Outdated,
}

/// The reason given with a closure decision, checked: a rejection says why.
pub fn closure_decision_reason(decision: ClosureDecision, reason: Option<&str>) -> Result<Option<String>, Violation> {
    let reason = reason
        .map(str::trim)
        .filter(|r| !r.is_empty())
        .map(|r| check_label("reason", r, REASON_MAX_CHARS))
        .transpose()?;
    if decision == ClosureDecision::Reject && reason.is_none() {
        return Err(Violation::new("reason", "required", "say why the closure is rejected"));
    }
    Ok(reason)
}

/// What deciding the closure waiting on `case` changes, and the timeline entry that records
/// it; `reason` as [`closure_decision_reason`] answered it.
pub fn decide_closure(
    case: &Case,
    decision: ClosureDecision,
    reason: Option<String>,
    actor: (Uuid, Role),
    now: DateTime<Utc>,
) -> Result<(CaseChanges, NewCaseEvent), ClosureDecisionRefusal> {
    let Some(request) = &case.closure_request else { return Err(ClosureDecisionRefusal::NoRequest) };
    match decision {
        ClosureDecision::Approve => {
            if check_effective_at("effective_at", request.effective_at, case.status_since, now).is_err() {
                return Err(ClosureDecisionRefusal::Outdated);
            }
            let changes = CaseChanges {
                status: Some((CaseStatus::Closed, request.effective_at)),
                closure: Some(Some(Closure { outcome: request.outcome, summary: request.summary.clone() })),
                closure_request: Some(None),
                ..CaseChanges::default()
            };
            let event = NewCaseEvent {
                from_status: Some(case.status),
                to_status: Some(CaseStatus::Closed),
                effective_at: Some(request.effective_at),
                reason: reason.or(request.reason.clone()),
                details: Some(format!("outcome: {}; approved closure requested by {}", request.outcome, request.by)),
                ..NewCaseEvent::new(case.id, EventKind::Transition, actor, now)
            };
            Ok((changes, event))
        }
        ClosureDecision::Reject => Ok((
            CaseChanges { closure_request: Some(None), ..CaseChanges::default() },
            NewCaseEvent {
                reason,
                details: Some(format!("requested by {}", request.by)),
                ..NewCaseEvent::new(case.id, EventKind::ClosureRejected, actor, now)
            },
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Vocabulary;
    use chrono::Duration;

    fn now() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-03-02T09:00:00Z").unwrap().with_timezone(&Utc)
    }

    fn ready() -> IntakeFacts {
        IntakeFacts {
            privacy_notice_given: true,
            verdict: Verdict::Eligible,
            eligibility_overridden: false,
            need_count: 1,
            case_worker_assigned: true,
            minor_without_guardian: false,
        }
    }

    fn context(role: Role, status: CaseStatus) -> TransitionContext {
        TransitionContext {
            role,
            status,
            previous_effective_at: now() - Duration::days(10),
            now: now(),
            closure_requires_approval: false,
            intake: ready(),
        }
    }

    fn request(to: CaseStatus) -> TransitionRequest {
        let closing = to == CaseStatus::Closed;
        TransitionRequest {
            to,
            effective_at: now() - Duration::days(1),
            reason: Some("as agreed".into()),
            outcome: closing.then_some(Outcome::RegularEmployment),
            summary: closing.then(|| "hired with a regular contract".into()),
        }
    }

    #[test]
    fn every_allowed_and_refused_transition() {
        use CaseStatus::*;
        let allowed = [
            (Intercepted, Screening),
            (Intercepted, Closed),
            (Screening, TakenInCharge),
            (Screening, Closed),
            (TakenInCharge, Suspended),
            (TakenInCharge, Closed),
            (Suspended, TakenInCharge),
            (Suspended, Closed),
            (Closed, TakenInCharge),
        ];
        for from in CaseStatus::ALL.iter().copied() {
            for to in CaseStatus::ALL.iter().copied() {
                let result = plan_transition(&context(Role::DistrictCoordinator, from), &request(to));
                if allowed.contains(&(from, to)) {
                    assert_eq!(result, Ok(Plan::Apply), "{from} -> {to}");
                } else {
                    assert_eq!(result, Err(Refusal::NotReachable { from, to }), "{from} -> {to}");
                }
            }
        }
    }

    #[test]
    fn taking_in_charge_lists_every_failed_precondition() {
        let mut ctx = context(Role::CaseWorker, CaseStatus::Screening);
        ctx.intake = IntakeFacts {
            privacy_notice_given: false,
            verdict: Verdict::NotEligible,
            eligibility_overridden: false,
            need_count: 0,
            case_worker_assigned: false,
            minor_without_guardian: true,
        };
        let refused = plan_transition(&ctx, &request(CaseStatus::TakenInCharge));
        assert_eq!(
            refused,
            Err(Refusal::Preconditions(vec![
                Precondition::ConsentMissing,
                Precondition::EligibilityNotMet,
                Precondition::NoNeed,
                Precondition::NoCaseWorker,
                Precondition::GuardianMissing
            ]))
        );
        ctx.intake = IntakeFacts { verdict: Verdict::Undetermined, ..ready() };
        assert_eq!(
            plan_transition(&ctx, &request(CaseStatus::TakenInCharge)),
            Err(Refusal::Preconditions(vec![Precondition::EligibilityUndetermined]))
        );
        // A coordinator's override stands in for eligibility.
        ctx.intake = IntakeFacts { verdict: Verdict::NotEligible, eligibility_overridden: true, ..ready() };
        assert_eq!(plan_transition(&ctx, &request(CaseStatus::TakenInCharge)), Ok(Plan::Apply));
    }

    #[test]
    fn resuming_and_reopening_check_the_preconditions_again() {
        let mut ctx = context(Role::DistrictCoordinator, CaseStatus::Suspended);
        ctx.intake = IntakeFacts { privacy_notice_given: false, ..ready() };
        assert_eq!(
            plan_transition(&ctx, &request(CaseStatus::TakenInCharge)),
            Err(Refusal::Preconditions(vec![Precondition::ConsentMissing]))
        );
    }

    #[test]
    fn roles() {
        assert_eq!(
            plan_transition(&context(Role::CaseWorker, CaseStatus::Closed), &request(CaseStatus::TakenInCharge)),
            Err(Refusal::Forbidden("only a district coordinator reopens a case"))
        );
        for role in [
            Role::LegalAdvisor,
            Role::OutreachWorker,
            Role::Partner,
            Role::Admin,
            Role::Evaluator,
            Role::RegionalCoordinator,
        ] {
            assert!(matches!(
                plan_transition(&context(role, CaseStatus::Intercepted), &request(CaseStatus::Screening)),
                Err(Refusal::Forbidden(_))
            ));
        }
    }

    #[test]
    fn closure_needs_outcome_and_summary_and_may_await_approval() {
        let ctx = context(Role::CaseWorker, CaseStatus::TakenInCharge);
        let bare = TransitionRequest { outcome: None, summary: Some("  ".into()), ..request(CaseStatus::Closed) };
        let Err(Refusal::Invalid(v)) = plan_transition(&ctx, &bare) else { panic!() };
        assert_eq!(
            v.as_slice().iter().map(|v| (v.field.as_str(), v.code)).collect::<Vec<_>>(),
            [("outcome", "required"), ("summary", "required")]
        );

        let approving = TransitionContext { closure_requires_approval: true, ..ctx };
        assert_eq!(plan_transition(&approving, &request(CaseStatus::Closed)), Ok(Plan::AwaitApproval));
        let coordinator = TransitionContext { role: Role::DistrictCoordinator, ..approving };
        assert_eq!(plan_transition(&coordinator, &request(CaseStatus::Closed)), Ok(Plan::Apply));

        let stray = TransitionRequest { outcome: Some(Outcome::Other), ..request(CaseStatus::Screening) };
        let Err(Refusal::Invalid(v)) = plan_transition(&context(Role::CaseWorker, CaseStatus::Intercepted), &stray)
        else {
            panic!()
        };
        assert_eq!(v.as_slice()[0].code, "not_allowed");
    }

    #[test]
    fn suspension_and_reopening_need_a_reason() {
        let no_reason = TransitionRequest { reason: None, ..request(CaseStatus::Suspended) };
        let Err(Refusal::Invalid(v)) =
            plan_transition(&context(Role::CaseWorker, CaseStatus::TakenInCharge), &no_reason)
        else {
            panic!()
        };
        assert_eq!((v.as_slice()[0].field.as_str(), v.as_slice()[0].code), ("reason", "required"));
    }

    #[test]
    fn a_case_is_in_charge_on_the_days_its_intervals_cover() {
        let at = |s: &str| DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc);
        let day = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        let history = [
            (at("2026-01-01T10:00:00Z"), CaseStatus::Intercepted),
            (at("2026-01-05T10:00:00Z"), CaseStatus::TakenInCharge),
            (at("2026-01-10T00:00:00Z"), CaseStatus::Suspended),
            (at("2026-01-20T12:00:00Z"), CaseStatus::TakenInCharge),
            (at("2026-02-01T09:00:00Z"), CaseStatus::Closed),
        ];
        assert!(!in_charge_on(&history, day("2026-01-04")));
        assert!(in_charge_on(&history, day("2026-01-05")));
        assert!(in_charge_on(&history, day("2026-01-09")));
        assert!(!in_charge_on(&history, day("2026-01-10")));
        assert!(in_charge_on(&history, day("2026-01-20")));
        assert!(in_charge_on(&history, day("2026-02-01")));
        assert!(!in_charge_on(&history, day("2026-02-02")));
        assert!(!in_charge_on(&history[..1], day("2026-01-02")));
    }

    #[test]
    fn effective_dates_are_neither_future_nor_before_the_previous_event() {
        let ctx = context(Role::CaseWorker, CaseStatus::Intercepted);
        let future = TransitionRequest { effective_at: now() + Duration::seconds(1), ..request(CaseStatus::Screening) };
        let Err(Refusal::Invalid(v)) = plan_transition(&ctx, &future) else { panic!() };
        assert_eq!(v.as_slice()[0].code, "in_future");
        let early = TransitionRequest {
            effective_at: ctx.previous_effective_at - Duration::seconds(1),
            ..request(CaseStatus::Screening)
        };
        let Err(Refusal::Invalid(v)) = plan_transition(&ctx, &early) else { panic!() };
        assert_eq!(v.as_slice()[0].code, "before_previous_event");
        let same = TransitionRequest { effective_at: ctx.previous_effective_at, ..request(CaseStatus::Screening) };
        assert_eq!(plan_transition(&ctx, &same), Ok(Plan::Apply));
    }
}

/// The lifecycle stated generally: whatever the role, the statuses, the facts and the dates,
/// a transition is planned only when every rule allows it, and always when they all do.
#[cfg(test)]
mod properties;
