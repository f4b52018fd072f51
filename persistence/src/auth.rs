//! Sessions: credentials, refresh tokens (hashed) and the failed-login throttle.

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use domain::auth::RefreshTokenState;
use domain::validation::Email;
use uuid::Uuid;

use crate::db::{DbConnection, from_db_time, on_backend, to_db_time};
use crate::error::{Result, decode_id};
use crate::schema::{login_failures, refresh_tokens, users};

/// What login needs to know of an account.
#[derive(Debug, Clone)]
pub struct Credentials {
    pub user_id: Uuid,
    pub password_hash: String,
    pub active: bool,
}

/// Whether the user must change their password before doing anything else.
pub fn must_change_password(conn: &mut DbConnection, user_id: Uuid) -> Result<bool> {
    let query = users::table.find(user_id.to_string()).select(users::must_change_password);
    Ok(on_backend!(conn, |inner| query.first(inner).optional())?.unwrap_or(false))
}

pub fn credentials(conn: &mut DbConnection, email: &Email) -> Result<Option<Credentials>> {
    let row: Option<(String, String, bool)> = users::table
        .filter(users::email.eq(email.as_str()))
        .select((users::id, users::password_hash, users::active))
        .first(conn)
        .optional()?;
    row.map(|(id, password_hash, active)| Ok(Credentials { user_id: decode_id(&id)?, password_hash, active }))
        .transpose()
}

/// Whether a token's subject may still act: `(active, token_version)`.
pub fn token_standing(conn: &mut DbConnection, user_id: Uuid) -> Result<Option<(bool, i32)>> {
    let query = users::table.find(user_id.to_string()).select((users::active, users::token_version));
    Ok(on_backend!(conn, |inner| query.first(inner).optional())?)
}

/// Whether a user's access token may still act: `(active, token_version)`, with `active`
/// false once the session the token was issued in ended (logged out, revoked on the reuse of
/// a refresh token, or past its absolute expiry). A session is open while a refresh token of
/// its family is neither revoked nor past the session's end: ending it revokes them all.
pub fn session_standing(
    conn: &mut DbConnection,
    user_id: Uuid,
    session_id: Uuid,
    now: DateTime<Utc>,
) -> Result<Option<(bool, i32)>> {
    let open = diesel::dsl::exists(
        refresh_tokens::table
            .filter(refresh_tokens::family_id.eq(session_id.to_string()))
            .filter(refresh_tokens::revoked_at.is_null())
            .filter(refresh_tokens::session_expires_at.gt(to_db_time(now))),
    );
    let query = users::table.find(user_id.to_string()).select((users::active, users::token_version, open));
    let row: Option<(bool, i32, bool)> = on_backend!(conn, |inner| query.first(inner).optional())?;
    Ok(row.map(|(active, version, open)| (active && open, version)))
}

/// The stored password hash of a user, active or not.
pub fn password_hash(conn: &mut DbConnection, user_id: Uuid) -> Result<Option<String>> {
    Ok(users::table.find(user_id.to_string()).select(users::password_hash).first(conn).optional()?)
}

/// Replaces a user's password and ends every session of theirs but `keep` (the one that
/// changed it). The account's version moves, its token version does not: the tokens of the
/// session kept go on working, those of the others stop with their sessions.
pub fn change_password(
    conn: &mut DbConnection,
    user_id: Uuid,
    password_hash: &str,
    keep: Option<Uuid>,
    now: DateTime<Utc>,
) -> Result<()> {
    let at = to_db_time(now);
    diesel::update(users::table.find(user_id.to_string()))
        .set((
            users::password_hash.eq(password_hash),
            users::must_change_password.eq(false),
            users::version.eq(users::version + 1),
            users::updated_at.eq(at),
        ))
        .execute(conn)?;
    let others = refresh_tokens::table
        .filter(refresh_tokens::user_id.eq(user_id.to_string()))
        .filter(refresh_tokens::revoked_at.is_null())
        .filter(refresh_tokens::family_id.ne(keep.map(|id| id.to_string()).unwrap_or_default()));
    diesel::update(others).set(refresh_tokens::revoked_at.eq(at)).execute(conn)?;
    Ok(())
}

/// Failed attempts under a key (an e-mail address, or `client:<client_id>` for partner
/// systems) since an instant.
pub fn login_failures_since(conn: &mut DbConnection, key: &str, since: DateTime<Utc>) -> Result<Vec<DateTime<Utc>>> {
    let rows: Vec<NaiveDateTime> = login_failures::table
        .filter(login_failures::email.eq(key))
        .filter(login_failures::failed_at.gt(to_db_time(since)))
        .select(login_failures::failed_at)
        .load(conn)?;
    Ok(rows.into_iter().map(from_db_time).collect())
}

