//! Consents: the privacy notice, data sharing with a named organisation, research use.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, get, post, web};
use app::consents::{self, ConsentRecord, Withdrawal};
use chrono::{DateTime, NaiveDate, Utc};
use domain::consents::{Consent, ConsentKind, ConsentMethod};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;
use validator::Validate;

use crate::caller::Caller;
use crate::error::ApiError;
use crate::extract::{IdempotencyKey, Paged, ValidJson, resource_id};
use crate::idempotency::{json_reply, respond, retryable};
use crate::schemas;
use crate::state::AppState;

pub fn configure(config: &mut ServiceConfig) {
    config.service(record_consent).service(list_consents).service(withdraw_consent);
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ConsentInput {
    #[schema(value_type = schemas::ConsentKind)]
    pub kind: ConsentKind,
    /// The organisation data may be shared with; data sharing only.
    #[serde(default)]
    pub organization_id: Option<Uuid>,
    /// `false` records a refusal (of research use). Default `true`.
    #[serde(default = "granted_by_default")]
    pub granted: bool,
    pub given_on: NaiveDate,
    #[schema(value_type = schemas::ConsentMethod)]
    pub method: ConsentMethod,
    /// ISO 639-1 language the notice or request was given in.
    #[schema(example = "ar")]
    pub language: String,
}

fn granted_by_default() -> bool {
    true
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WithdrawalInput {
    /// Default: today.
    #[serde(default)]
    pub withdrawn_on: Option<NaiveDate>,
    #[serde(default)]
    pub reason: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ConsentView {
    pub id: Uuid,
    pub beneficiary_id: Uuid,
    #[schema(value_type = schemas::ConsentKind)]
    pub kind: ConsentKind,
    pub organization_id: Option<Uuid>,
    pub granted: bool,
    pub given_on: NaiveDate,
    #[schema(value_type = schemas::ConsentMethod)]
    pub method: ConsentMethod,
    pub language: String,
    pub recorded_by: Uuid,
    pub recorded_at: DateTime<Utc>,
    pub withdrawn_on: Option<NaiveDate>,
    pub withdrawn_by: Option<Uuid>,
    pub withdrawal_reason: Option<String>,
}

impl From<Consent> for ConsentView {
    fn from(c: Consent) -> Self {
        ConsentView {
            id: c.id,
            beneficiary_id: c.beneficiary_id,
            kind: c.kind,
            organization_id: c.organization_id,
            granted: c.granted,
            given_on: c.given_on,
            method: c.method,
            language: c.language,
            recorded_by: c.recorded_by,
            recorded_at: c.recorded_at,
            withdrawn_on: c.withdrawn_on,
            withdrawn_by: c.withdrawn_by,
            withdrawal_reason: c.withdrawal_reason,
        }
    }
}

/// Record a consent of a beneficiary.
#[utoipa::path(
    tag = "beneficiaries",
    security(("bearer" = [])),
    params(
        ("id" = Uuid, Path, description = "Beneficiary id"),
        ("Idempotency-Key" = Option<String>, Header, description = "Retry safely: the same key and body return the first answer"),
    ),
    request_body = ConsentInput,
    responses(
        (status = 201, description = "Recorded", body = ConsentView),
        (status = 403, description = "The role does not record consents", body = crate::problem::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/beneficiaries/{id}/consents")]
pub async fn record_consent(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
    key: IdempotencyKey,
    body: ValidJson<ConsentInput>,
) -> Result<HttpResponse, ApiError> {
    let ValidJson(input, digest) = body;
    let consent = ConsentRecord {
        kind: input.kind,
        organization_id: input.organization_id,
        granted: input.granted,
        given_on: input.given_on,
        method: input.method,
        language: input.language,
    };
    let render = |consent: Consent| json_reply(StatusCode::CREATED, &ConsentView::from(consent), None, None);
    let answered = consents::record(
        state.context(),
        &caller,
        state.now(),
        resource_id(&id)?,
        consent,
        retryable(&key, &digest, render),
    )
    .await?;
    Ok(respond(answered))
}

/// The consents of a beneficiary, oldest first.
#[utoipa::path(
    tag = "beneficiaries",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Beneficiary id")),
    responses(
        (status = 200, description = "Every consent recorded", body = Paged<ConsentView>),
        (status = 403, description = "The role reads no personal data", body = crate::problem::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/beneficiaries/{id}/consents")]
pub async fn list_consents(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let consents = consents::list(state.context(), &caller, state.now(), resource_id(&id)?).await?;
    Ok(HttpResponse::Ok()
        .json(Paged { items: consents.into_iter().map(ConsentView::from).collect(), next_cursor: None }))
}

/// Withdraw a consent. It stays on record, with the date and who recorded the withdrawal.
#[utoipa::path(
    tag = "beneficiaries",
    security(("bearer" = [])),
    params(
        ("id" = Uuid, Path, description = "Consent id"),
        ("Idempotency-Key" = Option<String>, Header, description = "Retry safely: the same key and body return the first answer"),
    ),
    request_body = WithdrawalInput,
    responses(
        (status = 200, description = "Withdrawn", body = ConsentView),
        (status = 403, description = "The role does not record consents", body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 409, description = "Already withdrawn", body = crate::problem::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/consents/{id}/withdraw")]
pub async fn withdraw_consent(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
    key: IdempotencyKey,
    body: ValidJson<WithdrawalInput>,
) -> Result<HttpResponse, ApiError> {
    let ValidJson(input, digest) = body;
    let withdrawal = Withdrawal { withdrawn_on: input.withdrawn_on, reason: input.reason };
    let render = |consent: Consent| json_reply(StatusCode::OK, &ConsentView::from(consent), None, None);
    let answered = consents::withdraw(
        state.context(),
        &caller,
        state.now(),
        resource_id(&id)?,
        withdrawal,
        retryable(&key, &digest, render),
    )
    .await?;
    Ok(respond(answered))
}
