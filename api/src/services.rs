//! Services delivered within a case. Prevention and orientation may be recorded from the first
//! contact; pathways and support only for days the case was taken in charge. The author may
//! change or delete a record for seven days, coordinators always; every change is audited.
//! Partners record services for the cases referred to and accepted by their organisation.

use actix_web::http::{StatusCode, header};
use actix_web::{HttpResponse, delete, get, patch, post, web};
use chrono::{DateTime, NaiveDate, Utc};
use domain::access::{Capability, TokenScope};
use domain::audit::AuditAction;
use domain::cases::{Case, in_charge_on};
use domain::services::{ServiceCategory, ServiceDelivery, ServiceOutcome, may_amend};
use domain::users::Role;
use domain::validation::Violations;
use persistence::services::{self as store, DeliveryData};
use persistence::{DbConnection, audit, cases as case_store, organizations};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;
use validator::Validate;

use crate::audit::{Via, audited};
use crate::auth::Caller;
use crate::cases::{require_full_view, visible_case};
use crate::error::ApiError;
use crate::extract::{IdempotencyKey, IfMatch, Paged, ValidJson, etag, resource_id};
use crate::idempotency::{Answer, once};
use crate::referrals::partner_case;
use crate::schemas;
use crate::state::AppState;

pub fn configure(config: &mut ServiceConfig) {
    config.service(record_service).service(list_services).service(update_service).service(delete_service);
}

#[derive(Debug, Clone, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DeliveryInput {
    #[schema(value_type = schemas::ServiceCategory)]
    pub category: ServiceCategory,
    pub delivered_on: NaiveDate,
    #[serde(default)]
    #[validate(range(min = 1, max = 1440))]
    pub duration_minutes: Option<i32>,
    /// The organisation that gave it. Default: the caller's.
    #[serde(default)]
    pub delivered_by: Option<Uuid>,
    /// The operator who gave it. Default: the calling user.
    #[serde(default)]
    pub operator_id: Option<Uuid>,
    #[serde(default)]
    pub notes: Option<String>,
    #[serde(default)]
    #[schema(value_type = Option<schemas::ServiceOutcome>)]
    pub outcome: Option<ServiceOutcome>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DeliveryView {
    pub id: Uuid,
    pub case_id: Uuid,
    #[schema(value_type = schemas::ServiceCategory)]
    pub category: ServiceCategory,
    pub delivered_on: NaiveDate,
    pub duration_minutes: Option<i32>,
    pub delivered_by: Uuid,
    pub operator_id: Option<Uuid>,
    pub notes: Option<String>,
    #[schema(value_type = Option<schemas::ServiceOutcome>)]
    pub outcome: Option<ServiceOutcome>,
    pub recorded_by: Uuid,
    #[schema(value_type = schemas::Role)]
    pub recorded_by_role: Role,
    pub recorded_at: DateTime<Utc>,
    pub version: i32,
    pub updated_at: DateTime<Utc>,
}

impl From<ServiceDelivery> for DeliveryView {
    fn from(d: ServiceDelivery) -> Self {
        DeliveryView {
            id: d.id,
            case_id: d.case_id,
            category: d.category,
            delivered_on: d.delivered_on,
            duration_minutes: d.duration_minutes,
            delivered_by: d.delivered_by,
            operator_id: d.operator_id,
            notes: d.notes,
            outcome: d.outcome,
            recorded_by: d.recorded_by,
            recorded_by_role: d.recorded_by_role,
            recorded_at: d.recorded_at,
            version: d.version,
            updated_at: d.updated_at,
        }
    }
}

