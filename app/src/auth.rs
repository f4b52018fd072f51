//! Sessions: login with e-mail and password (throttled per address), rotating refresh tokens
//! with reuse detection, logout, and the standing of the account a token names. Signing the
//! access tokens is the HTTP layer's.

use chrono::{DateTime, Utc};
use domain::auth::{FAILURE_WINDOW, RefreshVerdict, judge_refresh, login_locked_until, new_session_expiry};
use domain::users::{User, check_password};
use domain::validation::Email;
use persistence::DbConnection;
use persistence::auth::{self as store, NewRefreshToken};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::actor::Actor;
use crate::context::Context;
use crate::error::{Error, Result};
use crate::{passwords, random};

/// An open session: whom the access token is for, the token version and the session it
/// carries, and the refresh token (shown once; stored hashed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    pub user: User,
    pub token_version: i32,
    /// The refresh-token family: access tokens name it, and stop working when it ends.
    pub session_id: Uuid,
    pub refresh_token: String,
    /// An administrator reset the password: until the user changes it, the session's access
    /// token may only do that, and its refresh token is refused.
    pub password_change_required: bool,
}

/// Who a token says it is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Holder {
    /// A user, in a session.
    User { user_id: Uuid, session_id: Uuid },
    /// A partner system's service account.
    System(Uuid),
}

/// Whether the account a token names is active (for a user, in a session still open), and its
/// current token (or key) version.
pub async fn standing(ctx: &Context, holder: Holder, now: DateTime<Utc>) -> Result<Option<(bool, i32)>> {
    ctx.db()
        .lookup(move |conn| {
            Ok(match holder {
                Holder::User { user_id, session_id } => store::session_standing(conn, user_id, session_id, now)?,
                Holder::System(id) => persistence::service_accounts::token_standing(conn, id)?,
            })
        })
        .await
}

/// Logs in. Wrong credentials are refused the same way whether or not the address exists (and
/// take as long); after too many failures within the window the address is refused until the
/// oldest of them leaves it.
pub async fn login(ctx: &Context, now: DateTime<Utc>, email: &str, password: String) -> Result<Session> {
    let wrong = || Error::Unauthenticated("wrong e-mail or password".into());
    // A string that is not an address cannot belong to an account: the same answer as a wrong one.
    let Ok(email) = Email::parse("email", email) else {
        return Err(wrong());
    };
    let lookup = email.clone();
    let (failures, credentials) = ctx
        .db()
        .read(move |conn| {
            let failures = store::login_failures_since(conn, lookup.as_str(), now - FAILURE_WINDOW)?;
            Ok::<_, Error>((failures, store::credentials(conn, &lookup)?))
        })
        .await?;
    if let Some(until) = login_locked_until(&failures, now) {
        return Err(Error::TooManyAttempts { retry_after_seconds: (until - now).num_seconds() + 1 });
    }
    let stored_hash = credentials.as_ref().map(|c| c.password_hash.clone());
    let password_ok = passwords::verify_off_thread(password, stored_hash).await?;
    let Some(account) = credentials.filter(|c| password_ok && c.active) else {
        ctx.db()
            .write(move |conn| store::record_login_failure(conn, email.as_str(), now, now - FAILURE_WINDOW))
            .await?;
        return Err(wrong());
    };
    ctx.db()
        .write(move |conn| {
            store::clear_login_failures(conn, email.as_str())?;
            start_session(conn, account.user_id, now)
        })
        .await
}

/// Exchanges a refresh token for a new session pair. Each refresh token works once; presenting
/// one already used revokes the whole session, which may have been stolen.
pub async fn refresh(ctx: &Context, now: DateTime<Utc>, refresh_token: &str) -> Result<Session> {
    let token_hash = hash_refresh_token(refresh_token);
    let outcome: std::result::Result<Session, &str> = ctx
        .db()
        .write(move |conn| -> Result<std::result::Result<Session, &'static str>> {
            let Some(stored) = store::find_refresh_token(conn, &token_hash)? else {
                return Ok(Err("unknown refresh token"));
            };
            match judge_refresh(stored.state, now) {
                RefreshVerdict::Reused => {
                    tracing::warn!(user_id = %stored.user_id, family = %stored.family_id, "refresh token reused: session revoked");
                    store::revoke_family(conn, stored.family_id, now)?;
                    Ok(Err("refresh token already used"))
                }
                RefreshVerdict::Revoked => Ok(Err("session revoked")),
                RefreshVerdict::Expired => Ok(Err("session expired")),
                RefreshVerdict::Rotate { new_expires_at } => {
                    if store::must_change_password(conn, stored.user_id)? {
                        return Ok(Err("change your password first (POST /api/v1/me/password), then refresh"));
                    }
                    let active = store::token_standing(conn, stored.user_id)?.is_some_and(|(active, _)| active);
                    if !active || !store::mark_refresh_token_used(conn, stored.id, now)? {
                        store::revoke_family(conn, stored.family_id, now)?;
                        return Ok(Err("session revoked"));
                    }
                    let refresh_token = random::token(32);
                    store::insert_refresh_token(
                        conn,
                        &NewRefreshToken {
                            user_id: stored.user_id,
                            family_id: stored.family_id,
                            token_hash: hash_refresh_token(&refresh_token),
                            issued_at: now,
                            expires_at: new_expires_at,
                            session_expires_at: stored.state.session_expires_at,
                        },
                    )?;
                    Ok(Ok(session_of(conn, stored.user_id, stored.family_id, refresh_token)?))
                }
            }
        })
        .await?;
    outcome.map_err(|reason| {
        tracing::info!(reason, "refresh refused");
        Error::Unauthenticated("the refresh token is invalid or expired: log in again".into())
    })
}

