//! Cases: interception, screening data, the lifecycle, eligibility and risk. The handlers parse
//! the request, call the use case (`app::cases`) and render its answer.

mod inputs;
pub mod views;

use actix_web::http::{StatusCode, header};
use actix_web::{HttpResponse, get, patch, post, web};
use app::ReadVersion;
use app::cases::{self, CaseRecord, Transitioned};
use app::idempotency::Reply;
use chrono::{DateTime, Utc};
use domain::users::Role;
use persistence::PageRequest;
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use self::inputs::{CaseListQuery, ClosureDecisionInput, CreateCase, OverrideInput, TransitionInput, UpdateCase};
use self::views::{CaseEventView, CaseRead, EligibilityView, RiskView};
use crate::caller::Caller;
use crate::error::ApiError;
use crate::extract::{
    IdempotencyKey, IfMatch, Paged, ValidJson, ValidQuery, changed_since, decode_cursor, encode_changed_cursor,
    encode_cursor, etag, page_limit, resource_id,
};
use crate::idempotency::{json_reply, respond, retryable};
use crate::state::AppState;

pub fn configure(config: &mut ServiceConfig) {
    config
        .service(create_case)
        .service(list_cases)
        .service(get_case)
        .service(update_case)
        .service(transition_case)
        .service(case_events)
        .service(case_eligibility)
        .service(case_risk)
        .service(override_eligibility)
        .service(decide_closure);
}

