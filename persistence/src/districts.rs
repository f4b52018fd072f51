//! Districts, their targets, and the service taxonomy (reference data loaded by migration).

use chrono::NaiveDate;
use diesel::prelude::*;
use domain::districts::{District, DistrictCode, DistrictTargets, Targets};

use crate::db::DbConnection;
use crate::error::{Result, decode_id};
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

/// Every district, in the programme's order.
pub fn list(conn: &mut DbConnection) -> Result<Vec<District>> {
    let rows: Vec<(String, String, i32)> = districts::table
        .select((districts::code, districts::name, districts::position))
        .order(districts::position.asc())
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(code, name, position)| District { code: DistrictCode::from_trusted(code), name, position })
        .collect())
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

/// The service taxonomy as stored: `(code, group)` in presentation order.
pub fn service_categories(conn: &mut DbConnection) -> Result<Vec<(String, String)>> {
    Ok(service_categories::table
        .select((service_categories::code, service_categories::group_code))
        .order(service_categories::position.asc())
        .load(conn)?)
}
