//! Territorial pacts: the agreement each district signs with its network. Read by every
//! logged-in user; written by the Region, the admin and the district's coordinators.

use actix_web::http::header;
use actix_web::{HttpResponse, get, patch, post, web};
use chrono::{DateTime, NaiveDate, Utc};
use domain::access::Capability;
use domain::districts::DistrictCode;
use domain::pacts::{Pact, PactStatus, check};
use domain::users::Role;
use domain::validation::check_label;
use persistence::organizations;
use persistence::pacts::{self as store, PactData};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;
use validator::Validate;

use crate::auth::Caller;
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

/// A known district from the path, or 404.
pub fn path_district(state: &AppState, code: &str) -> Result<DistrictCode, ApiError> {
    DistrictCode::parse("code", code)
        .ok()
        .filter(|c| state.known_districts().contains(c))
        .ok_or_else(ApiError::not_found)
}

/// The Region and the admin write every district's pacts; a coordinator its own districts'.
fn may_write(caller: &Caller, district: &DistrictCode) -> Result<(), ApiError> {
    caller.require(Capability::ManagePacts)?;
    if caller.role == Role::DistrictCoordinator && !caller.districts.contains(district) {
        return Err(ApiError::forbidden().with_detail("a district coordinator manages the pacts of its districts"));
    }
    Ok(())
}

fn validate(state: &AppState, input: PactInput) -> Result<PactData, ApiError> {
    check(input.status, input.signed_on, input.valid_until, state.now().date_naive())?;
    let mut signatories = input.signatories;
    signatories.sort();
    signatories.dedup();
    Ok(PactData {
        title: check_label("title", &input.title, 300)?,
        status: input.status,
        signatories,
        signed_on: input.signed_on,
        valid_until: input.valid_until,
        document_reference: input
            .document_reference
            .filter(|d| !d.trim().is_empty())
            .map(|d| check_label("document_reference", &d, 500))
            .transpose()?,
    })
}

fn require_signatories(conn: &mut persistence::DbConnection, data: &PactData) -> Result<(), ApiError> {
    for (i, organization) in data.signatories.iter().enumerate() {
        if !organizations::exists(conn, *organization)? {
            return Err(ApiError::field(
                format!("signatories[{i}]"),
                "unknown_organization",
                "no organisation has this id",
            ));
        }
    }
    Ok(())
}

/// Record a territorial pact of a district.
#[utoipa::path(
    tag = "pacts",
    security(("bearer" = [])),
    params(("code" = String, Path, description = "District code")),
    request_body = PactInput,
    responses(
        (status = 201, description = "Recorded", body = PactView, headers(("ETag" = String, description = "Its version"))),
        (status = 403, description = "Not the Region, the admin or the district's coordinator", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/districts/{code}/pacts")]
pub async fn create_pact(
    state: web::Data<AppState>,
    caller: Caller,
    code: web::Path<String>,
    body: ValidJson<PactInput>,
) -> Result<HttpResponse, ApiError> {
    let district = path_district(&state, &code)?;
    may_write(&caller, &district)?;
    let data = validate(&state, body.0)?;
    let now = state.now();
    let pact = state
        .db(move |conn| {
            require_signatories(conn, &data)?;
            Ok(store::insert(conn, &district, &data, now)?)
        })
        .await?;
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
    caller.require(Capability::ReadReferenceData)?;
    let district = path_district(&state, &code)?;
    let pacts = state.db(move |conn| Ok(store::of_district(conn, &district)?)).await?;
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
        (status = 403, description = "Not the Region, the admin or the district's coordinator", body = crate::error::Problem, content_type = "application/problem+json"),
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
    let district = path_district(&state, &path.0)?;
    let id = resource_id(&path.1)?;
    may_write(&caller, &district)?;
    let data = validate(&state, body.0)?;
    let now = state.now();
    let pact = state
        .db(move |conn| {
            if store::find(conn, id)?.district != district {
                return Err(ApiError::not_found());
            }
            require_signatories(conn, &data)?;
            Ok(store::update(conn, id, if_match.0, &data, now)?)
        })
        .await?;
    Ok(HttpResponse::Ok().insert_header((header::ETAG, etag(pact.version))).json(PactView::from(pact)))
}