/// Checks a delivery against the case and the rules, with the database at hand.
fn check(
    conn: &mut DbConnection,
    caller: &Caller,
    case: &Case,
    input: &DeliveryInput,
    today: NaiveDate,
) -> Result<DeliveryData, ApiError> {
    let mut v = Violations::new();
    if input.delivered_on > today {
        v.add("delivered_on", "in_future", "must not be in the future");
    } else if input.delivered_on < case.intercepted_at.date_naive() {
        v.add("delivered_on", "before_interception", "must not be before the interception");
    }
    let notes = input.notes.as_deref().map(str::trim).filter(|n| !n.is_empty()).map(ToString::to_string);
    if notes.as_ref().is_some_and(|n| n.chars().count() > 4000) {
        v.add("notes", "too_long", "must be at most 4000 characters");
    }
    let delivered_by = input.delivered_by.unwrap_or(caller.organization_id);
    if !organizations::exists(conn, delivered_by)? {
        v.add("delivered_by", "unknown_organization", "no organisation has this id");
    }
    let operator_id = match (input.operator_id, &caller.scopes) {
        (Some(id), _) => Some(id),
        (None, None) => Some(caller.user_id),
        (None, Some(_)) => None,
    };
    if let Some(id) = operator_id
        && !matches!(persistence::users::find(conn, id), Ok(user) if user.active)
    {
        v.add("operator_id", "unknown_operator", "must be an active user");
    }
    if !v.is_empty() {
        return Err(v.into());
    }
    if input.category.group().needs_taking_in_charge() {
        let history = case_store::status_history(conn, case.id)?;
        if !in_charge_on(&history, input.delivered_on) {
            return Err(ApiError::conflict(format!(
                "{} services need the case taken in charge on the day they are given",
                input.category.group()
            ))
            .with_extension("code", json!("case_not_in_charge")));
        }
    }
    Ok(DeliveryData {
        category: input.category,
        delivered_on: input.delivered_on,
        duration_minutes: input.duration_minutes,
        delivered_by,
        operator_id,
        notes,
        outcome: input.outcome,
    })
}

/// The case the caller records for: in its scope (PUA team), or referred to and accepted by
/// its organisation (partners).
fn recordable_case(conn: &mut DbConnection, caller: &Caller, case_id: Uuid) -> Result<Case, ApiError> {
    if caller.role == Role::Partner {
        caller.require_scope(TokenScope::ServicesWrite)?;
        return Ok(partner_case(conn, caller, case_id)?.0);
    }
    require_full_view(caller)?;
    visible_case(conn, &caller.case_scope()?, case_id)
}

