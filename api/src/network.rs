//! The network's services (la Rete), with Open Referral HSDS 3.0 field names where one exists.
//! Read by every case role and partners; managed by the admin and by district coordinators
//! for services within their districts.

use actix_web::http::header;
use actix_web::{HttpResponse, get, patch, post, web};
use chrono::{DateTime, Utc};
use domain::access::Capability;
use domain::districts::{parse_district_list, parse_known_district};
use domain::iso::parse_language;
use domain::network::{Address, NetworkService, NetworkServiceStatus, may_manage};
use domain::services::ServiceCategory;
use domain::validation::Violations;
use domain::validation::{Email, check_label};
use persistence::PageRequest;
use persistence::network::{self as store, ServiceData, ServiceFilter};
use persistence::organizations;
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
        .service(create_network_service)
        .service(list_network_services)
        .service(get_network_service)
        .service(update_network_service);
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AddressDto {
    pub address_1: Option<String>,
    pub city: Option<String>,
    pub postal_code: Option<String>,
}

/// A service of the network. Writes send every field (absent optional fields are cleared).
#[derive(Debug, Clone, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ServiceInput {
    pub organization_id: Uuid,
    #[schema(example = "Sportello lavoro e diritti")]
    pub name: String,
    #[serde(default)]
    pub description: Option<String>,
    /// Service taxonomy codes.
    #[schema(value_type = Vec<schemas::ServiceCategory>)]
    #[validate(length(min = 1, max = 14))]
    pub categories: Vec<ServiceCategory>,
    /// HSDS `service_areas`: the district codes served.
    #[validate(length(min = 1, max = 12))]
    pub service_areas: Vec<String>,
    /// ISO 639-1 codes.
    #[serde(default)]
    #[validate(length(max = 30))]
    pub languages: Vec<String>,
    #[serde(default)]
    pub eligibility_description: Option<String>,
    /// HSDS `required_documents[].document`.
    #[serde(default)]
    #[validate(length(max = 20))]
    pub required_documents: Vec<String>,
    #[serde(default)]
    pub address: Option<AddressDto>,
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    pub url: Option<String>,
    /// HSDS `phones[].number`.
    #[serde(default)]
    pub phone: Option<String>,
    /// HSDS `schedules[].description`: opening hours.
    #[serde(default)]
    pub schedule_description: Option<String>,
    #[schema(value_type = schemas::NetworkServiceStatus)]
    pub status: NetworkServiceStatus,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ServiceView {
    pub id: Uuid,
    pub organization_id: Uuid,
    pub name: String,
    pub description: Option<String>,
    #[schema(value_type = Vec<schemas::ServiceCategory>)]
    pub categories: Vec<ServiceCategory>,
    pub service_areas: Vec<String>,
    pub languages: Vec<String>,
    pub eligibility_description: Option<String>,
    pub required_documents: Vec<String>,
    pub address: AddressDto,
    pub email: Option<String>,
    pub url: Option<String>,
    pub phone: Option<String>,
    pub schedule_description: Option<String>,
    #[schema(value_type = schemas::NetworkServiceStatus)]
    pub status: NetworkServiceStatus,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<NetworkService> for ServiceView {
    fn from(s: NetworkService) -> Self {
        ServiceView {
            id: s.id,
            organization_id: s.organization_id,
            name: s.name,
            description: s.description,
            categories: s.categories,
            service_areas: s.service_areas.iter().map(|d| d.as_str().to_string()).collect(),
            languages: s.languages,
            eligibility_description: s.eligibility_description,
            required_documents: s.required_documents,
            address: AddressDto {
                address_1: s.address.address_1,
                city: s.address.city,
                postal_code: s.address.postal_code,
            },
            email: s.email,
            url: s.url,
            phone: s.phone,
            schedule_description: s.schedule_description,
            status: s.status,
            version: s.version,
            created_at: s.created_at,
            updated_at: s.updated_at,
        }
    }
}

#[derive(Debug, Deserialize, Validate, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ServiceQuery {
    #[param(value_type = Option<schemas::ServiceCategory>)]
    pub category: Option<ServiceCategory>,
    pub district: Option<String>,
    /// ISO 639-1.
    pub language: Option<String>,
    pub organization_id: Option<Uuid>,
    #[param(value_type = Option<schemas::NetworkServiceStatus>)]
    pub status: Option<NetworkServiceStatus>,
    /// Part of the name or description.
    #[validate(length(max = 100))]
    pub q: Option<String>,
    #[validate(range(min = 1, max = 200))]
    pub limit: Option<i64>,
    #[validate(length(max = 512))]
    pub cursor: Option<String>,
}

