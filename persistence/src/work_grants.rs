//! Work grants of cases.

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use diesel::prelude::*;
use domain::Vocabulary;
use domain::work_grants::{GrantStatus, WorkGrant};
use uuid::Uuid;

use crate::db::{DbConnection, from_db_time, to_db_time};
use crate::error::{Error, Result, decode, decode_id};
use crate::schema::{cases, work_grants};

#[derive(Queryable, Selectable)]
#[diesel(table_name = work_grants)]
struct GrantRow {
    id: String,
    case_id: String,
    funder_organization_id: String,
    host_employer: String,
    start_on: NaiveDate,
    end_on: NaiveDate,
    monthly_amount_cents: i64,
    hours_per_week: i32,
    status: String,
    approved_by: Option<String>,
    created_by: String,
    version: i32,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
}

#[derive(Debug, Clone)]
pub struct NewGrant {
    pub case_id: Uuid,
    pub funder_organization_id: Uuid,
    pub host_employer: String,
    pub start_on: NaiveDate,
    pub end_on: NaiveDate,
    pub monthly_amount_cents: i64,
    pub hours_per_week: i32,
    pub created_by: Uuid,
}

pub fn insert(conn: &mut DbConnection, new: &NewGrant, now: DateTime<Utc>) -> Result<WorkGrant> {
    let id = Uuid::now_v7();
    let at = to_db_time(now);
    diesel::insert_into(work_grants::table)
        .values((
            work_grants::id.eq(id.to_string()),
            work_grants::case_id.eq(new.case_id.to_string()),
            work_grants::funder_organization_id.eq(new.funder_organization_id.to_string()),
            work_grants::host_employer.eq(&new.host_employer),
            work_grants::start_on.eq(new.start_on),
            work_grants::end_on.eq(new.end_on),
            work_grants::monthly_amount_cents.eq(new.monthly_amount_cents),
            work_grants::hours_per_week.eq(new.hours_per_week),
            work_grants::status.eq(GrantStatus::Proposed.code()),
            work_grants::created_by.eq(new.created_by.to_string()),
            work_grants::version.eq(1),
            work_grants::created_at.eq(at),
            work_grants::updated_at.eq(at),
        ))
        .execute(conn)?;
    crate::reports::tallies::mark_figures_changed(conn)?;
    find(conn, id)
}

pub fn find(conn: &mut DbConnection, id: Uuid) -> Result<WorkGrant> {
    into_grant(work_grants::table.find(id.to_string()).select(GrantRow::as_select()).first(conn)?)
}

pub fn of_case(conn: &mut DbConnection, case_id: Uuid) -> Result<Vec<WorkGrant>> {
    work_grants::table
        .filter(work_grants::case_id.eq(case_id.to_string()))
        .select(GrantRow::as_select())
        .order(work_grants::start_on.asc())
        .load::<GrantRow>(conn)?
        .into_iter()
        .map(into_grant)
        .collect()
}

/// The periods of the beneficiary's grants (in any of their cases) that hold one, but `except`.
pub fn held_periods(
    conn: &mut DbConnection,
    beneficiary_id: Uuid,
    except: Option<Uuid>,
) -> Result<Vec<(NaiveDate, NaiveDate)>> {
    let their_cases = cases::table.filter(cases::beneficiary_id.eq(beneficiary_id.to_string())).select(cases::id);
    let holding: Vec<&str> =
        [GrantStatus::Proposed, GrantStatus::Approved, GrantStatus::Active].iter().map(|s| s.code()).collect();
    let mut query = work_grants::table
        .filter(work_grants::case_id.eq_any(their_cases))
        .filter(work_grants::status.eq_any(holding))
        .select((work_grants::start_on, work_grants::end_on))
        .into_boxed();
    if let Some(except) = except {
        query = query.filter(work_grants::id.ne(except.to_string()));
    }
    Ok(query.load(conn)?)
}

pub fn move_to(
    conn: &mut DbConnection,
    id: Uuid,
    expected_version: i32,
    to: GrantStatus,
    approved_by: Option<Uuid>,
    now: DateTime<Utc>,
) -> Result<WorkGrant> {
    let target =
        work_grants::table.filter(work_grants::id.eq(id.to_string())).filter(work_grants::version.eq(expected_version));
    let updated = diesel::update(target)
        .set((
            work_grants::status.eq(to.code()),
            work_grants::version.eq(expected_version + 1),
            work_grants::updated_at.eq(to_db_time(now)),
        ))
        .execute(conn)?;
    if updated == 0 {
        find(conn, id)?;
        return Err(Error::StaleVersion);
    }
    if let Some(by) = approved_by {
        diesel::update(work_grants::table.filter(work_grants::id.eq(id.to_string())))
            .set(work_grants::approved_by.eq(by.to_string()))
            .execute(conn)?;
    }
    crate::reports::tallies::mark_figures_changed(conn)?;
    find(conn, id)
}

fn into_grant(row: GrantRow) -> Result<WorkGrant> {
    Ok(WorkGrant {
        id: decode_id(&row.id)?,
        case_id: decode_id(&row.case_id)?,
        funder_organization_id: decode_id(&row.funder_organization_id)?,
        host_employer: row.host_employer,
        start_on: row.start_on,
        end_on: row.end_on,
        monthly_amount_cents: row.monthly_amount_cents,
        hours_per_week: row.hours_per_week,
        status: decode(&row.status)?,
        approved_by: row.approved_by.as_deref().map(decode_id).transpose()?,
        created_by: decode_id(&row.created_by)?,
        version: row.version,
        created_at: from_db_time(row.created_at),
        updated_at: from_db_time(row.updated_at),
    })
}
