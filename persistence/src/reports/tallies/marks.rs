//! Stale-day markers: each write that can change a figure records the days it touches.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use domain::Vocabulary;
use domain::cases::CaseStatus;
use domain::reports::days_around;
use uuid::Uuid;

use crate::db::DbConnection;
use crate::error::Result;
use crate::schema::{case_events, cases, report_stale_days, report_tally_state};

/// Records that a district's day must be recounted.
///
/// On SQLite one marker per district and day suffices: writes and refreshes hold the one write
/// lock in turn, so a marker already there is recounted by a refresh that sees this write too.
/// (A marker per write cost every interception a row in three b-trees, and the refresh after a
/// burst of 30,000 loaded and deleted as many, 100 ms.) On PostgreSQL a refresh may have read
/// that marker and be about to delete it while this write is uncommitted: each write adds its own.
pub fn mark_day(conn: &mut DbConnection, district: &str, day: NaiveDate) -> Result<()> {
    if matches!(conn, DbConnection::Sqlite(_)) {
        let marked: bool = diesel::select(diesel::dsl::exists(
            report_stale_days::table
                .filter(report_stale_days::district_code.eq(district))
                .filter(report_stale_days::day.eq(day)),
        ))
        .get_result(conn)?;
        if marked {
            return Ok(());
        }
    }
    diesel::insert_into(report_stale_days::table)
        .values((
            report_stale_days::id.eq(Uuid::now_v7().to_string()),
            report_stale_days::district_code.eq(district),
            report_stale_days::day.eq(day),
        ))
        .execute(conn)?;
    Ok(())
}

/// Records the days an instant can fall on in the tallies' zone (see
/// `domain::reports::days_around`): a write that only knows the instant need not know the zone.
pub fn mark_instant(conn: &mut DbConnection, district: &str, at: NaiveDateTime) -> Result<()> {
    for day in days_around(at) {
        mark_day(conn, district, day)?;
    }
    Ok(())
}

/// The district of a case, if it exists.
fn district_of(conn: &mut DbConnection, case_id: Uuid) -> Result<Option<String>> {
    Ok(cases::table.find(case_id.to_string()).select(cases::district_code).first(conn).optional()?)
}

/// [`mark_instant`] in the case's district (a transition, a legal procedure).
pub fn mark_case_instant(conn: &mut DbConnection, case_id: Uuid, at: NaiveDateTime) -> Result<()> {
    match district_of(conn, case_id)? {
        Some(district) => mark_instant(conn, &district, at),
        None => Ok(()),
    }
}

/// Records a calendar day of the case's district (a service, delivered on a day).
pub fn mark_case_day(conn: &mut DbConnection, case_id: Uuid, day: NaiveDate) -> Result<()> {
    match district_of(conn, case_id)? {
        Some(district) => mark_day(conn, &district, day),
        None => Ok(()),
    }
}

/// Records the days a case counts on through its own columns: the interception's day when
/// `interception_figures` changed (profile, needs), and, if the case is closed, the closure's
/// day (its outcome). Call it before and after changing the case: before finds the closure a
/// reopening undoes, after the closure just made. A transition that neither closes nor reopens
/// marks nothing here (a taking in charge is marked by its event): every transition marking
/// its case's interception day sent the next report recounting years of days.
pub fn mark_case(conn: &mut DbConnection, case_id: Uuid, interception_figures: bool) -> Result<()> {
    let row: Option<(String, NaiveDateTime, String, NaiveDateTime)> = cases::table
        .find(case_id.to_string())
        .select((cases::district_code, cases::intercepted_at, cases::status, cases::status_since))
        .first(conn)
        .optional()?;
    match row {
        Some((district, intercepted_at, status, status_since)) => mark_case_columns(
            conn,
            &CaseColumns { district: &district, intercepted_at, status: &status, status_since },
            interception_figures,
        ),
        None => Ok(()),
    }
}

/// The columns of a case that say which days it counts on.
pub struct CaseColumns<'a> {
    pub district: &'a str,
    pub intercepted_at: NaiveDateTime,
    pub status: &'a str,
    pub status_since: NaiveDateTime,
}

/// [`mark_case`] for a case whose columns are at hand (the row an update answered).
pub fn mark_case_columns(conn: &mut DbConnection, case: &CaseColumns, interception_figures: bool) -> Result<()> {
    if interception_figures {
        mark_instant(conn, case.district, case.intercepted_at)?;
    }
    if case.status == CaseStatus::Closed.code() {
        mark_instant(conn, case.district, case.status_since)?;
    }
    Ok(())
}

/// Records the days a person's cases count on through the person (gender, age, citizenships):
/// their interceptions and their takings in charge.
pub fn mark_beneficiary(conn: &mut DbConnection, beneficiary_id: Uuid) -> Result<()> {
    let key = beneficiary_id.to_string();
    let mut days: Vec<(String, NaiveDate)> = cases::table
        .filter(cases::beneficiary_id.eq(&key))
        .select((cases::district_code, cases::intercepted_at))
        .load::<(String, NaiveDateTime)>(conn)?
        .into_iter()
        .flat_map(|(district, at)| days_around(at).map(|day| (district.clone(), day)))
        .collect();
    let taken: Vec<(String, Option<NaiveDateTime>)> = case_events::table
        .inner_join(cases::table)
        .filter(cases::beneficiary_id.eq(&key))
        .filter(case_events::to_status.eq(CaseStatus::TakenInCharge.code()))
        .select((cases::district_code, case_events::effective_at))
        .load(conn)?;
    days.extend(
        taken
            .into_iter()
            .filter_map(|(district, at)| Some(days_around(at?).map(|day| (district.clone(), day))))
            .flatten(),
    );
    days.sort();
    days.dedup();
    for (district, day) in days {
        mark_day(conn, &district, day)?;
    }
    Ok(())
}

/// Records that a figure counted from its own rows changed (a work grant, an activity, a
/// district's targets), or that the tallies were recounted: the report's figures get a new
/// version, and a report kept from before is no longer current. Takes the row lock refreshes
/// take, until the caller's commit.
pub fn mark_figures_changed(conn: &mut DbConnection) -> Result<()> {
    diesel::update(report_tally_state::table.find(1))
        .set(report_tally_state::figures_version.eq(Uuid::now_v7().to_string()))
        .execute(conn)?;
    Ok(())
}
