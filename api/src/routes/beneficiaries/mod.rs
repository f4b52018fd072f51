//! Beneficiaries: registration with duplicate detection, reading, changes, search. The use cases
//! (`app::beneficiaries`) check access and audit every read and change.

use actix_web::http::{StatusCode, header};
use actix_web::{HttpResponse, get, patch, post, web};
use app::ReadVersion;
use app::beneficiaries;
use app::idempotency::Reply;
use domain::beneficiaries::Beneficiary;
use persistence::PageRequest;
use utoipa_actix_web::service_config::ServiceConfig;

pub mod inputs;
pub mod rights;
pub mod subject_access;
pub mod views;

use self::inputs::{BeneficiaryInput, BeneficiaryPatch, BeneficiarySearch};
use self::views::BeneficiaryView;
use crate::caller::Caller;
use crate::error::ApiError;
use crate::extract::{
    IdempotencyKey, IfMatch, Paged, ValidJson, ValidQuery, changed_since, decode_id_cursor, encode_changed_cursor,
    encode_cursor, etag, page_limit, resource_id,
};
use crate::idempotency::{json_reply, respond, retryable};
use crate::state::AppState;

pub fn configure(config: &mut ServiceConfig) {
    config
        .service(create_beneficiary)
        .service(search_beneficiaries)
        .service(get_beneficiary)
        .service(update_beneficiary)
        .service(rights::erase_beneficiary)
        .service(rights::subject_access);
}

/// The answer to a registration.
fn registered(beneficiary: Beneficiary) -> app::Result<Reply> {
    let (id, version) = (beneficiary.id, beneficiary.version);
    json_reply(
        StatusCode::CREATED,
        &BeneficiaryView::from(beneficiary),
        Some(format!("/api/v1/beneficiaries/{id}")),
        Some(version),
    )
}

/// Register a beneficiary.
///
/// Answers 409 `possible_duplicate` when a record with the same codice fiscale, or the same
/// name, birth year and citizenship exists; the body lists the candidates you may see and
/// counts the others. Send `"confirm_new": true` to register anyway.
#[utoipa::path(
    tag = "beneficiaries",
    security(("bearer" = [])),
    params(("Idempotency-Key" = Option<String>, Header, description = "Retry safely: the same key and body return the first answer")),
    request_body = BeneficiaryInput,
    responses(
        (status = 201, description = "Registered", body = BeneficiaryView,
            headers(("Location" = String, description = "The new record"), ("ETag" = String, description = "Its version"))),
        (status = 403, description = "The role does not register people", body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 409, description = "Possible duplicates (`candidates`, `other_matches`)", body = crate::problem::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/beneficiaries")]
pub async fn create_beneficiary(
    state: web::Data<AppState>,
    caller: Caller,
    key: IdempotencyKey,
    body: ValidJson<BeneficiaryInput>,
) -> Result<HttpResponse, ApiError> {
    let ValidJson(input, digest) = body;
    let answered = beneficiaries::register(
        state.context(),
        &caller,
        state.now(),
        input.registration(),
        retryable(&key, &digest, registered),
    )
    .await?;
    Ok(respond(answered))
}

/// Search the beneficiaries you may see, newest first.
#[utoipa::path(
    tag = "beneficiaries",
    security(("bearer" = [])),
    params(BeneficiarySearch),
    responses(
        (status = 200, description = "A page of beneficiaries", body = Paged<BeneficiaryView>),
        (status = 403, description = "The role reads no personal data", body = crate::problem::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/beneficiaries")]
pub async fn search_beneficiaries(
    state: web::Data<AppState>,
    caller: Caller,
    query: ValidQuery<BeneficiarySearch>,
) -> Result<HttpResponse, ApiError> {
    let query = query.0;
    let changed = changed_since(query.updated_since, query.cursor.as_deref())?;
    let after = if changed.is_some() { None } else { decode_id_cursor(query.cursor.as_deref())? };
    let page = PageRequest { after, limit: page_limit(query.limit) };
    let page = beneficiaries::search(state.context(), &caller, state.now(), query.search(changed), page).await?;
    let next_cursor = page
        .has_more
        .then(|| {
            page.items.last().map(|b| match changed {
                Some(_) => encode_changed_cursor(b.updated_at, b.id),
                None => encode_cursor(&[b.id.to_string()]),
            })
        })
        .flatten();
    Ok(HttpResponse::Ok()
        .json(Paged { items: page.items.into_iter().map(BeneficiaryView::from).collect(), next_cursor }))
}

/// Read a beneficiary.
#[utoipa::path(
    tag = "beneficiaries",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Beneficiary id")),
    responses(
        (status = 200, description = "The beneficiary", body = BeneficiaryView, headers(("ETag" = String, description = "Its version"))),
        (status = 403, description = "The role reads no personal data", body = crate::problem::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/beneficiaries/{id}")]
pub async fn get_beneficiary(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let beneficiary = beneficiaries::read(state.context(), &caller, state.now(), resource_id(&id)?).await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::ETAG, etag(beneficiary.version)))
        .json(BeneficiaryView::from(beneficiary)))
}

/// Change a beneficiary. Requires `If-Match`.
#[utoipa::path(
    tag = "beneficiaries",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Beneficiary id"), ("If-Match" = String, Header, description = "The ETag read")),
    request_body = BeneficiaryPatch,
    responses(
        (status = 200, description = "The changed beneficiary", body = BeneficiaryView, headers(("ETag" = String, description = "Its new version"))),
        (status = 403, description = "The role does not change people's records", body = crate::problem::Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/beneficiaries/{id}")]
pub async fn update_beneficiary(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
    if_match: IfMatch,
    body: ValidJson<BeneficiaryPatch>,
) -> Result<HttpResponse, ApiError> {
    let target = ReadVersion { id: resource_id(&id)?, version: if_match.0 };
    let beneficiary = beneficiaries::update(state.context(), &caller, state.now(), target, body.0.into()).await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::ETAG, etag(beneficiary.version)))
        .json(BeneficiaryView::from(beneficiary)))
}
