//! The change feed: `GET /api/v1/changes`, what changed that the caller follows, oldest first.

use actix_web::{HttpResponse, get, web};
use app::changes;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use domain::changes::{ChangeAction, ChangedResource};
use persistence::changes::StoredChange;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;
use validator::Validate;

use crate::caller::Caller;
use crate::error::ApiError;
use crate::extract::{ValidQuery, page_limit};
use crate::schemas;
use crate::state::AppState;

pub fn configure(config: &mut ServiceConfig) {
    config.service(list_changes);
}

/// One change: which resource and how. Read the resource through its own endpoint.
#[derive(Debug, Serialize, ToSchema)]
pub struct ChangeView {
    /// The change's place in the feed; increases with each change.
    pub seq: i64,
    pub at: DateTime<Utc>,
    #[schema(value_type = schemas::ChangedResource)]
    pub resource: ChangedResource,
    pub id: Uuid,
    #[schema(value_type = schemas::ChangeAction)]
    pub action: ChangeAction,
    /// The resource's version after the change (its `ETag`), for resources that have one.
    pub version: Option<i32>,
}

impl From<StoredChange> for ChangeView {
    fn from(change: StoredChange) -> Self {
        ChangeView {
            seq: change.seq,
            at: change.at,
            resource: change.resource,
            id: change.id,
            action: change.action,
            version: change.version,
        }
    }
}

/// A page of the feed.
#[derive(Debug, Serialize, ToSchema)]
pub struct ChangePage {
    pub items: Vec<ChangeView>,
    /// Pass as `after` to read on. Always present, also when nothing is new: keep it, and ask
    /// again later from there.
    pub next_cursor: String,
}

#[derive(Debug, Deserialize, Validate, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ChangesQuery {
    /// The `next_cursor` of the previous page; absent: from the first change.
    #[validate(length(max = 64))]
    pub after: Option<String>,
    #[validate(range(min = 1, max = 200))]
    pub limit: Option<i64>,
}

fn encode_position(seq: i64) -> String {
    URL_SAFE_NO_PAD.encode(format!("c{seq}"))
}

fn decode_position(raw: &str) -> Result<i64, ApiError> {
    let invalid = || ApiError::field("after", "invalid_cursor", "not a cursor returned by the change feed");
    let text = String::from_utf8(URL_SAFE_NO_PAD.decode(raw.trim()).map_err(|_| invalid())?).map_err(|_| invalid())?;
    text.strip_prefix('c').and_then(|n| n.parse::<i64>().ok()).filter(|n| *n >= 0).ok_or_else(invalid)
}

/// The changes you follow, in the order they committed, each once. A change names the kind
/// of resource, its id, what happened and its version, never its data. District teams follow
/// their districts' cases, people, referrals, services and the notes they may read; network
/// managers their districts' referrals; partners (users, and systems with `referrals:read`)
/// the referrals sent to their organisation and the services it delivered; the administrator
/// accounts and organisations. Poll with the `next_cursor` of the last page.
#[utoipa::path(
    tag = "changes",
    security(("bearer" = [])),
    params(ChangesQuery),
    responses(
        (status = 200, description = "Oldest first", body = ChangePage),
        (status = 403, description = "The role follows no feed, or the token lacks referrals:read", body = crate::problem::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/changes")]
pub async fn list_changes(
    state: web::Data<AppState>,
    caller: Caller,
    query: ValidQuery<ChangesQuery>,
) -> Result<HttpResponse, ApiError> {
    let query = query.0;
    let after = query.after.as_deref().map(decode_position).transpose()?.unwrap_or(0);
    let items = changes::feed(state.context(), &caller, after, page_limit(query.limit)).await?;
    let last = items.last().map_or(after, |change| change.seq);
    let page =
        ChangePage { items: items.into_iter().map(ChangeView::from).collect(), next_cursor: encode_position(last) };
    Ok(HttpResponse::Ok().json(page))
}
