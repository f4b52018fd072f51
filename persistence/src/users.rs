//! Users and their districts.

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use domain::Vocabulary;
use domain::districts::DistrictCode;
use domain::users::{Role, User};
use domain::validation::Email;
use uuid::Uuid;

use crate::db::{DbConnection, from_db_time, to_db_time, write_transaction};
use crate::error::{Error, Result, decode, decode_id};
use crate::pagination::{Page, PageRequest, like_contains};
use crate::schema::{refresh_tokens, user_districts, users};
use crate::sql::{DistrictsByOwner, lower};

#[derive(Queryable, Selectable)]
#[diesel(table_name = users)]
struct UserRow {
    id: String,
    email: String,
    display_name: String,
    role: String,
    organization_id: String,
    active: bool,
    version: i32,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
}

#[derive(Insertable)]
#[diesel(table_name = users)]
struct NewUserRow<'a> {
    id: String,
    email: &'a str,
    display_name: &'a str,
    password_hash: &'a str,
    role: &'a str,
    organization_id: String,
    active: bool,
    token_version: i32,
    version: i32,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
}

#[derive(AsChangeset, Default)]
#[diesel(table_name = users)]
struct UserChangeset<'a> {
    display_name: Option<&'a str>,
    role: Option<&'a str>,
    organization_id: Option<String>,
    active: Option<bool>,
    password_hash: Option<&'a str>,
    must_change_password: Option<bool>,
}

/// A user to create; the password is already hashed.
#[derive(Debug, Clone)]
pub struct NewUser {
    pub email: Email,
    pub display_name: String,
    pub password_hash: String,
    pub role: Role,
    pub organization_id: Uuid,
    pub districts: Vec<DistrictCode>,
}

/// Fields to change; `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct UserChanges {
    pub display_name: Option<String>,
    pub role: Option<Role>,
    pub organization_id: Option<Uuid>,
    pub districts: Option<Vec<DistrictCode>>,
    pub active: Option<bool>,
    pub password_hash: Option<String>,
    /// Whether the next login may only change the password.
    pub must_change_password: Option<bool>,
}

impl UserChanges {
    /// Whether the change must end the user's sessions: anything that alters what the
    /// user's tokens claim or whether the user may act at all.
    fn ends_sessions(&self) -> bool {
        self.role.is_some()
            || self.organization_id.is_some()
            || self.districts.is_some()
            || self.active.is_some()
            || self.password_hash.is_some()
    }
}

#[derive(Debug, Clone, Default)]
pub struct UserFilter {
    pub role: Option<Role>,
    pub district: Option<DistrictCode>,
    pub organization_id: Option<Uuid>,
    pub active: Option<bool>,
    /// Matches e-mail or display name, case-insensitively.
    pub q: Option<String>,
}

pub fn insert(conn: &mut DbConnection, new: &NewUser, now: DateTime<Utc>) -> Result<User> {
    let id = Uuid::now_v7();
    let at = to_db_time(now);
    write_transaction(conn, |conn| {
        diesel::insert_into(users::table)
            .values(NewUserRow {
                id: id.to_string(),
                email: new.email.as_str(),
                display_name: &new.display_name,
                password_hash: &new.password_hash,
                role: new.role.code(),
                organization_id: new.organization_id.to_string(),
                active: true,
                token_version: 1,
                version: 1,
                created_at: at,
                updated_at: at,
            })
            .execute(conn)?;
        replace_districts(conn, id, &new.districts)?;
        find(conn, id)
    })
}

pub fn find(conn: &mut DbConnection, id: Uuid) -> Result<User> {
    let row = users::table.find(id.to_string()).select(UserRow::as_select()).first(conn)?;
    let districts = districts_of(conn, std::slice::from_ref(&row.id))?;
    into_user(row, &districts)
}

pub fn find_by_email(conn: &mut DbConnection, email: &Email) -> Result<Option<User>> {
    let row =
        users::table.filter(users::email.eq(email.as_str())).select(UserRow::as_select()).first(conn).optional()?;
    match row {
        Some(row) => {
            let districts = districts_of(conn, std::slice::from_ref(&row.id))?;
            into_user(row, &districts).map(Some)
        }
        None => Ok(None),
    }
}

pub fn count(conn: &mut DbConnection) -> Result<i64> {
    Ok(users::table.count().get_result(conn)?)
}

/// How many active administrators there are.
pub fn active_admins(conn: &mut DbConnection) -> Result<i64> {
    Ok(users::table
        .filter(users::role.eq(Role::Admin.code()))
        .filter(users::active.eq(true))
        .count()
        .get_result(conn)?)
}

