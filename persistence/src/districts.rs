//! Districts, their targets, and the service taxonomy (reference data loaded by migration).

use chrono::NaiveDate;
use diesel::prelude::*;
use domain::Vocabulary;
use domain::districts::{District, DistrictCode, DistrictSettings, DistrictTargets, Targets};

use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::db::{DbConnection, to_db_time, write_transaction};
use crate::error::{Error, Result, decode, decode_id};
use crate::schema::{district_targets, districts, service_categories};

#[derive(Queryable, Selectable)]
#[diesel(table_name = district_targets)]
struct TargetsRow {
    id: String,
    district_code: String,
    period_from: NaiveDate,
    period_to: NaiveDate,
    intercepted_min: i32,
    intercepted_max: i32,
    taken_in_charge_min: i32,
    taken_in_charge_max: i32,
    version: i32,
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = districts)]
struct DistrictRow {
    code: String,
    name: String,
    position: i32,
    closure_requires_approval: bool,
    eligibility_rule_set: String,
    version: i32,
    retention_years: i32,
}

fn into_district(row: DistrictRow) -> Result<District> {
    Ok(District {
        code: DistrictCode::from_trusted(row.code),
        name: row.name,
        position: row.position,
        settings: DistrictSettings {
            closure_requires_approval: row.closure_requires_approval,
            eligibility_rule_set: decode(&row.eligibility_rule_set)?,
            retention_years: row.retention_years,
        },
        version: row.version,
    })
}

/// Every district, in the programme's order.
pub fn list(conn: &mut DbConnection) -> Result<Vec<District>> {
    districts::table
        .select(DistrictRow::as_select())
        .order(districts::position.asc())
        .load::<DistrictRow>(conn)?
        .into_iter()
        .map(into_district)
        .collect()
}

pub fn find(conn: &mut DbConnection, code: &DistrictCode) -> Result<District> {
    into_district(districts::table.find(code.as_str()).select(DistrictRow::as_select()).first(conn)?)
}

/// Changes a district's settings if the stored version is still `expected_version`.
pub fn update_settings(
    conn: &mut DbConnection,
    code: &DistrictCode,
    expected_version: i32,
    settings: DistrictSettings,
) -> Result<District> {
    let updated = diesel::update(
        districts::table.filter(districts::code.eq(code.as_str())).filter(districts::version.eq(expected_version)),
    )
    .set((
        districts::closure_requires_approval.eq(settings.closure_requires_approval),
        districts::eligibility_rule_set.eq(settings.eligibility_rule_set.code()),
        districts::retention_years.eq(settings.retention_years),
        districts::version.eq(expected_version + 1),
    ))
    .execute(conn)?;
    if updated == 0 {
        find(conn, code)?;
        return Err(Error::StaleVersion);
    }
    find(conn, code)
}

/// Every recorded target, by district and period.
pub fn targets(conn: &mut DbConnection) -> Result<Vec<DistrictTargets>> {
    let rows = district_targets::table
        .select(TargetsRow::as_select())
        .order((district_targets::district_code.asc(), district_targets::period_from.asc()))
        .load::<TargetsRow>(conn)?;
    rows.into_iter()
        .map(|row| {
            Ok(DistrictTargets {
                id: decode_id(&row.id)?,
                district_code: DistrictCode::from_trusted(row.district_code),
                targets: Targets {
                    period_from: row.period_from,
                    period_to: row.period_to,
                    intercepted_min: row.intercepted_min,
                    intercepted_max: row.intercepted_max,
                    taken_in_charge_min: row.taken_in_charge_min,
                    taken_in_charge_max: row.taken_in_charge_max,
                },
                version: row.version,
            })
        })
        .collect()
}

/// The targets of one district, by period.
pub fn targets_of(conn: &mut DbConnection, district: &DistrictCode) -> Result<Vec<DistrictTargets>> {
    Ok(targets(conn)?.into_iter().filter(|t| &t.district_code == district).collect())
}

/// Records targets for a period. Whether the period may overlap another is the caller's rule
/// ([`domain::districts::overlaps_another`]), checked in the same transaction.
pub fn insert_targets(
    conn: &mut DbConnection,
    district: &DistrictCode,
    targets: &Targets,
    now: DateTime<Utc>,
) -> Result<DistrictTargets> {
    write_transaction(conn, |conn| {
        let id = Uuid::now_v7();
        let at = to_db_time(now);
        diesel::insert_into(district_targets::table)
            .values((
                district_targets::id.eq(id.to_string()),
                district_targets::district_code.eq(district.as_str()),
                district_targets::period_from.eq(targets.period_from),
                district_targets::period_to.eq(targets.period_to),
                district_targets::intercepted_min.eq(targets.intercepted_min),
                district_targets::intercepted_max.eq(targets.intercepted_max),
                district_targets::taken_in_charge_min.eq(targets.taken_in_charge_min),
                district_targets::taken_in_charge_max.eq(targets.taken_in_charge_max),
                district_targets::version.eq(1),
                district_targets::created_at.eq(at),
                district_targets::updated_at.eq(at),
            ))
            .execute(conn)?;
        crate::reports::tallies::mark_figures_changed(conn)?;
        find_targets(conn, id)
    })
}

pub fn find_targets(conn: &mut DbConnection, id: Uuid) -> Result<DistrictTargets> {
    targets(conn)?.into_iter().find(|t| t.id == id).ok_or(Error::NotFound)
}

/// Changes targets if the stored version is still `expected_version`.
pub fn update_targets(
    conn: &mut DbConnection,
    id: Uuid,
    expected_version: i32,
    targets: &Targets,
    now: DateTime<Utc>,
) -> Result<DistrictTargets> {
    write_transaction(conn, |conn| {
        let updated = diesel::update(
            district_targets::table
                .filter(district_targets::id.eq(id.to_string()))
                .filter(district_targets::version.eq(expected_version)),
        )
        .set((
            district_targets::period_from.eq(targets.period_from),
            district_targets::period_to.eq(targets.period_to),
            district_targets::intercepted_min.eq(targets.intercepted_min),
            district_targets::intercepted_max.eq(targets.intercepted_max),
            district_targets::taken_in_charge_min.eq(targets.taken_in_charge_min),
            district_targets::taken_in_charge_max.eq(targets.taken_in_charge_max),
            district_targets::version.eq(expected_version + 1),
            district_targets::updated_at.eq(to_db_time(now)),
        ))
        .execute(conn)?;
        if updated == 0 {
            return Err(Error::StaleVersion);
        }
        crate::reports::tallies::mark_figures_changed(conn)?;
        find_targets(conn, id)
    })
}

/// The service taxonomy as stored: `(code, group)` in presentation order.
pub fn service_categories(conn: &mut DbConnection) -> Result<Vec<(String, String)>> {
    Ok(service_categories::table
        .select((service_categories::code, service_categories::group_code))
        .order(service_categories::position.asc())
        .load(conn)?)
}
