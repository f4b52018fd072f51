//! Cases: interception, screening data and assignments, the lifecycle, eligibility and risk.
//! The domain's state machine decides every transition; these use cases gather its facts,
//! check access and record the outcome with its audit entry.

use chrono::{DateTime, NaiveDate, Utc};
use domain::Vocabulary;
use domain::access::Capability;
use domain::audit::{AuditAction, ListedSubject};
use domain::beneficiaries::Beneficiary;
use domain::cases::{
    CASE_WORKER_ROLES, Case, CaseChanges, CaseEvent, CaseStatus, Channel, ClosureDecision, ClosureDecisionRefusal,
    EligibilityOverride, EventKind, LEGAL_ADVISOR_ROLES, NewCaseEvent, NotedIndicator, Plan, REASON_MAX_CHARS, Refusal,
    ScreeningUpdate, TransitionContext, TransitionRequest, assess_eligibility, check_intercepted_at,
    closure_decision_reason, decide_closure as decide, fits_post, intake_facts, may_assign, next_statuses,
    plan_transition, transition_changes,
};
use domain::changes::{ChangeAction, beneficiary_change, case_change};
use domain::eligibility::Assessment;
use domain::exploitation::{self, Indicator};
use domain::screening::{Need, Profile};
use domain::users::Role;
use domain::validation::{Violations, check_label};
use persistence::ChangedSince;
use persistence::cases::{self as store, CaseFilter, CaseKey, CaseListing, NewCase};
use persistence::changes as feed;
use persistence::{DbConnection, Page, PageRequest, audit, beneficiaries, consents, districts, organizations, users};
use uuid::Uuid;

use crate::access::{registering_district, visible_case, visible_case_at};
use crate::actor::Actor;
use crate::audit::audited;
use crate::beneficiaries::{Confirm, Registration, record_candidates_shown, register_in};
use crate::context::{Context, ReadVersion};
use crate::error::{Conflict, Error, Result};
use crate::idempotency::{Answered, Retryable, once};

/// A case with the person it is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseRecord {
    pub case: Case,
    pub person: Beneficiary,
}

/// A case after a transition; `awaiting_approval` when it was a closure recorded for the
/// coordinator's approval.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transitioned {
    pub record: CaseRecord,
    pub awaiting_approval: bool,
}

/// An interception: a new case, for a known beneficiary or one registered with it. Exactly one
/// of `beneficiary_id` and `beneficiary` is given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Interception {
    pub beneficiary_id: Option<Uuid>,
    pub beneficiary: Option<Registration>,
    pub district: String,
    pub channel: Channel,
    pub intercepted_at: DateTime<Utc>,
    /// The organisation whose operator met the person; by default the caller's.
    pub intercepting_organization_id: Option<Uuid>,
}

/// What a list of cases asks for.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CaseQuery {
    pub district: Option<String>,
    pub status: Option<CaseStatus>,
    pub channel: Option<Channel>,
    pub profile: Option<Profile>,
    pub need: Option<Need>,
    /// Cases where the caller is the case worker or legal advisor.
    pub assigned_to_me: bool,
    /// First day of interception, inclusive.
    pub intercepted_from: Option<NaiveDate>,
    /// Last day of interception, inclusive.
    pub intercepted_to: Option<NaiveDate>,
    /// Part of the beneficiary's alias or names, or their codice fiscale.
    pub q: Option<String>,
    /// Changed since an instant: the list then comes in the order of last change.
    pub changed_since: Option<ChangedSince>,
}

/// The eligibility of a case, criterion by criterion, on the day it was judged.
#[derive(Debug, Clone)]
pub struct EligibilityReport {
    pub assessment: Assessment,
    pub eligibility_override: Option<EligibilityOverride>,
    pub assessed_on: NaiveDate,
}

/// The exploitation assessment of a case, with the indicators it was read from.
#[derive(Debug, Clone)]
pub struct RiskReport {
    pub assessment: exploitation::RiskAssessment,
    pub indicators: Vec<NotedIndicator>,
}

fn start_of(day: NaiveDate) -> DateTime<Utc> {
    day.and_hms_opt(0, 0, 0).map_or(DateTime::<Utc>::MIN_UTC, |t| t.and_utc())
}