/// Record an interception: a new case, `intercepted`.
///
/// Give `beneficiary_id` for someone you may see, or `beneficiary` to register the person
/// (the same duplicate check as `POST /beneficiaries` applies).
#[utoipa::path(
    tag = "cases",
    security(("bearer" = [])),
    params(("Idempotency-Key" = Option<String>, Header, description = "Retry safely: the same key and body return the first answer")),
    request_body = CreateCase,
    responses(
        (status = 201, description = "Recorded", body = CaseRead,
            headers(("Location" = String, description = "The new case"), ("ETag" = String, description = "Its version"))),
        (status = 403, description = "The role does not record interceptions", body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 409, description = "Possible duplicates of the person to register", body = crate::problem::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/cases")]
pub async fn create_case(
    state: web::Data<AppState>,
    caller: Caller,
    key: IdempotencyKey,
    body: ValidJson<CreateCase>,
) -> Result<HttpResponse, ApiError> {
    let ValidJson(input, digest) = body;
    let role = caller.role;
    let render = move |record| case_reply(StatusCode::CREATED, role, record);
    let answered =
        cases::intercept(state.context(), &caller, state.now(), input.into(), retryable(&key, &digest, render)).await?;
    Ok(respond(answered))
}

/// List the cases you may see, newest interception first.
#[utoipa::path(
    tag = "cases",
    security(("bearer" = [])),
    params(CaseListQuery),
    responses(
        (status = 200, description = "A page of cases", body = Paged<CaseRead>),
        (status = 403, description = "The role reads no personal data", body = crate::problem::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/cases")]
pub async fn list_cases(
    state: web::Data<AppState>,
    caller: Caller,
    query: ValidQuery<CaseListQuery>,
) -> Result<HttpResponse, ApiError> {
    let query = query.0;
    let changed = changed_since(query.updated_since, query.cursor.as_deref())?;
    let after = match query.cursor.as_deref().filter(|_| changed.is_none()) {
        Some(raw) => {
            let key = decode_cursor(raw, 2)?;
            let invalid = || ApiError::field("cursor", "invalid_cursor", "not a cursor returned by this list");
            let at = DateTime::parse_from_rfc3339(&key[0]).map_err(|_| invalid())?.with_timezone(&Utc);
            Some((at, Uuid::parse_str(&key[1]).map_err(|_| invalid())?))
        }
        None => None,
    };
    let page = PageRequest { after, limit: page_limit(query.limit) };
    let role = caller.role;
    let page = cases::list(state.context(), &caller, state.now(), query.query(changed), page).await?;
    let next_cursor = page
        .has_more
        .then(|| {
            page.items.last().map(|l| match changed {
                Some(_) => encode_changed_cursor(l.case.updated_at, l.case.id),
                None => encode_cursor(&[l.case.intercepted_at.to_rfc3339(), l.case.id.to_string()]),
            })
        })
        .flatten();
    let items =
        page.items.into_iter().map(|l| CaseRead::new(role, l.case, l.alias, l.first_name, l.last_name)).collect();
    Ok(HttpResponse::Ok().json(Paged { items, next_cursor }))
}

/// Read a case.
#[utoipa::path(
    tag = "cases",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Case id")),
    responses(
        (status = 200, description = "The case", body = CaseRead, headers(("ETag" = String, description = "Its version"))),
        (status = 403, description = "The role reads no personal data", body = crate::problem::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/cases/{id}")]
pub async fn get_case(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let record = cases::read(state.context(), &caller, state.now(), resource_id(&id)?).await?;
    let version = record.case.version;
    Ok(HttpResponse::Ok().insert_header((header::ETAG, etag(version))).json(CaseRead::of(caller.role, record)))
}

/// Record screening data and assignments. Requires `If-Match`; closed cases cannot change.
#[utoipa::path(
    tag = "cases",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Case id"), ("If-Match" = String, Header, description = "The ETag read")),
    request_body = UpdateCase,
    responses(
        (status = 200, description = "The changed case", body = CaseRead, headers(("ETag" = String, description = "Its new version"))),
        (status = 403, description = "The role may not change this", body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 409, description = "The case is closed", body = crate::problem::Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/cases/{id}")]
pub async fn update_case(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
    if_match: IfMatch,
    body: ValidJson<UpdateCase>,
) -> Result<HttpResponse, ApiError> {
    let target = ReadVersion { id: resource_id(&id)?, version: if_match.0 };
    let record = cases::update(state.context(), &caller, state.now(), target, body.0.into()).await?;
    let version = record.case.version;
    Ok(HttpResponse::Ok().insert_header((header::ETAG, etag(version))).json(CaseRead::of(caller.role, record)))
}

/// Move a case through its lifecycle.
///
/// The domain's state machine decides. A transition the case cannot make answers 409 with
/// `code: invalid_transition` and the statuses it can reach; taking in charge without what it
/// needs answers 409 with `code: preconditions_failed` and `preconditions`
/// (`consent_missing`, `eligibility_not_met`, `eligibility_undetermined`, `no_need`,
/// `no_case_worker`, `guardian_missing`). Reopening is for district coordinators. Where the
/// district requires it, a case worker's closure waits for approval: 202 with
/// `closure_request` set.
#[utoipa::path(
    tag = "cases",
    security(("bearer" = [])),
    params(
        ("id" = Uuid, Path, description = "Case id"),
        ("If-Match" = String, Header, description = "The ETag read"),
        ("Idempotency-Key" = Option<String>, Header, description = "Retry safely: the same key and body return the first answer"),
    ),
    request_body = TransitionInput,
    responses(
        (status = 200, description = "Done", body = CaseRead, headers(("ETag" = String, description = "The case's new version"))),
        (status = 202, description = "Closure recorded for the coordinator's approval", body = CaseRead),
        (status = 403, description = "The role may not make this transition", body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not reachable, or failed preconditions", body = crate::problem::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/cases/{id}/transitions")]
pub async fn transition_case(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
    if_match: IfMatch,
    key: IdempotencyKey,
    body: ValidJson<TransitionInput>,
) -> Result<HttpResponse, ApiError> {
    let target = ReadVersion { id: resource_id(&id)?, version: if_match.0 };
    let ValidJson(input, digest) = body;
    let role = caller.role;
    let render = move |done: Transitioned| {
        let status = if done.awaiting_approval { StatusCode::ACCEPTED } else { StatusCode::OK };
        case_reply(status, role, done.record)
    };
    let answered = cases::transition(
        state.context(),
        &caller,
        state.now(),
        target,
        input.into(),
        retryable(&key, &digest, render),
    )
    .await?;
    Ok(respond(answered))
}

/// A district coordinator decides that a case is taken in charge whatever the eligibility
/// rules say. A reason is required; it is kept on the case and in its timeline.
#[utoipa::path(
    tag = "cases",
    security(("bearer" = [])),
    params(
        ("id" = Uuid, Path, description = "Case id"),
        ("If-Match" = String, Header, description = "The ETag read"),
        ("Idempotency-Key" = Option<String>, Header, description = "Retry safely: the same key and body return the first answer"),
    ),
    request_body = OverrideInput,
    responses(
        (status = 200, description = "Recorded", body = CaseRead, headers(("ETag" = String, description = "The case's new version"))),
        (status = 403, description = "Only district coordinators override", body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 409, description = "The case is closed", body = crate::problem::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/cases/{id}/eligibility-override")]
pub async fn override_eligibility(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
    if_match: IfMatch,
    key: IdempotencyKey,
    body: ValidJson<OverrideInput>,
) -> Result<HttpResponse, ApiError> {
    let target = ReadVersion { id: resource_id(&id)?, version: if_match.0 };
    let ValidJson(input, digest) = body;
    let role = caller.role;
    let render = move |record| case_reply(StatusCode::OK, role, record);
    let retryable = retryable(&key, &digest, render);
    let answered =
        cases::override_eligibility(state.context(), &caller, state.now(), target, &input.reason, retryable).await?;
    Ok(respond(answered))
}

/// A district coordinator approves or rejects a closure a case worker requested.
#[utoipa::path(
    tag = "cases",
    security(("bearer" = [])),
    params(
        ("id" = Uuid, Path, description = "Case id"),
        ("If-Match" = String, Header, description = "The ETag read"),
        ("Idempotency-Key" = Option<String>, Header, description = "Retry safely: the same key and body return the first answer"),
    ),
    request_body = ClosureDecisionInput,
    responses(
        (status = 200, description = "Decided", body = CaseRead, headers(("ETag" = String, description = "The case's new version"))),
        (status = 403, description = "Only district coordinators approve closures", body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 409, description = "No closure is waiting, or the case moved since", body = crate::problem::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/cases/{id}/closure-approval")]
pub async fn decide_closure(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
    if_match: IfMatch,
    key: IdempotencyKey,
    body: ValidJson<ClosureDecisionInput>,
) -> Result<HttpResponse, ApiError> {
    let target = ReadVersion { id: resource_id(&id)?, version: if_match.0 };
    let ValidJson(input, digest) = body;
    let role = caller.role;
    let render = move |record| case_reply(StatusCode::OK, role, record);
    let decision = input.decision.into();
    let answered = cases::decide_closure(
        state.context(),
        &caller,
        state.now(),
        target,
        decision,
        input.reason.as_deref(),
        retryable(&key, &digest, render),
    )
    .await?;
    Ok(respond(answered))
}

/// The timeline of a case: interception, transitions, assignments and field changes.
#[utoipa::path(
    tag = "cases",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Case id")),
    responses(
        (status = 200, description = "Oldest first", body = Paged<CaseEventView>),
        (status = 403, description = "The role does not see case details", body = crate::problem::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/cases/{id}/events")]
pub async fn case_events(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let events = cases::events(state.context(), &caller, state.now(), resource_id(&id)?).await?;
    Ok(HttpResponse::Ok()
        .json(Paged { items: events.into_iter().map(CaseEventView::from).collect(), next_cursor: None }))
}

/// Eligibility: each criterion met, not met or unknown with the reason; the verdict; warnings
/// (minor, permit expiring within 60 days).
#[utoipa::path(
    tag = "cases",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Case id")),
    responses(
        (status = 200, description = "The assessment", body = EligibilityView),
        (status = 403, description = "The role does not see case details", body = crate::problem::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/cases/{id}/eligibility")]
pub async fn case_eligibility(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let report = cases::eligibility(state.context(), &caller, state.now(), resource_id(&id)?).await?;
    Ok(HttpResponse::Ok().json(EligibilityView::from(report)))
}

/// The exploitation risk: a level (none, low, high, severe) and suggested actions, read
/// from the recorded indicators of art. 603-bis c.p. and of the ILO.
#[utoipa::path(
    tag = "cases",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Case id")),
    responses(
        (status = 200, description = "The assessment", body = RiskView),
        (status = 403, description = "The role does not see case details", body = crate::problem::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/cases/{id}/risk")]
pub async fn case_risk(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let report = cases::risk(state.context(), &caller, state.now(), resource_id(&id)?).await?;
    Ok(HttpResponse::Ok().json(RiskView::from(report)))
}

/// A case as answered to a retryable POST, and kept for its replays.
fn case_reply(status: StatusCode, role: Role, record: CaseRecord) -> app::Result<Reply> {
    let (id, version) = (record.case.id, record.case.version);
    json_reply(status, &CaseRead::of(role, record), Some(format!("/api/v1/cases/{id}")), Some(version))
}