/// Ends the session of a refresh token, whether or not it was known.
pub async fn logout(ctx: &Context, now: DateTime<Utc>, refresh_token: &str) -> Result<()> {
    let token_hash = hash_refresh_token(refresh_token);
    ctx.db()
        .write(move |conn| {
            if let Some(stored) = store::find_refresh_token(conn, &token_hash)? {
                store::revoke_family(conn, stored.family_id, now)?;
            }
            Ok(())
        })
        .await
}

/// A user changes their own password, giving the current one: the session they are in goes on,
/// every other session of theirs ends (a password is changed when it may be known to someone
/// else). Wrong current passwords count as failed logins of the account: after too many, 429.
pub async fn change_own_password(
    ctx: &Context,
    actor: &Actor,
    now: DateTime<Utc>,
    current_password: String,
    new_password: String,
) -> Result<()> {
    if actor.scopes.is_some() {
        return Err(Error::forbidden_because("a partner system has no password: rotate its secret"));
    }
    let user_id = actor.user_id;
    let throttle_key = format!("password:{user_id}");
    let key = throttle_key.clone();
    let (failures, stored_hash) = ctx
        .db()
        .read(move |conn| {
            let failures = store::login_failures_since(conn, &key, now - FAILURE_WINDOW)?;
            Ok::<_, Error>((failures, store::password_hash(conn, user_id)?))
        })
        .await?;
    if let Some(until) = login_locked_until(&failures, now) {
        return Err(Error::TooManyAttempts { retry_after_seconds: (until - now).num_seconds() + 1 });
    }
    check_password("new_password", &new_password)?;
    if new_password == current_password {
        return Err(Error::field("new_password", "unchanged", "must differ from the current password"));
    }
    if !passwords::verify_off_thread(current_password, stored_hash).await? {
        ctx.db().write(move |conn| store::record_login_failure(conn, &throttle_key, now, now - FAILURE_WINDOW)).await?;
        return Err(Error::field("current_password", "wrong_password", "is not your current password"));
    }
    let password_hash = passwords::hash_off_thread(new_password).await?;
    let keep = actor.session_id;
    ctx.db()
        .write(move |conn| {
            store::clear_login_failures(conn, &throttle_key)?;
            store::change_password(conn, user_id, &password_hash, keep, now)
        })
        .await?;
    Ok(())
}

/// Opens a session: a new refresh-token family.
fn start_session(conn: &mut DbConnection, user_id: Uuid, now: DateTime<Utc>) -> Result<Session> {
    let (expires_at, session_expires_at) = new_session_expiry(now);
    let refresh_token = random::token(32);
    let session_id = Uuid::now_v7();
    store::insert_refresh_token(
        conn,
        &NewRefreshToken {
            user_id,
            family_id: session_id,
            token_hash: hash_refresh_token(&refresh_token),
            issued_at: now,
            expires_at,
            session_expires_at,
        },
    )?;
    session_of(conn, user_id, session_id, refresh_token)
}

fn session_of(conn: &mut DbConnection, user_id: Uuid, session_id: Uuid, refresh_token: String) -> Result<Session> {
    let user = persistence::users::find(conn, user_id)?;
    let (_, token_version) = store::token_standing(conn, user_id)?.ok_or(Error::NotFound)?;
    let password_change_required = store::must_change_password(conn, user_id)?;
    Ok(Session { user, token_version, session_id, refresh_token, password_change_required })
}

/// Refresh tokens are stored as SHA-256 hashes: a copy of the table opens no session.
fn hash_refresh_token(token: &str) -> String {
    domain::to_hex(&Sha256::digest(token.as_bytes()))
}
