//! Districts of the programme and their targets (reference data).

use actix_web::{HttpResponse, get, web};
use chrono::NaiveDate;
use domain::access::Capability;
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use crate::auth::Caller;
use crate::error::ApiError;
use crate::extract::Paged;
use crate::state::AppState;

pub fn configure(config: &mut ServiceConfig) {
    config.service(list_districts);
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DistrictView {
    #[schema(example = "milano")]
    pub code: String,
    #[schema(example = "Milano")]
    pub name: String,
    /// Order in the programme's list.
    pub position: i32,
    /// Targets by period, oldest first.
    pub targets: Vec<TargetsView>,
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
    let items = districts
        .into_iter()
        .map(|district| DistrictView {
            targets: targets
                .iter()
                .filter(|t| t.district_code == district.code)
                .map(|t| TargetsView {
                    id: t.id,
                    from: t.targets.period_from,
                    to: t.targets.period_to,
                    intercepted_min: t.targets.intercepted_min,
                    intercepted_max: t.targets.intercepted_max,
                    taken_in_charge_min: t.targets.taken_in_charge_min,
                    taken_in_charge_max: t.targets.taken_in_charge_max,
                    version: t.version,
                })
                .collect(),
            code: district.code.as_str().to_string(),
            name: district.name,
            position: district.position,
        })
        .collect();
    Ok(HttpResponse::Ok().json(Paged { items, next_cursor: None }))
}
