//! Organisations: the programme's bodies, municipal services and partner ETS. The directory
//! holds no personal data: every logged-in user reads it, the admin changes it.

use actix_web::http::header;
use actix_web::{HttpResponse, get, patch, post, web};
use chrono::{DateTime, Utc};
use domain::access::Capability;
use domain::districts::{parse_district_list, parse_known_district};
use domain::organizations::{MUNICIPALITY_MAX_CHARS, ORGANIZATION_NAME_MAX_CHARS, Organization, OrganizationKind};
use domain::validation::Violations;
use domain::validation::check_label;
use persistence::PageRequest;
use persistence::organizations::{self as store, NewOrganization, OrganizationChanges, OrganizationFilter, key_of};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;
use validator::Validate;

use crate::auth::Caller;
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

fn check_name(raw: &str) -> Result<String, domain::validation::Violation> {
    check_label("name", raw, ORGANIZATION_NAME_MAX_CHARS)
}

fn check_municipality(raw: &str) -> Result<String, domain::validation::Violation> {
    check_label("municipality", raw, MUNICIPALITY_MAX_CHARS)
}

/// Register an organisation (admin).
#[utoipa::path(
    tag = "organizations",
    security(("bearer" = [])),
    request_body = CreateOrganization,
    responses(
        (status = 201, description = "Created", body = OrganizationView,
            headers(("Location" = String, description = "The new organisation"), ("ETag" = String, description = "Its version"))),
        (status = 403, description = "Not an admin", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 409, description = "An organisation with this name exists", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/organizations")]
pub async fn create_organization(
    state: web::Data<AppState>,
    caller: Caller,
    body: ValidJson<CreateOrganization>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Capability::ManageOrganizations)?;
    let body = body.0;
    let mut violations = Violations::new();
    let name = violations.check(check_name(&body.name));
    let municipality = body.municipality.as_deref().map(|m| violations.check(check_municipality(m)));
    let districts = violations.take(parse_district_list("districts", &body.districts, state.known_districts()));
    let (Some(name), Some(districts), true) = (name, districts, violations.is_empty()) else {
        return Err(violations.into());
    };
    let new = NewOrganization { name, kind: body.kind, municipality: municipality.flatten(), districts };
    let now = state.now();
    let organization = state
        .db(move |conn| {
            if store::name_taken(conn, &new.name, None)? {
                return Err(ApiError::conflict("an organisation with this name already exists"));
            }
            Ok(store::insert(conn, &new, now)?)
        })
        .await?;
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
    caller.require(Capability::ReadOrganizations)?;
    let query = query.0;
    let district = query
        .district
        .as_deref()
        .map(|code| parse_known_district("district", code, state.known_districts()))
        .transpose()?;
    let after = match query.cursor.as_deref() {
        Some(raw) => {
            let key = decode_cursor(raw, 2)?;
            let id = Uuid::parse_str(&key[1])
                .map_err(|_| ApiError::field("cursor", "invalid_cursor", "not a cursor returned by this list"))?;
            Some((key[0].clone(), id))
        }
        None => None,
    };
    let filter = OrganizationFilter { kind: query.kind, district, q: query.q };
    let page = PageRequest { after, limit: page_limit(query.limit) };
    let page = state.db(move |conn| Ok(store::list(conn, &filter, &page)?)).await?;
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
    caller.require(Capability::ReadOrganizations)?;
    let id = resource_id(&id)?;
    let organization = state.db(move |conn| Ok(store::find(conn, id)?)).await?;
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
        (status = 403, description = "Not an admin", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 409, description = "Another organisation has this name", body = crate::error::Problem, content_type = "application/problem+json"),
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
    caller.require(Capability::ManageOrganizations)?;
    let id = resource_id(&id)?;
    let body = body.0;
    let mut violations = Violations::new();
    let name = body.name.as_deref().and_then(|name| violations.check(check_name(name)));
    let municipality = match body.municipality {
        Some(Some(raw)) => violations.check(check_municipality(&raw)).map(Some),
        Some(None) => Some(None),
        None => None,
    };
    let districts =
        match body.districts.as_deref().map(|raw| parse_district_list("districts", raw, state.known_districts())) {
            Some(Ok(districts)) => Some(districts),
            Some(Err(errors)) => {
                violations.extend(errors);
                None
            }
            None => None,
        };
    if !violations.is_empty() {
        return Err(violations.into());
    }
    let changes = OrganizationChanges { name, kind: body.kind, municipality, districts };
    let now = state.now();
    let expected = if_match.0;
    let organization = state
        .db(move |conn| {
            if let Some(name) = &changes.name
                && store::name_taken(conn, name, Some(id))?
            {
                return Err(ApiError::conflict("an organisation with this name already exists"));
            }
            Ok(store::update(conn, id, expected, &changes, now)?)
        })
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::ETAG, etag(organization.version)))
        .json(OrganizationView::from(organization)))
}
