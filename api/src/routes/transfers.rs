//! Transfers between districts: the receiving district asks from a match (or a codice fiscale)
//! and learns nothing of the person until the holding district's coordinator accepts with the
//! person's consent. The use cases (`app::transfers`) check who may do what and audit it.

use actix_web::http::{StatusCode, header};
use actix_web::{HttpResponse, get, post, web};
use app::ReadVersion;
use app::idempotency::Reply;
use app::transfers::{self, TransferAsk};
use chrono::{DateTime, NaiveDate, Utc};
use domain::consents::ConsentMethod;
use domain::districts::DistrictCode;
use domain::transfers::{EmergencyAccess, Transfer, TransferConsent, TransferDecision, TransferStatus, shows_person};
use persistence::PageRequest;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;
use validator::Validate;

use crate::caller::Caller;
use crate::error::ApiError;
use crate::extract::{
    IdempotencyKey, IfMatch, Paged, ValidJson, ValidQuery, decode_id_cursor, encode_cursor, etag, page_limit,
    resource_id,
};
use crate::idempotency::{json_reply, respond, retryable};
use crate::schemas;
use crate::state::AppState;

pub fn configure(config: &mut ServiceConfig) {
    config
        .service(request_transfer)
        .service(list_transfers)
        .service(get_transfer)
        .service(move_transfer)
        .service(open_emergency_access);
}

/// A transfer to ask for: the person named by the `match_token` of a `possible_duplicate`
/// answer, or by their codice fiscale (one of the two).
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TransferInput {
    /// From `elsewhere[].match_token` of a 409 `possible_duplicate`: yours, valid 30 minutes.
    #[serde(default)]
    #[validate(length(max = 200))]
    pub match_token: Option<String>,
    #[serde(default)]
    #[validate(length(max = 20))]
    pub codice_fiscale: Option<String>,
    /// The receiving district, one of yours; may be left out if you work in one.
    #[serde(default)]
    #[validate(length(max = 64))]
    pub to_district: Option<String>,
    /// Why the person should be followed by your district (the holding district reads it).
    #[validate(length(max = 2000))]
    pub reason: Option<String>,
}

/// The person's answer when asked whether their record may move.
#[derive(Debug, Deserialize, Serialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TransferConsentDto {
    /// `false`: the person refused; the transfer is then declined.
    pub granted: bool,
    pub given_on: NaiveDate,
    #[schema(value_type = schemas::ConsentMethod)]
    pub method: ConsentMethod,
    /// ISO 639-1: the language the person was asked in.
    #[validate(length(max = 8))]
    #[schema(example = "ar")]
    pub language: String,
}

/// An answer to a transfer: `accepted` (with the person's consent), `declined` (with a note,
/// or the refused consent), `cancelled` (by the district that asked).
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TransferTransition {
    #[serde(alias = "status")]
    #[schema(value_type = schemas::TransferStatus)]
    pub to: TransferStatus,
    #[serde(default)]
    #[validate(nested)]
    pub consent: Option<TransferConsentDto>,
    #[serde(default)]
    #[validate(length(max = 2000))]
    pub note: Option<String>,
}

#[derive(Debug, Deserialize, Validate, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct TransferQuery {
    #[param(value_type = Option<schemas::TransferStatus>)]
    pub status: Option<TransferStatus>,
    #[validate(range(min = 1, max = 200))]
    pub limit: Option<i64>,
    #[validate(length(max = 512))]
    pub cursor: Option<String>,
}

/// A transfer as a district on either side sees it. `beneficiary_id` is shown to the district
/// holding the record when it was asked for, and to the receiving one once accepted.
#[derive(Debug, Serialize, ToSchema)]
pub struct TransferView {
    pub id: Uuid,
    #[schema(value_type = schemas::TransferStatus)]
    pub status: TransferStatus,
    pub from_district: String,
    pub to_district: String,
    pub beneficiary_id: Option<Uuid>,
    pub reason: String,
    pub requested_by: Uuid,
    pub requested_at: DateTime<Utc>,
    pub decided_by: Option<Uuid>,
    pub decided_at: Option<DateTime<Utc>>,
    pub note: Option<String>,
    pub consent: Option<TransferConsentDto>,
    /// The case the receiving district opened on acceptance (shown to it).
    pub opened_case_id: Option<Uuid>,
    pub version: i32,
    pub updated_at: DateTime<Utc>,
}

impl TransferView {
    /// The transfer as the person's own copy of their data shows it: whole.
    pub fn whole(transfer: Transfer) -> TransferView {
        let sides = [transfer.from_district.clone(), transfer.to_district.clone()];
        TransferView::new(transfer, &sides)
    }