/// The actor as a case's timeline names it.
fn author(actor: &Actor) -> (Uuid, Role) {
    (actor.user_id, actor.role)
}

/// Records an interception: a new case, `intercepted`. A person registered with it meets the
/// same duplicate check as a registration.
pub async fn intercept(
    ctx: &Context,
    actor: &Actor,
    now: DateTime<Utc>,
    interception: Interception,
    retryable: Retryable<CaseRecord>,
) -> Result<Answered> {
    actor.require(Capability::RecordInterceptions)?;
    let scope = actor.case_scope()?;
    let district = registering_district(ctx, actor, "district", Some(&interception.district))?;
    let mut violations = Violations::new();
    violations.check(check_intercepted_at("intercepted_at", interception.intercepted_at, now));
    let inline = match (&interception.beneficiary_id, interception.beneficiary) {
        (Some(_), None) => None,
        (None, Some(person)) => {
            if person.district.as_deref().is_some_and(|d| d != interception.district) {
                violations.add("beneficiary.district", "mismatch", "the person is registered in the case's district");
            }
            match domain::beneficiaries::check(person.draft, now.date_naive()) {
                Ok(data) => Some((data, Confirm { new: person.confirm_new, reason: person.confirm_new_reason })),
                Err(invalid) => {
                    for field in invalid.into_vec() {
                        violations.add(format!("beneficiary.{}", field.field), "invalid", field.message);
                    }
                    None
                }
            }
        }
        _ => {
            violations.add("beneficiary_id", "one_of", "give either beneficiary_id or beneficiary");
            None
        }
    };
    if !violations.is_empty() {
        return Err(violations.into());
    }
    let writer = actor.clone();
    let outcome = once(ctx, actor, now, retryable, move |conn| {
        let mut entries = Vec::with_capacity(2);
        let mut changes = Vec::with_capacity(2);
        let person = match inline {
            Some((data, confirm)) => {
                let (person, registered) = register_in(conn, &writer, &district, &data, &confirm, now)?;
                entries.extend(registered);
                changes.push(beneficiary_change(&person, ChangeAction::Created));
                person
            }
            None => {
                let id = interception.beneficiary_id.ok_or(Error::NotFound)?;
                if !beneficiaries::is_visible(conn, id, &scope)? {
                    return Err(Error::field(
                        "beneficiary_id",
                        "unknown_beneficiary",
                        "no beneficiary you may see has this id",
                    ));
                }
                beneficiaries::find(conn, id)?
            }
        };
        let organization = interception.intercepting_organization_id.unwrap_or(writer.organization_id);
        if !organizations::exists(conn, organization)? {
            return Err(Error::field(
                "intercepting_organization_id",
                "unknown_organization",
                "no organisation has this id",
            ));
        }
        let case = store::insert(
            conn,
            &NewCase {
                beneficiary_id: person.id,
                district: district.clone(),
                channel: interception.channel,
                intercepted_at: interception.intercepted_at,
                intercepting_organization_id: organization,
                recorded_by: writer.user_id,
            },
            writer.role,
            now,
        )?;
        entries.push(writer.audit(now, AuditAction::Create, &district, Some(person.id), Some(case.id)));
        audit::append(conn, entries)?;
        changes.push(case_change(&case, ChangeAction::Created));
        feed::record(conn, now, &changes)?;
        Ok(CaseRecord { case, person })
    })
    .await;
    record_candidates_shown(ctx, actor, now, outcome).await
}

/// The cases the caller may see, newest interception first.
pub async fn list(
    ctx: &Context,
    actor: &Actor,
    now: DateTime<Utc>,
    query: CaseQuery,
    page: PageRequest<CaseKey>,
) -> Result<Page<CaseListing>> {
    actor.require(Capability::ReadCases)?;
    let scope = actor.case_scope()?;
    if let (Some(from), Some(to)) = (query.intercepted_from, query.intercepted_to)
        && to < from
    {
        return Err(Error::field("intercepted_to", "before_start", "must not be before intercepted_from"));
    }
    let filter = CaseFilter {
        district: query.district.as_deref().map(|d| ctx.district("district", d)).transpose()?,
        status: query.status,
        channel: query.channel,
        profile: query.profile,
        need: query.need,
        assigned_to: query.assigned_to_me.then_some(actor.user_id),
        intercepted_from: query.intercepted_from.map(start_of),
        intercepted_before: query.intercepted_to.and_then(|d| d.succ_opt()).map(start_of),
        q: query.q,
        changed_since: query.changed_since,
    };
    let actor = actor.clone();
    audited(
        ctx.db(),
        ctx.db().read(move |conn| {
            let page = store::list(conn, &scope, &filter, &page)?;
            let entries = actor.audit_page(
                now,
                page.items.iter().map(|l| {
                    (
                        l.case.district.clone(),
                        ListedSubject { beneficiary_id: l.case.beneficiary_id, case_id: Some(l.case.id) },
                    )
                }),
            );
            Ok((page, entries))
        }),
    )
    .await
}

