//! Readiness: the database answers and every migration is applied.

use crate::context::Context;
use crate::error::Result;

/// How many embedded migrations the database still lacks (zero: ready).
pub async fn pending_migrations(ctx: &Context) -> Result<usize> {
    Ok(ctx.db().read(|conn| persistence::db::pending_migrations(conn).map(|pending| pending.len())).await?)
}
