//! Counting from the rows: the recount of stale days, the full rebuild.

use std::collections::BTreeMap;

use chrono::{Duration, NaiveDate, NaiveDateTime};
use diesel::connection::DefaultLoadingMode;
use diesel::prelude::*;
use domain::Vocabulary;
use domain::cases::CaseStatus;
use domain::districts::DistrictCode;
use domain::reports::{AgeBand, Tz, age_band, days_between, local_day};

use crate::db::{DbConnection, write_transaction};
use crate::error::{Error, Result};
use crate::reports::{Range, districts_of_cases, intercepted_in};
use crate::schema::{
    beneficiaries, beneficiary_citizenships, case_events, case_needs, cases, legal_procedures, referrals,
    report_recounted_people, report_stale_days, report_tallies, report_tally_state, service_deliveries,
};

use super::figures::*;

/// Whether a case's person is counted one by one (`domain::reports::count_people`): the
/// people figures of the tallies leave them out.
fn recounted() -> diesel::dsl::exists<
    diesel::dsl::Filter<
        report_recounted_people::table,
        diesel::dsl::Eq<report_recounted_people::beneficiary_id, cases::beneficiary_id>,
    >,
> {
    diesel::dsl::exists(
        report_recounted_people::table.filter(report_recounted_people::beneficiary_id.eq(cases::beneficiary_id)),
    )
}