pub fn list(conn: &mut DbConnection, filter: &UserFilter, page: &PageRequest<Uuid>) -> Result<Page<User>> {
    let mut query =
        users::table.select(UserRow::as_select()).order(users::id.asc()).limit(page.fetch_size()).into_boxed();
    if let Some(after) = page.after {
        query = query.filter(users::id.gt(after.to_string()));
    }
    if let Some(role) = filter.role {
        query = query.filter(users::role.eq(role.code()));
    }
    if let Some(organization_id) = filter.organization_id {
        query = query.filter(users::organization_id.eq(organization_id.to_string()));
    }
    if let Some(active) = filter.active {
        query = query.filter(users::active.eq(active));
    }
    if let Some(district) = &filter.district {
        let in_district = user_districts::table
            .filter(user_districts::district_code.eq(district.as_str().to_string()))
            .select(user_districts::user_id);
        query = query.filter(users::id.eq_any(in_district));
    }
    if let Some(q) = filter.q.as_deref().filter(|q| !q.trim().is_empty()) {
        let pattern = like_contains(q.trim());
        query = query.filter(
            lower(users::email)
                .like(pattern.clone())
                .escape('\\')
                .or(lower(users::display_name).like(pattern).escape('\\')),
        );
    }
    let rows = query.load::<UserRow>(conn)?;
    let page = page.page(rows);
    let ids: Vec<String> = page.items.iter().map(|row| row.id.clone()).collect();
    let districts = districts_of(conn, &ids)?;
    let items = page.items.into_iter().map(|row| into_user(row, &districts)).collect::<Result<Vec<_>>>()?;
    Ok(Page { items, has_more: page.has_more })
}

/// Applies `changes` if the stored version is still `expected_version`.
pub fn update(
    conn: &mut DbConnection,
    id: Uuid,
    expected_version: i32,
    changes: &UserChanges,
    now: DateTime<Utc>,
) -> Result<User> {
    let at = to_db_time(now);
    write_transaction(conn, |conn| {
        let changeset = UserChangeset {
            display_name: changes.display_name.as_deref(),
            role: changes.role.map(Role::code),
            organization_id: changes.organization_id.map(|id| id.to_string()),
            active: changes.active,
            password_hash: changes.password_hash.as_deref(),
            must_change_password: changes.must_change_password,
        };
        let bump = i32::from(changes.ends_sessions());
        let target = users::table.filter(users::id.eq(id.to_string())).filter(users::version.eq(expected_version));
        let updated = diesel::update(target)
            .set((
                changeset,
                users::version.eq(users::version + 1),
                users::token_version.eq(users::token_version + bump),
                users::updated_at.eq(at),
            ))
            .execute(conn)?;
        if updated == 0 {
            let exists: i64 = users::table.filter(users::id.eq(id.to_string())).count().get_result(conn)?;
            return Err(if exists == 0 { Error::NotFound } else { Error::StaleVersion });
        }
        if let Some(districts) = &changes.districts {
            replace_districts(conn, id, districts)?;
        }
        if changes.ends_sessions() {
            diesel::update(
                refresh_tokens::table
                    .filter(refresh_tokens::user_id.eq(id.to_string()))
                    .filter(refresh_tokens::revoked_at.is_null()),
            )
            .set(refresh_tokens::revoked_at.eq(at))
            .execute(conn)?;
        }
        find(conn, id)
    })
}

fn replace_districts(conn: &mut DbConnection, id: Uuid, districts: &[DistrictCode]) -> Result<()> {
    diesel::delete(user_districts::table.filter(user_districts::user_id.eq(id.to_string()))).execute(conn)?;
    // One row at a time: multi-row inserts do not compile through the multi-backend connection.
    for district in districts {
        diesel::insert_into(user_districts::table)
            .values((user_districts::user_id.eq(id.to_string()), user_districts::district_code.eq(district.as_str())))
            .execute(conn)?;
    }
    Ok(())
}

/// The districts of each of the given users, in one query.
fn districts_of(conn: &mut DbConnection, ids: &[String]) -> Result<DistrictsByOwner> {
    if ids.is_empty() {
        return Ok(DistrictsByOwner::default());
    }
    let pairs = user_districts::table
        .filter(user_districts::user_id.eq_any(ids))
        .select((user_districts::user_id, user_districts::district_code))
        .load::<(String, String)>(conn)?;
    Ok(DistrictsByOwner::from_pairs(pairs))
}

fn into_user(row: UserRow, districts: &DistrictsByOwner) -> Result<User> {
    Ok(User {
        id: decode_id(&row.id)?,
        districts: districts.of(&row.id),
        email: Email::from_trusted(row.email),
        display_name: row.display_name,
        role: decode(&row.role)?,
        organization_id: decode_id(&row.organization_id)?,
        active: row.active,
        version: row.version,
        created_at: from_db_time(row.created_at),
        updated_at: from_db_time(row.updated_at),
    })
}
