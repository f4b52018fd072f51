//! Services delivered within a case. Prevention and orientation may be recorded from the first
//! contact; pathways and support only for days the case was taken in charge. The author may
//! change or delete a record for seven days, coordinators always; every change is audited.
//! Partners record services for the cases referred to and accepted by their organisation.

use chrono::{DateTime, NaiveDate, Utc};
use domain::Vocabulary;
use domain::access::{Capability, TokenScope};
use domain::audit::AuditAction;
use domain::cases::{Case, in_charge_on};
use domain::changes::{ChangeAction, service_change};
use domain::services::{ServiceCategory, ServiceDelivery, ServiceOutcome, may_amend};
use domain::users::Role;
use domain::validation::Violations;
use persistence::changes as feed;
use persistence::services::{self as store, DeliveryData};
use persistence::{DbConnection, audit, cases as case_store, organizations, users};
use uuid::Uuid;

use crate::access::{partner_case, visible_case, writable_case};
use crate::actor::Actor;
use crate::audit::audited;
use crate::context::{Context, ReadVersion};
use crate::error::{Conflict, Error, Result};
use crate::idempotency::{Answered, Retryable, once};

/// A service delivered, as recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivery {
    pub category: ServiceCategory,
    pub delivered_on: NaiveDate,
    pub duration_minutes: Option<i32>,
    /// The organisation that gave it; by default the caller's.
    pub delivered_by: Option<Uuid>,
    /// The operator who gave it; by default the calling user.
    pub operator_id: Option<Uuid>,
    pub notes: Option<String>,
    pub outcome: Option<ServiceOutcome>,
}

/// The longest notes of a delivery.
const NOTES_MAX_CHARS: usize = 4000;

/// Checks a delivery against the case and the rules, with the database at hand.
fn check(
    conn: &mut DbConnection,
    actor: &Actor,
    case: &Case,
    delivery: &Delivery,
    today: NaiveDate,
) -> Result<DeliveryData> {
    let mut v = Violations::new();
    if delivery.delivered_on > today {
        v.add("delivered_on", "in_future", "must not be in the future");
    } else if delivery.delivered_on < case.intercepted_at.date_naive() {
        v.add("delivered_on", "before_interception", "must not be before the interception");
    }
    let notes = delivery.notes.as_deref().map(str::trim).filter(|n| !n.is_empty()).map(ToString::to_string);
    if notes.as_ref().is_some_and(|n| n.chars().count() > NOTES_MAX_CHARS) {
        v.add("notes", "too_long", format!("must be at most {NOTES_MAX_CHARS} characters"));
    }
    let delivered_by = delivery.delivered_by.unwrap_or(actor.organization_id);
    if !organizations::exists(conn, delivered_by)? {
        v.add("delivered_by", "unknown_organization", "no organisation has this id");
    }
    // A partner system records on behalf of its organisation, not of a person.
    let operator_id = match (delivery.operator_id, &actor.scopes) {
        (Some(id), _) => Some(id),
        (None, None) => Some(actor.user_id),
        (None, Some(_)) => None,
    };
    if let Some(id) = operator_id
        && !matches!(users::find(conn, id), Ok(user) if user.active)
    {
        v.add("operator_id", "unknown_operator", "must be an active user");
    }
    if !v.is_empty() {
        return Err(v.into());
    }
    let group = delivery.category.group();
    if group.needs_taking_in_charge() {
        let history = case_store::status_history(conn, case.id)?;
        if !in_charge_on(&history, delivery.delivered_on) {
            return Err(Conflict::CaseNotInCharge { group: group.code() }.into());
        }
    }
    Ok(DeliveryData {
        category: delivery.category,
        delivered_on: delivery.delivered_on,
        duration_minutes: delivery.duration_minutes,
        delivered_by,
        operator_id,
        notes,
        outcome: delivery.outcome,
    })
}

/// The case the caller records for: in its scope (PUA team), or referred to and accepted by
/// its organisation (partners, whose systems need the `services:write` scope).
fn recordable_case(conn: &mut DbConnection, actor: &Actor, case_id: Uuid) -> Result<Case> {
    if actor.role == Role::Partner {
        actor.require_scope(TokenScope::ServicesWrite)?;
        return Ok(partner_case(conn, actor, case_id)?.0);
    }
    actor.require_full_view()?;
    writable_case(conn, &actor.case_scope()?, case_id)
}

