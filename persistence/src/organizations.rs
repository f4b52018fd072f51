//! Organisations and the districts they work in.

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use domain::Vocabulary;
use domain::districts::DistrictCode;
use domain::organizations::{Organization, OrganizationKind, name_key};
use uuid::Uuid;

use crate::db::{DbConnection, from_db_time, to_db_time, write_transaction};
use crate::error::{Error, Result, decode, decode_id};
use crate::pagination::{Page, PageRequest, like_contains};
use crate::schema::{organization_districts, organizations};
use crate::sql::{DistrictsByOwner, lower};

#[derive(Queryable, Selectable)]
#[diesel(table_name = organizations)]
struct OrganizationRow {
    id: String,
    name: String,
    kind: String,
    municipality: Option<String>,
    version: i32,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
}

#[derive(Insertable)]
#[diesel(table_name = organizations)]
struct NewOrganizationRow<'a> {
    id: String,
    name: &'a str,
    name_key: String,
    kind: &'a str,
    municipality: Option<&'a str>,
    version: i32,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
}

#[derive(AsChangeset, Default)]
#[diesel(table_name = organizations)]
struct OrganizationChangeset<'a> {
    name: Option<&'a str>,
    name_key: Option<String>,
    kind: Option<&'a str>,
    municipality: Option<Option<&'a str>>,
}

#[derive(Debug, Clone)]
pub struct NewOrganization {
    pub name: String,
    pub kind: OrganizationKind,
    pub municipality: Option<String>,
    pub districts: Vec<DistrictCode>,
}

/// Fields to change; `None` leaves a field as it is, `Some(None)` clears an optional one.
#[derive(Debug, Clone, Default)]
pub struct OrganizationChanges {
    pub name: Option<String>,
    pub kind: Option<OrganizationKind>,
    pub municipality: Option<Option<String>>,
    pub districts: Option<Vec<DistrictCode>>,
}

#[derive(Debug, Clone, Default)]
pub struct OrganizationFilter {
    pub kind: Option<OrganizationKind>,
    pub district: Option<DistrictCode>,
    pub q: Option<String>,
}

/// Organisations are listed by name; the key of a row is its folded name and its id.
pub type OrganizationKey = (String, Uuid);

pub fn insert(conn: &mut DbConnection, new: &NewOrganization, now: DateTime<Utc>) -> Result<Organization> {
    let id = Uuid::now_v7();
    let at = to_db_time(now);
    write_transaction(conn, |conn| {
        diesel::insert_into(organizations::table)
            .values(NewOrganizationRow {
                id: id.to_string(),
                name: &new.name,
                name_key: name_key(&new.name),
                kind: new.kind.code(),
                municipality: new.municipality.as_deref(),
                version: 1,
                created_at: at,
                updated_at: at,
            })
            .execute(conn)?;
        replace_districts(conn, id, &new.districts)?;
        find(conn, id)
    })
}

pub fn find(conn: &mut DbConnection, id: Uuid) -> Result<Organization> {
    let row = organizations::table.find(id.to_string()).select(OrganizationRow::as_select()).first(conn)?;
    let districts = districts_of(conn, std::slice::from_ref(&row.id))?;
    into_organization(row, &districts)
}

pub fn exists(conn: &mut DbConnection, id: Uuid) -> Result<bool> {
    Ok(diesel::select(diesel::dsl::exists(organizations::table.find(id.to_string()))).get_result(conn)?)
}

/// Finds an organisation by its name, ignoring case and spacing.
pub fn find_by_name(conn: &mut DbConnection, name: &str) -> Result<Option<Organization>> {
    let id: Option<String> = organizations::table
        .filter(organizations::name_key.eq(name_key(name)))
        .select(organizations::id)
        .first(conn)
        .optional()?;
    match id {
        Some(id) => find(conn, decode_id(&id)?).map(Some),
        None => Ok(None),
    }
}

