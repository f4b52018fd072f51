//! The HTTP side of retryable POSTs: the `Idempotency-Key` and the request's fingerprint in,
//! the answer (fresh or replayed) out. The use cases store and replay it (`app::idempotency`).

use actix_web::HttpResponse;
use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use app::idempotency::{Answered, Reply, Retry, Retryable};
use serde::Serialize;

use crate::extract::{IdempotencyKey, etag, sha256_hex};

/// What makes this POST retryable: its key, and the fingerprint of its method, path and body
/// (in canonical form: the same JSON however spaced or ordered).
pub fn retryable<T>(
    key: &IdempotencyKey,
    body_digest: &str,
    render: impl FnOnce(T) -> app::Result<Reply> + Send + 'static,
) -> Retryable<T> {
    let fingerprint = sha256_hex(format!("{}\n{}", key.target, body_digest).as_bytes());
    Retryable { retry: Retry { key: key.key.clone(), fingerprint }, render: Box::new(render) }
}

/// An answer of `status` with `body` as JSON, and the resource's `Location` and version.
pub fn json_reply(
    status: StatusCode,
    body: &impl Serialize,
    location: Option<String>,
    version: Option<i32>,
) -> app::Result<Reply> {
    let body = serde_json::to_string(body)
        .map_err(|err| app::Error::Internal(format!("cannot serialise an answer: {err}")))?;
    Ok(Reply { status: status.as_u16(), body, location, etag: version.map(etag) })
}

/// The answer as sent the first time, marked when it is a replay.
pub fn respond(answered: Answered) -> HttpResponse {
    let Answered { reply, replayed } = answered;
    let mut response = HttpResponse::build(StatusCode::from_u16(reply.status).unwrap_or(StatusCode::OK));
    response.insert_header((header::CONTENT_TYPE, HeaderValue::from_static("application/json")));
    for (name, value) in [(header::LOCATION, reply.location), (header::ETAG, reply.etag)] {
        if let Some(value) = value.and_then(|v| HeaderValue::from_str(&v).ok()) {
            response.insert_header((name, value));
        }
    }
    if replayed {
        response.insert_header(("Idempotent-Replayed", "true"));
    }
    response.body(reply.body)
}
