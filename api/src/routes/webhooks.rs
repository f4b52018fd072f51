//! Webhooks: a partner organisation's endpoints, told of the changes it follows, signed as
//! Standard Webhooks define. The administrator manages any organisation's; a partner its own
//! (a partner system with the `webhooks:write` scope).

use actix_web::http::header;
use actix_web::{HttpResponse, delete, get, patch, post, web};
use app::ReadVersion;
use app::webhooks::{self, EndpointChanges, Issued, NewEndpoint};
use chrono::{DateTime, Utc};
use domain::Vocabulary;
use domain::webhooks::TEST_EVENT;
use domain::webhooks::{AttemptOutcome, DeliveryStatus, DisabledReason, WebhookEvent};
use persistence::webhooks::{Attempt, Delivery, Webhook};
use serde::{Deserialize, Serialize};
use utoipa::openapi::path::{
    HttpMethod, OperationBuilder, ParameterBuilder, ParameterIn, PathItem, Paths, PathsBuilder,
};
use utoipa::openapi::request_body::RequestBodyBuilder;
use utoipa::openapi::response::ResponseBuilder;
use utoipa::openapi::schema::{ObjectBuilder, Type};
use utoipa::openapi::{Components, ContentBuilder, OpenApi, Ref, Required};
use utoipa::{IntoParams, PartialSchema, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;
use validator::Validate;

use crate::caller::Caller;
use crate::error::ApiError;
use crate::extract::{
    IfMatch, Paged, ValidJson, ValidQuery, decode_cursor, encode_cursor, etag, page_limit, resource_id,
};
use crate::routes::changes::ChangeView;
use crate::schemas;
use crate::state::AppState;

pub fn configure(config: &mut ServiceConfig) {
    config
        .service(create_webhook)
        .service(list_webhooks)
        .service(get_webhook)
        .service(update_webhook)
        .service(delete_webhook)
        .service(rotate_webhook_secret)
        .service(test_webhook)
        .service(list_webhook_deliveries)
        .service(redeliver_webhook_message);
}

/// An endpoint. Its secret is shown only when it is created and rotated.
#[derive(Debug, Serialize, ToSchema)]
pub struct WebhookView {
    pub id: Uuid,
    pub organization_id: Uuid,
    #[schema(example = "https://gestionale.example.org/hooks/inlav")]
    pub url: String,
    pub description: Option<String>,
    #[schema(value_type = Vec<schemas::WebhookEvent>)]
    pub events: Vec<WebhookEvent>,
    /// A disabled endpoint is sent nothing, and nothing is queued for it: catch up from the
    /// change feed after enabling it again.
    pub enabled: bool,
    #[schema(value_type = Option<schemas::WebhookDisabledReason>)]
    pub disabled_reason: Option<DisabledReason>,
    /// The first failed attempt of the current run of failures; after a day of them the
    /// endpoint is disabled.
    pub failing_since: Option<DateTime<Utc>>,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<Webhook> for WebhookView {
    fn from(w: Webhook) -> Self {
        WebhookView {
            id: w.id,
            organization_id: w.organization_id,
            url: w.url,
            description: w.description,
            events: w.events,
            enabled: w.enabled,
            disabled_reason: w.disabled_reason,
            failing_since: w.failing_since,
            version: w.version,
            created_at: w.created_at,
            updated_at: w.updated_at,
        }
    }
}

/// The endpoint with its signing secret, shown this once.
#[derive(Debug, Serialize, ToSchema)]
pub struct IssuedWebhook {
    #[serde(flatten)]
    pub webhook: WebhookView,
    /// `whsec_` and the base64 of the key: the key of HMAC-SHA256 is the base64-decoded part
    /// after `whsec_`. Keep it safe; it cannot be shown again (rotate it for a new one).
    #[schema(example = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")]
    pub secret: String,
}

impl From<Issued> for IssuedWebhook {
    fn from(issued: Issued) -> Self {
        IssuedWebhook { webhook: issued.webhook.into(), secret: issued.secret }
    }
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateWebhook {
    /// Whose endpoint: required of the administrator; a partner's own organisation by default.
    pub organization_id: Option<Uuid>,
    /// `https://`; plain `http://` only for an address `INLAV_WEBHOOK_ALLOW` names.
    #[schema(example = "https://gestionale.example.org/hooks/inlav")]
    #[validate(length(max = 2000))]
    pub url: String,
    #[schema(value_type = Vec<schemas::WebhookEvent>)]
    #[validate(length(min = 1, max = 10))]
    pub events: Vec<WebhookEvent>,
    #[validate(length(max = 200))]
    pub description: Option<String>,
}

/// Changes to an endpoint: absent fields stay; `enabled: true` enables it again and forgets
/// its failures.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateWebhook {
    #[validate(length(max = 2000))]
    pub url: Option<String>,
    #[schema(value_type = Option<Vec<schemas::WebhookEvent>>)]
    #[validate(length(min = 1, max = 10))]
    pub events: Option<Vec<WebhookEvent>>,
    /// An empty text clears it.
    #[validate(length(max = 200))]
    pub description: Option<String>,
    pub enabled: Option<bool>,
}

#[derive(Debug, Deserialize, Validate, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct WebhookListQuery {
    /// The administrator: only this organisation's endpoints.
    pub organization_id: Option<Uuid>,
}

/// One attempt to deliver a message.
#[derive(Debug, Serialize, ToSchema)]
pub struct AttemptView {
    /// 1 for the first.
    pub attempt: i32,
    pub at: DateTime<Utc>,
    #[schema(value_type = schemas::AttemptOutcome)]
    pub outcome: AttemptOutcome,
    /// The endpoint's HTTP status; absent when it did not answer.
    pub response_code: Option<i32>,
    pub duration_ms: i32,
    /// Why it failed, in the service's words (the endpoint's answer is never kept).
    pub error: Option<String>,
    /// When the message is tried again, if it is.
    pub next_attempt_at: Option<DateTime<Utc>>,
}

impl From<Attempt> for AttemptView {
    fn from(a: Attempt) -> Self {
        AttemptView {
            attempt: a.attempt,
            at: a.at,
            outcome: a.outcome,
            response_code: a.response_code,
            duration_ms: a.duration_ms,
            error: a.error,
            next_attempt_at: a.next_attempt_at,
        }
    }
}

/// A message to the endpoint (its `webhook-id`), with every attempt.
#[derive(Debug, Serialize, ToSchema)]
pub struct DeliveryView {
    /// The message's `webhook-id`: the same at every attempt, for the receiver to ignore repeats.
    pub id: Uuid,
    /// An event, or `webhook.test`.
    #[schema(example = "referral.updated")]
    pub event: String,
    /// The change it tells (its `seq` in the change feed); absent for a test.
    pub change_seq: Option<i64>,
    #[schema(value_type = schemas::DeliveryStatus)]
    pub status: DeliveryStatus,
    pub next_attempt_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub completed_at: Option<DateTime<Utc>>,
    pub attempts: Vec<AttemptView>,
}

impl From<Delivery> for DeliveryView {
    fn from(d: Delivery) -> Self {
        DeliveryView {
            id: d.id,
            event: d.event,
            change_seq: d.change_seq,
            status: d.status,
            next_attempt_at: d.next_attempt_at,
            created_at: d.created_at,
            completed_at: d.completed_at,
            attempts: d.attempts.into_iter().map(AttemptView::from).collect(),
        }
    }
}

#[derive(Debug, Deserialize, Validate, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct DeliveryListQuery {
    #[validate(length(max = 200))]
    pub cursor: Option<String>,
    #[validate(range(min = 1, max = 200))]
    pub limit: Option<i64>,
}

