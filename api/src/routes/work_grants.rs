//! Work grants (borse lavoro). A grant is for a person taken in charge, resident in the
//! funder's municipality, without another grant in the same period; a refusal names the rules
//! broken. A district coordinator approves.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, get, post, web};
use app::ReadVersion;
use app::idempotency::Reply;
use app::work_grants::{self, GrantProposal};
use chrono::{DateTime, NaiveDate, Utc};
use domain::work_grants::{GrantStatus, WorkGrant};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;
use validator::Validate;

use crate::caller::Caller;
use crate::error::ApiError;
use crate::extract::{IdempotencyKey, IfMatch, Paged, ValidJson, resource_id};
use crate::idempotency::{json_reply, respond, retryable};
use crate::schemas;
use crate::state::AppState;

pub fn configure(config: &mut ServiceConfig) {
    config.service(propose_grant).service(list_grants).service(move_grant);
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GrantInput {
    /// The funding organisation (CeLav in Milan); its municipality must be the person's.
    pub funder_organization_id: Uuid,
    pub host_employer: String,
    pub start_on: NaiveDate,
    pub end_on: NaiveDate,
    #[schema(example = 50000)]
    pub monthly_amount_cents: i64,
    #[schema(example = 20)]
    pub hours_per_week: i32,
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GrantTransition {
    #[schema(value_type = schemas::GrantStatus)]
    pub to: GrantStatus,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct GrantView {
    pub id: Uuid,
    pub case_id: Uuid,
    pub funder_organization_id: Uuid,
    pub host_employer: String,
    pub start_on: NaiveDate,
    pub end_on: NaiveDate,
    pub monthly_amount_cents: i64,
    pub hours_per_week: i32,
    #[schema(value_type = schemas::GrantStatus)]
    pub status: GrantStatus,
    pub approved_by: Option<Uuid>,
    pub created_by: Uuid,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<WorkGrant> for GrantView {
    fn from(g: WorkGrant) -> Self {
        GrantView {
            id: g.id,
            case_id: g.case_id,
            funder_organization_id: g.funder_organization_id,
            host_employer: g.host_employer,
            start_on: g.start_on,
            end_on: g.end_on,
            monthly_amount_cents: g.monthly_amount_cents,
            hours_per_week: g.hours_per_week,
            status: g.status,
            approved_by: g.approved_by,
            created_by: g.created_by,
            version: g.version,
            created_at: g.created_at,
            updated_at: g.updated_at,
        }
    }
}

/// A work grant as answered to a retryable POST, and kept for its replays.
fn grant_reply(status: StatusCode, grant: WorkGrant) -> app::Result<Reply> {
    let location =
        (status == StatusCode::CREATED).then(|| format!("/api/v1/cases/{}/work-grants/{}", grant.case_id, grant.id));
    let version = grant.version;
    json_reply(status, &GrantView::from(grant), location, Some(version))
}

/// Propose a work grant.
#[utoipa::path(
    tag = "work grants",
    security(("bearer" = [])),
    params(
        ("id" = Uuid, Path, description = "Case id"),
        ("Idempotency-Key" = Option<String>, Header, description = "Retry safely: the same key and body return the first answer"),
    ),
    request_body = GrantInput,
    responses(
        (status = 201, description = "Proposed", body = GrantView, headers(("Location" = String, description = "The grant"))),
        (status = 403, description = "The role does not manage work grants", body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 409, description = "Rules broken (`rules`: case_not_in_charge, residence_unknown, funder_without_municipality, municipality_mismatch, overlapping_grant)", body = crate::problem::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/cases/{id}/work-grants")]
pub async fn propose_grant(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
    key: IdempotencyKey,
    body: ValidJson<GrantInput>,
) -> Result<HttpResponse, ApiError> {
    let ValidJson(input, digest) = body;
    let proposal = GrantProposal {
        funder_organization_id: input.funder_organization_id,
        host_employer: input.host_employer,
        start_on: input.start_on,
        end_on: input.end_on,
        monthly_amount_cents: input.monthly_amount_cents,
        hours_per_week: input.hours_per_week,
    };
    let render = |grant| grant_reply(StatusCode::CREATED, grant);
    let answered = work_grants::propose(
        state.context(),
        &caller,
        state.now(),
        resource_id(&id)?,
        proposal,
        retryable(&key, &digest, render),
    )
    .await?;
    Ok(respond(answered))
}

/// The work grants of a case.
#[utoipa::path(
    tag = "work grants",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Case id")),
    responses(
        (status = 200, description = "By start date", body = Paged<GrantView>),
        (status = 403, description = "The role does not see case details", body = crate::problem::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/cases/{id}/work-grants")]
pub async fn list_grants(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let grants = work_grants::list(state.context(), &caller, state.now(), resource_id(&id)?).await?;
    Ok(HttpResponse::Ok().json(Paged { items: grants.into_iter().map(GrantView::from).collect(), next_cursor: None }))
}

/// Move a work grant: approve (district coordinators), start, complete or terminate. Approval
/// and start check the rules again. Requires `If-Match`.
#[utoipa::path(
    tag = "work grants",
    security(("bearer" = [])),
    params(
        ("id" = Uuid, Path, description = "Case id"),
        ("grant_id" = Uuid, Path, description = "Grant id"),
        ("If-Match" = String, Header, description = "The ETag read"),
        ("Idempotency-Key" = Option<String>, Header, description = "Retry safely: the same key and body return the first answer"),
    ),
    request_body = GrantTransition,
    responses(
        (status = 200, description = "Moved", body = GrantView, headers(("ETag" = String, description = "Its new version"))),
        (status = 403, description = "Only district coordinators approve", body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not reachable, or rules broken", body = crate::problem::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/cases/{id}/work-grants/{grant_id}/transitions")]
pub async fn move_grant(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(String, String)>,
    if_match: IfMatch,
    key: IdempotencyKey,
    body: ValidJson<GrantTransition>,
) -> Result<HttpResponse, ApiError> {
    let case_id = resource_id(&path.0)?;
    let target = ReadVersion { id: resource_id(&path.1)?, version: if_match.0 };
    let ValidJson(input, digest) = body;
    let render = |grant| grant_reply(StatusCode::OK, grant);
    let answered = work_grants::transition(
        state.context(),
        &caller,
        state.now(),
        case_id,
        target,
        input.to,
        retryable(&key, &digest, render),
    )
    .await?;
    Ok(respond(answered))
}
