//! Webhooks: a partner organisation's endpoints, told of the changes it follows. The
//! administrator manages any organisation's; a partner its own (a partner system needs the
//! `webhooks:write` scope). Someone else's endpoint is not found. The secret that signs the
//! messages is in the answer of the creation and of each rotation only.

mod dispatch;

pub use dispatch::{Answer, DispatchSettings, Outgoing, Sender, dispatch_due, payload};

use chrono::{DateTime, Utc};
use domain::access::TokenScope;
use domain::validation::Violations;
use domain::webhooks::{
    AllowList, MAX_WEBHOOKS_PER_ORGANIZATION, RETRY_WINDOW, TEST_EVENT, WebhookEvent, check_description, check_events,
    check_url, manages_webhooks, may_manage, secret_from_bytes,
};
use persistence::webhooks::{self as store, Delivery, NewWebhook, Webhook, WebhookChanges};
use uuid::Uuid;

use crate::actor::Actor;
use crate::context::{Context, ReadVersion};
use crate::error::{Conflict, Error, Result};
use crate::random;

/// An endpoint to register.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewEndpoint {
    /// Whose endpoint: required of the administrator, a partner's own by default.
    pub organization_id: Option<Uuid>,
    pub url: String,
    pub events: Vec<WebhookEvent>,
    pub description: Option<String>,
}

/// Changes to an endpoint; absent fields stay, an empty description clears it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EndpointChanges {
    pub url: Option<String>,
    pub events: Option<Vec<WebhookEvent>>,
    pub description: Option<String>,
    pub enabled: Option<bool>,
}

/// An endpoint with its signing secret, shown once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Issued {
    pub webhook: Webhook,
    pub secret: String,
}

/// A partner system needs `webhooks:write` for every use of its organisation's endpoints.
fn require_access(actor: &Actor) -> Result<()> {
    actor.require_scope(TokenScope::WebhooksWrite)?;
    if manages_webhooks(actor.role) { Ok(()) } else { Err(Error::forbidden()) }
}

/// The endpoint `id` if the caller manages it and it is enabled.
fn enabled_managed(conn: &mut persistence::DbConnection, actor: &Actor, id: Uuid) -> Result<Webhook> {
    let webhook = managed(conn, actor, id)?;
    if webhook.enabled { Ok(webhook) } else { Err(Conflict::WebhookDisabled.into()) }
}

/// The endpoint `id` if the caller manages it; otherwise not found.
fn managed(conn: &mut persistence::DbConnection, actor: &Actor, id: Uuid) -> Result<Webhook> {
    let webhook = store::find(conn, id)?;
    if may_manage(actor.role, actor.organization_id, webhook.organization_id) {
        Ok(webhook)
    } else {
        Err(Error::NotFound)
    }
}

fn new_secret() -> String {
    let mut bytes = [0u8; 24];
    random::fill(&mut bytes);
    secret_from_bytes(&bytes)
}

/// Registers an endpoint; the secret is in the answer only.
pub async fn create(
    ctx: &Context,
    actor: &Actor,
    now: DateTime<Utc>,
    allow: &AllowList,
    endpoint: NewEndpoint,
) -> Result<Issued> {
    require_access(actor)?;
    let organization_id = match endpoint.organization_id {
        Some(id) => id,
        None if actor.role == domain::users::Role::Partner => actor.organization_id,
        None => return Err(Error::field("organization_id", "required", "name the organisation the endpoint is for")),
    };
    if !may_manage(actor.role, actor.organization_id, organization_id) {
        return Err(Error::forbidden_because("a partner registers endpoints of its own organisation only"));
    }
    let mut violations = Violations::new();
    let url = violations.check(check_url("url", &endpoint.url, allow));
    let events = violations.check(check_events("events", &endpoint.events));
    let description = check_description("description", endpoint.description.as_deref(), &mut violations);
    let (Some(url), Some(events), Some(description), true) = (url, events, description, violations.is_empty()) else {
        return Err(violations.into());
    };
    let secret = new_secret();
    let new =
        NewWebhook { organization_id, url, description, events, secret: secret.clone(), created_by: actor.user_id };
    let webhook = ctx
        .db()
        .write(move |conn| {
            crate::organizations::partner_named(conn, "organization_id", organization_id)?;
            if store::count_of(conn, organization_id)? >= MAX_WEBHOOKS_PER_ORGANIZATION as i64 {
                return Err(Error::Conflict(Conflict::WebhookLimit));
            }
            Ok(store::insert(conn, &new, now)?)
        })
        .await?;
    tracing::info!(webhook = %webhook.id, organization = %organization_id, "webhook registered");
    Ok(Issued { webhook, secret })
}

