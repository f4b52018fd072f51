use chrono::Duration;
use proptest::prelude::*;
use proptest::sample::select;

use super::*;
use crate::Vocabulary;
use crate::districts::DistrictCode;

fn now() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-03-02T09:00:00Z").map(|t| t.with_timezone(&Utc)).unwrap_or_default()
}

fn facts() -> impl Strategy<Value = IntakeFacts> {
    (any::<bool>(), select(Verdict::ALL.to_vec()), any::<bool>(), 0..3usize, any::<bool>(), any::<bool>()).prop_map(
        |(privacy_notice_given, verdict, eligibility_overridden, need_count, case_worker_assigned, minor)| {
            IntakeFacts {
                privacy_notice_given,
                verdict,
                eligibility_overridden,
                need_count,
                case_worker_assigned,
                minor_without_guardian: minor,
            }
        },
    )
}

fn text() -> impl Strategy<Value = Option<String>> {
    select(vec![None, Some(String::new()), Some("  ".to_string()), Some("lost contact for months".to_string())])
}

prop_compose! {
    /// Mostly well-formed requests, so that the rules beyond the form are reached often;
    /// the rest anything at all.
    fn situation()(
        role in select(Role::ALL.to_vec()),
        status in select(CaseStatus::ALL.to_vec()),
        to in select(CaseStatus::ALL.to_vec()),
        intake in facts(),
        approval in any::<bool>(),
        in_range in proptest::bool::weighted(0.85),
        offset_hours in 0i64..240,
        well_formed in proptest::bool::weighted(0.85),
        reason in text(),
        outcome in proptest::option::of(select(Outcome::ALL.to_vec())),
        summary in text(),
    ) -> (TransitionContext, TransitionRequest) {
        let context = TransitionContext {
            role,
            status,
            previous_effective_at: now() - Duration::days(10),
            now: now(),
            closure_requires_approval: approval,
            intake,
        };
        let effective_at = if in_range { now() - Duration::hours(offset_hours) } else {
            // Before the previous event, or in the future.
            now() + Duration::hours(if offset_hours % 2 == 0 { 1 + offset_hours } else { -241 - offset_hours })
        };
        let request = if well_formed {
            let closing = to == CaseStatus::Closed;
            TransitionRequest {
                to,
                effective_at,
                reason: Some("a reason".into()),
                outcome: closing.then_some(Outcome::LostContact),
                summary: closing.then(|| "a summary".to_string()),
            }
        } else {
            TransitionRequest { to, effective_at, reason, outcome, summary }
        };
        (context, request)
    }
}

fn case_in(status: CaseStatus) -> Case {
    let at = now() - Duration::days(20);
    Case {
        id: Uuid::from_u128(1),
        beneficiary_id: Uuid::from_u128(2),
        district: DistrictCode::from_trusted("milano".into()),
        channel: Channel::StreetOutreach,
        intercepted_at: at,
        intercepting_organization_id: Uuid::from_u128(3),
        recorded_by: Uuid::from_u128(4),
        status,
        status_since: now() - Duration::days(10),
        taken_in_charge_at: None,
        profile: None,
        needs: Vec::new(),
        work: Work::default(),
        indicators: Vec::new(),
        case_worker_id: None,
        legal_advisor_id: None,
        eligibility_override: None,
        closure: None,
        closure_request: None,
        version: 3,
        created_at: at,
        updated_at: at,
        transferred_at: None,
    }
}

fn given(text: &Option<String>) -> bool {
    text.as_deref().is_some_and(|t| !t.trim().is_empty())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2048))]

    #[test]
    fn a_transition_is_planned_exactly_when_every_rule_allows_it((context, request) in situation()) {
        let mover = matches!(context.role, Role::DistrictCoordinator | Role::CaseWorker);
        let reopening = context.status == CaseStatus::Closed && request.to == CaseStatus::TakenInCharge;
        let dated = request.effective_at <= context.now && request.effective_at >= context.previous_effective_at;
        let closing = request.to == CaseStatus::Closed;
        let fields = if closing {
            request.outcome.is_some() && given(&request.summary)
        } else {
            request.outcome.is_none() && !given(&request.summary)
        };
        let reason = given(&request.reason) || !(reopening || request.to == CaseStatus::Suspended);
        let reachable = next_statuses(context.status).contains(&request.to);
        let ready = request.to != CaseStatus::TakenInCharge || intake_preconditions(&context.intake).is_empty();
        let allowed = mover && !(reopening && context.role == Role::CaseWorker);
        match plan_transition(&context, &request) {
            Ok(plan) => {
                prop_assert!(allowed && dated && fields && reason && reachable && ready);
                let awaits = closing && context.closure_requires_approval && context.role == Role::CaseWorker;
                prop_assert_eq!(plan == Plan::AwaitApproval, awaits);
                let case = case_in(context.status);
                let (changes, event) = transition_changes(&case, plan, &request, (Uuid::from_u128(9), context.role), context.now);
                prop_assert_eq!(event.from_status, Some(context.status));
                prop_assert_eq!(event.to_status, Some(request.to));
                match plan {
                    Plan::Apply => {
                        prop_assert_eq!(changes.status, Some((request.to, request.effective_at)));
                        prop_assert_eq!(changes.taken_in_charge_at.is_some(), request.to == CaseStatus::TakenInCharge);
                        prop_assert_eq!(matches!(changes.closure, Some(Some(_))), closing);
                    }
                    Plan::AwaitApproval => {
                        prop_assert_eq!(changes.status, None);
                        prop_assert!(matches!(changes.closure_request, Some(Some(_))));
                        prop_assert_eq!(event.kind, EventKind::ClosureRequested);
                    }
                }
            }
            Err(Refusal::Forbidden(_)) => prop_assert!(!allowed),
            Err(Refusal::Invalid(_)) => prop_assert!(allowed && !(dated && fields && reason)),
            Err(Refusal::NotReachable { from, to }) => {
                prop_assert!(allowed && dated && fields && reason && !reachable);
                prop_assert_eq!((from, to), (context.status, request.to));
            }
            Err(Refusal::Preconditions(failed)) => {
                prop_assert!(allowed && dated && fields && reason && reachable && !ready);
                prop_assert_eq!(failed, intake_preconditions(&context.intake));
            }
        }
    }
}

#[test]
fn a_situation_that_meets_every_rule_is_planned() {
    let context = TransitionContext {
        role: Role::CaseWorker,
        status: CaseStatus::Intercepted,
        previous_effective_at: now() - Duration::days(10),
        now: now(),
        closure_requires_approval: false,
        intake: IntakeFacts {
            privacy_notice_given: true,
            verdict: Verdict::Eligible,
            eligibility_overridden: false,
            need_count: 1,
            case_worker_assigned: true,
            minor_without_guardian: false,
        },
    };
    let request = TransitionRequest {
        to: CaseStatus::Screening,
        effective_at: now() - Duration::days(1),
        reason: None,
        outcome: None,
        summary: None,
    };
    assert_eq!(plan_transition(&context, &request), Ok(Plan::Apply));
}
