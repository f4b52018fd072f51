//! Partner systems' credentials: client id, hashed secret, scopes, key version.

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use domain::Vocabulary;
use domain::access::TokenScope;
use uuid::Uuid;

use crate::db::{DbConnection, from_db_time, to_db_time, write_transaction};
use crate::error::{Error, Result, decode, decode_id};
use crate::schema::{service_account_scopes, service_accounts};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceAccount {
    pub id: Uuid,
    pub organization_id: Uuid,
    pub name: String,
    pub client_id: String,
    pub scopes: Vec<TokenScope>,
    pub key_version: i32,
    pub active: bool,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = service_accounts)]
struct AccountRow {
    id: String,
    organization_id: String,
    name: String,
    client_id: String,
    key_version: i32,
    active: bool,
    version: i32,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
}

#[derive(Debug, Clone)]
pub struct NewServiceAccount {
    pub organization_id: Uuid,
    pub name: String,
    pub client_id: String,
    pub secret_hash: String,
    pub scopes: Vec<TokenScope>,
    pub created_by: Uuid,
}

pub fn insert(conn: &mut DbConnection, new: &NewServiceAccount, now: DateTime<Utc>) -> Result<ServiceAccount> {
    let id = Uuid::now_v7();
    let at = to_db_time(now);
    write_transaction(conn, |conn| {
        diesel::insert_into(service_accounts::table)
            .values((
                service_accounts::id.eq(id.to_string()),
                service_accounts::organization_id.eq(new.organization_id.to_string()),
                service_accounts::name.eq(&new.name),
                service_accounts::client_id.eq(&new.client_id),
                service_accounts::secret_hash.eq(&new.secret_hash),
                service_accounts::key_version.eq(1),
                service_accounts::active.eq(true),
                service_accounts::created_by.eq(new.created_by.to_string()),
                service_accounts::version.eq(1),
                service_accounts::created_at.eq(at),
                service_accounts::updated_at.eq(at),
            ))
            .execute(conn)?;
        // One row at a time: multi-row inserts do not compile through the multi-backend connection.
        for scope in &new.scopes {
            diesel::insert_into(service_account_scopes::table)
                .values((
                    service_account_scopes::service_account_id.eq(id.to_string()),
                    service_account_scopes::scope.eq(scope.code()),
                ))
                .execute(conn)?;
        }
        find(conn, id)
    })
}

pub fn find(conn: &mut DbConnection, id: Uuid) -> Result<ServiceAccount> {
    let row = service_accounts::table.find(id.to_string()).select(AccountRow::as_select()).first(conn)?;
    into_account(conn, row)
}

/// The account and its secret hash, by client id.
pub fn credentials(conn: &mut DbConnection, client_id: &str) -> Result<Option<(ServiceAccount, String)>> {
    let row: Option<(AccountRow, String)> = service_accounts::table
        .filter(service_accounts::client_id.eq(client_id))
        .select((AccountRow::as_select(), service_accounts::secret_hash))
        .first(conn)
        .optional()?;
    match row {
        Some((row, hash)) => Ok(Some((into_account(conn, row)?, hash))),
        None => Ok(None),
    }
}

/// Every account, newest first.
pub fn list(conn: &mut DbConnection) -> Result<Vec<ServiceAccount>> {
    let rows = service_accounts::table
        .select(AccountRow::as_select())
        .order(service_accounts::id.desc())
        .load::<AccountRow>(conn)?;
    rows.into_iter().map(|row| into_account(conn, row)).collect()
}

/// A new secret; the key version moves on, so tokens issued before stop working.
pub fn rotate(
    conn: &mut DbConnection,
    id: Uuid,
    expected_version: i32,
    secret_hash: &str,
    now: DateTime<Utc>,
) -> Result<ServiceAccount> {
    let target = service_accounts::table
        .filter(service_accounts::id.eq(id.to_string()))
        .filter(service_accounts::version.eq(expected_version))
        .filter(service_accounts::active.eq(true));
    let updated = diesel::update(target)
        .set((
            service_accounts::secret_hash.eq(secret_hash),
            service_accounts::key_version.eq(service_accounts::key_version + 1),
            service_accounts::version.eq(expected_version + 1),
            service_accounts::updated_at.eq(to_db_time(now)),
        ))
        .execute(conn)?;
    if updated == 0 {
        // Whether it is gone, revoked or of another version, the caller checked what it read:
        // it changed since.
        find(conn, id)?;
        return Err(Error::StaleVersion);
    }
    find(conn, id)
}

/// Revokes the account for good; its tokens stop at once.
pub fn revoke(conn: &mut DbConnection, id: Uuid, expected_version: i32, now: DateTime<Utc>) -> Result<ServiceAccount> {
    let target = service_accounts::table
        .filter(service_accounts::id.eq(id.to_string()))
        .filter(service_accounts::version.eq(expected_version));
    let updated = diesel::update(target)
        .set((
            service_accounts::active.eq(false),
            service_accounts::key_version.eq(service_accounts::key_version + 1),
            service_accounts::version.eq(expected_version + 1),
            service_accounts::updated_at.eq(to_db_time(now)),
        ))
        .execute(conn)?;
    if updated == 0 {
        find(conn, id)?;
        return Err(Error::StaleVersion);
    }
    find(conn, id)
}

/// Whether a token's account may still act: `(active, key_version)`.
pub fn token_standing(conn: &mut DbConnection, id: Uuid) -> Result<Option<(bool, i32)>> {
    Ok(service_accounts::table
        .find(id.to_string())
        .select((service_accounts::active, service_accounts::key_version))
        .first(conn)
        .optional()?)
}

fn into_account(conn: &mut DbConnection, row: AccountRow) -> Result<ServiceAccount> {
    let mut scopes = service_account_scopes::table
        .filter(service_account_scopes::service_account_id.eq(&row.id))
        .select(service_account_scopes::scope)
        .load::<String>(conn)?
        .iter()
        .map(|s| decode::<TokenScope>(s))
        .collect::<Result<Vec<_>>>()?;
    scopes.sort();
    Ok(ServiceAccount {
        id: decode_id(&row.id)?,
        organization_id: decode_id(&row.organization_id)?,
        name: row.name,
        client_id: row.client_id,
        scopes,
        key_version: row.key_version,
        active: row.active,
        version: row.version,
        created_at: from_db_time(row.created_at),
        updated_at: from_db_time(row.updated_at),
    })
}