/// The endpoints the caller manages (a partner its organisation's; the administrator all, or
/// one organisation's), newest first.
pub async fn list(ctx: &Context, actor: &Actor, organization: Option<Uuid>) -> Result<Vec<Webhook>> {
    require_access(actor)?;
    let organization = match actor.role {
        domain::users::Role::Admin => organization,
        _ => Some(actor.organization_id),
    };
    Ok(ctx.db().read(move |conn| store::list(conn, organization)).await?)
}

/// One endpoint.
pub async fn read(ctx: &Context, actor: &Actor, id: Uuid) -> Result<Webhook> {
    require_access(actor)?;
    let actor = actor.clone();
    ctx.db().read(move |conn| managed(conn, &actor, id)).await
}

/// Changes an endpoint read at `target.version`. Enabling it again forgets its failures.
pub async fn update(
    ctx: &Context,
    actor: &Actor,
    now: DateTime<Utc>,
    allow: &AllowList,
    target: ReadVersion,
    changes: EndpointChanges,
) -> Result<Webhook> {
    require_access(actor)?;
    let mut violations = Violations::new();
    let url = changes.url.as_deref().map(|url| violations.check(check_url("url", url, allow)));
    let events = changes.events.as_deref().map(|events| violations.check(check_events("events", events)));
    let description =
        changes.description.as_deref().map(|text| check_description("description", Some(text), &mut violations));
    if !violations.is_empty() {
        return Err(violations.into());
    }
    let changes = WebhookChanges {
        url: url.flatten(),
        events: events.flatten(),
        description: description.flatten(),
        enabled: changes.enabled,
    };
    let actor = actor.clone();
    let webhook = ctx
        .db()
        .write(move |conn| {
            managed(conn, &actor, target.id)?;
            Ok::<_, Error>(store::update(conn, target.id, target.version, &changes, now)?)
        })
        .await?;
    tracing::info!(webhook = %webhook.id, enabled = webhook.enabled, "webhook changed");
    Ok(webhook)
}

/// Deletes an endpoint read at `target.version`, with its delivery log.
pub async fn delete(ctx: &Context, actor: &Actor, target: ReadVersion) -> Result<Webhook> {
    require_access(actor)?;
    let actor = actor.clone();
    let webhook = ctx
        .db()
        .write(move |conn| {
            managed(conn, &actor, target.id)?;
            Ok::<_, Error>(store::delete(conn, target.id, target.version)?)
        })
        .await?;
    tracing::info!(webhook = %webhook.id, "webhook deleted");
    Ok(webhook)
}

/// A new signing secret for an endpoint read at `target.version`. For a day messages carry a
/// signature by each secret, so that the receiver can switch without losing any.
pub async fn rotate_secret(ctx: &Context, actor: &Actor, now: DateTime<Utc>, target: ReadVersion) -> Result<Issued> {
    require_access(actor)?;
    let secret = new_secret();
    let (actor, kept) = (actor.clone(), secret.clone());
    let webhook = ctx
        .db()
        .write(move |conn| {
            managed(conn, &actor, target.id)?;
            Ok::<_, Error>(store::rotate_secret(conn, target.id, target.version, &kept, now + RETRY_WINDOW, now)?)
        })
        .await?;
    tracing::info!(webhook = %webhook.id, "webhook secret rotated");
    Ok(Issued { webhook, secret })
}

/// Queues a test message (`webhook.test`) for an enabled endpoint; answers its id.
pub async fn send_test(ctx: &Context, actor: &Actor, now: DateTime<Utc>, id: Uuid) -> Result<Uuid> {
    require_access(actor)?;
    let actor = actor.clone();
    ctx.db()
        .write(move |conn| {
            enabled_managed(conn, &actor, id)?;
            Ok(store::enqueue_test(conn, id, TEST_EVENT, now)?)
        })
        .await
}

/// The messages of an endpoint, newest first, with every attempt.
pub async fn deliveries(
    ctx: &Context,
    actor: &Actor,
    id: Uuid,
    before: Option<Uuid>,
    limit: i64,
) -> Result<Vec<Delivery>> {
    require_access(actor)?;
    let actor = actor.clone();
    ctx.db()
        .read(move |conn| {
            managed(conn, &actor, id)?;
            Ok(store::deliveries(conn, id, before, limit)?)
        })
        .await
}

/// Sends a message again, now, with a fresh day of retries, whatever became of it.
pub async fn redeliver(ctx: &Context, actor: &Actor, now: DateTime<Utc>, id: Uuid, message: Uuid) -> Result<()> {
    require_access(actor)?;
    let actor = actor.clone();
    ctx.db()
        .write(move |conn| {
            enabled_managed(conn, &actor, id)?;
            Ok(store::redeliver(conn, id, message, now)?)
        })
        .await
}
