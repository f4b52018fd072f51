//! Services delivered within cases. A deleted record is kept, marked, so the audit trail and
//! the reports can still explain it; reads leave it out.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use diesel::prelude::*;
use domain::Vocabulary;
use domain::services::{ServiceCategory, ServiceDelivery, ServiceOutcome};
use domain::users::Role;
use uuid::Uuid;

use crate::db::{DbConnection, from_db_time, to_db_time};
use crate::error::{Error, Result, decode, decode_id};
use crate::reports::tallies;
use crate::schema::service_deliveries;

#[derive(Queryable, Selectable)]
#[diesel(table_name = service_deliveries)]
struct DeliveryRow {
    id: String,
    case_id: String,
    category: String,
    delivered_on: NaiveDate,
    duration_minutes: Option<i32>,
    delivered_by: String,
    operator_id: Option<String>,
    notes: Option<String>,
    outcome: Option<String>,
    recorded_by: String,
    recorded_by_role: String,
    recorded_at: NaiveDateTime,
    version: i32,
    updated_at: NaiveDateTime,
}

#[derive(Insertable, AsChangeset)]
#[diesel(table_name = service_deliveries, treat_none_as_null = true)]
struct DataColumns {
    category: &'static str,
    delivered_on: NaiveDate,
    duration_minutes: Option<i32>,
    delivered_by: String,
    operator_id: Option<String>,
    notes: Option<String>,
    outcome: Option<&'static str>,
}

/// What is recorded of a delivered service.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeliveryData {
    pub category: ServiceCategory,
    pub delivered_on: NaiveDate,
    pub duration_minutes: Option<i32>,
    pub delivered_by: Uuid,
    pub operator_id: Option<Uuid>,
    pub notes: Option<String>,
    pub outcome: Option<ServiceOutcome>,
}

impl From<&DeliveryData> for DataColumns {
    fn from(d: &DeliveryData) -> Self {
        DataColumns {
            category: d.category.code(),
            delivered_on: d.delivered_on,
            duration_minutes: d.duration_minutes,
            delivered_by: d.delivered_by.to_string(),
            operator_id: d.operator_id.map(|id| id.to_string()),
            notes: d.notes.clone(),
            outcome: d.outcome.map(ServiceOutcome::code),
        }
    }
}

pub fn insert(
    conn: &mut DbConnection,
    case_id: Uuid,
    data: &DeliveryData,
    recorded_by: Uuid,
    role: Role,
    now: DateTime<Utc>,
) -> Result<ServiceDelivery> {
    let id = Uuid::now_v7();
    let at = to_db_time(now);
    diesel::insert_into(service_deliveries::table)
        .values((
            DataColumns::from(data),
            service_deliveries::id.eq(id.to_string()),
            service_deliveries::case_id.eq(case_id.to_string()),
            service_deliveries::recorded_by.eq(recorded_by.to_string()),
            service_deliveries::recorded_by_role.eq(role.code()),
            service_deliveries::recorded_at.eq(at),
            service_deliveries::version.eq(1),
            service_deliveries::updated_at.eq(at),
        ))
        .execute(conn)?;
    mark_delivery_day(conn, id)?;
    find(conn, id)
}

/// Records the delivery's day as stale for the report (before and after it changes).
fn mark_delivery_day(conn: &mut DbConnection, id: Uuid) -> Result<()> {
    let row: Option<(String, NaiveDate)> = service_deliveries::table
        .find(id.to_string())
        .select((service_deliveries::case_id, service_deliveries::delivered_on))
        .first(conn)
        .optional()?;
    match row {
        Some((case_id, day)) => tallies::mark_case_day(conn, decode_id(&case_id)?, day),
        None => Ok(()),
    }
}

/// A delivery that was not deleted.
pub fn find(conn: &mut DbConnection, id: Uuid) -> Result<ServiceDelivery> {
    into_delivery(
        service_deliveries::table
            .find(id.to_string())
            .filter(service_deliveries::deleted_at.is_null())
            .select(DeliveryRow::as_select())
            .first(conn)?,
    )
}

/// The deliveries of a case, by date.
pub fn of_case(conn: &mut DbConnection, case_id: Uuid) -> Result<Vec<ServiceDelivery>> {
    changed_in_case(conn, case_id, None)
}