pub fn list(
    conn: &mut DbConnection,
    filter: &OrganizationFilter,
    page: &PageRequest<OrganizationKey>,
) -> Result<Page<Organization>> {
    let mut query = organizations::table
        .select(OrganizationRow::as_select())
        .order((organizations::name_key.asc(), organizations::id.asc()))
        .limit(page.fetch_size())
        .into_boxed();
    if let Some((key, id)) = &page.after {
        query = query.filter(
            organizations::name_key
                .gt(key.clone())
                .or(organizations::name_key.eq(key.clone()).and(organizations::id.gt(id.to_string()))),
        );
    }
    if let Some(kind) = filter.kind {
        query = query.filter(organizations::kind.eq(kind.code()));
    }
    if let Some(district) = &filter.district {
        let in_district = organization_districts::table
            .filter(organization_districts::district_code.eq(district.as_str().to_string()))
            .select(organization_districts::organization_id);
        query = query.filter(organizations::id.eq_any(in_district));
    }
    if let Some(q) = filter.q.as_deref().filter(|q| !q.trim().is_empty()) {
        query = query.filter(lower(organizations::name).like(like_contains(q.trim())).escape('\\'));
    }
    let rows = query.load::<OrganizationRow>(conn)?;
    let page = page.page(rows);
    let ids: Vec<String> = page.items.iter().map(|row| row.id.clone()).collect();
    let districts = districts_of(conn, &ids)?;
    let items = page.items.into_iter().map(|row| into_organization(row, &districts)).collect::<Result<Vec<_>>>()?;
    Ok(Page { items, has_more: page.has_more })
}

pub fn update(
    conn: &mut DbConnection,
    id: Uuid,
    expected_version: i32,
    changes: &OrganizationChanges,
    now: DateTime<Utc>,
) -> Result<Organization> {
    let at = to_db_time(now);
    write_transaction(conn, |conn| {
        let changeset = OrganizationChangeset {
            name: changes.name.as_deref(),
            name_key: changes.name.as_deref().map(name_key),
            kind: changes.kind.map(OrganizationKind::code),
            municipality: changes.municipality.as_ref().map(|m| m.as_deref()),
        };
        let target = organizations::table
            .filter(organizations::id.eq(id.to_string()))
            .filter(organizations::version.eq(expected_version));
        let updated = diesel::update(target)
            .set((changeset, organizations::version.eq(organizations::version + 1), organizations::updated_at.eq(at)))
            .execute(conn)?;
        if updated == 0 {
            return Err(if exists(conn, id)? { Error::StaleVersion } else { Error::NotFound });
        }
        if let Some(districts) = &changes.districts {
            replace_districts(conn, id, districts)?;
        }
        find(conn, id)
    })
}

/// Whether another organisation than `except` already has this name (ignoring case and spacing).
pub fn name_taken(conn: &mut DbConnection, name: &str, except: Option<Uuid>) -> Result<bool> {
    let mut query = organizations::table.filter(organizations::name_key.eq(name_key(name))).into_boxed();
    if let Some(except) = except {
        query = query.filter(organizations::id.ne(except.to_string()));
    }
    Ok(query.count().get_result::<i64>(conn)? > 0)
}

fn replace_districts(conn: &mut DbConnection, id: Uuid, districts: &[DistrictCode]) -> Result<()> {
    diesel::delete(organization_districts::table.filter(organization_districts::organization_id.eq(id.to_string())))
        .execute(conn)?;
    // One row at a time: multi-row inserts do not compile through the multi-backend connection.
    for district in districts {
        diesel::insert_into(organization_districts::table)
            .values((
                organization_districts::organization_id.eq(id.to_string()),
                organization_districts::district_code.eq(district.as_str()),
            ))
            .execute(conn)?;
    }
    Ok(())
}

fn districts_of(conn: &mut DbConnection, ids: &[String]) -> Result<DistrictsByOwner> {
    if ids.is_empty() {
        return Ok(DistrictsByOwner::default());
    }
    let pairs = organization_districts::table
        .filter(organization_districts::organization_id.eq_any(ids))
        .select((organization_districts::organization_id, organization_districts::district_code))
        .load::<(String, String)>(conn)?;
    Ok(DistrictsByOwner::from_pairs(pairs))
}

fn into_organization(row: OrganizationRow, districts: &DistrictsByOwner) -> Result<Organization> {
    Ok(Organization {
        id: decode_id(&row.id)?,
        districts: districts.of(&row.id),
        name: row.name,
        kind: decode(&row.kind)?,
        municipality: row.municipality,
        version: row.version,
        created_at: from_db_time(row.created_at),
        updated_at: from_db_time(row.updated_at),
    })
}

/// The sort key of an organisation, for the next page's cursor.
pub fn key_of(organization: &Organization) -> OrganizationKey {
    (name_key(&organization.name), organization.id)
}
