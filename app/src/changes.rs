//! The change feed: what changed that the caller follows, in commit order, by kind and id.
//! No personal data: the client reads each resource through its endpoint.

use domain::changes::feed_audience;
use persistence::changes::{self as store, StoredChange};

use crate::actor::Actor;
use crate::context::Context;
use crate::error::{Error, Result};

/// Up to `limit` changes after the one numbered `after` (0: from the start), oldest first.
pub async fn feed(ctx: &Context, actor: &Actor, after: i64, limit: i64) -> Result<Vec<StoredChange>> {
    let audience = feed_audience(actor.role, &actor.districts, actor.organization_id, actor.scopes.as_deref())
        .ok_or_else(|| Error::forbidden_because("this role follows no change feed"))?;
    ctx.db().read(move |conn| Ok(store::after(conn, &audience, after, limit)?)).await
}