/// Validates a service; the caller must be allowed to manage a service with these areas.
fn validate(state: &AppState, caller: &Caller, input: ServiceInput) -> Result<ServiceData, ApiError> {
    let mut v = Violations::new();
    let name = v.check(check_label("name", &input.name, 200));
    let optional = |v: &mut Violations, field: &str, value: Option<String>, max: usize| {
        value.filter(|s| !s.trim().is_empty()).and_then(|s| v.check(check_label(field, &s, max)))
    };
    let description = input.description.filter(|d| !d.trim().is_empty()).map(|d| d.trim().to_string());
    if description.as_ref().is_some_and(|d| d.chars().count() > 4000) {
        v.add("description", "too_long", "must be at most 4000 characters");
    }
    let mut categories = input.categories;
    categories.sort();
    categories.dedup();
    let areas = v.take(parse_district_list("service_areas", &input.service_areas, state.known_districts()));
    let mut languages: Vec<String> = input
        .languages
        .iter()
        .enumerate()
        .filter_map(|(i, l)| v.check(parse_language(&format!("languages[{i}]"), l)))
        .collect();
    languages.sort();
    languages.dedup();
    let eligibility_description = optional(&mut v, "eligibility_description", input.eligibility_description, 2000);
    let required_documents: Vec<String> = input
        .required_documents
        .iter()
        .enumerate()
        .filter_map(|(i, d)| v.check(check_label(&format!("required_documents[{i}]"), d, 200)))
        .collect();
    let address = input.address.unwrap_or_default();
    let address = Address {
        address_1: optional(&mut v, "address.address_1", address.address_1, 200),
        city: optional(&mut v, "address.city", address.city, 120),
        postal_code: optional(&mut v, "address.postal_code", address.postal_code, 20),
    };
    let email = input
        .email
        .filter(|e| !e.trim().is_empty())
        .and_then(|e| v.check(Email::parse("email", &e)))
        .map(Email::into_string);
    let url = optional(&mut v, "url", input.url, 500);
    if url.as_ref().is_some_and(|u| !(u.starts_with("https://") || u.starts_with("http://"))) {
        v.add("url", "invalid_url", "must start with https:// or http://");
    }
    let phone = input
        .phone
        .filter(|p| !p.trim().is_empty())
        .and_then(|p| v.check(domain::beneficiaries::check_phone("phone", &p)));
    let schedule_description = optional(&mut v, "schedule_description", input.schedule_description, 500);
    let (Some(name), Some(service_areas), true) = (name, areas, v.is_empty()) else {
        return Err(v.into());
    };
    if !may_manage(caller.role, &caller.districts, &service_areas) {
        return Err(
            ApiError::forbidden().with_detail("a district coordinator manages services that serve only its districts")
        );
    }
    Ok(ServiceData {
        organization_id: input.organization_id,
        name,
        description,
        categories,
        service_areas,
        languages,
        eligibility_description,
        required_documents,
        address,
        email,
        url,
        phone,
        schedule_description,
        status: input.status,
    })
}

fn require_organization(conn: &mut persistence::DbConnection, id: Uuid) -> Result<(), ApiError> {
    if organizations::exists(conn, id)? {
        Ok(())
    } else {
        Err(ApiError::field("organization_id", "unknown_organization", "no organisation has this id"))
    }
}

