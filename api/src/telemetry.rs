//! Structured logs with a request id on every line, the `X-Request-Id` header, and the safety
//! net that turns any bare error answer (unknown route, wrong method) into a problem document.

use std::time::Instant;

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::middleware::{ErrorHandlerResponse, Next};
use actix_web::{HttpMessage, HttpRequest, HttpResponse, web};
use tracing::Instrument;
use uuid::Uuid;

use crate::config::{LogFormat, LogSettings};
use crate::error::{ApiError, PROBLEM_JSON};
use crate::language::Language;
use crate::limits::{MAX_HEADER_VALUE_BYTES, MAX_HEADERS_BYTES};
use crate::openapi::RouteTable;

pub const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// Installs the global log subscriber (to stderr). Safe to call more than once.
pub fn init_logging(settings: &LogSettings) {
    let filter = tracing_subscriber::EnvFilter::try_new(&settings.filter)
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
    let _already_set = match settings.format {
        LogFormat::Json => builder.json().with_current_span(true).with_span_list(false).try_init(),
        LogFormat::Text => builder.with_ansi(false).try_init(),
    };
}

/// The request id of the current request, as set by [`request_context`].
#[derive(Debug, Clone)]
pub struct RequestId(pub String);

/// A client's request id is kept when it is short and plain; otherwise one is generated.
fn accepted_request_id(value: &HeaderValue) -> Option<String> {
    let text = value.to_str().ok()?;
    let plain = !text.is_empty()
        && text.len() <= 128
        && text.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_.:".contains(&b));
    plain.then(|| text.to_string())
}

/// Gives every request an id (echoed in `X-Request-Id`) and a log span carrying it, and logs
/// one line per request. Paths are logged without query strings, which may hold personal data.
pub async fn request_context(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let request_id =
        req.headers().get(REQUEST_ID).and_then(accepted_request_id).unwrap_or_else(|| Uuid::now_v7().to_string());
    let span = tracing::info_span!("request", request_id = %request_id);
    let http_method = req.method().clone();
    let method = http_method.to_string();
    let path = req.path().chars().take(256).collect::<String>();
    req.extensions_mut().insert(RequestId(request_id.clone()));
    let started = Instant::now();
    let result = next.call(req).instrument(span.clone()).await;
    let elapsed_ms = started.elapsed().as_secs_f64() * 1000.0;
    let _entered = span.enter();
    match result {
        Ok(mut response) => {
            if let Ok(value) = HeaderValue::from_str(&request_id) {
                response.headers_mut().insert(REQUEST_ID, value);
            }
            crate::metrics::observe(&response, &http_method, elapsed_ms / 1000.0);
            let status = response.status().as_u16();
            if status == 503 {
                // Refused for a while (busy, storage at fault): its cause is logged where known,
                // once per episode for the storage, not at every request.
                tracing::warn!(%method, %path, status, elapsed_ms, "request refused for now");
            } else if status >= 500 {
                tracing::error!(%method, %path, status, elapsed_ms, "request failed");
            } else {
                tracing::info!(%method, %path, status, elapsed_ms, "request");
            }
            Ok(response)
        }
        Err(error) => {
            tracing::error!(%method, %path, %error, elapsed_ms, "request failed in middleware");
            Err(error)
        }
    }
}

/// Refuses requests with over-long headers (431 problem) before any work is done. The HTTP
/// layer itself refuses more than 96 headers, and request lines over its buffer, with an empty
/// body: those requests never reach the application.
pub async fn limit_headers(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, actix_web::Error> {
    if let Some(error) = oversized_headers(req.headers()) {
        let response = error.response_in(answer_language(req.request()));
        return Ok(req.into_response(response).map_into_right_body());
    }
    Ok(next.call(req).await?.map_into_left_body())
}

fn oversized_headers(headers: &actix_web::http::header::HeaderMap) -> Option<ApiError> {
    let mut total = 0;
    for (name, value) in headers {
        if value.len() > MAX_HEADER_VALUE_BYTES {
            let detail = format!("the header {name} is longer than {MAX_HEADER_VALUE_BYTES} bytes");
            return Some(ApiError::header_fields_too_large(detail));
        }
        total += name.as_str().len() + value.len();
    }
    (total > MAX_HEADERS_BYTES)
        .then(|| ApiError::header_fields_too_large(format!("headers weigh more than {MAX_HEADERS_BYTES} bytes")))
}

/// Answers every error in the caller's language (`Accept-Language`, else the default), and
/// replaces any error answer that is not yet a problem document with one for its status.
pub fn ensure_problem<B: MessageBody + 'static>(
    response: ServiceResponse<B>,
) -> actix_web::Result<ErrorHandlerResponse<B>> {
    let language = answer_language(response.request());
    let error = response.response().error().and_then(|error| error.as_error::<ApiError>()).cloned();
    if let Some(error) = error {
        let body = error.body_in(language);
        let response = response.map_body(|head, _| {
            head.headers_mut().insert(header::CONTENT_LANGUAGE, HeaderValue::from_static(language.tag()));
            head.headers_mut().append(header::VARY, HeaderValue::from_static("accept-language"));
            body
        });
        return Ok(ErrorHandlerResponse::Response(response.map_into_right_body()));
    }
    let is_problem = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|value| value.as_bytes().starts_with(PROBLEM_JSON.as_bytes()));
    if is_problem {
        return Ok(ErrorHandlerResponse::Response(response.map_into_left_body()));
    }
    let status = response.status();
    let (request, _) = response.into_parts();
    let problem = ApiError::for_status(status).response_in(language);
    Ok(ErrorHandlerResponse::Response(ServiceResponse::new(request, problem).map_into_right_body()))
}

/// The language of an answer to `request`.
pub fn answer_language(request: &HttpRequest) -> Language {
    let default = request.app_data::<web::Data<Language>>().map_or_else(Language::default, |d| *d.get_ref());
    let accept = request.headers().get(header::ACCEPT_LANGUAGE).and_then(|value| value.to_str().ok());
    Language::negotiate(accept, default)
}

/// Answers requests no route took: 405 with `Allow` when the path exists, else 404.
pub async fn fallback(req: HttpRequest, routes: web::Data<RouteTable>) -> Result<HttpResponse, ApiError> {
    Err(match routes.allowed(req.path()) {
        Some(allow) => ApiError::method_not_allowed(allow),
        None => ApiError::not_found(),
    })
}