/// One case, with its person.
pub async fn read(ctx: &Context, actor: &Actor, now: DateTime<Utc>, id: Uuid) -> Result<CaseRecord> {
    actor.require(Capability::ReadCases)?;
    let scope = actor.case_scope()?;
    let actor = actor.clone();
    audited(
        ctx.db(),
        ctx.db().lookup(move |conn| {
            let case = visible_case(conn, &scope, id)?;
            let person = beneficiaries::find(conn, case.beneficiary_id)?;
            let entry = actor.audit(now, AuditAction::Read, &case.district, Some(case.beneficiary_id), Some(id));
            Ok((CaseRecord { case, person }, vec![entry]))
        }),
    )
    .await
}

/// Records screening data and assignments on a case read at `version`. A closed case cannot
/// change; an assignee must fit the post, and only a coordinator assigns other people.
pub async fn update(
    ctx: &Context,
    actor: &Actor,
    now: DateTime<Utc>,
    target: ReadVersion,
    update: ScreeningUpdate,
) -> Result<CaseRecord> {
    let ReadVersion { id, version } = target;
    actor.require(Capability::EditCases)?;
    let scope = actor.case_scope()?;
    let changes = update.check(now.date_naive())?;
    let actor = actor.clone();
    ctx.db()
        .write(move |conn| {
            let case = visible_case_at(conn, &scope, id, version)?;
            if case.status == CaseStatus::Closed {
                return Err(Conflict::CaseClosed {
                    detail: "a closed case cannot change; a district coordinator may reopen it",
                }
                .into());
            }
            let posts = [
                ("case_worker_id", case.case_worker_id, changes.case_worker_id, CASE_WORKER_ROLES),
                ("legal_advisor_id", case.legal_advisor_id, changes.legal_advisor_id, LEGAL_ADVISOR_ROLES),
            ];
            for (field, current, change, roles) in posts {
                check_assignment(conn, &actor, &case, field, current, change, roles)?;
            }
            let updated = store::update(conn, id, version, &changes, now)?;
            for event in changes.events(case.id, author(&actor), now) {
                store::add_event(conn, &event)?;
            }
            let person = beneficiaries::find(conn, updated.beneficiary_id)?;
            audit::append(
                conn,
                vec![actor.audit(now, AuditAction::Update, &updated.district, Some(updated.beneficiary_id), Some(id))],
            )?;
            feed::record(conn, now, &[case_change(&updated, ChangeAction::Updated)])?;
            Ok(CaseRecord { case: updated, person })
        })
        .await
}

/// The assignment of `field` (held by `current`) to `change`: the caller may make it, and the
/// assignee fits the post in the case's district.
fn check_assignment(
    conn: &mut DbConnection,
    actor: &Actor,
    case: &Case,
    field: &str,
    current: Option<Uuid>,
    change: Option<Option<Uuid>>,
    roles: &[Role],
) -> Result<()> {
    let Some(change) = change else { return Ok(()) };
    if !may_assign(author(actor), current, change, roles) {
        return Err(Error::forbidden_because("only a district coordinator assigns other people"));
    }
    let Some(assignee) = change else { return Ok(()) };
    let fits = match users::find(conn, assignee) {
        Ok(user) => fits_post(&user, roles, &case.district),
        Err(persistence::Error::NotFound) => false,
        Err(other) => return Err(other.into()),
    };
    if fits {
        Ok(())
    } else {
        let roles: Vec<&str> = roles.iter().map(|r| r.code()).collect();
        Err(Error::field(
            field,
            "invalid_assignee",
            format!("must be an active {} of the case's district", roles.join(" or ")),
        ))
    }
}

