//! Partner systems: the admin issues client credentials to a partner organisation; its software
//! exchanges them (OAuth 2 client credentials, throttled per client id) for a short-lived token
//! that acts as `partner` of that organisation within its scopes. Signing the token is the HTTP
//! layer's.

use chrono::{DateTime, Utc};
use domain::access::{Capability, TokenScope};
use domain::auth::{FAILURE_WINDOW, login_locked_until};
use domain::validation::check_label;
use persistence::auth as throttle;
use persistence::service_accounts::{self as store, NewServiceAccount, ServiceAccount};
use uuid::Uuid;

use crate::actor::Actor;
use crate::context::{Context, ReadVersion};
use crate::error::{Conflict, Error, Result};
use crate::{passwords, random};

/// A partner system to register.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewSystem {
    pub organization_id: Uuid,
    pub name: String,
    pub scopes: Vec<TokenScope>,
}

/// An account with its secret, shown once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Issued {
    pub account: ServiceAccount,
    pub client_secret: String,
}

/// Why credentials were not exchanged for a token.
#[derive(Debug, Clone)]
pub enum GrantRefusal {
    /// Unknown client, wrong secret, or a revoked account.
    InvalidClient,
    /// A scope asked for that the account does not hold.
    InvalidScope,
    /// Too many failures for this client id: wait this many seconds.
    Throttled { retry_after_seconds: i64 },
    /// Anything else (storage).
    Failed(Error),
}

impl From<Error> for GrantRefusal {
    fn from(error: Error) -> Self {
        GrantRefusal::Failed(error)
    }
}

/// Registers a partner system (admin); the secret is in the answer only.
pub async fn create(ctx: &Context, actor: &Actor, now: DateTime<Utc>, system: NewSystem) -> Result<Issued> {
    actor.require(Capability::ManageServiceAccounts)?;
    let name = check_label("name", &system.name, 120)?;
    let mut scopes = system.scopes;
    scopes.sort();
    scopes.dedup();
    let client_secret = random::token(32);
    let secret_hash = passwords::hash_off_thread(client_secret.clone()).await?;
    let client_id = format!("inlav_{}", random::token(12));
    let created_by = actor.user_id;
    let organization_id = system.organization_id;
    let account = ctx
        .db()
        .write(move |conn| {
            crate::organizations::partner_named(conn, "organization_id", organization_id)?;
            let new = NewServiceAccount { organization_id, name, client_id, secret_hash, scopes, created_by };
            Ok::<_, Error>(store::insert(conn, &new, now)?)
        })
        .await?;
    Ok(Issued { account, client_secret })
}

/// Every partner system (admin), newest first.
pub async fn list(ctx: &Context, actor: &Actor) -> Result<Vec<ServiceAccount>> {
    actor.require(Capability::ManageServiceAccounts)?;
    Ok(ctx.db().read(store::list).await?)
}

/// One partner system (admin).
pub async fn read(ctx: &Context, actor: &Actor, id: Uuid) -> Result<ServiceAccount> {
    actor.require(Capability::ManageServiceAccounts)?;
    Ok(ctx.db().read(move |conn| store::find(conn, id)).await?)
}

/// Gives a partner system read at `target.version` a new secret (admin): the old one and every
/// token issued with it stop at once. A revoked account stays revoked.
pub async fn rotate(ctx: &Context, actor: &Actor, now: DateTime<Utc>, target: ReadVersion) -> Result<Issued> {
    actor.require(Capability::ManageServiceAccounts)?;
    let ReadVersion { id, version } = target;
    let client_secret = random::token(32);
    let secret_hash = passwords::hash_off_thread(client_secret.clone()).await?;
    let account = ctx
        .db()
        .write(move |conn| {
            let current = store::find(conn, id)?;
            if !current.active {
                return Err(Conflict::ServiceAccountRevoked.into());
            }
            if current.version != version {
                return Err(Error::Stale);
            }
            Ok(store::rotate(conn, id, version, &secret_hash, now)?)
        })
        .await?;
    tracing::info!(service_account = %id, "service account rotated");
    Ok(Issued { account, client_secret })
}

/// Revokes a partner system read at `target.version` for good (admin); its tokens stop at once.
pub async fn revoke(ctx: &Context, actor: &Actor, now: DateTime<Utc>, target: ReadVersion) -> Result<ServiceAccount> {
    actor.require(Capability::ManageServiceAccounts)?;
    let ReadVersion { id, version } = target;
    let account = ctx.db().write(move |conn| store::revoke(conn, id, version, now)).await?;
    tracing::info!(service_account = %id, "service account revoked");
    Ok(account)
}

/// Checks a partner system's client credentials; answers the account and the scopes its token
/// carries (`wanted`, which the account must hold, or all it holds). Failures are counted per
/// client id, and too many lock it for a while.
pub async fn authenticate(
    ctx: &Context,
    now: DateTime<Utc>,
    client_id: String,
    secret: String,
    wanted: Option<Vec<TokenScope>>,
) -> std::result::Result<(ServiceAccount, Vec<TokenScope>), GrantRefusal> {
    let key = format!("client:{client_id}");
    let lookup_key = key.clone();
    let (failures, found) = ctx
        .db()
        .read(move |conn| {
            Ok::<_, Error>((
                throttle::login_failures_since(conn, &lookup_key, now - FAILURE_WINDOW)?,
                store::credentials(conn, &client_id)?,
            ))
        })
        .await?;
    if let Some(until) = login_locked_until(&failures, now) {
        return Err(GrantRefusal::Throttled { retry_after_seconds: (until - now).num_seconds() + 1 });
    }
    let stored_hash = found.as_ref().map(|(_, hash)| hash.clone());
    let secret_ok = passwords::verify_off_thread(secret, stored_hash).await?;
    let Some((account, _)) = found.filter(|(account, _)| secret_ok && account.active) else {
        ctx.db()
            .write(move |conn| throttle::record_login_failure(conn, &key, now, now - FAILURE_WINDOW))
            .await
            .map_err(Error::from)?;
        return Err(GrantRefusal::InvalidClient);
    };
    let scopes = match wanted {
        Some(wanted) if wanted.iter().any(|s| !account.scopes.contains(s)) => return Err(GrantRefusal::InvalidScope),
        Some(wanted) => wanted,
        None => account.scopes.clone(),
    };
    ctx.db().write(move |conn| throttle::clear_login_failures(conn, &key)).await.map_err(Error::from)?;
    Ok((account, scopes))
}
