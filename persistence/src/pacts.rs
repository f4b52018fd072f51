//! Territorial pacts and their signatories.

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use diesel::prelude::*;
use domain::Vocabulary;
use domain::districts::DistrictCode;
use domain::pacts::{Pact, PactStatus};
use uuid::Uuid;

use crate::db::{DbConnection, from_db_time, to_db_time, write_transaction};
use crate::error::{Error, Result, decode, decode_id};
use crate::schema::{pact_signatories, pacts};

#[derive(Queryable, Selectable)]
#[diesel(table_name = pacts)]
struct PactRow {
    id: String,
    district_code: String,
    title: String,
    status: String,
    signed_on: Option<NaiveDate>,
    valid_until: Option<NaiveDate>,
    document_reference: Option<String>,
    version: i32,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PactData {
    pub title: String,
    pub status: PactStatus,
    pub signatories: Vec<Uuid>,
    pub signed_on: Option<NaiveDate>,
    pub valid_until: Option<NaiveDate>,
    pub document_reference: Option<String>,
}

pub fn insert(conn: &mut DbConnection, district: &DistrictCode, data: &PactData, now: DateTime<Utc>) -> Result<Pact> {
    let id = Uuid::now_v7();
    let at = to_db_time(now);
    write_transaction(conn, |conn| {
        diesel::insert_into(pacts::table)
            .values((
                pacts::id.eq(id.to_string()),
                pacts::district_code.eq(district.as_str()),
                pacts::title.eq(&data.title),
                pacts::status.eq(data.status.code()),
                pacts::signed_on.eq(data.signed_on),
                pacts::valid_until.eq(data.valid_until),
                pacts::document_reference.eq(&data.document_reference),
                pacts::version.eq(1),
                pacts::created_at.eq(at),
                pacts::updated_at.eq(at),
            ))
            .execute(conn)?;
        replace_signatories(conn, id, &data.signatories)?;
        find(conn, id)
    })
}

pub fn find(conn: &mut DbConnection, id: Uuid) -> Result<Pact> {
    let row = pacts::table.find(id.to_string()).select(PactRow::as_select()).first(conn)?;
    into_pact(conn, row)
}

pub fn of_district(conn: &mut DbConnection, district: &DistrictCode) -> Result<Vec<Pact>> {
    let rows = pacts::table
        .filter(pacts::district_code.eq(district.as_str()))
        .select(PactRow::as_select())
        .order(pacts::created_at.asc())
        .load::<PactRow>(conn)?;
    rows.into_iter().map(|row| into_pact(conn, row)).collect()
}

pub fn update(
    conn: &mut DbConnection,
    id: Uuid,
    expected_version: i32,
    data: &PactData,
    now: DateTime<Utc>,
) -> Result<Pact> {
    write_transaction(conn, |conn| {
        let target = pacts::table.filter(pacts::id.eq(id.to_string())).filter(pacts::version.eq(expected_version));
        let updated = diesel::update(target)
            .set((
                pacts::title.eq(&data.title),
                pacts::status.eq(data.status.code()),
                pacts::signed_on.eq(data.signed_on),
                pacts::valid_until.eq(data.valid_until),
                pacts::document_reference.eq(&data.document_reference),
                pacts::version.eq(expected_version + 1),
                pacts::updated_at.eq(to_db_time(now)),
            ))
            .execute(conn)?;
        if updated == 0 {
            find(conn, id)?;
            return Err(Error::StaleVersion);
        }
        replace_signatories(conn, id, &data.signatories)?;
        find(conn, id)
    })
}

fn replace_signatories(conn: &mut DbConnection, id: Uuid, signatories: &[Uuid]) -> Result<()> {
    diesel::delete(pact_signatories::table.filter(pact_signatories::pact_id.eq(id.to_string()))).execute(conn)?;
    // One row at a time: multi-row inserts do not compile through the multi-backend connection.
    for organization in signatories {
        diesel::insert_into(pact_signatories::table)
            .values((
                pact_signatories::pact_id.eq(id.to_string()),
                pact_signatories::organization_id.eq(organization.to_string()),
            ))
            .execute(conn)?;
    }
    Ok(())
}

fn into_pact(conn: &mut DbConnection, row: PactRow) -> Result<Pact> {
    let mut signatories = pact_signatories::table
        .filter(pact_signatories::pact_id.eq(&row.id))
        .select(pact_signatories::organization_id)
        .load::<String>(conn)?
        .iter()
        .map(|id| decode_id(id))
        .collect::<Result<Vec<_>>>()?;
    signatories.sort();
    Ok(Pact {
        id: decode_id(&row.id)?,
        district: DistrictCode::from_trusted(row.district_code),
        title: row.title,
        status: decode(&row.status)?,
        signatories,
        signed_on: row.signed_on,
        valid_until: row.valid_until,
        document_reference: row.document_reference,
        version: row.version,
        created_at: from_db_time(row.created_at),
        updated_at: from_db_time(row.updated_at),
    })
}
