//! Consents: the privacy notice, data sharing with a named organisation, research use.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, get, post, web};
use chrono::{DateTime, NaiveDate, Utc};
use domain::access::Capability;
use domain::audit::AuditAction;
use domain::consents::{Consent, ConsentKind, ConsentMethod, check_new, check_withdrawal};
use domain::iso::parse_language;
use domain::validation::check_label;
use persistence::consents::{self as store, NewConsent};
use persistence::{audit, organizations};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;
use validator::Validate;

use crate::audit::{Via, audited};
use crate::auth::Caller;
use crate::beneficiaries::visible;
use crate::error::ApiError;
use crate::extract::{IdempotencyKey, Paged, ValidJson, resource_id};
use crate::idempotency::{Answer, once};
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
        (status = 403, description = "The role does not record consents", body = crate::error::Problem, content_type = "application/problem+json"),
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
    caller.require(Capability::EditBeneficiaries)?;
    let scope = caller.case_scope()?;
    let beneficiary_id = resource_id(&id)?;
    let ValidJson(input, digest) = body;
    let now = state.now();
    let today = now.date_naive();
    let language = parse_language("language", &input.language)?;
    check_new(input.kind, input.organization_id, input.granted, input.given_on, today)?;
    let actor = caller.clone();
    once(&state, &caller, &key, &digest, move |conn| {
        let beneficiary = visible(conn, &scope, beneficiary_id)?;
        if let Some(organization) = input.organization_id
            && !organizations::exists(conn, organization)?
        {
            return Err(ApiError::field("organization_id", "unknown_organization", "no organisation has this id"));
        }
        let consent = store::insert(
            conn,
            &NewConsent {
                beneficiary_id,
                kind: input.kind,
                organization_id: input.organization_id,
                granted: input.granted,
                given_on: input.given_on,
                method: input.method,
                language,
                recorded_by: actor.user_id,
            },
            now,
        )?;
        audit::append(
            conn,
            vec![actor.audit(now, AuditAction::Create, &beneficiary.district, Some(beneficiary_id), None)],
        )?;
        Answer::json(StatusCode::CREATED, &ConsentView::from(consent))
    })
    .await
}

/// The consents of a beneficiary, oldest first.
#[utoipa::path(
    tag = "beneficiaries",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Beneficiary id")),
    responses(
        (status = 200, description = "Every consent recorded", body = Paged<ConsentView>),
        (status = 403, description = "The role reads no personal data", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/beneficiaries/{id}/consents")]
pub async fn list_consents(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Capability::ReadBeneficiaries)?;
    let scope = caller.case_scope()?;
    let beneficiary_id = resource_id(&id)?;
    let now = state.now();
    let consents = audited(&state, Via::Query, move |conn| {
        let beneficiary = visible(conn, &scope, beneficiary_id)?;
        let consents = store::of_beneficiary(conn, beneficiary_id)?;
        let entry = caller.audit(now, AuditAction::Read, &beneficiary.district, Some(beneficiary_id), None);
        Ok((consents, vec![entry]))
    })
    .await?;
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
        (status = 403, description = "The role does not record consents", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 409, description = "Already withdrawn", body = crate::error::Problem, content_type = "application/problem+json"),
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
    caller.require(Capability::EditBeneficiaries)?;
    let scope = caller.case_scope()?;
    let consent_id = resource_id(&id)?;
    let ValidJson(input, digest) = body;
    let now = state.now();
    let withdrawn_on = input.withdrawn_on.unwrap_or(now.date_naive());
    let reason = input
        .reason
        .as_deref()
        .map(str::trim)
        .filter(|r| !r.is_empty())
        .map(|r| check_label("reason", r, 2000))
        .transpose()?;
    let actor = caller.clone();
    once(&state, &caller, &key, &digest, move |conn| {
        let consent = store::find(conn, consent_id)?;
        let beneficiary = visible(conn, &scope, consent.beneficiary_id)?;
        if consent.withdrawn_on.is_some() {
            return Err(ApiError::conflict("the consent was already withdrawn"));
        }
        check_withdrawal(&consent, withdrawn_on, now.date_naive())?;
        let consent = store::withdraw(conn, consent_id, withdrawn_on, actor.user_id, reason.as_deref())?;
        audit::append(
            conn,
            vec![actor.audit(now, AuditAction::Update, &beneficiary.district, Some(beneficiary.id), None)],
        )?;
        Answer::json(StatusCode::OK, &ConsentView::from(consent))
    })
    .await
}