    /// The transfer as a caller of `districts` sees it.
    fn new(transfer: Transfer, districts: &[DistrictCode]) -> TransferView {
        let shown = shows_person(&transfer, districts);
        let receiving = districts.contains(&transfer.to_district);
        TransferView {
            id: transfer.id,
            status: transfer.status,
            from_district: transfer.from_district.as_str().to_string(),
            to_district: transfer.to_district.as_str().to_string(),
            beneficiary_id: shown.then_some(transfer.beneficiary_id),
            reason: transfer.reason,
            requested_by: transfer.requested_by,
            requested_at: transfer.requested_at,
            decided_by: transfer.decided_by,
            decided_at: transfer.decided_at,
            note: transfer.decision_note,
            consent: transfer.consent.map(|c| TransferConsentDto {
                granted: c.granted,
                given_on: c.given_on,
                method: c.method,
                language: c.language,
            }),
            opened_case_id: transfer.opened_case_id.filter(|_| receiving),
            version: transfer.version,
            updated_at: transfer.updated_at,
        }
    }
}

/// A transfer as answered to a retryable POST, and kept for its replays.
fn transfer_reply(status: StatusCode, transfer: Transfer, districts: &[DistrictCode]) -> app::Result<Reply> {
    let location = (status == StatusCode::CREATED).then(|| format!("/api/v1/transfers/{}", transfer.id));
    let version = transfer.version;
    json_reply(status, &TransferView::new(transfer, districts), location, Some(version))
}

