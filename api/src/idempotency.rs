//! POSTs that may be retried safely: with an `Idempotency-Key`, the work and the stored answer
//! commit together, and a retry with the same key and body gets the first answer back.

use actix_web::HttpResponse;
use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use chrono::Duration;
use persistence::DbConnection;
use persistence::idempotency::{self as store, StoredResponse};
use serde::Serialize;

use crate::auth::Caller;
use crate::error::ApiError;
use crate::extract::{IdempotencyKey, sha256_hex};
use crate::state::AppState;

/// How long an answer is kept for replays.
pub const RETENTION: Duration = Duration::hours(24);

/// The answer to a POST, as sent and as kept.
#[derive(Debug, Clone)]
pub struct Answer {
    pub status: StatusCode,
    pub body: String,
    pub location: Option<String>,
    pub etag: Option<String>,
}

impl Answer {
    pub fn json(status: StatusCode, body: &impl Serialize) -> Result<Answer, ApiError> {
        let body = serde_json::to_string(body).map_err(|err| {
            tracing::error!(%err, "cannot serialise an answer");
            ApiError::internal()
        })?;
        Ok(Answer { status, body, location: None, etag: None })
    }

    pub fn with_location(mut self, location: String) -> Answer {
        self.location = Some(location);
        self
    }

    pub fn with_etag(mut self, etag: String) -> Answer {
        self.etag = Some(etag);
        self
    }

    fn into_response(self, replayed: bool) -> HttpResponse {
        let mut response = HttpResponse::build(self.status);
        response.insert_header((header::CONTENT_TYPE, HeaderValue::from_static("application/json")));
        for (name, value) in [(header::LOCATION, self.location), (header::ETAG, self.etag)] {
            if let Some(value) = value.and_then(|v| HeaderValue::from_str(&v).ok()) {
                response.insert_header((name, value));
            }
        }
        if replayed {
            response.insert_header(("Idempotent-Replayed", "true"));
        }
        response.body(self.body)
    }

    fn stored(&self) -> StoredResponse {
        StoredResponse {
            status: self.status.as_u16(),
            body: self.body.clone(),
            location: self.location.clone(),
            etag: self.etag.clone(),
        }
    }

    fn from_stored(stored: StoredResponse) -> Answer {
        Answer {
            status: StatusCode::from_u16(stored.status).unwrap_or(StatusCode::OK),
            body: stored.body,
            location: stored.location,
            etag: stored.etag,
        }
    }
}

/// Runs `work` in one write transaction and answers with its result. With a key, the answer
/// is stored in the same transaction, and a request that reuses the key gets the stored
/// answer (same body) or 422 (another body).
pub async fn once<F>(
    state: &AppState,
    caller: &Caller,
    key: &IdempotencyKey,
    body_digest: &str,
    work: F,
) -> Result<HttpResponse, ApiError>
where
    F: FnOnce(&mut DbConnection) -> Result<Answer, ApiError> + Send + 'static,
{
    let fingerprint = sha256_hex(format!("{}\n{}", key.target, body_digest).as_bytes());
    if let Some(key) = &key.key
        && let Some(answer) = replay(state, caller, key, &fingerprint).await?
    {
        return Ok(answer);
    }
    let now = state.now();
    let caller_id = caller.user_id;
    let stored_key = key.key.clone();
    let stored_fingerprint = fingerprint.clone();
    let result = state
        .write(move |conn| {
            let answer = work(conn)?;
            if let Some(key) = &stored_key {
                store::prune(conn, now - RETENTION)?;
                store::insert(conn, caller_id, key, &stored_fingerprint, &answer.stored(), now)?;
            }
            Ok(answer)
        })
        .await;
    match (result, &key.key) {
        (Ok(answer), _) => Ok(answer.into_response(false)),
        // A concurrent request with the same key committed first: answer as it did.
        (Err(error), Some(key)) if error.status() == StatusCode::CONFLICT => {
            match replay(state, caller, key, &fingerprint).await? {
                Some(answer) => Ok(answer),
                None => Err(error),
            }
        }
        (Err(error), _) => Err(error),
    }
}

async fn replay(
    state: &AppState,
    caller: &Caller,
    key: &str,
    fingerprint: &str,
) -> Result<Option<HttpResponse>, ApiError> {
    let caller_id = caller.user_id;
    let lookup = key.to_string();
    let found = state.db(move |conn| Ok(store::find(conn, caller_id, &lookup)?)).await?;
    match found {
        None => Ok(None),
        Some((stored_fingerprint, stored)) if stored_fingerprint == fingerprint => {
            Ok(Some(Answer::from_stored(stored).into_response(true)))
        }
        Some(_) => Err(ApiError::field(
            "Idempotency-Key",
            "key_reused",
            "this key was used for a different request: use a new key for a new request",
        )),
    }
}