/// The figures of the range's districts on the range's days, counted from the rows: every
/// case opened, and the people figures of the people who have one case taken in charge at most
/// once (the others are counted one by one). Days are the range's zone's calendar days.
pub(super) fn count_range(conn: &mut DbConnection, range: &Range) -> Result<Counted> {
    let mut counted = Counted::default();
    let (start, end) = range.instants();
    let codes = range.codes();
    let zone = range.zone;

    // Cases intercepted in the range: gender, profile, channel, age, citizenships and needs.
    // Rows are counted as they are read, not collected: after a burst of 30,000 interceptions
    // in a day, holding the day's cases with their countries and needs took 20 MB.
    type CaseRow =
        (String, NaiveDateTime, Option<String>, Option<NaiveDate>, Option<i32>, Option<String>, String, bool, bool);
    for row in cases::table
        .inner_join(beneficiaries::table)
        .filter(intercepted_in(range))
        .select((
            cases::district_code,
            cases::intercepted_at,
            beneficiaries::gender,
            beneficiaries::birth_date,
            beneficiaries::birth_year,
            cases::profile,
            cases::channel,
            beneficiaries::citizenships_known,
            recounted(),
        ))
        .load_iter::<CaseRow, DefaultLoadingMode>(conn)?
    {
        let (district, intercepted_at, gender, birth_date, birth_year, profile, channel, known, one_by_one) = row?;
        let day = local_day(intercepted_at, zone);
        let mut add = |figure, item: Option<&str>| counted.add(&district, day, figure, item, None);
        add(Tallied::CasesOpened, None);
        if one_by_one {
            continue;
        }
        add(Tallied::Intercepted, gender.as_deref());
        add(Tallied::Profile, profile.as_deref());
        add(Tallied::Channel, Some(&channel));
        if age_band(birth_date, birth_year, day) == AgeBand::Under18 {
            add(Tallied::Minor, None);
        }
        if !known {
            add(Tallied::Country, Some("unknown"));
        }
    }
    // Where citizenships are known: one row per citizenship, or one without a country (stateless).
    for row in cases::table
        .inner_join(beneficiaries::table.left_join(beneficiary_citizenships::table))
        .filter(intercepted_in(range))
        .filter(beneficiaries::citizenships_known.eq(true))
        .filter(diesel::dsl::not(recounted()))
        .select((cases::district_code, cases::intercepted_at, beneficiary_citizenships::country.nullable()))
        .load_iter::<(String, NaiveDateTime, Option<String>), DefaultLoadingMode>(conn)?
    {
        let (district, intercepted_at, country) = row?;
        let country = country.as_deref().unwrap_or("stateless");
        counted.add(&district, local_day(intercepted_at, zone), Tallied::Country, Some(country), None);
    }
    for row in case_needs::table
        .inner_join(cases::table)
        .filter(intercepted_in(range))
        .filter(diesel::dsl::not(recounted()))
        .select((cases::district_code, cases::intercepted_at, case_needs::need))
        .load_iter::<(String, NaiveDateTime, String), DefaultLoadingMode>(conn)?
    {
        let (district, intercepted_at, need) = row?;
        counted.add(&district, local_day(intercepted_at, zone), Tallied::Need, Some(&need), None);
    }

    // Takings in charge effective in the range: the days from interception of every case first
    // taken in charge, and the people taken in charge who are not counted one by one.
    type EventRow = (String, Option<String>, Option<String>, NaiveDateTime, Option<NaiveDateTime>, bool);
    let events: Vec<EventRow> = case_events::table
        .inner_join(cases::table.inner_join(beneficiaries::table))
        .filter(cases::district_code.eq_any(&codes))
        .filter(taken_in_charge_in(range))
        .select((
            cases::district_code,
            beneficiaries::gender,
            case_events::from_status,
            cases::intercepted_at,
            case_events::effective_at,
            recounted(),
        ))
        .load(conn)?;
    for (district, gender, from, intercepted_at, effective_at, one_by_one) in events {
        let Some(effective_at) = effective_at else { continue };
        let day = local_day(effective_at, zone);
        if from.as_deref() == Some(CaseStatus::Screening.code()) {
            let days = days_between(intercepted_at, effective_at, zone).max(0).to_string();
            counted.add(&district, day, Tallied::DaysToIntake, Some(&days), None);
        }
        if !one_by_one {
            counted.add(&district, day, Tallied::TakenInCharge, gender.as_deref(), None);
        }
    }

    for (district, (day, category)) in services_delivered_in(conn, range)? {
        counted.add(&district, day, Tallied::Service, Some(&category), None);
    }
    for (district, at, status) in referrals::table
        .filter(referrals::district_code.eq_any(&codes))
        .filter(referrals::created_at.ge(start))
        .filter(referrals::created_at.lt(end))
        .select((referrals::district_code, referrals::created_at, referrals::status))
        .load::<(String, NaiveDateTime, String)>(conn)?
    {
        counted.add(&district, local_day(at, zone), Tallied::Referral, Some(&status), None);
    }
    for (district, (at, kind, status)) in legal_procedures_opened_in(conn, range)? {
        counted.add(&district, local_day(at, zone), Tallied::LegalProcedure, Some(&kind), Some(&status));
    }
    for (district, at, outcome) in cases::table
        .filter(cases::status.eq(CaseStatus::Closed.code()))
        .filter(cases::district_code.eq_any(&codes))
        .filter(cases::status_since.ge(start))
        .filter(cases::status_since.lt(end))
        .select((cases::district_code, cases::status_since, cases::outcome))
        .load::<(String, NaiveDateTime, Option<String>)>(conn)?
    {
        counted.add(&district, local_day(at, zone), Tallied::Outcome, outcome.as_deref(), None);
    }
    Ok(counted)
}

/// Ranges of fewer days than this find their services and legal procedures by date first.
///
/// A refresh recounts a few stale days (most often today's), a rebuild all time. Given both the
/// district and the date, SQLite's planner walks the district's cases and probes each for rows
/// in the range: right for all time, but at 1M cases it costs 90 ms for a small district and
/// 330 ms for Milano whatever the range, even a day without services (300 ms of a 520 ms
/// refresh after a burst of interceptions). Read by date, a day of every district's services
/// costs 80 ms and today's next to nothing, a week 240 ms: short ranges go by date.
pub(super) const FOUND_BY_DATE_DAYS: i64 = 3;

/// Rows of the range's days by district, `(district, found)`: for all time `from_districts`
/// joins from the district's cases; for a short range `by_date` reads the rows of the days,
/// keyed by their case, and their cases' districts are looked up by id.
pub(super) fn in_districts<T>(
    conn: &mut DbConnection,
    range: &Range,
    from_districts: impl FnOnce(&mut DbConnection, Vec<String>) -> QueryResult<Vec<(String, T)>>,
    by_date: impl FnOnce(&mut DbConnection) -> QueryResult<Vec<(String, T)>>,
) -> Result<Vec<(String, T)>> {
    let codes = range.codes();
    if range.to - range.from >= Duration::days(FOUND_BY_DATE_DAYS) {
        return Ok(from_districts(conn, codes)?);
    }
    let rows = by_date(conn)?;
    let district_of = districts_of_cases(conn, rows.iter().map(|(case_id, _)| case_id), &codes)?;
    Ok(rows.into_iter().filter_map(|(case_id, found)| Some((district_of.get(&case_id)?.clone(), found))).collect())
}

