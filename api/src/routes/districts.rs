//! Districts of the programme and their targets (reference data).

use actix_web::http::header;
use actix_web::{HttpResponse, get, patch, post, web};
use app::ReadVersion;
use app::districts::{self, SettingsChange};
use chrono::NaiveDate;
use domain::districts::{District, DistrictTargets, RuleSet, Targets};
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
    config
        .service(list_districts)
        .service(update_district)
        .service(list_targets)
        .service(create_targets)
        .service(update_targets);
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DistrictView {
    #[schema(example = "milano")]
    pub code: String,
    #[schema(example = "Milano")]
    pub name: String,
    /// Order in the programme's list.
    pub position: i32,
    /// A case worker's closure waits for a coordinator's approval.
    pub closure_requires_approval: bool,
    /// The eligibility rules the district applies.
    #[schema(value_type = schemas::RuleSet)]
    pub eligibility_rule_set: RuleSet,
    /// Years a person's data is kept after their last case closed; then `inlav retention run`
    /// (and a daily pass of the service) anonymises them, unless a legal procedure is open.
    #[schema(example = 10)]
    pub retention_years: i32,
    /// Send as `If-Match` to change the settings.
    pub version: i32,
    /// Targets by period, oldest first.
    pub targets: Vec<TargetsView>,
}

/// Targets for a period (both ends inclusive). Periods of a district do not overlap.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TargetsInput {
    pub from: NaiveDate,
    pub to: NaiveDate,
    #[schema(example = 70)]
    pub intercepted_min: i32,
    #[schema(example = 100)]
    pub intercepted_max: i32,
    #[schema(example = 30)]
    pub taken_in_charge_min: i32,
    #[schema(example = 50)]
    pub taken_in_charge_max: i32,
}

impl From<TargetsInput> for Targets {
    fn from(input: TargetsInput) -> Self {
        Targets {
            period_from: input.from,
            period_to: input.to,
            intercepted_min: input.intercepted_min,
            intercepted_max: input.intercepted_max,
            taken_in_charge_min: input.taken_in_charge_min,
            taken_in_charge_max: input.taken_in_charge_max,
        }
    }
}

impl From<DistrictTargets> for TargetsView {
    fn from(t: DistrictTargets) -> Self {
        TargetsView {
            id: t.id,
            from: t.targets.period_from,
            to: t.targets.period_to,
            intercepted_min: t.targets.intercepted_min,
            intercepted_max: t.targets.intercepted_max,
            taken_in_charge_min: t.targets.taken_in_charge_min,
            taken_in_charge_max: t.targets.taken_in_charge_max,
            version: t.version,
        }
    }
}

/// Settings to change; absent fields stay.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateDistrict {
    pub closure_requires_approval: Option<bool>,
    #[schema(value_type = Option<schemas::RuleSet>)]
    pub eligibility_rule_set: Option<RuleSet>,
    /// From 1 to 100.
    #[validate(range(min = 1, max = 100))]
    pub retention_years: Option<i32>,
}

impl DistrictView {
    fn new(district: District, targets: &[DistrictTargets]) -> DistrictView {
        DistrictView {
            targets: targets
                .iter()
                .filter(|t| t.district_code == district.code)
                .cloned()
                .map(TargetsView::from)
                .collect(),
            code: district.code.as_str().to_string(),
            name: district.name,
            position: district.position,
            closure_requires_approval: district.settings.closure_requires_approval,
            eligibility_rule_set: district.settings.eligibility_rule_set,
            retention_years: district.settings.retention_years,
            version: district.version,
        }
    }
}

/// Targets of one district for one period (both ends inclusive).
#[derive(Debug, Serialize, ToSchema)]
pub struct TargetsView {
    pub id: Uuid,
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub intercepted_min: i32,
    pub intercepted_max: i32,
    pub taken_in_charge_min: i32,
    pub taken_in_charge_max: i32,
    pub version: i32,
}

/// The twelve districts, in the programme's order, with their targets.
#[utoipa::path(
    tag = "reference",
    security(("bearer" = [])),
    responses((status = 200, description = "Every district", body = Paged<DistrictView>))
)]
#[get("/districts")]
pub async fn list_districts(state: web::Data<AppState>, caller: Caller) -> Result<HttpResponse, ApiError> {
    let (districts, targets) = districts::list(state.context(), &caller).await?;
    let items = districts.into_iter().map(|district| DistrictView::new(district, &targets)).collect();
    Ok(HttpResponse::Ok().json(Paged { items, next_cursor: None }))
}

