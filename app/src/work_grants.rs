//! Work grants (borse lavoro). A grant is for a person taken in charge, resident in the funder's
//! municipality, without another grant in the same period; a refusal names every rule broken.
//! A district coordinator approves.

use chrono::{DateTime, NaiveDate, Utc};
use domain::Vocabulary;
use domain::access::Capability;
use domain::audit::AuditAction;
use domain::cases::Case;
use domain::validation::check_label;
use domain::work_grants::{
    GrantFacts, GrantStatus, MoveRefusal, WorkGrant, broken_rules, check_terms, may_move, next_statuses,
};
use persistence::work_grants::{self as store, NewGrant};
use persistence::{DbConnection, audit, beneficiaries, organizations};
use uuid::Uuid;

use crate::access::{visible_case, writable_case};
use crate::actor::Actor;
use crate::audit::audited;
use crate::context::{Context, ReadVersion};
use crate::error::{Conflict, Error, Result};
use crate::idempotency::{Answered, Retryable, once};

/// A work grant to propose.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GrantProposal {
    /// The funding organisation (CeLav in Milan); its municipality must be the person's.
    pub funder_organization_id: Uuid,
    pub host_employer: String,
    pub start_on: NaiveDate,
    pub end_on: NaiveDate,
    pub monthly_amount_cents: i64,
    pub hours_per_week: i32,
}

const HOST_EMPLOYER_MAX_CHARS: usize = 200;

/// Refused, naming every rule a grant breaks, if any.
fn check_rules(
    conn: &mut DbConnection,
    case: &Case,
    funder: Uuid,
    start_on: NaiveDate,
    end_on: NaiveDate,
    except: Option<Uuid>,
) -> Result<()> {
    let person = beneficiaries::find(conn, case.beneficiary_id)?;
    let funder = match organizations::find(conn, funder) {
        Ok(funder) => funder,
        Err(persistence::Error::NotFound) => {
            return Err(Error::field("funder_organization_id", "unknown_organization", "no organisation has this id"));
        }
        Err(other) => return Err(other.into()),
    };
    let facts = GrantFacts {
        case_status: case.status,
        residence: person.data.municipality.as_deref(),
        funder_municipality: funder.municipality.as_deref(),
        start_on,
        end_on,
        other_grants: store::held_periods(conn, case.beneficiary_id, except)?,
    };
    let broken = broken_rules(&facts);
    if broken.is_empty() {
        return Ok(());
    }
    Err(Conflict::GrantNotEligible(broken).into())
}

/// Proposes a work grant for a case.
pub async fn propose(
    ctx: &Context,
    actor: &Actor,
    now: DateTime<Utc>,
    case_id: Uuid,
    proposal: GrantProposal,
    retryable: Retryable<WorkGrant>,
) -> Result<Answered> {
    actor.require(Capability::ManageWorkGrants)?;
    let scope = actor.case_scope()?;
    check_terms(proposal.start_on, proposal.end_on, proposal.monthly_amount_cents, proposal.hours_per_week)?;
    let host_employer = check_label("host_employer", &proposal.host_employer, HOST_EMPLOYER_MAX_CHARS)?;
    let writer = actor.clone();
    once(ctx, actor, now, retryable, move |conn| {
        let case = writable_case(conn, &scope, case_id)?;
        check_rules(conn, &case, proposal.funder_organization_id, proposal.start_on, proposal.end_on, None)?;
        let new = NewGrant {
            case_id,
            funder_organization_id: proposal.funder_organization_id,
            host_employer,
            start_on: proposal.start_on,
            end_on: proposal.end_on,
            monthly_amount_cents: proposal.monthly_amount_cents,
            hours_per_week: proposal.hours_per_week,
            created_by: writer.user_id,
        };
        let grant = store::insert(conn, &new, now)?;
        audit::append(
            conn,
            vec![writer.audit(now, AuditAction::Create, &case.district, Some(case.beneficiary_id), Some(case_id))],
        )?;
        Ok(grant)
    })
    .await
}

/// The work grants of a case the caller sees in full, by start date.
pub async fn list(ctx: &Context, actor: &Actor, now: DateTime<Utc>, case_id: Uuid) -> Result<Vec<WorkGrant>> {
    actor.require(Capability::ReadCases)?;
    actor.require_full_view()?;
    let scope = actor.case_scope()?;
    let actor = actor.clone();
    audited(
        ctx.db(),
        ctx.db().read(move |conn| {
            let case = visible_case(conn, &scope, case_id)?;
            let grants = store::of_case(conn, case_id)?;
            let entry = actor.audit(now, AuditAction::Read, &case.district, Some(case.beneficiary_id), Some(case_id));
            Ok((grants, vec![entry]))
        }),
    )
    .await
}

/// Moves a work grant read at `target.version`: approve (district coordinators), start,
/// complete or terminate. Approval and start check the rules again.
pub async fn transition(
    ctx: &Context,
    actor: &Actor,
    now: DateTime<Utc>,
    case_id: Uuid,
    target: ReadVersion,
    to: GrantStatus,
    retryable: Retryable<WorkGrant>,
) -> Result<Answered> {
    actor.require(Capability::ManageWorkGrants)?;
    let scope = actor.case_scope()?;
    let writer = actor.clone();
    once(ctx, actor, now, retryable, move |conn| {
        let case = writable_case(conn, &scope, case_id)?;
        let grant = store::find(conn, target.id)?;
        if grant.case_id != case_id {
            return Err(Error::NotFound);
        }
        if grant.version != target.version {
            return Err(Error::Stale);
        }
        match may_move(writer.role, grant.status, to) {
            Ok(()) => {}
            Err(MoveRefusal::NotReachable) => {
                return Err(Conflict::InvalidTransition {
                    what: "work grant",
                    from: grant.status.code(),
                    to: to.code(),
                    reachable: next_statuses(grant.status).iter().map(|s| s.code()).collect(),
                }
                .into());
            }
            Err(MoveRefusal::Forbidden(why)) => return Err(Error::forbidden_because(why)),
        }
        if matches!(to, GrantStatus::Approved | GrantStatus::Active) {
            check_rules(conn, &case, grant.funder_organization_id, grant.start_on, grant.end_on, Some(grant.id))?;
        }
        let approved_by = (to == GrantStatus::Approved).then_some(writer.user_id);
        let moved = store::move_to(conn, target.id, target.version, to, approved_by, now)?;
        audit::append(
            conn,
            vec![writer.audit(now, AuditAction::Update, &case.district, Some(case.beneficiary_id), Some(case_id))],
        )?;
        Ok(moved)
    })
    .await
}
