//! Answers to POST requests sent with an `Idempotency-Key`, kept so a retry gets the first
//! answer instead of doing the work twice.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use uuid::Uuid;

use crate::db::{DbConnection, to_db_time};
use crate::error::Result;
use crate::schema::idempotency_keys;

/// A stored answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredResponse {
    pub status: u16,
    pub body: String,
    pub location: Option<String>,
    pub etag: Option<String>,
}

/// `(request_hash, status, body, location, etag)` as stored.
type KeyRow = (String, i32, String, Option<String>, Option<String>);

/// The answer first given to `caller` for `key`, with the hash of the request it answered.
pub fn find(conn: &mut DbConnection, caller: Uuid, key: &str) -> Result<Option<(String, StoredResponse)>> {
    let row: Option<KeyRow> = idempotency_keys::table
        .filter(idempotency_keys::caller_id.eq(caller.to_string()))
        .filter(idempotency_keys::idempotency_key.eq(key))
        .select((
            idempotency_keys::request_hash,
            idempotency_keys::status_code,
            idempotency_keys::body,
            idempotency_keys::location,
            idempotency_keys::etag,
        ))
        .first(conn)
        .optional()?;
    Ok(row.map(|(hash, status, body, location, etag)| {
        (hash, StoredResponse { status: u16::try_from(status).unwrap_or(500), body, location, etag })
    }))
}

/// Keeps an answer. A concurrent request with the same key makes this fail with a conflict,
/// rolling back its transaction; that request then replays the stored answer.
pub fn insert(
    conn: &mut DbConnection,
    caller: Uuid,
    key: &str,
    request_hash: &str,
    response: &StoredResponse,
    now: DateTime<Utc>,
) -> Result<()> {
    diesel::insert_into(idempotency_keys::table)
        .values((
            idempotency_keys::id.eq(Uuid::now_v7().to_string()),
            idempotency_keys::caller_id.eq(caller.to_string()),
            idempotency_keys::idempotency_key.eq(key),
            idempotency_keys::request_hash.eq(request_hash),
            idempotency_keys::status_code.eq(i32::from(response.status)),
            idempotency_keys::body.eq(&response.body),
            idempotency_keys::location.eq(&response.location),
            idempotency_keys::etag.eq(&response.etag),
            idempotency_keys::created_at.eq(to_db_time(now)),
        ))
        .execute(conn)?;
    Ok(())
}

/// Forgets answers stored before `before`.
pub fn prune(conn: &mut DbConnection, before: DateTime<Utc>) -> Result<usize> {
    Ok(diesel::delete(idempotency_keys::table.filter(idempotency_keys::created_at.lt(to_db_time(before))))
        .execute(conn)?)
}