/// Services delivered in the range: `(district, (day, category))`.
pub(super) fn services_delivered_in(
    conn: &mut DbConnection,
    range: &Range,
) -> Result<Vec<(String, (NaiveDate, String))>> {
    let in_range = service_deliveries::deleted_at
        .is_null()
        .and(service_deliveries::delivered_on.ge(range.from))
        .and(service_deliveries::delivered_on.le(range.to));
    let found = (service_deliveries::delivered_on, service_deliveries::category);
    in_districts(
        conn,
        range,
        |conn, codes| {
            service_deliveries::table
                .inner_join(cases::table)
                .filter(cases::district_code.eq_any(codes))
                .filter(in_range)
                .select((cases::district_code, found))
                .load(conn)
        },
        |conn| service_deliveries::table.filter(in_range).select((service_deliveries::case_id, found)).load(conn),
    )
}

/// A legal procedure: when it was opened, its kind and status.
pub(super) type Procedure = (NaiveDateTime, String, String);

/// Legal procedures opened in the range, by district.
pub(super) fn legal_procedures_opened_in(conn: &mut DbConnection, range: &Range) -> Result<Vec<(String, Procedure)>> {
    let (start, end) = range.instants();
    let in_range = legal_procedures::created_at.ge(start).and(legal_procedures::created_at.lt(end));
    let found = (legal_procedures::created_at, legal_procedures::kind, legal_procedures::status);
    in_districts(
        conn,
        range,
        |conn, codes| {
            legal_procedures::table
                .inner_join(cases::table)
                .filter(cases::district_code.eq_any(codes))
                .filter(in_range)
                .select((cases::district_code, found))
                .load(conn)
        },
        |conn| legal_procedures::table.filter(in_range).select((legal_procedures::case_id, found)).load(conn),
    )
}

/// Replaces the day tallies of the range's districts and days with a fresh count, then the
/// month tallies of the months those days fall in.
pub(super) fn recount(conn: &mut DbConnection, range: &Range) -> Result<()> {
    let counted = count_range(conn, range)?;
    diesel::delete(
        report_tallies::table
            .filter(report_tallies::district_code.eq_any(range.codes()))
            .filter(report_tallies::period.eq(Period::Day.code()))
            .filter(report_tallies::day.ge(range.from))
            .filter(report_tallies::day.le(range.to)),
    )
    .execute(conn)?;
    let mut rows: Vec<(Key, i32)> = counted.0.into_iter().collect();
    rows.sort();
    insert_tallies(conn, Period::Day, &rows)?;
    roll_up_months(conn, range)
}

/// Sums the day tallies of every month the range touches into month tallies.
pub(super) fn roll_up_months(conn: &mut DbConnection, range: &Range) -> Result<()> {
    let (first, after) = (month_of(range.from), next_month(range.to));
    let of_months = || {
        report_tallies::table
            .filter(report_tallies::district_code.eq_any(range.codes()))
            .filter(report_tallies::day.ge(first))
            .filter(report_tallies::day.lt(after))
    };
    diesel::delete(of_months().filter(report_tallies::period.eq(Period::Month.code()))).execute(conn)?;
    let days: Vec<(String, NaiveDate, String, String, String, i32)> = of_months()
        .filter(report_tallies::period.eq(Period::Day.code()))
        .select((
            report_tallies::district_code,
            report_tallies::day,
            report_tallies::figure,
            report_tallies::item,
            report_tallies::detail,
            report_tallies::count,
        ))
        .load(conn)?;
    let mut months: BTreeMap<Key, i32> = BTreeMap::new();
    for (district, day, figure, item, detail, count) in days {
        let key = Key { district, day: month_of(day), figure: Tallied::parse(&figure)?, item, detail };
        *months.entry(key).or_default() += count;
    }
    let rows: Vec<(Key, i32)> = months.into_iter().collect();
    insert_tallies(conn, Period::Month, &rows)
}