/// The test message queued.
#[derive(Debug, Serialize, ToSchema)]
pub struct QueuedMessage {
    /// Its `webhook-id`; follow it in the deliveries.
    pub message_id: Uuid,
}

/// The body of a webhook message for an event: the change feed's item.
#[derive(Debug, Serialize, ToSchema)]
pub struct WebhookPayload {
    /// The event.
    #[serde(rename = "type")]
    #[schema(value_type = schemas::WebhookEvent)]
    pub kind: WebhookEvent,
    /// When the change committed.
    pub timestamp: DateTime<Utc>,
    pub data: ChangeView,
}

/// The body of the test message.
#[derive(Debug, Serialize, ToSchema)]
pub struct WebhookTestPayload {
    /// Always `webhook.test`.
    #[serde(rename = "type")]
    #[schema(example = "webhook.test")]
    pub kind: String,
    /// When the test was asked for.
    pub timestamp: DateTime<Utc>,
    pub data: WebhookTestData,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct WebhookTestData {
    /// The endpoint tested.
    pub webhook_id: Uuid,
}

fn issued_answer(status: actix_web::http::StatusCode, issued: Issued) -> HttpResponse {
    let mut answer = HttpResponse::build(status);
    if status == actix_web::http::StatusCode::CREATED {
        answer.insert_header((header::LOCATION, format!("/api/v1/webhooks/{}", issued.webhook.id)));
    }
    answer
        .insert_header((header::ETAG, etag(issued.webhook.version)))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(IssuedWebhook::from(issued))
}

/// Register an endpoint: the administrator for any partner organisation, a partner for its
/// own (a partner system needs `webhooks:write`). It is told of the changes its organisation
/// follows in the change feed, of the events named. The signing secret is in the answer only.
#[utoipa::path(
    tag = "webhooks",
    security(("bearer" = [])),
    request_body = CreateWebhook,
    responses(
        (status = 201, description = "Registered, with its secret", body = IssuedWebhook, headers(("Location" = String, description = "The endpoint"))),
        (status = 403, description = "Not an administrator or partner, another organisation's, or the token lacks webhooks:write", body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 409, description = "The organisation has as many endpoints as it may (`webhook_limit`)", body = crate::problem::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/webhooks")]
pub async fn create_webhook(
    state: web::Data<AppState>,
    caller: Caller,
    body: ValidJson<CreateWebhook>,
) -> Result<HttpResponse, ApiError> {
    let body = body.0;
    let endpoint = NewEndpoint {
        organization_id: body.organization_id,
        url: body.url,
        events: body.events,
        description: body.description,
    };
    let issued = webhooks::create(state.context(), &caller, state.now(), &state.webhooks().allow, endpoint).await?;
    Ok(issued_answer(actix_web::http::StatusCode::CREATED, issued))
}

/// The endpoints you manage, newest first: a partner its organisation's, the administrator
/// every organisation's (or one's).
#[utoipa::path(
    tag = "webhooks",
    security(("bearer" = [])),
    params(WebhookListQuery),
    responses(
        (status = 200, description = "Newest first", body = Paged<WebhookView>),
        (status = 403, description = "Not an administrator or partner", body = crate::problem::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/webhooks")]
pub async fn list_webhooks(
    state: web::Data<AppState>,
    caller: Caller,
    query: ValidQuery<WebhookListQuery>,
) -> Result<HttpResponse, ApiError> {
    let endpoints = webhooks::list(state.context(), &caller, query.0.organization_id).await?;
    Ok(HttpResponse::Ok()
        .json(Paged { items: endpoints.into_iter().map(WebhookView::from).collect(), next_cursor: None }))
}

/// An endpoint you manage.
#[utoipa::path(
    tag = "webhooks",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Endpoint id")),
    responses(
        (status = 200, description = "The endpoint", body = WebhookView, headers(("ETag" = String, description = "Its version"))),
        (status = 403, description = "Not an administrator or partner", body = crate::problem::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/webhooks/{id}")]
pub async fn get_webhook(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let webhook = webhooks::read(state.context(), &caller, resource_id(&id)?).await?;
    Ok(HttpResponse::Ok().insert_header((header::ETAG, etag(webhook.version))).json(WebhookView::from(webhook)))
}

/// Change an endpoint: its URL, events, description; disable it, or enable it again after a
/// day of failures disabled it. Requires `If-Match`.
#[utoipa::path(
    tag = "webhooks",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Endpoint id"), ("If-Match" = String, Header, description = "The ETag read")),
    request_body = UpdateWebhook,
    responses(
        (status = 200, description = "The changed endpoint", body = WebhookView, headers(("ETag" = String, description = "Its new version"))),
        (status = 403, description = "Not an administrator or partner", body = crate::problem::Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/webhooks/{id}")]
pub async fn update_webhook(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
    if_match: IfMatch,
    body: ValidJson<UpdateWebhook>,
) -> Result<HttpResponse, ApiError> {
    let target = ReadVersion { id: resource_id(&id)?, version: if_match.0 };
    let body = body.0;
    let changes =
        EndpointChanges { url: body.url, events: body.events, description: body.description, enabled: body.enabled };
    let webhook =
        webhooks::update(state.context(), &caller, state.now(), &state.webhooks().allow, target, changes).await?;
    Ok(HttpResponse::Ok().insert_header((header::ETAG, etag(webhook.version))).json(WebhookView::from(webhook)))
}

/// Delete an endpoint and its delivery log. Requires `If-Match`.
#[utoipa::path(
    tag = "webhooks",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Endpoint id"), ("If-Match" = String, Header, description = "The ETag read")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 403, description = "Not an administrator or partner", body = crate::problem::Problem, content_type = "application/problem+json"),
    )
)]
#[delete("/webhooks/{id}")]
pub async fn delete_webhook(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
    if_match: IfMatch,
) -> Result<HttpResponse, ApiError> {
    let target = ReadVersion { id: resource_id(&id)?, version: if_match.0 };
    webhooks::delete(state.context(), &caller, target).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Give an endpoint a new signing secret, shown this once. For a day each message carries a
/// signature by the old secret too, so the receiver can switch without losing any. Requires
/// `If-Match`.
#[utoipa::path(
    tag = "webhooks",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Endpoint id"), ("If-Match" = String, Header, description = "The ETag read")),
    responses(
        (status = 200, description = "The endpoint with its new secret", body = IssuedWebhook),
        (status = 403, description = "Not an administrator or partner", body = crate::problem::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/webhooks/{id}/rotate-secret")]
pub async fn rotate_webhook_secret(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
    if_match: IfMatch,
) -> Result<HttpResponse, ApiError> {
    let target = ReadVersion { id: resource_id(&id)?, version: if_match.0 };
    let issued = webhooks::rotate_secret(state.context(), &caller, state.now(), target).await?;
    Ok(issued_answer(actix_web::http::StatusCode::OK, issued))
}

/// Queue a `webhook.test` message for an enabled endpoint; its attempts show in the deliveries.
#[utoipa::path(
    tag = "webhooks",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Endpoint id")),
    responses(
        (status = 202, description = "Queued", body = QueuedMessage),
        (status = 403, description = "Not an administrator or partner", body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 409, description = "The endpoint is disabled (`webhook_disabled`)", body = crate::problem::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/webhooks/{id}/test")]
pub async fn test_webhook(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let message_id = webhooks::send_test(state.context(), &caller, state.now(), resource_id(&id)?).await?;
    Ok(HttpResponse::Accepted().json(QueuedMessage { message_id }))
}

/// The messages to an endpoint, newest first, each with every attempt: outcome, status code,
/// duration, next attempt.
#[utoipa::path(
    tag = "webhooks",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Endpoint id"), DeliveryListQuery),
    responses(
        (status = 200, description = "Newest first", body = Paged<DeliveryView>),
        (status = 403, description = "Not an administrator or partner", body = crate::problem::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/webhooks/{id}/deliveries")]
pub async fn list_webhook_deliveries(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
    query: ValidQuery<DeliveryListQuery>,
) -> Result<HttpResponse, ApiError> {
    let query = query.0;
    let before = match query.cursor.as_deref() {
        Some(raw) => Some(
            Uuid::parse_str(&decode_cursor(raw, 1)?[0])
                .map_err(|_| ApiError::field("cursor", "invalid_cursor", "not a cursor returned by this list"))?,
        ),
        None => None,
    };
    let limit = page_limit(query.limit);
    let mut items = webhooks::deliveries(state.context(), &caller, resource_id(&id)?, before, limit + 1).await?;
    let has_more = items.len() as i64 > limit;
    items.truncate(limit as usize);
    let next_cursor = has_more.then(|| items.last().map(|d| encode_cursor(&[d.id.to_string()]))).flatten();
    Ok(HttpResponse::Ok().json(Paged { items: items.into_iter().map(DeliveryView::from).collect(), next_cursor }))
}

/// Send a message again, now, with a fresh day of retries: after a fix on the receiver's side.
#[utoipa::path(
    tag = "webhooks",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Endpoint id"), ("message_id" = Uuid, Path, description = "The message's id (`webhook-id`)")),
    responses(
        (status = 202, description = "Queued again", body = QueuedMessage),
        (status = 403, description = "Not an administrator or partner", body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 409, description = "The endpoint is disabled (`webhook_disabled`)", body = crate::problem::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/webhooks/{id}/deliveries/{message_id}/redeliver")]
pub async fn redeliver_webhook_message(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (id, message) = path.into_inner();
    let message_id = resource_id(&message)?;
    webhooks::redeliver(state.context(), &caller, state.now(), resource_id(&id)?, message_id).await?;
    Ok(HttpResponse::Accepted().json(QueuedMessage { message_id }))
}

/// The headers of every webhook message (Standard Webhooks).
const WEBHOOK_HEADERS: &[(&str, &str)] = &[
    ("webhook-id", "The message's id: the same at every attempt of it. Ignore a message whose id you have seen."),
    (
        "webhook-timestamp",
        "This attempt's time, in Unix seconds. Refuse a message more than five minutes from your clock.",
    ),
    (
        "webhook-signature",
        "`v1,` and the base64 of HMAC-SHA256 over `{webhook-id}.{webhook-timestamp}.{body}` (the body's bytes as \
         received), keyed by the bytes of the secret: base64-decode what follows `whsec_`. During a day after a rotation \
         two signatures, separated by a space: accept the message if one matches. Compare in constant time.",
    ),
];

/// Documents the messages in the spec: their bodies' schemas, and the OpenAPI 3.1 `webhooks`,
/// what the service POSTs to a partner's endpoint, one entry per event and the test message.
pub fn document(spec: &mut OpenApi) {
    let components = spec.components.get_or_insert_with(Components::new);
    for (name, schema) in [
        ("WebhookPayload", WebhookPayload::schema()),
        ("WebhookTestPayload", WebhookTestPayload::schema()),
        ("WebhookTestData", WebhookTestData::schema()),
    ] {
        components.schemas.insert(name.to_string(), schema);
    }
    spec.webhooks = Some(webhook_messages());
}

fn webhook_messages() -> Paths {
    let events = WebhookEvent::ALL.iter().map(|event| (event.code(), event.label_en(), "WebhookPayload")).chain([(
        TEST_EVENT,
        "A test, asked for with POST /api/v1/webhooks/{id}/test",
        "WebhookTestPayload",
    )]);
    let mut paths = PathsBuilder::new();
    for (name, summary, schema) in events {
        let mut operation = OperationBuilder::new()
            .operation_id(Some(format!("webhook_{}", name.replace('.', "_"))))
            .summary(Some(summary))
            .description(Some(
                "Sent to the endpoints subscribed to the event, at least once: answer any 2xx within 10 seconds. \
                 Anything else (a redirect too) is tried again after 5 s, then twice as long each time up to an hour, \
                 for a day; after a day of failures the endpoint is disabled. The body is thin: read the resource \
                 through its endpoint with your token.",
            ))
            .tag("webhooks");
        for (header, description) in WEBHOOK_HEADERS {
            operation = operation.parameter(
                ParameterBuilder::new()
                    .name(*header)
                    .parameter_in(ParameterIn::Header)
                    .required(Required::True)
                    .description(Some(*description))
                    .schema(Some(ObjectBuilder::new().schema_type(Type::String))),
            );
        }
        let body = RequestBodyBuilder::new()
            .content("application/json", ContentBuilder::new().schema(Some(Ref::from_schema_name(schema))).build())
            .required(Some(Required::True))
            .build();
        let operation = operation
            .request_body(Some(body))
            .response("200", ResponseBuilder::new().description("Received (any 2xx)").build())
            .build();
        paths = paths.path(name, PathItem::new(HttpMethod::Post, operation));
    }
    paths.build()
}