/// Add a service to the network (admin; district coordinators for their districts).
#[utoipa::path(
    tag = "network",
    security(("bearer" = [])),
    request_body = ServiceInput,
    responses(
        (status = 201, description = "Created", body = ServiceView, headers(("Location" = String, description = "The service"), ("ETag" = String, description = "Its version"))),
        (status = 403, description = "Not allowed to manage services for these districts", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/network/services")]
pub async fn create_network_service(
    state: web::Data<AppState>,
    caller: Caller,
    body: ValidJson<ServiceInput>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Capability::ManageNetwork)?;
    let data = validate(&state, &caller, body.0)?;
    let now = state.now();
    let service = state
        .db(move |conn| {
            require_organization(conn, data.organization_id)?;
            Ok(store::insert(conn, &data, now)?)
        })
        .await?;
    Ok(HttpResponse::Created()
        .insert_header((header::LOCATION, format!("/api/v1/network/services/{}", service.id)))
        .insert_header((header::ETAG, etag(service.version)))
        .json(ServiceView::from(service)))
}

/// Search the network's services, by name.
#[utoipa::path(
    tag = "network",
    security(("bearer" = [])),
    params(ServiceQuery),
    responses(
        (status = 200, description = "A page of services", body = Paged<ServiceView>),
        (status = 403, description = "The role does not use the network", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/network/services")]
pub async fn list_network_services(
    state: web::Data<AppState>,
    caller: Caller,
    query: ValidQuery<ServiceQuery>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Capability::ReadNetwork)?;
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
    let filter = ServiceFilter {
        category: query.category,
        district: query
            .district
            .as_deref()
            .map(|d| parse_known_district("district", d, state.known_districts()))
            .transpose()?,
        language: query.language.as_deref().map(|l| parse_language("language", l)).transpose()?,
        organization_id: query.organization_id,
        status: query.status,
        q: query.q,
    };
    let page = PageRequest { after, limit: page_limit(query.limit) };
    let page = state.db(move |conn| Ok(store::list(conn, &filter, &page)?)).await?;
    let next_cursor =
        page.has_more.then(|| page.items.last().map(|s| encode_cursor(&[s.name.clone(), s.id.to_string()]))).flatten();
    Ok(HttpResponse::Ok().json(Paged { items: page.items.into_iter().map(ServiceView::from).collect(), next_cursor }))
}

/// Read a service.
#[utoipa::path(
    tag = "network",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Service id")),
    responses(
        (status = 200, description = "The service", body = ServiceView, headers(("ETag" = String, description = "Its version"))),
        (status = 403, description = "The role does not use the network", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/network/services/{id}")]
pub async fn get_network_service(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Capability::ReadNetwork)?;
    let id = resource_id(&id)?;
    let service = state.db(move |conn| Ok(store::find(conn, id)?)).await?;
    Ok(HttpResponse::Ok().insert_header((header::ETAG, etag(service.version))).json(ServiceView::from(service)))
}

/// Replace a service's description. Requires `If-Match`. A coordinator may change only a
/// service that serves its districts alone, and keep it so.
#[utoipa::path(
    tag = "network",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Service id"), ("If-Match" = String, Header, description = "The ETag read")),
    request_body = ServiceInput,
    responses(
        (status = 200, description = "The changed service", body = ServiceView, headers(("ETag" = String, description = "Its new version"))),
        (status = 403, description = "Not allowed to manage this service", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/network/services/{id}")]
pub async fn update_network_service(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
    if_match: IfMatch,
    body: ValidJson<ServiceInput>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Capability::ManageNetwork)?;
    let id = resource_id(&id)?;
    let data = validate(&state, &caller, body.0)?;
    let now = state.now();
    let (role, districts) = (caller.role, caller.districts.clone());
    let service = state
        .db(move |conn| {
            let current = store::find(conn, id)?;
            if !may_manage(role, &districts, &current.service_areas) {
                return Err(ApiError::forbidden()
                    .with_detail("a district coordinator manages services that serve only its districts"));
            }
            require_organization(conn, data.organization_id)?;
            Ok(store::update(conn, id, if_match.0, &data, now)?)
        })
        .await?;
    Ok(HttpResponse::Ok().insert_header((header::ETAG, etag(service.version))).json(ServiceView::from(service)))
}
