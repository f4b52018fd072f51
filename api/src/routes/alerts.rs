//! Alerts for the caller's districts: permits expiring, referrals unanswered, cases idle, legal
//! deadlines near (legal advisors and coordinators), minors without a guardian.

use actix_web::{HttpResponse, get, web};
use app::alerts::{self, Alert};
use chrono::NaiveDate;
use domain::alerts::AlertKind;
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use crate::caller::Caller;
use crate::error::ApiError;
use crate::extract::Paged;
use crate::schemas;
use crate::state::AppState;

pub fn configure(config: &mut ServiceConfig) {
    config.service(list_alerts);
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AlertView {
    #[schema(value_type = schemas::AlertKind)]
    pub kind: AlertKind,
    /// Absent for an alert about the person rather than one of their cases (`emergency_access`).
    pub case_id: Option<Uuid>,
    pub beneficiary_id: Uuid,
    /// The beneficiary's alias, to find the case at a glance.
    pub alias: String,
    pub district: String,
    pub referral_id: Option<Uuid>,
    pub legal_procedure_id: Option<Uuid>,
    /// The date the alert is about: the permit's expiry, the deadline, the day a referral was
    /// sent, or the last activity.
    pub date: Option<NaiveDate>,
    pub message: String,
}

impl From<Alert> for AlertView {
    fn from(a: Alert) -> Self {
        AlertView {
            kind: a.kind,
            case_id: a.case_id,
            beneficiary_id: a.beneficiary_id,
            alias: a.alias,
            district: a.district,
            referral_id: a.referral_id,
            legal_procedure_id: a.legal_procedure_id,
            date: a.date,
            message: a.message,
        }
    }
}

/// What needs attention in your districts, today.
#[utoipa::path(
    tag = "cases",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Alerts, by kind", body = Paged<AlertView>),
        (status = 403, description = "The role has no alerts", body = crate::problem::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/alerts")]
pub async fn list_alerts(state: web::Data<AppState>, caller: Caller) -> Result<HttpResponse, ApiError> {
    let alerts = alerts::list(state.context(), &caller, state.now()).await?;
    let alerts: Vec<AlertView> = alerts.into_iter().map(AlertView::from).collect();
    Ok(HttpResponse::Ok().json(Paged { items: alerts, next_cursor: None }))
}