/// Ask for a person held by another district to be transferred to yours.
///
/// Name the person by the `match_token` a 409 `possible_duplicate` gave you (`elsewhere`), or
/// by codice fiscale. The coordinator of the district holding the record answers, with the
/// person's consent; until then you see nothing of the person.
#[utoipa::path(
    tag = "transfers",
    security(("bearer" = [])),
    params(("Idempotency-Key" = Option<String>, Header, description = "Retry safely: the same key and body return the first answer")),
    request_body = TransferInput,
    responses(
        (status = 201, description = "Asked for", body = TransferView,
            headers(("Location" = String, description = "The transfer"), ("ETag" = String, description = "Its version"))),
        (status = 403, description = "The role does not ask for transfers", body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 409, description = "A transfer of this person is already waiting (`already_exists`)", body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 422, description = "Unknown or expired token, no single record with the codice fiscale, the record already yours", body = crate::problem::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/transfers")]
pub async fn request_transfer(
    state: web::Data<AppState>,
    caller: Caller,
    key: IdempotencyKey,
    body: ValidJson<TransferInput>,
) -> Result<HttpResponse, ApiError> {
    let ValidJson(input, digest) = body;
    let ask = TransferAsk {
        match_token: input.match_token,
        codice_fiscale: input.codice_fiscale,
        to_district: input.to_district,
        reason: input.reason,
    };
    let districts = caller.districts.clone();
    let render = move |transfer| transfer_reply(StatusCode::CREATED, transfer, &districts);
    let answered =
        transfers::request(state.context(), &caller, state.now(), ask, retryable(&key, &digest, render)).await?;
    Ok(respond(answered))
}

/// The transfers from or to your districts, newest first.
#[utoipa::path(
    tag = "transfers",
    security(("bearer" = [])),
    params(TransferQuery),
    responses(
        (status = 200, description = "A page of transfers", body = Paged<TransferView>),
        (status = 403, description = "The role follows no transfers", body = crate::problem::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/transfers")]
pub async fn list_transfers(
    state: web::Data<AppState>,
    caller: Caller,
    query: ValidQuery<TransferQuery>,
) -> Result<HttpResponse, ApiError> {
    let query = query.0;
    let page = PageRequest { after: decode_id_cursor(query.cursor.as_deref())?, limit: page_limit(query.limit) };
    let page = transfers::list(state.context(), &caller, state.now(), query.status, page).await?;
    let next_cursor = page.has_more.then(|| page.items.last().map(|t| encode_cursor(&[t.id.to_string()]))).flatten();
    let items = page.items.into_iter().map(|t| TransferView::new(t, &caller.districts)).collect();
    Ok(HttpResponse::Ok().json(Paged { items, next_cursor }))
}

/// Read a transfer from or to one of your districts.
#[utoipa::path(
    tag = "transfers",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Transfer id")),
    responses(
        (status = 200, description = "The transfer", body = TransferView, headers(("ETag" = String, description = "Its version"))),
        (status = 403, description = "The role follows no transfers", body = crate::problem::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/transfers/{id}")]
pub async fn get_transfer(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let transfer = transfers::read(state.context(), &caller, state.now(), resource_id(&id)?).await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::ETAG, etag(transfer.version)))
        .json(TransferView::new(transfer, &caller.districts)))
}

/// Answer a transfer. Requires `If-Match`.
///
/// The coordinator of the district holding the record accepts, with the person's consent
/// (`consent.granted: true`), or declines (a `note`, or the person's refusal). Acceptance
/// moves the record: the person's open case there is closed with outcome `transferred`, a case
/// opens in the receiving district, and the sending district keeps its cases as read-only
/// history. The district that asked may withdraw (`cancelled`).
#[utoipa::path(
    tag = "transfers",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Transfer id"), ("If-Match" = String, Header, description = "The ETag read"),
        ("Idempotency-Key" = Option<String>, Header, description = "Retry safely: the same key and body return the first answer")),
    request_body = TransferTransition,
    responses(
        (status = 200, description = "Answered", body = TransferView, headers(("ETag" = String, description = "Its new version"))),
        (status = 403, description = "Not the coordinator of the holding district, or not the district that asked", body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 409, description = "Already answered (`invalid_transition`)", body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 422, description = "Consent missing or refused on an acceptance, no reason for a refusal", body = crate::problem::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/transfers/{id}/transitions")]
pub async fn move_transfer(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
    if_match: IfMatch,
    key: IdempotencyKey,
    body: ValidJson<TransferTransition>,
) -> Result<HttpResponse, ApiError> {
    let target = ReadVersion { id: resource_id(&id)?, version: if_match.0 };
    let ValidJson(input, digest) = body;
    let decision = TransferDecision {
        to: input.to,
        consent: input.consent.map(|c| TransferConsent {
            granted: c.granted,
            given_on: c.given_on,
            method: c.method,
            language: c.language,
        }),
        note: input.note,
    };
    let districts = caller.districts.clone();
    let render = move |transfer| transfer_reply(StatusCode::OK, transfer, &districts);
    let answered = transfers::transition(
        state.context(),
        &caller,
        state.now(),
        target,
        decision,
        retryable(&key, &digest, render),
    )
    .await?;
    Ok(respond(answered))
}

/// Why a person of another district must be read now.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EmergencyAccessInput {
    /// The urgent protection need: kept in the audit trail the holding district reads.
    #[validate(length(max = 2000))]
    pub reason: Option<String>,
}

/// Read-only access to one person of another district, for a day.
#[derive(Debug, Serialize, ToSchema)]
pub struct EmergencyAccessView {
    pub id: Uuid,
    pub beneficiary_id: Uuid,
    /// The district holding the record: its coordinators see an alert.
    pub owner_district: String,
    /// Your district.
    pub opened_for: String,
    pub opened_by: Uuid,
    pub reason: String,
    pub opened_at: DateTime<Utc>,
    /// After this, `GET /api/v1/beneficiaries/{id}` answers 404 again.
    pub expires_at: DateTime<Utc>,
}

impl From<EmergencyAccess> for EmergencyAccessView {
    fn from(a: EmergencyAccess) -> Self {
        EmergencyAccessView {
            id: a.id,
            beneficiary_id: a.beneficiary_id,
            owner_district: a.owner_district.as_str().to_string(),
            opened_for: a.opened_for.as_str().to_string(),
            opened_by: a.opened_by,
            reason: a.reason,
            opened_at: a.opened_at,
            expires_at: a.expires_at,
        }
    }
}

/// Open a person of another district for 24 hours, read-only (district coordinators).
///
/// For an urgent protection need, after a registration of yours matched the person in another
/// district (within the match's 30 minutes). `GET /api/v1/beneficiaries/{id}` then answers the
/// record until `expires_at`, each read audited with the reason; nothing can be changed. The
/// holding district's coordinators see an `emergency_access` alert. Any other person: 404.
#[utoipa::path(
    tag = "transfers",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Beneficiary id"),
        ("Idempotency-Key" = Option<String>, Header, description = "Retry safely: the same key and body return the first answer")),
    request_body = EmergencyAccessInput,
    responses(
        (status = 201, description = "Opened until `expires_at`", body = EmergencyAccessView,
            headers(("Location" = String, description = "The person's record"))),
        (status = 403, description = "Only district coordinators open emergency access", body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 409, description = "The person is already one of your districts' (`already_exists`)", body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 422, description = "No reason", body = crate::problem::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/beneficiaries/{id}/emergency-access")]
pub async fn open_emergency_access(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
    key: IdempotencyKey,
    body: ValidJson<EmergencyAccessInput>,
) -> Result<HttpResponse, ApiError> {
    let beneficiary_id = resource_id(&id)?;
    let ValidJson(input, digest) = body;
    let render = |access: EmergencyAccess| {
        let location = format!("/api/v1/beneficiaries/{}", access.beneficiary_id);
        json_reply(StatusCode::CREATED, &EmergencyAccessView::from(access), Some(location), None)
    };
    let answered = transfers::open_emergency_access(
        state.context(),
        &caller,
        state.now(),
        beneficiary_id,
        input.reason,
        retryable(&key, &digest, render),
    )
    .await?;
    Ok(respond(answered))
}
