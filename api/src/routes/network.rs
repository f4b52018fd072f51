//! The network's services (la Rete), with Open Referral HSDS 3.0 field names where one exists.
//! Read by every case role and partners; managed by the admin and by district coordinators
//! for services within their districts.

use actix_web::http::header;
use actix_web::{HttpResponse, get, patch, post, web};
use app::ReadVersion;
use app::network;
use app::referrals::{self, FollowedReferral};
use chrono::{DateTime, Utc};
use domain::network::{Address, NetworkService, NetworkServiceStatus, ServiceDraft};
use domain::referrals::ReferralStatus;
use domain::services::ServiceCategory;
use persistence::PageRequest;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;
use validator::Validate;

use crate::caller::Caller;
use crate::error::ApiError;
use crate::extract::{
    IfMatch, Paged, ValidJson, ValidQuery, decode_cursor, decode_id_cursor, encode_cursor, etag, page_limit,
    resource_id,
};
use crate::schemas;
use crate::state::AppState;

pub fn configure(config: &mut ServiceConfig) {
    config
        .service(create_network_service)
        .service(list_network_services)
        .service(get_network_service)
        .service(update_network_service)
        .service(follow_referrals);
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

impl From<ServiceInput> for ServiceDraft {
    fn from(input: ServiceInput) -> Self {
        let address = input.address.unwrap_or_default();
        ServiceDraft {
            organization_id: input.organization_id,
            name: input.name,
            description: input.description,
            categories: input.categories,
            service_areas: input.service_areas,
            languages: input.languages,
            eligibility_description: input.eligibility_description,
            required_documents: input.required_documents,
            address: Address { address_1: address.address_1, city: address.city, postal_code: address.postal_code },
            email: input.email,
            url: input.url,
            phone: input.phone,
            schedule_description: input.schedule_description,
            status: input.status,
        }
    }
}

/// Add a service to the network (admin; district coordinators for their districts).
#[utoipa::path(
    tag = "network",
    security(("bearer" = [])),
    request_body = ServiceInput,
    responses(
        (status = 201, description = "Created", body = ServiceView, headers(("Location" = String, description = "The service"), ("ETag" = String, description = "Its version"))),
        (status = 403, description = "Not allowed to manage services for these districts", body = crate::problem::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/network/services")]
pub async fn create_network_service(
    state: web::Data<AppState>,
    caller: Caller,
    body: ValidJson<ServiceInput>,
) -> Result<HttpResponse, ApiError> {
    let service = network::create(state.context(), &caller, state.now(), body.0.into()).await?;
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
        (status = 403, description = "The role does not use the network", body = crate::problem::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/network/services")]
pub async fn list_network_services(
    state: web::Data<AppState>,
    caller: Caller,
    query: ValidQuery<ServiceQuery>,
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
    let search = network::ServiceQuery {
        category: query.category,
        district: query.district,
        language: query.language,
        organization_id: query.organization_id,
        status: query.status,
        q: query.q,
    };
    let page = network::list(state.context(), &caller, search, page).await?;
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
        (status = 403, description = "The role does not use the network", body = crate::problem::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/network/services/{id}")]
pub async fn get_network_service(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let service = network::read(state.context(), &caller, resource_id(&id)?).await?;
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
        (status = 403, description = "Not allowed to manage this service", body = crate::problem::Problem, content_type = "application/problem+json"),
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
    let target = ReadVersion { id: resource_id(&id)?, version: if_match.0 };
    let service = network::update(state.context(), &caller, state.now(), target, body.0.into()).await?;
    Ok(HttpResponse::Ok().insert_header((header::ETAG, etag(service.version))).json(ServiceView::from(service)))
}

/// A referral as the district's network manager follows it: organisation, status and dates,
/// the case and the person's alias. No reason, step notes or consent override.
#[derive(Debug, Serialize, ToSchema)]
pub struct FollowedReferralView {
    pub id: Uuid,
    pub case_id: Uuid,
    /// The alias the PUA knows the person by.
    pub beneficiary_alias: String,
    /// The sending district.
    pub district: String,
    pub to_organization_id: Uuid,
    pub network_service_id: Option<Uuid>,
    #[schema(value_type = schemas::ServiceCategory)]
    pub category: ServiceCategory,
    pub joint_intake: bool,
    #[schema(value_type = schemas::ReferralStatus)]
    pub status: ReferralStatus,
    pub created_at: DateTime<Utc>,
    pub sent_at: Option<DateTime<Utc>>,
    pub updated_at: DateTime<Utc>,
    /// Each step, oldest first.
    pub steps: Vec<FollowedStepView>,
}

/// A step of a followed referral.
#[derive(Debug, Serialize, ToSchema)]
pub struct FollowedStepView {
    #[schema(value_type = Option<schemas::ReferralStatus>)]
    pub from: Option<ReferralStatus>,
    #[schema(value_type = schemas::ReferralStatus)]
    pub to: ReferralStatus,
    pub at: DateTime<Utc>,
    /// The organisation that took the step.
    pub organization_id: Uuid,
}

impl From<FollowedReferral> for FollowedReferralView {
    fn from(followed: FollowedReferral) -> Self {
        let FollowedReferral { referral, beneficiary_alias, steps } = followed;
        FollowedReferralView {
            id: referral.id,
            case_id: referral.case_id,
            beneficiary_alias,
            district: referral.district.as_str().to_string(),
            to_organization_id: referral.to_organization_id,
            network_service_id: referral.network_service_id,
            category: referral.category,
            joint_intake: referral.joint_intake,
            status: referral.status,
            created_at: referral.created_at,
            sent_at: referral.sent_at,
            updated_at: referral.updated_at,
            steps: steps
                .into_iter()
                .map(|(from, to, at, organization_id)| FollowedStepView { from, to, at, organization_id })
                .collect(),
        }
    }
}

#[derive(Debug, Deserialize, Validate, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct FollowQuery {
    #[param(value_type = Option<schemas::ReferralStatus>)]
    pub status: Option<ReferralStatus>,
    #[validate(range(min = 1, max = 200))]
    pub limit: Option<i64>,
    #[validate(length(max = 512))]
    pub cursor: Option<String>,
}

/// Follow the referrals your districts sent (network managers, district coordinators): the
/// organisation, the status and its dates, the case and the person's alias. Audited as a list.
#[utoipa::path(
    tag = "network",
    security(("bearer" = [])),
    params(FollowQuery),
    responses(
        (status = 200, description = "Newest first", body = Paged<FollowedReferralView>),
        (status = 403, description = "The role does not follow referrals", body = crate::problem::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/network/referrals")]
pub async fn follow_referrals(
    state: web::Data<AppState>,
    caller: Caller,
    query: ValidQuery<FollowQuery>,
) -> Result<HttpResponse, ApiError> {
    let query = query.0;
    let page = PageRequest { after: decode_id_cursor(query.cursor.as_deref())?, limit: page_limit(query.limit) };
    let page = referrals::follow(state.context(), &caller, state.now(), query.status, page).await?;
    let next_cursor =
        page.has_more.then(|| page.items.last().map(|r| encode_cursor(&[r.referral.id.to_string()]))).flatten();
    let items = page.items.into_iter().map(FollowedReferralView::from).collect();
    Ok(HttpResponse::Ok().json(Paged { items, next_cursor }))
}