/// Change a district's settings (admin). Requires `If-Match`.
#[utoipa::path(
    tag = "reference",
    security(("bearer" = [])),
    params(("code" = String, Path, description = "District code"), ("If-Match" = String, Header, description = "The ETag read")),
    request_body = UpdateDistrict,
    responses(
        (status = 200, description = "The district", body = DistrictView, headers(("ETag" = String, description = "Its new version"))),
        (status = 403, description = "Not an admin", body = crate::problem::Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/districts/{code}")]
pub async fn update_district(
    state: web::Data<AppState>,
    caller: Caller,
    code: web::Path<String>,
    if_match: IfMatch,
    body: ValidJson<UpdateDistrict>,
) -> Result<HttpResponse, ApiError> {
    let input = body.0;
    let change = SettingsChange {
        closure_requires_approval: input.closure_requires_approval,
        eligibility_rule_set: input.eligibility_rule_set,
        retention_years: input.retention_years,
    };
    let (district, targets) = districts::update(state.context(), &caller, &code, if_match.0, change).await?;
    let version = district.version;
    Ok(HttpResponse::Ok().insert_header((header::ETAG, etag(version))).json(DistrictView::new(district, &targets)))
}

/// The targets of a district, by period.
#[utoipa::path(
    tag = "reference",
    security(("bearer" = [])),
    params(("code" = String, Path, description = "District code")),
    responses((status = 200, description = "Oldest period first", body = Paged<TargetsView>))
)]
#[get("/districts/{code}/targets")]
pub async fn list_targets(
    state: web::Data<AppState>,
    caller: Caller,
    code: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let targets = districts::targets(state.context(), &caller, &code).await?;
    Ok(HttpResponse::Ok()
        .json(Paged { items: targets.into_iter().map(TargetsView::from).collect(), next_cursor: None }))
}

/// Set targets for a period (the admin and the regional coordinator). 409 when the period
/// overlaps another of the district.
#[utoipa::path(
    tag = "reference",
    security(("bearer" = [])),
    params(("code" = String, Path, description = "District code")),
    request_body = TargetsInput,
    responses(
        (status = 201, description = "Recorded", body = TargetsView, headers(("ETag" = String, description = "Its version"))),
        (status = 403, description = "Not the admin or the regional coordinator", body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 409, description = "The period overlaps another", body = crate::problem::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/districts/{code}/targets")]
pub async fn create_targets(
    state: web::Data<AppState>,
    caller: Caller,
    code: web::Path<String>,
    body: ValidJson<TargetsInput>,
) -> Result<HttpResponse, ApiError> {
    let created = districts::set_targets(state.context(), &caller, state.now(), &code, body.0.into()).await?;
    Ok(HttpResponse::Created().insert_header((header::ETAG, etag(created.version))).json(TargetsView::from(created)))
}

/// Change the targets of a period (the admin and the regional coordinator). Requires `If-Match`.
#[utoipa::path(
    tag = "reference",
    security(("bearer" = [])),
    params(
        ("code" = String, Path, description = "District code"),
        ("id" = Uuid, Path, description = "Targets id"),
        ("If-Match" = String, Header, description = "The ETag read"),
    ),
    request_body = TargetsInput,
    responses(
        (status = 200, description = "Changed", body = TargetsView, headers(("ETag" = String, description = "Its new version"))),
        (status = 403, description = "Not the admin or the regional coordinator", body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 409, description = "The period overlaps another", body = crate::problem::Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/districts/{code}/targets/{id}")]
pub async fn update_targets(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(String, String)>,
    if_match: IfMatch,
    body: ValidJson<TargetsInput>,
) -> Result<HttpResponse, ApiError> {
    let target = ReadVersion { id: resource_id(&path.1)?, version: if_match.0 };
    let updated =
        districts::update_targets(state.context(), &caller, state.now(), &path.0, target, body.0.into()).await?;
    Ok(HttpResponse::Ok().insert_header((header::ETAG, etag(updated.version))).json(TargetsView::from(updated)))
}