/// Moves a case read at `version` through its lifecycle, as the domain's state machine
/// decides. Where the district requires it, a case worker's closure waits for approval.
pub async fn transition(
    ctx: &Context,
    actor: &Actor,
    now: DateTime<Utc>,
    target: ReadVersion,
    request: TransitionRequest,
    retryable: Retryable<Transitioned>,
) -> Result<Answered> {
    let ReadVersion { id, version } = target;
    actor.require(Capability::TransitionCases)?;
    let scope = actor.case_scope()?;
    let actor_in = actor.clone();
    let work = move |conn: &mut DbConnection| {
        let case = visible_case_at(conn, &scope, id, version)?;
        let person = beneficiaries::find(conn, case.beneficiary_id)?;
        let consents = consents::of_beneficiary(conn, case.beneficiary_id)?;
        let district = districts::find(conn, &case.district)?;
        let verdict = assess_eligibility(&district, &case, &person, now.date_naive()).verdict;
        let context = TransitionContext {
            role: actor_in.role,
            status: case.status,
            previous_effective_at: case.status_since,
            now,
            closure_requires_approval: district.settings.closure_requires_approval,
            intake: intake_facts(&case, &person, &consents, verdict, request.effective_at.date_naive()),
        };
        let plan = plan_transition(&context, &request).map_err(refusal)?;
        let (changes, event) = transition_changes(&case, plan, &request, author(&actor_in), now);
        let updated = store::update(conn, id, version, &changes, now)?;
        store::add_event(conn, &event)?;
        audit::append(
            conn,
            vec![actor_in.audit(now, AuditAction::Transition, &case.district, Some(case.beneficiary_id), Some(id))],
        )?;
        feed::record(conn, now, &[case_change(&updated, ChangeAction::Updated)])?;
        Ok(Transitioned {
            record: CaseRecord { case: updated, person },
            awaiting_approval: plan == Plan::AwaitApproval,
        })
    };
    once(ctx, actor, now, retryable, work).await
}

/// A refused transition, as the refusal it is.
fn refusal(refusal: Refusal) -> Error {
    match refusal {
        Refusal::Forbidden(why) => Error::forbidden_because(why),
        Refusal::Invalid(violations) => violations.into(),
        Refusal::NotReachable { from, to } => Conflict::InvalidTransition {
            what: "case",
            from: from.code(),
            to: to.code(),
            reachable: next_statuses(from).iter().map(|s| s.code()).collect(),
        }
        .into(),
        Refusal::Preconditions(failed) => Conflict::PreconditionsFailed(failed).into(),
    }
}

/// A district coordinator decides that a case read at `version` is taken in charge whatever
/// the eligibility rules say, for a reason kept on the case and in its timeline.
pub async fn override_eligibility(
    ctx: &Context,
    actor: &Actor,
    now: DateTime<Utc>,
    target: ReadVersion,
    reason: &str,
    retryable: Retryable<CaseRecord>,
) -> Result<Answered> {
    let ReadVersion { id, version } = target;
    actor.require(Capability::CoordinateCases)?;
    let scope = actor.case_scope()?;
    let reason = match reason.trim() {
        "" => return Err(Error::field("reason", "required", "say why the rules are set aside")),
        reason => check_label("reason", reason, REASON_MAX_CHARS)?,
    };
    let actor_in = actor.clone();
    let work = move |conn: &mut DbConnection| {
        let case = visible_case_at(conn, &scope, id, version)?;
        if case.status == CaseStatus::Closed {
            return Err(Conflict::CaseClosed { detail: "a closed case cannot change" }.into());
        }
        let changes = CaseChanges {
            eligibility_override: Some(Some(EligibilityOverride {
                by: actor_in.user_id,
                reason: reason.clone(),
                at: now,
            })),
            ..CaseChanges::default()
        };
        let updated = store::update(conn, id, version, &changes, now)?;
        let entry = actor_in.audit_because(
            now,
            AuditAction::EligibilityOverride,
            &case.district,
            (Some(case.beneficiary_id), Some(id)),
            &reason,
        );
        store::add_event(
            conn,
            &NewCaseEvent {
                reason: Some(reason),
                ..NewCaseEvent::new(case.id, EventKind::EligibilityOverride, author(&actor_in), now)
            },
        )?;
        audit::append(conn, vec![entry])?;
        feed::record(conn, now, &[case_change(&updated, ChangeAction::Updated)])?;
        let person = beneficiaries::find(conn, case.beneficiary_id)?;
        Ok(CaseRecord { case: updated, person })
    };
    once(ctx, actor, now, retryable, work).await
}

