//! Territorial pacts: the agreement each district signs with its network. Read by every
//! logged-in user; written by the Region, the admin and the district's coordinators.

use actix_web::http::header;
use actix_web::{HttpResponse, get, patch, post, web};
use app::ReadVersion;
use app::pacts::{self, PactRecord};
use chrono::{DateTime, NaiveDate, Utc};
use domain::pacts::{Pact, PactStatus};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;
use validator::Validate;

use crate::caller::Caller;
use crate::error::ApiError;
use crate::extract::{IfMatch, Paged, ValidJson, etag, resource_id};
use crate::schemas;
use crate::state::AppState;

pub fn configure(config: &mut ServiceConfig) {
    config.service(create_pact).service(list_pacts).service(update_pact);
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PactInput {
    pub title: String,
    #[schema(value_type = schemas::PactStatus)]
    pub status: PactStatus,
    #[serde(default)]
    #[validate(length(max = 200))]
    pub signatories: Vec<Uuid>,
    #[serde(default)]
    pub signed_on: Option<NaiveDate>,
    #[serde(default)]
    pub valid_until: Option<NaiveDate>,
    /// Where the signed document is kept (protocol number, file name, link).
    #[serde(default)]
    pub document_reference: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PactView {
    pub id: Uuid,
    pub district: String,
    pub title: String,
    #[schema(value_type = schemas::PactStatus)]
    pub status: PactStatus,
    pub signatories: Vec<Uuid>,
    pub signed_on: Option<NaiveDate>,
    pub valid_until: Option<NaiveDate>,
    pub document_reference: Option<String>,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<Pact> for PactView {
    fn from(p: Pact) -> Self {
        PactView {
            id: p.id,
            district: p.district.as_str().to_string(),
            title: p.title,
            status: p.status,
            signatories: p.signatories,
            signed_on: p.signed_on,
            valid_until: p.valid_until,
            document_reference: p.document_reference,
            version: p.version,
            created_at: p.created_at,
            updated_at: p.updated_at,
        }
    }
}

impl From<PactInput> for PactRecord {
    fn from(input: PactInput) -> Self {
        PactRecord {
            title: input.title,
            status: input.status,
            signatories: input.signatories,
            signed_on: input.signed_on,
            valid_until: input.valid_until,
            document_reference: input.document_reference,
        }
    }
}

/// Record a territorial pact of a district.
#[utoipa::path(
    tag = "pacts",
    security(("bearer" = [])),
    params(("code" = String, Path, description = "District code")),
    request_body = PactInput,
    responses(
        (status = 201, description = "Recorded", body = PactView, headers(("ETag" = String, description = "Its version"))),
        (status = 403, description = "Not the Region, the admin or the district's coordinator", body = crate::problem::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/districts/{code}/pacts")]
pub async fn create_pact(
    state: web::Data<AppState>,
    caller: Caller,
    code: web::Path<String>,
    body: ValidJson<PactInput>,
) -> Result<HttpResponse, ApiError> {
    let pact = pacts::create(state.context(), &caller, state.now(), &code, body.0.into()).await?;
    Ok(HttpResponse::Created().insert_header((header::ETAG, etag(pact.version))).json(PactView::from(pact)))
}

/// The territorial pacts of a district.
#[utoipa::path(
    tag = "pacts",
    security(("bearer" = [])),
    params(("code" = String, Path, description = "District code")),
    responses((status = 200, description = "Oldest first", body = Paged<PactView>))
)]
#[get("/districts/{code}/pacts")]
pub async fn list_pacts(
    state: web::Data<AppState>,
    caller: Caller,
    code: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let pacts = pacts::list(state.context(), &caller, &code).await?;
    Ok(HttpResponse::Ok().json(Paged { items: pacts.into_iter().map(PactView::from).collect(), next_cursor: None }))
}

/// Replace a pact's record. Requires `If-Match`.
#[utoipa::path(
    tag = "pacts",
    security(("bearer" = [])),
    params(
        ("code" = String, Path, description = "District code"),
        ("id" = Uuid, Path, description = "Pact id"),
        ("If-Match" = String, Header, description = "The ETag read"),
    ),
    request_body = PactInput,
    responses(
        (status = 200, description = "Changed", body = PactView, headers(("ETag" = String, description = "Its new version"))),
        (status = 403, description = "Not the Region, the admin or the district's coordinator", body = crate::problem::Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/districts/{code}/pacts/{id}")]
pub async fn update_pact(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(String, String)>,
    if_match: IfMatch,
    body: ValidJson<PactInput>,
) -> Result<HttpResponse, ApiError> {
    let target = ReadVersion { id: resource_id(&path.1)?, version: if_match.0 };
    let pact = pacts::update(state.context(), &caller, state.now(), &path.0, target, body.0.into()).await?;
    Ok(HttpResponse::Ok().insert_header((header::ETAG, etag(pact.version))).json(PactView::from(pact)))
}
