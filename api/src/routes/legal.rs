//! Legal procedures of a case. Only legal advisors and district coordinators know they exist:
//! everyone else gets 404, not 403.

use actix_web::http::{StatusCode, header};
use actix_web::{HttpResponse, get, patch, post, web};
use app::ReadVersion;
use app::legal::{self, Procedure};
use chrono::{DateTime, NaiveDate, Utc};
use domain::legal::{Authority, LegalProcedure, ProcedureKind, ProcedureStatus};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;
use validator::Validate;

use crate::caller::Caller;
use crate::error::ApiError;
use crate::extract::{IdempotencyKey, IfMatch, Paged, ValidJson, etag, resource_id};
use crate::idempotency::{json_reply, respond, retryable};
use crate::schemas;
use crate::state::AppState;

pub fn configure(config: &mut ServiceConfig) {
    config.service(create_procedure).service(list_procedures).service(get_procedure).service(update_procedure);
}

#[derive(Debug, Clone, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProcedureInput {
    #[schema(value_type = schemas::ProcedureKind)]
    pub kind: ProcedureKind,
    #[schema(value_type = schemas::ProcedureStatus)]
    pub status: ProcedureStatus,
    #[serde(default)]
    #[schema(value_type = Option<schemas::Authority>)]
    pub authority: Option<Authority>,
    #[serde(default)]
    pub filed_on: Option<NaiveDate>,
    #[serde(default)]
    pub decided_on: Option<NaiveDate>,
    #[serde(default)]
    pub next_deadline: Option<NaiveDate>,
    #[serde(default)]
    pub notes: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ProcedureView {
    pub id: Uuid,
    pub case_id: Uuid,
    #[schema(value_type = schemas::ProcedureKind)]
    pub kind: ProcedureKind,
    #[schema(value_type = schemas::ProcedureStatus)]
    pub status: ProcedureStatus,
    #[schema(value_type = Option<schemas::Authority>)]
    pub authority: Option<Authority>,
    pub filed_on: Option<NaiveDate>,
    pub decided_on: Option<NaiveDate>,
    pub next_deadline: Option<NaiveDate>,
    pub notes: Option<String>,
    pub created_by: Uuid,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<LegalProcedure> for ProcedureView {
    fn from(p: LegalProcedure) -> Self {
        ProcedureView {
            id: p.id,
            case_id: p.case_id,
            kind: p.kind,
            status: p.status,
            authority: p.authority,
            filed_on: p.filed_on,
            decided_on: p.decided_on,
            next_deadline: p.next_deadline,
            notes: p.notes,
            created_by: p.created_by,
            version: p.version,
            created_at: p.created_at,
            updated_at: p.updated_at,
        }
    }
}

impl From<ProcedureInput> for Procedure {
    fn from(input: ProcedureInput) -> Self {
        Procedure {
            kind: input.kind,
            status: input.status,
            authority: input.authority,
            filed_on: input.filed_on,
            decided_on: input.decided_on,
            next_deadline: input.next_deadline,
            notes: input.notes,
        }
    }
}

/// Open a legal procedure for a case (legal advisors and district coordinators).
#[utoipa::path(
    tag = "legal",
    security(("bearer" = [])),
    params(
        ("id" = Uuid, Path, description = "Case id"),
        ("Idempotency-Key" = Option<String>, Header, description = "Retry safely: the same key and body return the first answer"),
    ),
    request_body = ProcedureInput,
    responses((status = 201, description = "Recorded", body = ProcedureView, headers(("Location" = String, description = "The procedure"))))
)]
#[post("/cases/{id}/legal-procedures")]
pub async fn create_procedure(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
    key: IdempotencyKey,
    body: ValidJson<ProcedureInput>,
) -> Result<HttpResponse, ApiError> {
    let case_id = resource_id(&id)?;
    let ValidJson(input, digest) = body;
    let render = move |procedure: LegalProcedure| {
        let location = format!("/api/v1/cases/{case_id}/legal-procedures/{}", procedure.id);
        let version = procedure.version;
        json_reply(StatusCode::CREATED, &ProcedureView::from(procedure), Some(location), Some(version))
    };
    let answered =
        legal::open(state.context(), &caller, state.now(), case_id, input.into(), retryable(&key, &digest, render))
            .await?;
    Ok(respond(answered))
}

/// The legal procedures of a case (legal advisors and district coordinators).
#[utoipa::path(
    tag = "legal",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Case id")),
    responses((status = 200, description = "Oldest first", body = Paged<ProcedureView>))
)]
#[get("/cases/{id}/legal-procedures")]
pub async fn list_procedures(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let procedures = legal::list(state.context(), &caller, state.now(), resource_id(&id)?).await?;
    Ok(HttpResponse::Ok()
        .json(Paged { items: procedures.into_iter().map(ProcedureView::from).collect(), next_cursor: None }))
}

/// Read a legal procedure (legal advisors and district coordinators).
#[utoipa::path(
    tag = "legal",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Case id"), ("procedure_id" = Uuid, Path, description = "Procedure id")),
    responses((status = 200, description = "The procedure", body = ProcedureView, headers(("ETag" = String, description = "Its version"))))
)]
#[get("/cases/{id}/legal-procedures/{procedure_id}")]
pub async fn get_procedure(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (case_id, procedure_id) = (resource_id(&path.0)?, resource_id(&path.1)?);
    let procedure = legal::read(state.context(), &caller, state.now(), case_id, procedure_id).await?;
    Ok(HttpResponse::Ok().insert_header((header::ETAG, etag(procedure.version))).json(ProcedureView::from(procedure)))
}

/// Replace a legal procedure's data. Requires `If-Match`.
#[utoipa::path(
    tag = "legal",
    security(("bearer" = [])),
    params(
        ("id" = Uuid, Path, description = "Case id"),
        ("procedure_id" = Uuid, Path, description = "Procedure id"),
        ("If-Match" = String, Header, description = "The ETag read"),
    ),
    request_body = ProcedureInput,
    responses((status = 200, description = "Changed", body = ProcedureView, headers(("ETag" = String, description = "Its new version"))))
)]
#[patch("/cases/{id}/legal-procedures/{procedure_id}")]
pub async fn update_procedure(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(String, String)>,
    if_match: IfMatch,
    body: ValidJson<ProcedureInput>,
) -> Result<HttpResponse, ApiError> {
    let case_id = resource_id(&path.0)?;
    let target = ReadVersion { id: resource_id(&path.1)?, version: if_match.0 };
    let procedure = legal::update(state.context(), &caller, state.now(), case_id, target, body.0.into()).await?;
    Ok(HttpResponse::Ok().insert_header((header::ETAG, etag(procedure.version))).json(ProcedureView::from(procedure)))
}