/// Records a failed attempt, and forgets failures older than `forget_before` (of any key).
pub fn record_login_failure(
    conn: &mut DbConnection,
    key: &str,
    at: DateTime<Utc>,
    forget_before: DateTime<Utc>,
) -> Result<()> {
    diesel::delete(login_failures::table.filter(login_failures::failed_at.lt(to_db_time(forget_before))))
        .execute(conn)?;
    diesel::insert_into(login_failures::table)
        .values((
            login_failures::id.eq(Uuid::now_v7().to_string()),
            login_failures::email.eq(key),
            login_failures::failed_at.eq(to_db_time(at)),
        ))
        .execute(conn)?;
    Ok(())
}

pub fn clear_login_failures(conn: &mut DbConnection, key: &str) -> Result<()> {
    diesel::delete(login_failures::table.filter(login_failures::email.eq(key))).execute(conn)?;
    Ok(())
}

#[derive(Debug, Clone)]
pub struct NewRefreshToken {
    pub user_id: Uuid,
    pub family_id: Uuid,
    pub token_hash: String,
    pub issued_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub session_expires_at: DateTime<Utc>,
}

pub fn insert_refresh_token(conn: &mut DbConnection, token: &NewRefreshToken) -> Result<()> {
    diesel::insert_into(refresh_tokens::table)
        .values((
            refresh_tokens::id.eq(Uuid::now_v7().to_string()),
            refresh_tokens::user_id.eq(token.user_id.to_string()),
            refresh_tokens::family_id.eq(token.family_id.to_string()),
            refresh_tokens::token_hash.eq(&token.token_hash),
            refresh_tokens::issued_at.eq(to_db_time(token.issued_at)),
            refresh_tokens::expires_at.eq(to_db_time(token.expires_at)),
            refresh_tokens::session_expires_at.eq(to_db_time(token.session_expires_at)),
        ))
        .execute(conn)?;
    Ok(())
}

#[derive(Debug, Clone)]
pub struct StoredRefreshToken {
    pub id: Uuid,
    pub user_id: Uuid,
    pub family_id: Uuid,
    pub state: RefreshTokenState,
}

type RefreshRow = (String, String, String, NaiveDateTime, NaiveDateTime, Option<NaiveDateTime>, Option<NaiveDateTime>);

pub fn find_refresh_token(conn: &mut DbConnection, token_hash: &str) -> Result<Option<StoredRefreshToken>> {
    let row: Option<RefreshRow> = refresh_tokens::table
        .filter(refresh_tokens::token_hash.eq(token_hash))
        .select((
            refresh_tokens::id,
            refresh_tokens::user_id,
            refresh_tokens::family_id,
            refresh_tokens::expires_at,
            refresh_tokens::session_expires_at,
            refresh_tokens::used_at,
            refresh_tokens::revoked_at,
        ))
        .first(conn)
        .optional()?;
    row.map(|(id, user_id, family_id, expires_at, session_expires_at, used_at, revoked_at)| {
        Ok(StoredRefreshToken {
            id: decode_id(&id)?,
            user_id: decode_id(&user_id)?,
            family_id: decode_id(&family_id)?,
            state: RefreshTokenState {
                used: used_at.is_some(),
                revoked: revoked_at.is_some(),
                expires_at: from_db_time(expires_at),
                session_expires_at: from_db_time(session_expires_at),
            },
        })
    })
    .transpose()
}

/// Marks a token used; `false` when another request used it first (then it counts as reuse).
pub fn mark_refresh_token_used(conn: &mut DbConnection, id: Uuid, at: DateTime<Utc>) -> Result<bool> {
    let updated = diesel::update(
        refresh_tokens::table.filter(refresh_tokens::id.eq(id.to_string())).filter(refresh_tokens::used_at.is_null()),
    )
    .set(refresh_tokens::used_at.eq(to_db_time(at)))
    .execute(conn)?;
    Ok(updated == 1)
}

pub fn revoke_family(conn: &mut DbConnection, family_id: Uuid, at: DateTime<Utc>) -> Result<()> {
    diesel::update(
        refresh_tokens::table
            .filter(refresh_tokens::family_id.eq(family_id.to_string()))
            .filter(refresh_tokens::revoked_at.is_null()),
    )
    .set(refresh_tokens::revoked_at.eq(to_db_time(at)))
    .execute(conn)?;
    Ok(())
}
