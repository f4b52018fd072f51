//! Readiness: the database answers, every migration is applied, and it takes writes.

use chrono::{DateTime, Utc};

use crate::context::Context;
use crate::error::Result;

/// How many embedded migrations the database still lacks (zero: ready).
pub async fn pending_migrations(ctx: &Context) -> Result<usize> {
    Ok(ctx.db().read(|conn| persistence::db::pending_migrations(conn).map(|pending| pending.len())).await?)
}

/// Writes the storage probe (one row, no personal data, not audited): whether the storage
/// takes a write now.
pub async fn probe_storage(ctx: &Context, at: DateTime<Utc>) -> Result<()> {
    Ok(ctx.db().write(move |conn| persistence::health::probe_storage(conn, at)).await?)
}