#[derive(Insertable)]
#[diesel(table_name = report_tallies)]
pub(super) struct NewTally<'a> {
    district_code: &'a str,
    period: &'static str,
    day: NaiveDate,
    figure: &'static str,
    item: &'a str,
    detail: &'a str,
    count: i32,
}

/// Rows per statement: 7 bound values each, well under either backend's limit of parameters.
pub(super) const TALLIES_PER_STATEMENT: usize = 1000;

pub(super) fn insert_tallies(conn: &mut DbConnection, period: Period, rows: &[(Key, i32)]) -> Result<()> {
    for chunk in rows.chunks(TALLIES_PER_STATEMENT) {
        let values: Vec<NewTally> = chunk
            .iter()
            .map(|(key, count)| NewTally {
                district_code: &key.district,
                period: period.code(),
                day: key.day,
                figure: key.figure.code(),
                item: &key.item,
                detail: &key.detail,
                count: *count,
            })
            .collect();
        // Multi-row inserts compile against each backend's own connection, not the multi-backend one.
        match conn {
            DbConnection::Sqlite(inner) => {
                diesel::insert_into(report_tallies::table).values(&values).execute(inner)?;
            }
            DbConnection::Postgresql(inner) => {
                diesel::insert_into(report_tallies::table).values(&values).execute(inner)?;
            }
        }
    }
    Ok(())
}

/// Days closer than this are recounted as one span: fewer queries, a few more rows.
const SPAN_GAP_DAYS: i64 = 7;

/// Brings the tallies of `districts` up to date: recounts their stale days (everything, when a
/// full rebuild is due), as days of `zone`. Cheap when nothing changed: two small reads and no
/// transaction.
pub fn refresh(conn: &mut DbConnection, districts: &[DistrictCode], zone: Tz) -> Result<()> {
    if !is_stale(conn, districts)? {
        return Ok(());
    }
    let codes: Vec<String> = districts.iter().map(|d| d.as_str().to_string()).collect();
    write_transaction(conn, |conn| {
        // Takes the lock: a concurrent refresh waits here and then sees what this one did.
        diesel::update(report_tally_state::table.find(1))
            .set(report_tally_state::full_rebuild.eq(report_tally_state::full_rebuild))
            .execute(conn)?;
        let full_rebuild: bool =
            report_tally_state::table.find(1).select(report_tally_state::full_rebuild).first(conn)?;
        if full_rebuild {
            return rebuild_locked(conn, zone);
        }
        let markers: Vec<(String, String, NaiveDate)> = report_stale_days::table
            .filter(report_stale_days::district_code.eq_any(&codes))
            .select((report_stale_days::id, report_stale_days::district_code, report_stale_days::day))
            .load(conn)?;
        // A concurrent refresh that held the lock first may have left nothing to recount: the
        // figures, and so their version, are as it left them.
        if markers.is_empty() {
            return Ok(());
        }
        let mut days: BTreeMap<String, Vec<NaiveDate>> = BTreeMap::new();
        for (_, district, day) in &markers {
            days.entry(district.clone()).or_default().push(*day);
        }
        for (district, days) in days {
            let Some(district) = districts.iter().find(|d| d.as_str() == district) else { continue };
            for (from, to) in spans(days) {
                recount(conn, &Range { districts: vec![district.clone()], from, to, zone })?;
            }
        }
        let ids: Vec<String> = markers.into_iter().map(|(id, _, _)| id).collect();
        delete_markers(conn, &ids)?;
        super::mark_figures_changed(conn)
    })
}

/// Whether a figure of `districts` waits for a recount ([`refresh`]): a day marked stale, or a
/// full rebuild asked for. A read: a report that finds nothing stale takes no write lock.
pub fn is_stale(conn: &mut DbConnection, districts: &[DistrictCode]) -> Result<bool> {
    Ok(figures_version(conn, districts)?.is_none())
}

