//! Consents of a beneficiary.

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use diesel::prelude::*;
use domain::Vocabulary;
use domain::consents::{Consent, ConsentKind, ConsentMethod};
use uuid::Uuid;

use crate::db::{DbConnection, from_db_time, to_db_time};
use crate::error::{Error, Result, decode, decode_id};
use crate::schema::consents;

#[derive(Queryable, Selectable)]
#[diesel(table_name = consents)]
struct ConsentRow {
    id: String,
    beneficiary_id: String,
    kind: String,
    organization_id: Option<String>,
    granted: bool,
    given_on: NaiveDate,
    method: String,
    language: String,
    recorded_by: String,
    recorded_at: NaiveDateTime,
    withdrawn_on: Option<NaiveDate>,
    withdrawn_by: Option<String>,
    withdrawal_reason: Option<String>,
}

#[derive(Debug, Clone)]
pub struct NewConsent {
    pub beneficiary_id: Uuid,
    pub kind: ConsentKind,
    pub organization_id: Option<Uuid>,
    pub granted: bool,
    pub given_on: NaiveDate,
    pub method: ConsentMethod,
    pub language: String,
    pub recorded_by: Uuid,
}

pub fn insert(conn: &mut DbConnection, new: &NewConsent, now: DateTime<Utc>) -> Result<Consent> {
    let id = Uuid::now_v7();
    diesel::insert_into(consents::table)
        .values((
            consents::id.eq(id.to_string()),
            consents::beneficiary_id.eq(new.beneficiary_id.to_string()),
            consents::kind.eq(new.kind.code()),
            consents::organization_id.eq(new.organization_id.map(|id| id.to_string())),
            consents::granted.eq(new.granted),
            consents::given_on.eq(new.given_on),
            consents::method.eq(new.method.code()),
            consents::language.eq(&new.language),
            consents::recorded_by.eq(new.recorded_by.to_string()),
            consents::recorded_at.eq(to_db_time(now)),
        ))
        .execute(conn)?;
    find(conn, id)
}

pub fn find(conn: &mut DbConnection, id: Uuid) -> Result<Consent> {
    into_consent(consents::table.find(id.to_string()).select(ConsentRow::as_select()).first(conn)?)
}

/// Every consent of a beneficiary, oldest first.
pub fn of_beneficiary(conn: &mut DbConnection, beneficiary_id: Uuid) -> Result<Vec<Consent>> {
    consents::table
        .filter(consents::beneficiary_id.eq(beneficiary_id.to_string()))
        .select(ConsentRow::as_select())
        .order((consents::given_on.asc(), consents::recorded_at.asc()))
        .load::<ConsentRow>(conn)?
        .into_iter()
        .map(into_consent)
        .collect()
}

/// Records a withdrawal; `Conflict` when it was withdrawn meanwhile (the caller checks the
/// consent it read first).
pub fn withdraw(conn: &mut DbConnection, id: Uuid, on: NaiveDate, by: Uuid, reason: Option<&str>) -> Result<Consent> {
    let updated = diesel::update(
        consents::table.filter(consents::id.eq(id.to_string())).filter(consents::withdrawn_on.is_null()),
    )
    .set((
        consents::withdrawn_on.eq(on),
        consents::withdrawn_by.eq(by.to_string()),
        consents::withdrawal_reason.eq(reason),
    ))
    .execute(conn)?;
    if updated == 0 {
        find(conn, id)?;
        return Err(Error::Conflict("the consent was withdrawn meanwhile".into()));
    }
    find(conn, id)
}

fn into_consent(row: ConsentRow) -> Result<Consent> {
    Ok(Consent {
        id: decode_id(&row.id)?,
        beneficiary_id: decode_id(&row.beneficiary_id)?,
        kind: decode(&row.kind)?,
        organization_id: row.organization_id.as_deref().map(decode_id).transpose()?,
        granted: row.granted,
        given_on: row.given_on,
        method: decode(&row.method)?,
        language: row.language,
        recorded_by: decode_id(&row.recorded_by)?,
        recorded_at: from_db_time(row.recorded_at),
        withdrawn_on: row.withdrawn_on,
        withdrawn_by: row.withdrawn_by.as_deref().map(decode_id).transpose()?,
        withdrawal_reason: row.withdrawal_reason,
    })
}