/// Record a service delivered.
#[utoipa::path(
    tag = "services",
    security(("bearer" = [])),
    params(
        ("id" = Uuid, Path, description = "Case id"),
        ("Idempotency-Key" = Option<String>, Header, description = "Retry safely: the same key and body return the first answer"),
    ),
    request_body = DeliveryInput,
    responses(
        (status = 201, description = "Recorded", body = DeliveryView, headers(("Location" = String, description = "The record"))),
        (status = 403, description = "The role or token does not record services", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 409, description = "A pathway or support service on a day the case was not in charge (`case_not_in_charge`)", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/cases/{id}/services")]
pub async fn record_service(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
    key: IdempotencyKey,
    body: ValidJson<DeliveryInput>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Capability::RecordServices)?;
    let case_id = resource_id(&id)?;
    let ValidJson(input, digest) = body;
    let now = state.now();
    let actor = caller.clone();
    once(&state, &caller, &key, &digest, move |conn| {
        let case = recordable_case(conn, &actor, case_id)?;
        let data = check(conn, &actor, &case, &input, now.date_naive())?;
        let delivery = store::insert(conn, case_id, &data, actor.user_id, actor.role, now)?;
        audit::append(
            conn,
            vec![actor.audit(now, AuditAction::Create, &case.district, Some(case.beneficiary_id), Some(case_id))],
        )?;
        Ok(Answer::json(StatusCode::CREATED, &DeliveryView::from(delivery.clone()))?
            .with_location(format!("/api/v1/cases/{case_id}/services/{}", delivery.id))
            .with_etag(etag(delivery.version)))
    })
    .await
}

/// The services delivered within a case, by date.
#[utoipa::path(
    tag = "services",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Case id")),
    responses(
        (status = 200, description = "Every service not deleted", body = Paged<DeliveryView>),
        (status = 403, description = "The role does not see case details", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/cases/{id}/services")]
pub async fn list_services(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Capability::ReadCases)?;
    require_full_view(&caller)?;
    let scope = caller.case_scope()?;
    let case_id = resource_id(&id)?;
    let now = state.now();
    let deliveries = audited(&state, Via::Query, move |conn| {
        let case = visible_case(conn, &scope, case_id)?;
        let deliveries = store::of_case(conn, case_id)?;
        Ok((
            deliveries,
            vec![caller.audit(now, AuditAction::Read, &case.district, Some(case.beneficiary_id), Some(case_id))],
        ))
    })
    .await?;
    Ok(HttpResponse::Ok()
        .json(Paged { items: deliveries.into_iter().map(DeliveryView::from).collect(), next_cursor: None }))
}

/// A record the caller may amend: the author for seven days, coordinators always.
fn amendable(
    conn: &mut DbConnection,
    caller: &Caller,
    case_id: Uuid,
    service_id: Uuid,
    now: DateTime<Utc>,
) -> Result<(Case, ServiceDelivery), ApiError> {
    require_full_view(caller)?;
    let case = visible_case(conn, &caller.case_scope()?, case_id)?;
    let delivery = store::find(conn, service_id)?;
    if delivery.case_id != case_id {
        return Err(ApiError::not_found());
    }
    if !may_amend(caller.role, delivery.recorded_by == caller.user_id, delivery.recorded_at, now) {
        return Err(ApiError::forbidden()
            .with_detail("the author may change a record for 7 days; after that, a district coordinator"));
    }
    Ok((case, delivery))
}

/// Change a service record. Requires `If-Match`.
#[utoipa::path(
    tag = "services",
    security(("bearer" = [])),
    params(
        ("id" = Uuid, Path, description = "Case id"),
        ("service_id" = Uuid, Path, description = "Service record id"),
        ("If-Match" = String, Header, description = "The ETag read"),
    ),
    request_body = DeliveryInput,
    responses(
        (status = 200, description = "Changed", body = DeliveryView, headers(("ETag" = String, description = "Its new version"))),
        (status = 403, description = "Past the author's 7 days, or not the author", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 409, description = "A pathway or support service on a day the case was not in charge", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/cases/{id}/services/{service_id}")]
pub async fn update_service(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(String, String)>,
    if_match: IfMatch,
    body: ValidJson<DeliveryInput>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Capability::RecordServices)?;
    let (case_id, service_id) = (resource_id(&path.0)?, resource_id(&path.1)?);
    let input = body.0;
    let now = state.now();
    let delivery = state
        .write(move |conn| {
            let (case, _) = amendable(conn, &caller, case_id, service_id, now)?;
            let data = check(conn, &caller, &case, &input, now.date_naive())?;
            let delivery = store::update(conn, service_id, if_match.0, &data, now)?;
            audit::append(
                conn,
                vec![caller.audit(now, AuditAction::Update, &case.district, Some(case.beneficiary_id), Some(case_id))],
            )?;
            Ok(delivery)
        })
        .await?;
    Ok(HttpResponse::Ok().insert_header((header::ETAG, etag(delivery.version))).json(DeliveryView::from(delivery)))
}

/// Delete a service record. Requires `If-Match`. The record is kept, marked deleted, for the
/// audit trail.
#[utoipa::path(
    tag = "services",
    security(("bearer" = [])),
    params(
        ("id" = Uuid, Path, description = "Case id"),
        ("service_id" = Uuid, Path, description = "Service record id"),
        ("If-Match" = String, Header, description = "The ETag read"),
    ),
    responses(
        (status = 204, description = "Deleted"),
        (status = 403, description = "Past the author's 7 days, or not the author", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[delete("/cases/{id}/services/{service_id}")]
pub async fn delete_service(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(String, String)>,
    if_match: IfMatch,
) -> Result<HttpResponse, ApiError> {
    caller.require(Capability::RecordServices)?;
    let (case_id, service_id) = (resource_id(&path.0)?, resource_id(&path.1)?);
    let now = state.now();
    state
        .write(move |conn| {
            let (case, _) = amendable(conn, &caller, case_id, service_id, now)?;
            store::delete(conn, service_id, if_match.0, caller.user_id, now)?;
            audit::append(
                conn,
                vec![caller.audit(now, AuditAction::Update, &case.district, Some(case.beneficiary_id), Some(case_id))],
            )?;
            Ok::<_, ApiError>(())
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
