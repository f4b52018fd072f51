//! Legal procedures of cases.

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use diesel::prelude::*;
use domain::Vocabulary;
use domain::legal::{Authority, LegalProcedure, ProcedureKind, ProcedureStatus};
use uuid::Uuid;

use crate::db::{DbConnection, from_db_time, to_db_time};
use crate::error::{Error, Result, decode, decode_id};
use crate::reports::tallies;
use crate::schema::legal_procedures;

#[derive(Queryable, Selectable)]
#[diesel(table_name = legal_procedures)]
struct ProcedureRow {
    id: String,
    case_id: String,
    kind: String,
    status: String,
    authority: Option<String>,
    filed_on: Option<NaiveDate>,
    decided_on: Option<NaiveDate>,
    next_deadline: Option<NaiveDate>,
    notes: Option<String>,
    created_by: String,
    version: i32,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
}

#[derive(Insertable, AsChangeset)]
#[diesel(table_name = legal_procedures, treat_none_as_null = true)]
struct DataColumns {
    kind: &'static str,
    status: &'static str,
    authority: Option<&'static str>,
    filed_on: Option<NaiveDate>,
    decided_on: Option<NaiveDate>,
    next_deadline: Option<NaiveDate>,
    notes: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProcedureData {
    pub kind: ProcedureKind,
    pub status: ProcedureStatus,
    pub authority: Option<Authority>,
    pub filed_on: Option<NaiveDate>,
    pub decided_on: Option<NaiveDate>,
    pub next_deadline: Option<NaiveDate>,
    pub notes: Option<String>,
}

impl From<&ProcedureData> for DataColumns {
    fn from(d: &ProcedureData) -> Self {
        DataColumns {
            kind: d.kind.code(),
            status: d.status.code(),
            authority: d.authority.map(Authority::code),
            filed_on: d.filed_on,
            decided_on: d.decided_on,
            next_deadline: d.next_deadline,
            notes: d.notes.clone(),
        }
    }
}

impl From<LegalProcedure> for ProcedureData {
    fn from(p: LegalProcedure) -> Self {
        ProcedureData {
            kind: p.kind,
            status: p.status,
            authority: p.authority,
            filed_on: p.filed_on,
            decided_on: p.decided_on,
            next_deadline: p.next_deadline,
            notes: p.notes,
        }
    }
}

pub fn insert(
    conn: &mut DbConnection,
    case_id: Uuid,
    data: &ProcedureData,
    created_by: Uuid,
    now: DateTime<Utc>,
) -> Result<LegalProcedure> {
    let id = Uuid::now_v7();
    let at = to_db_time(now);
    diesel::insert_into(legal_procedures::table)
        .values((
            DataColumns::from(data),
            legal_procedures::id.eq(id.to_string()),
            legal_procedures::case_id.eq(case_id.to_string()),
            legal_procedures::created_by.eq(created_by.to_string()),
            legal_procedures::version.eq(1),
            legal_procedures::created_at.eq(at),
            legal_procedures::updated_at.eq(at),
        ))
        .execute(conn)?;
    tallies::mark_case_instant(conn, case_id, at)?;
    find(conn, id)
}

pub fn find(conn: &mut DbConnection, id: Uuid) -> Result<LegalProcedure> {
    into_procedure(legal_procedures::table.find(id.to_string()).select(ProcedureRow::as_select()).first(conn)?)
}

pub fn of_case(conn: &mut DbConnection, case_id: Uuid) -> Result<Vec<LegalProcedure>> {
    legal_procedures::table
        .filter(legal_procedures::case_id.eq(case_id.to_string()))
        .select(ProcedureRow::as_select())
        .order(legal_procedures::created_at.asc())
        .load::<ProcedureRow>(conn)?
        .into_iter()
        .map(into_procedure)
        .collect()
}

pub fn update(
    conn: &mut DbConnection,
    id: Uuid,
    expected_version: i32,
    data: &ProcedureData,
    now: DateTime<Utc>,
) -> Result<LegalProcedure> {
    let target = legal_procedures::table
        .filter(legal_procedures::id.eq(id.to_string()))
        .filter(legal_procedures::version.eq(expected_version));
    let updated = diesel::update(target)
        .set((
            DataColumns::from(data),
            legal_procedures::version.eq(expected_version + 1),
            legal_procedures::updated_at.eq(to_db_time(now)),
        ))
        .execute(conn)?;
    if updated == 0 {
        find(conn, id)?;
        return Err(Error::StaleVersion);
    }
    // Kind and status are counted on the day the procedure was opened.
    let (case_id, opened): (String, NaiveDateTime) = legal_procedures::table
        .find(id.to_string())
        .select((legal_procedures::case_id, legal_procedures::created_at))
        .first(conn)?;
    tallies::mark_case_instant(conn, decode_id(&case_id)?, opened)?;
    find(conn, id)
}

/// Open procedures of these cases with a deadline from `from` to `to` (inclusive).
pub fn deadlines(
    conn: &mut DbConnection,
    case_ids: &[Uuid],
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<LegalProcedure>> {
    if case_ids.is_empty() {
        return Ok(Vec::new());
    }
    legal_procedures::table
        .filter(legal_procedures::case_id.eq_any(case_ids.iter().map(Uuid::to_string).collect::<Vec<_>>()))
        .filter(legal_procedures::next_deadline.ge(from))
        .filter(legal_procedures::next_deadline.le(to))
        .filter(legal_procedures::status.eq_any([
            ProcedureStatus::Planned.code(),
            ProcedureStatus::Filed.code(),
            ProcedureStatus::Pending.code(),
        ]))
        .select(ProcedureRow::as_select())
        .load::<ProcedureRow>(conn)?
        .into_iter()
        .map(into_procedure)
        .collect()
}

fn into_procedure(row: ProcedureRow) -> Result<LegalProcedure> {
    Ok(LegalProcedure {
        id: decode_id(&row.id)?,
        case_id: decode_id(&row.case_id)?,
        kind: decode(&row.kind)?,
        status: decode(&row.status)?,
        authority: row.authority.as_deref().map(decode).transpose()?,
        filed_on: row.filed_on,
        decided_on: row.decided_on,
        next_deadline: row.next_deadline,
        notes: row.notes,
        created_by: decode_id(&row.created_by)?,
        version: row.version,
        created_at: from_db_time(row.created_at),
        updated_at: from_db_time(row.updated_at),
    })
}