/// Records a service delivered within a case.
pub async fn record(
    ctx: &Context,
    actor: &Actor,
    now: DateTime<Utc>,
    case_id: Uuid,
    delivery: Delivery,
    retryable: Retryable<ServiceDelivery>,
) -> Result<Answered> {
    actor.require(Capability::RecordServices)?;
    let writer = actor.clone();
    once(ctx, actor, now, retryable, move |conn| {
        let case = recordable_case(conn, &writer, case_id)?;
        let data = check(conn, &writer, &case, &delivery, now.date_naive())?;
        let recorded = store::insert(conn, case_id, &data, writer.user_id, writer.role, now)?;
        audit::append(
            conn,
            vec![writer.audit(now, AuditAction::Create, &case.district, Some(case.beneficiary_id), Some(case_id))],
        )?;
        feed::record(conn, now, &[service_change(&recorded, &case.district, ChangeAction::Created)])?;
        Ok(recorded)
    })
    .await
}

/// The services delivered within a case the caller sees in full, by date.
pub async fn list(
    ctx: &Context,
    actor: &Actor,
    now: DateTime<Utc>,
    case_id: Uuid,
    updated_since: Option<DateTime<Utc>>,
) -> Result<Vec<ServiceDelivery>> {
    actor.require(Capability::ReadCases)?;
    actor.require_full_view()?;
    let scope = actor.case_scope()?;
    let actor = actor.clone();
    audited(
        ctx.db(),
        ctx.db().read(move |conn| {
            let case = visible_case(conn, &scope, case_id)?;
            let deliveries = store::changed_in_case(conn, case_id, updated_since)?;
            let entry = actor.audit(now, AuditAction::Read, &case.district, Some(case.beneficiary_id), Some(case_id));
            Ok((deliveries, vec![entry]))
        }),
    )
    .await
}

/// A record the caller may amend: the author for seven days, coordinators always.
fn amendable(
    conn: &mut DbConnection,
    actor: &Actor,
    case_id: Uuid,
    service_id: Uuid,
    now: DateTime<Utc>,
) -> Result<Case> {
    actor.require_full_view()?;
    let case = writable_case(conn, &actor.case_scope()?, case_id)?;
    let delivery = store::find(conn, service_id)?;
    if delivery.case_id != case_id {
        return Err(Error::NotFound);
    }
    if !may_amend(actor.role, delivery.recorded_by == actor.user_id, delivery.recorded_at, now) {
        return Err(Error::forbidden_because(
            "the author may change a record for 7 days; after that, a district coordinator",
        ));
    }
    Ok(case)
}

/// Changes a service record read at `target.version` within `case_id`.
pub async fn update(
    ctx: &Context,
    actor: &Actor,
    now: DateTime<Utc>,
    case_id: Uuid,
    target: ReadVersion,
    delivery: Delivery,
) -> Result<ServiceDelivery> {
    actor.require(Capability::RecordServices)?;
    let actor = actor.clone();
    ctx.db()
        .write(move |conn| {
            let case = amendable(conn, &actor, case_id, target.id, now)?;
            let data = check(conn, &actor, &case, &delivery, now.date_naive())?;
            let changed = store::update(conn, target.id, target.version, &data, now)?;
            audit::append(
                conn,
                vec![actor.audit(now, AuditAction::Update, &case.district, Some(case.beneficiary_id), Some(case_id))],
            )?;
            feed::record(conn, now, &[service_change(&changed, &case.district, ChangeAction::Updated)])?;
            Ok(changed)
        })
        .await
}

/// Deletes a service record read at `target.version`. It is kept, marked deleted, for the
/// audit trail.
pub async fn delete(
    ctx: &Context,
    actor: &Actor,
    now: DateTime<Utc>,
    case_id: Uuid,
    target: ReadVersion,
) -> Result<()> {
    actor.require(Capability::RecordServices)?;
    let actor = actor.clone();
    ctx.db()
        .write(move |conn| {
            let case = amendable(conn, &actor, case_id, target.id, now)?;
            let deleted = store::find(conn, target.id)?;
            store::delete(conn, target.id, target.version, actor.user_id, now)?;
            let change = service_change(&deleted, &case.district, ChangeAction::Deleted).version(target.version + 1);
            audit::append(
                conn,
                vec![actor.audit(now, AuditAction::Update, &case.district, Some(case.beneficiary_id), Some(case_id))],
            )?;
            feed::record(conn, now, &[change])?;
            Ok(())
        })
        .await
}
