//! Services delivered within a case. Prevention and orientation may be recorded from the first
//! contact; pathways and support only for days the case was taken in charge. The author may
//! change or delete a record for seven days, coordinators always; every change is audited.
//! Partners record services for the cases referred to and accepted by their organisation.

use actix_web::http::{StatusCode, header};
use actix_web::{HttpResponse, delete, get, patch, post, web};
use app::ReadVersion;
use app::services::{self, Delivery};
use chrono::{DateTime, NaiveDate, Utc};
use domain::services::{ServiceCategory, ServiceDelivery, ServiceOutcome};
use domain::users::Role;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;
use validator::Validate;

use crate::caller::Caller;
use crate::error::ApiError;
use crate::extract::{IdempotencyKey, IfMatch, Paged, ValidJson, ValidQuery, etag, resource_id};
use crate::idempotency::{json_reply, respond, retryable};
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

impl From<DeliveryInput> for Delivery {
    fn from(input: DeliveryInput) -> Self {
        Delivery {
            category: input.category,
            delivered_on: input.delivered_on,
            duration_minutes: input.duration_minutes,
            delivered_by: input.delivered_by,
            operator_id: input.operator_id,
            notes: input.notes,
            outcome: input.outcome,
        }
    }
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
        (status = 403, description = "The role or token does not record services", body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 409, description = "A pathway or support service on a day the case was not in charge (`case_not_in_charge`)", body = crate::problem::Problem, content_type = "application/problem+json"),
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
    let case_id = resource_id(&id)?;
    let ValidJson(input, digest) = body;
    let render = move |delivery: ServiceDelivery| {
        let location = format!("/api/v1/cases/{case_id}/services/{}", delivery.id);
        let version = delivery.version;
        json_reply(StatusCode::CREATED, &DeliveryView::from(delivery), Some(location), Some(version))
    };
    let answered = services::record(
        state.context(),
        &caller,
        state.now(),
        case_id,
        input.into(),
        retryable(&key, &digest, render),
    )
    .await?;
    Ok(respond(answered))
}

#[derive(Debug, Deserialize, Validate, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ServiceListQuery {
    /// Only the services changed at or after this time, in the order they changed (deleted
    /// ones are told by the change feed).
    pub updated_since: Option<DateTime<Utc>>,
}

/// The services delivered within a case, by date; with `updated_since`, those changed since.
#[utoipa::path(
    tag = "services",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Case id"), ServiceListQuery),
    responses(
        (status = 200, description = "Every service not deleted", body = Paged<DeliveryView>),
        (status = 403, description = "The role does not see case details", body = crate::problem::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/cases/{id}/services")]
pub async fn list_services(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
    query: ValidQuery<ServiceListQuery>,
) -> Result<HttpResponse, ApiError> {
    let since = query.0.updated_since;
    let deliveries = services::list(state.context(), &caller, state.now(), resource_id(&id)?, since).await?;
    Ok(HttpResponse::Ok()
        .json(Paged { items: deliveries.into_iter().map(DeliveryView::from).collect(), next_cursor: None }))
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
        (status = 403, description = "Past the author's 7 days, or not the author", body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 409, description = "A pathway or support service on a day the case was not in charge", body = crate::problem::Problem, content_type = "application/problem+json"),
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
    let case_id = resource_id(&path.0)?;
    let target = ReadVersion { id: resource_id(&path.1)?, version: if_match.0 };
    let delivery = services::update(state.context(), &caller, state.now(), case_id, target, body.0.into()).await?;
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
        (status = 403, description = "Past the author's 7 days, or not the author", body = crate::problem::Problem, content_type = "application/problem+json"),
    )
)]
#[delete("/cases/{id}/services/{service_id}")]
pub async fn delete_service(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(String, String)>,
    if_match: IfMatch,
) -> Result<HttpResponse, ApiError> {
    let case_id = resource_id(&path.0)?;
    let target = ReadVersion { id: resource_id(&path.1)?, version: if_match.0 };
    services::delete(state.context(), &caller, state.now(), case_id, target).await?;
    Ok(HttpResponse::NoContent().finish())
}
