//! Districts of the programme and their targets (reference data).

use actix_web::http::header;
use actix_web::{HttpResponse, get, patch, post, web};
use chrono::NaiveDate;
use domain::access::Capability;
use domain::districts::RuleSet;
use domain::districts::{District, DistrictCode, DistrictSettings, DistrictTargets, Targets};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;
use validator::Validate;

use crate::auth::Caller;
use crate::error::ApiError;
use crate::extract::{IfMatch, Paged, ValidJson, etag, resource_id};
use crate::pacts::path_district;
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

impl TargetsInput {
    fn targets(&self) -> Result<Targets, ApiError> {
        let targets = Targets {
            period_from: self.from,
            period_to: self.to,
            intercepted_min: self.intercepted_min,
            intercepted_max: self.intercepted_max,
            taken_in_charge_min: self.taken_in_charge_min,
            taken_in_charge_max: self.taken_in_charge_max,
        };
        targets.check()?;
        Ok(targets)
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
    caller.require(Capability::ReadReferenceData)?;
    let (districts, targets) =
        state.db(|conn| Ok((persistence::districts::list(conn)?, persistence::districts::targets(conn)?))).await?;
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
        (status = 403, description = "Not an admin", body = crate::error::Problem, content_type = "application/problem+json"),
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
    caller.require(Capability::ManageDistricts)?;
    let code = DistrictCode::parse("code", &code)
        .ok()
        .filter(|c| state.known_districts().contains(c))
        .ok_or_else(ApiError::not_found)?;
    let input = body.0;
    let (district, targets) = state
        .db(move |conn| {
            let current = persistence::districts::find(conn, &code)?;
            let settings = DistrictSettings {
                closure_requires_approval: input
                    .closure_requires_approval
                    .unwrap_or(current.settings.closure_requires_approval),
                eligibility_rule_set: input.eligibility_rule_set.unwrap_or(current.settings.eligibility_rule_set),
            };
            let district = persistence::districts::update_settings(conn, &code, if_match.0, settings)?;
            Ok((district, persistence::districts::targets(conn)?))
        })
        .await?;
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
    caller.require(Capability::ReadReferenceData)?;
    let district = path_district(&state, &code)?;
    let targets = state.db(move |conn| Ok(persistence::districts::targets_of(conn, &district)?)).await?;
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
        (status = 403, description = "Not the admin or the regional coordinator", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 409, description = "The period overlaps another", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/districts/{code}/targets")]
pub async fn create_targets(
    state: web::Data<AppState>,
    caller: Caller,
    code: web::Path<String>,
    body: ValidJson<TargetsInput>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Capability::ManageTargets)?;
    let district = path_district(&state, &code)?;
    let targets = body.0.targets()?;
    let now = state.now();
    let created =
        state.db(move |conn| Ok(persistence::districts::insert_targets(conn, &district, &targets, now)?)).await?;
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
        (status = 403, description = "Not the admin or the regional coordinator", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 409, description = "The period overlaps another", body = crate::error::Problem, content_type = "application/problem+json"),
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
    caller.require(Capability::ManageTargets)?;
    let district = path_district(&state, &path.0)?;
    let id = resource_id(&path.1)?;
    let targets = body.0.targets()?;
    let now = state.now();
    let updated = state
        .db(move |conn| {
            if persistence::districts::find_targets(conn, id)?.district_code != district {
                return Err(ApiError::not_found());
            }
            Ok(persistence::districts::update_targets(conn, id, if_match.0, &targets, now)?)
        })
        .await?;
    Ok(HttpResponse::Ok().insert_header((header::ETAG, etag(updated.version))).json(TargetsView::from(updated)))
}