/// A district coordinator approves or rejects the closure a case worker requested on a case
/// read at `version`.
pub async fn decide_closure(
    ctx: &Context,
    actor: &Actor,
    now: DateTime<Utc>,
    target: ReadVersion,
    decision: ClosureDecision,
    reason: Option<&str>,
    retryable: Retryable<CaseRecord>,
) -> Result<Answered> {
    let ReadVersion { id, version } = target;
    actor.require(Capability::CoordinateCases)?;
    let scope = actor.case_scope()?;
    let reason = closure_decision_reason(decision, reason)?;
    let actor_in = actor.clone();
    let work = move |conn: &mut DbConnection| {
        let case = visible_case_at(conn, &scope, id, version)?;
        let (changes, event) =
            decide(&case, decision, reason, author(&actor_in), now).map_err(|refused| match refused {
                ClosureDecisionRefusal::NoRequest => Conflict::NoClosureRequest,
                ClosureDecisionRefusal::Outdated => Conflict::ClosureRequestOutdated,
            })?;
        let updated = store::update(conn, id, version, &changes, now)?;
        store::add_event(conn, &event)?;
        audit::append(
            conn,
            vec![actor_in.audit(now, AuditAction::Transition, &case.district, Some(case.beneficiary_id), Some(id))],
        )?;
        feed::record(conn, now, &[case_change(&updated, ChangeAction::Updated)])?;
        let person = beneficiaries::find(conn, case.beneficiary_id)?;
        Ok(CaseRecord { case: updated, person })
    };
    once(ctx, actor, now, retryable, work).await
}

/// Runs a read of a case the caller sees in full, audited as a read of the case.
async fn read_case<T, F>(ctx: &Context, actor: &Actor, now: DateTime<Utc>, id: Uuid, read: F) -> Result<T>
where
    F: FnOnce(&mut DbConnection, &Case) -> Result<T> + Send + 'static,
    T: Send + 'static,
{
    actor.require(Capability::ReadCases)?;
    actor.require_full_view()?;
    let scope = actor.case_scope()?;
    let actor = actor.clone();
    audited(
        ctx.db(),
        ctx.db().read(move |conn| {
            let case = visible_case(conn, &scope, id)?;
            let result = read(conn, &case)?;
            let entry = actor.audit(now, AuditAction::Read, &case.district, Some(case.beneficiary_id), Some(id));
            Ok((result, vec![entry]))
        }),
    )
    .await
}

/// The timeline of a case: interception, transitions, assignments and field changes.
pub async fn events(ctx: &Context, actor: &Actor, now: DateTime<Utc>, id: Uuid) -> Result<Vec<CaseEvent>> {
    read_case(ctx, actor, now, id, |conn, case| Ok(store::events(conn, case.id)?)).await
}

/// Eligibility: each criterion met, not met or unknown with the reason; the verdict; warnings.
pub async fn eligibility(ctx: &Context, actor: &Actor, now: DateTime<Utc>, id: Uuid) -> Result<EligibilityReport> {
    let today = now.date_naive();
    read_case(ctx, actor, now, id, move |conn, case| {
        let person = beneficiaries::find(conn, case.beneficiary_id)?;
        let district = districts::find(conn, &case.district)?;
        Ok(EligibilityReport {
            assessment: assess_eligibility(&district, case, &person, today),
            eligibility_override: case.eligibility_override.clone(),
            assessed_on: today,
        })
    })
    .await
}

/// The exploitation risk read from the recorded indicators, and suggested actions.
pub async fn risk(ctx: &Context, actor: &Actor, now: DateTime<Utc>, id: Uuid) -> Result<RiskReport> {
    read_case(ctx, actor, now, id, |_, case| {
        let indicators: Vec<Indicator> = case.indicators.iter().map(|n| n.indicator).collect();
        Ok(RiskReport { assessment: exploitation::assess(&indicators), indicators: case.indicators.clone() })
    })
    .await
}