/// The services of a case not deleted, by date; or, `since` a time, those changed at or after
/// it, in the order they changed (deletions are told by the change feed).
pub fn changed_in_case(
    conn: &mut DbConnection,
    case_id: Uuid,
    since: Option<DateTime<Utc>>,
) -> Result<Vec<ServiceDelivery>> {
    let query = service_deliveries::table
        .filter(service_deliveries::case_id.eq(case_id.to_string()))
        .filter(service_deliveries::deleted_at.is_null())
        .select(DeliveryRow::as_select())
        .into_boxed();
    let query = match since {
        Some(since) => query
            .filter(service_deliveries::updated_at.ge(to_db_time(since)))
            .order((service_deliveries::updated_at.asc(), service_deliveries::id.asc())),
        None => query.order((service_deliveries::delivered_on.asc(), service_deliveries::id.asc())),
    };
    query.load::<DeliveryRow>(conn)?.into_iter().map(into_delivery).collect()
}

pub fn update(
    conn: &mut DbConnection,
    id: Uuid,
    expected_version: i32,
    data: &DeliveryData,
    now: DateTime<Utc>,
) -> Result<ServiceDelivery> {
    let target = service_deliveries::table
        .filter(service_deliveries::id.eq(id.to_string()))
        .filter(service_deliveries::deleted_at.is_null())
        .filter(service_deliveries::version.eq(expected_version));
    mark_delivery_day(conn, id)?;
    let updated = diesel::update(target)
        .set((
            DataColumns::from(data),
            service_deliveries::version.eq(expected_version + 1),
            service_deliveries::updated_at.eq(to_db_time(now)),
        ))
        .execute(conn)?;
    if updated == 0 {
        find(conn, id)?;
        return Err(Error::StaleVersion);
    }
    mark_delivery_day(conn, id)?;
    find(conn, id)
}

pub fn delete(conn: &mut DbConnection, id: Uuid, expected_version: i32, by: Uuid, now: DateTime<Utc>) -> Result<()> {
    let target = service_deliveries::table
        .filter(service_deliveries::id.eq(id.to_string()))
        .filter(service_deliveries::deleted_at.is_null())
        .filter(service_deliveries::version.eq(expected_version));
    mark_delivery_day(conn, id)?;
    let updated = diesel::update(target)
        .set((
            service_deliveries::deleted_at.eq(to_db_time(now)),
            service_deliveries::deleted_by.eq(by.to_string()),
            service_deliveries::version.eq(expected_version + 1),
            service_deliveries::updated_at.eq(to_db_time(now)),
        ))
        .execute(conn)?;
    if updated == 0 {
        find(conn, id)?;
        return Err(Error::StaleVersion);
    }
    Ok(())
}

/// When each of the given cases last had a service recorded.
pub fn last_recorded(conn: &mut DbConnection, case_ids: &[Uuid]) -> Result<HashMap<Uuid, DateTime<Utc>>> {
    if case_ids.is_empty() {
        return Ok(HashMap::new());
    }
    let ids: Vec<String> = case_ids.iter().map(Uuid::to_string).collect();
    let rows: Vec<(String, Option<NaiveDateTime>)> = service_deliveries::table
        .filter(service_deliveries::case_id.eq_any(ids))
        .filter(service_deliveries::deleted_at.is_null())
        .group_by(service_deliveries::case_id)
        .select((service_deliveries::case_id, diesel::dsl::max(service_deliveries::recorded_at)))
        .load(conn)?;
    rows.into_iter().filter_map(|(id, at)| at.map(|at| decode_id(&id).map(|id| (id, from_db_time(at))))).collect()
}

fn into_delivery(row: DeliveryRow) -> Result<ServiceDelivery> {
    Ok(ServiceDelivery {
        id: decode_id(&row.id)?,
        case_id: decode_id(&row.case_id)?,
        category: decode(&row.category)?,
        delivered_on: row.delivered_on,
        duration_minutes: row.duration_minutes,
        delivered_by: decode_id(&row.delivered_by)?,
        operator_id: row.operator_id.as_deref().map(decode_id).transpose()?,
        notes: row.notes,
        outcome: row.outcome.as_deref().map(decode).transpose()?,
        recorded_by: decode_id(&row.recorded_by)?,
        recorded_by_role: decode(&row.recorded_by_role)?,
        recorded_at: from_db_time(row.recorded_at),
        version: row.version,
        updated_at: from_db_time(row.updated_at),
    })
}
