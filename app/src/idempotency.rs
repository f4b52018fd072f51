//! POSTs that may be retried safely: with an `Idempotency-Key`, the work and the answer given
//! commit together, and a retry with the same key and request gets the first answer back.
//!
//! The answer is rendered by the caller (the HTTP layer knows its form) inside the write, so that
//! what is stored is exactly what was sent.

use chrono::{DateTime, Duration, Utc};
use persistence::DbConnection;
use persistence::idempotency as store;
pub use persistence::idempotency::StoredResponse as Reply;

use crate::actor::Actor;
use crate::context::Context;
use crate::error::{Error, Result};

/// How long an answer is kept for replays.
pub const RETENTION: Duration = Duration::hours(24);

/// What makes a POST retryable: the client's key, if it sent one, and the fingerprint of the
/// request (its method, path and body in canonical form), which a retry must match.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Retry {
    pub key: Option<String>,
    pub fingerprint: String,
}

/// Turns a use case's result into the answer given (and kept for replays).
pub type Render<T> = Box<dyn FnOnce(T) -> Result<Reply> + Send>;

/// A retryable POST's key and fingerprint, and how its result is answered.
pub struct Retryable<T> {
    pub retry: Retry,
    pub render: Render<T>,
}

/// The answer to a retryable POST.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answered {
    pub reply: Reply,
    /// The answer first given to an earlier request with the same key.
    pub replayed: bool,
}

/// Runs `work` in one write and answers its rendering. With a key, the rendering is stored in
/// the same transaction, and a request that reuses the key gets the stored answer (same
/// request) or a refusal (another request).
pub(crate) async fn once<T, W>(
    ctx: &Context,
    actor: &Actor,
    now: DateTime<Utc>,
    retryable: Retryable<T>,
    work: W,
) -> Result<Answered>
where
    W: FnOnce(&mut DbConnection) -> Result<T> + Send + 'static,
    T: 'static,
{
    let Retryable { retry, render } = retryable;
    if let Some(key) = &retry.key
        && let Some(answered) = replay(ctx, actor, key, &retry.fingerprint).await?
    {
        return Ok(answered);
    }
    let caller = actor.user_id;
    let Retry { key, fingerprint } = retry.clone();
    let result = ctx
        .db()
        .write(move |conn| {
            let reply = render(work(conn)?)?;
            if let Some(key) = &key {
                store::prune(conn, now - RETENTION)?;
                store::insert(conn, caller, key, &fingerprint, &reply, now)?;
            }
            Ok::<_, Error>(reply)
        })
        .await;
    match (result, &retry.key) {
        (Ok(reply), _) => Ok(Answered { reply, replayed: false }),
        // A concurrent request with the same key committed first (its key's row, or what it
        // wrote, refused this one): answer as it did.
        (Err(error @ Error::Conflict(_)), Some(key)) => replay(ctx, actor, key, &retry.fingerprint).await?.ok_or(error),
        (Err(error), _) => Err(error),
    }
}

async fn replay(ctx: &Context, actor: &Actor, key: &str, fingerprint: &str) -> Result<Option<Answered>> {
    let caller = actor.user_id;
    let lookup = key.to_string();
    let found = ctx.db().read(move |conn| store::find(conn, caller, &lookup)).await?;
    match found {
        None => Ok(None),
        Some((stored_fingerprint, reply)) if stored_fingerprint == fingerprint => {
            Ok(Some(Answered { reply, replayed: true }))
        }
        Some(_) => Err(Error::field(
            "Idempotency-Key",
            "key_reused",
            "this key was used for a different request: use a new key for a new request",
        )),
    }
}