/// The version of the report's figures of `districts`, or `None` while one of them waits for a
/// recount ([`refresh`]). Figures counted at a version are current as long as it is returned:
/// every write that can change one either marks a day stale or changes the version
/// ([`super::mark_figures_changed`]), and a refresh that recounts changes it.
pub fn figures_version(conn: &mut DbConnection, districts: &[DistrictCode]) -> Result<Option<String>> {
    let codes: Vec<String> = districts.iter().map(|d| d.as_str().to_string()).collect();
    // The version is read before the markers: a write committed in between marks a day, and
    // the version read is then never taken for a state that includes it.
    let (full_rebuild, version): (bool, String) = report_tally_state::table
        .find(1)
        .select((report_tally_state::full_rebuild, report_tally_state::figures_version))
        .first(conn)?;
    if full_rebuild {
        return Ok(None);
    }
    let marked: bool = diesel::select(diesel::dsl::exists(
        report_stale_days::table.filter(report_stale_days::district_code.eq_any(&codes)),
    ))
    .get_result(conn)?;
    Ok((!marked).then_some(version))
}

/// Deletes the stale-day markers read, and only those: one committed since stays for the next
/// refresh.
fn delete_markers(conn: &mut DbConnection, ids: &[String]) -> Result<()> {
    for chunk in ids.chunks(TALLIES_PER_STATEMENT) {
        diesel::delete(report_stale_days::table.filter(report_stale_days::id.eq_any(chunk))).execute(conn)?;
    }
    Ok(())
}

/// Sorted, merged spans of days: days at most [`SPAN_GAP_DAYS`] apart share a span.
pub(super) fn spans(mut days: Vec<NaiveDate>) -> Vec<(NaiveDate, NaiveDate)> {
    days.sort_unstable();
    days.dedup();
    let mut spans: Vec<(NaiveDate, NaiveDate)> = Vec::new();
    for day in days {
        match spans.last_mut() {
            Some((_, to)) if day - *to <= Duration::days(SPAN_GAP_DAYS) => *to = day,
            _ => spans.push((day, day)),
        }
    }
    spans
}

/// Recounts every tally as days of `zone`: after a migration or a bulk load, or on request
/// (`inlav reports rebuild`, after a correction made directly in the database).
pub fn rebuild(conn: &mut DbConnection, zone: Tz) -> Result<()> {
    write_transaction(conn, |conn| {
        diesel::update(report_tally_state::table.find(1))
            .set(report_tally_state::full_rebuild.eq(true))
            .execute(conn)?;
        rebuild_locked(conn, zone)
    })
}

/// Makes `zone` the zone whose days the tallies count: when it is not the zone they were
/// counted in, the next refresh recounts them all. Every instance on one database must be
/// started with the same zone.
pub fn count_days_of(conn: &mut DbConnection, zone: Tz) -> Result<()> {
    let counted_in: String = report_tally_state::table.find(1).select(report_tally_state::time_zone).first(conn)?;
    if counted_in != zone.name() {
        diesel::update(report_tally_state::table.find(1))
            .set((report_tally_state::time_zone.eq(zone.name()), report_tally_state::full_rebuild.eq(true)))
            .execute(conn)?;
    }
    Ok(())
}

/// The whole rebuild, inside the caller's transaction holding the lock: one district at a
/// time, so memory stays that of one district.
fn rebuild_locked(conn: &mut DbConnection, zone: Tz) -> Result<()> {
    let markers: Vec<String> = report_stale_days::table.select(report_stale_days::id).load(conn)?;
    diesel::delete(report_tallies::table).execute(conn)?;
    let districts: Vec<String> = crate::schema::districts::table.select(crate::schema::districts::code).load(conn)?;
    // Every day there can be, written as four-digit years (SQLite compares timestamps as text).
    let (from, to) = (NaiveDate::from_ymd_opt(1900, 1, 1), NaiveDate::from_ymd_opt(9998, 12, 31));
    let (Some(from), Some(to)) = (from, to) else { return Err(Error::Corrupt("calendar bounds".into())) };
    for code in districts {
        recount(conn, &Range { districts: vec![DistrictCode::from_trusted(code)], from, to, zone })?;
    }
    delete_markers(conn, &markers)?;
    super::mark_figures_changed(conn)?;
    diesel::update(report_tally_state::table.find(1))
        .set((report_tally_state::full_rebuild.eq(false), report_tally_state::rebuilt_at.eq(diesel::dsl::now)))
        .execute(conn)?;
    Ok(())
}
