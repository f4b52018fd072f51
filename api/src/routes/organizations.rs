//! Organisations: the programme's bodies, municipal services and partner ETS. The directory
//! holds no personal data: every logged-in user reads it, the admin changes it.

use actix_web::http::header;
use actix_web::{HttpResponse, get, patch, post, web};
use app::ReadVersion;
use app::organizations::{self, DirectoryQuery, EntryChanges, NewEntry};
use chrono::{DateTime, Utc};
use domain::organizations::{Organization, OrganizationKind};
use persistence::PageRequest;
use persistence::organizations::key_of;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;
use validator::Validate;

use crate::caller::Caller;
use crate::error::ApiError;
use crate::extract::{
    IfMatch, Paged, ValidJson, ValidQuery, decode_cursor, encode_cursor, etag, page_limit, resource_id,
};
use crate::schemas;
use crate::state::AppState;

pub fn configure(config: &mut ServiceConfig) {
    config
        .service(create_organization)
        .service(list_organizations)
        .service(get_organization)
        .service(update_organization);
}

#[derive(Debug, Serialize, ToSchema)]
pub struct OrganizationView {
    pub id: Uuid,
    #[schema(example = "Fondazione AVSI")]
    pub name: String,
    #[schema(value_type = schemas::OrganizationKind)]
    pub kind: OrganizationKind,
    /// Where it is based; work grants are tied to the funder's municipality.
    #[schema(example = "Milano")]
    pub municipality: Option<String>,
    /// District codes it works in.
    pub districts: Vec<String>,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<Organization> for OrganizationView {
    fn from(organization: Organization) -> Self {
        OrganizationView {
            id: organization.id,
            name: organization.name,
            kind: organization.kind,
            municipality: organization.municipality,
            districts: organization.districts.iter().map(|d| d.as_str().to_string()).collect(),
            version: organization.version,
            created_at: organization.created_at,
            updated_at: organization.updated_at,
        }
    }
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateOrganization {
    #[schema(example = "Cooperativa Farsi Prossimo")]
    pub name: String,
    #[schema(value_type = schemas::OrganizationKind)]
    pub kind: OrganizationKind,
    #[serde(default)]
    pub municipality: Option<String>,
    #[serde(default)]
    #[validate(length(max = 50))]
    pub districts: Vec<String>,
}

/// Changes; absent fields stay, `municipality: null` clears it.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateOrganization {
    pub name: Option<String>,
    #[schema(value_type = Option<schemas::OrganizationKind>)]
    pub kind: Option<OrganizationKind>,
    #[serde(default, deserialize_with = "crate::extract::present")]
    #[schema(value_type = Option<String>)]
    pub municipality: Option<Option<String>>,
    #[validate(length(max = 50))]
    pub districts: Option<Vec<String>>,
}

#[derive(Debug, Deserialize, Validate, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct OrganizationListQuery {
    #[param(value_type = Option<schemas::OrganizationKind>)]
    pub kind: Option<OrganizationKind>,
    /// A district code.
    pub district: Option<String>,
    /// Part of the name, any case.
    #[validate(length(max = 100))]
    pub q: Option<String>,
    #[validate(range(min = 1, max = 200))]
    pub limit: Option<i64>,
    #[validate(length(max = 512))]
    pub cursor: Option<String>,
}

/// Register an organisation (admin).
#[utoipa::path(
    tag = "organizations",
    security(("bearer" = [])),
    request_body = CreateOrganization,
    responses(
        (status = 201, description = "Created", body = OrganizationView,
            headers(("Location" = String, description = "The new organisation"), ("ETag" = String, description = "Its version"))),
        (status = 403, description = "Not an admin", body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 409, description = "An organisation with this name exists", body = crate::problem::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/organizations")]
pub async fn create_organization(
    state: web::Data<AppState>,
    caller: Caller,
    body: ValidJson<CreateOrganization>,
) -> Result<HttpResponse, ApiError> {
    let body = body.0;
    let entry =
        NewEntry { name: body.name, kind: body.kind, municipality: body.municipality, districts: body.districts };
    let organization = organizations::create(state.context(), &caller, state.now(), entry).await?;
    Ok(HttpResponse::Created()
        .insert_header((header::LOCATION, format!("/api/v1/organizations/{}", organization.id)))
        .insert_header((header::ETAG, etag(organization.version)))
        .json(OrganizationView::from(organization)))
}

/// List organisations by name (any logged-in user).
#[utoipa::path(
    tag = "organizations",
    security(("bearer" = [])),
    params(OrganizationListQuery),
    responses((status = 200, description = "A page of organisations", body = Paged<OrganizationView>))
)]
#[get("/organizations")]
pub async fn list_organizations(
    state: web::Data<AppState>,
    caller: Caller,
    query: ValidQuery<OrganizationListQuery>,
) -> Result<HttpResponse, ApiError> {
    let query = query.0;
    let after = match query.cursor.as_deref() {
        Some(raw) => {
            let key = decode_cursor(raw, 2)?;
            let id = Uuid::parse_str(&key[1])
                .map_err(|_| ApiError::field("cursor", "invalid_cursor", "not a cursor returned by this list"))?;
            Some((key[0].clone(), id))
        }
        None => None,
    };
    let page = PageRequest { after, limit: page_limit(query.limit) };
    let search = DirectoryQuery { kind: query.kind, district: query.district, q: query.q };
    let page = organizations::list(state.context(), &caller, search, page).await?;
    let next_cursor = page
        .has_more
        .then(|| {
            page.items.last().map(|o| {
                let (key, id) = key_of(o);
                encode_cursor(&[key, id.to_string()])
            })
        })
        .flatten();
    Ok(HttpResponse::Ok()
        .json(Paged { items: page.items.into_iter().map(OrganizationView::from).collect(), next_cursor }))
}

/// Read an organisation (any logged-in user).
#[utoipa::path(
    tag = "organizations",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Organisation id")),
    responses((status = 200, description = "The organisation", body = OrganizationView, headers(("ETag" = String, description = "Its version"))))
)]
#[get("/organizations/{id}")]
pub async fn get_organization(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let organization = organizations::read(state.context(), &caller, resource_id(&id)?).await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::ETAG, etag(organization.version)))
        .json(OrganizationView::from(organization)))
}

/// Change an organisation (admin). Requires `If-Match`.
#[utoipa::path(
    tag = "organizations",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Organisation id"), ("If-Match" = String, Header, description = "The ETag read")),
    request_body = UpdateOrganization,
    responses(
        (status = 200, description = "The changed organisation", body = OrganizationView, headers(("ETag" = String, description = "Its new version"))),
        (status = 403, description = "Not an admin", body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 409, description = "Another organisation has this name", body = crate::problem::Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/organizations/{id}")]
pub async fn update_organization(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
    if_match: IfMatch,
    body: ValidJson<UpdateOrganization>,
) -> Result<HttpResponse, ApiError> {
    let target = ReadVersion { id: resource_id(&id)?, version: if_match.0 };
    let body = body.0;
    let changes =
        EntryChanges { name: body.name, kind: body.kind, municipality: body.municipality, districts: body.districts };
    let organization = organizations::update(state.context(), &caller, state.now(), target, changes).await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::ETAG, etag(organization.version)))
        .json(OrganizationView::from(organization)))
}
