//! Per-day tallies behind the indicators report.
//!
//! Why: a report sums a year of twelve districts, half a million cases at the programme's
//! scale; counting the rows at each request took seconds. Every figure is counted once per
//! district and per day into `report_tallies`, and a report sums the days of its range.
//!
//! How they stay exact: each write that can change a figure records the district's days it
//! touches in `report_stale_days`, in its own transaction (the `mark_*` functions; on SQLite
//! once per district and day, see [`mark_day`]). Before a
//! report reads, [`refresh`] recounts the stale days of its districts from the rows and deletes
//! the markers it read; a marker committed meanwhile stays for the next refresh, and the recount
//! reads after the markers, so no committed write is left out. Refreshes are serialised by a row
//! lock on `report_tally_state` (SQLite has one writer anyway). A migration or a bulk load sets
//! `full_rebuild`, and the next refresh recounts everything.

use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::{Datelike, Duration, Months, NaiveDate, NaiveDateTime};
use diesel::connection::DefaultLoadingMode;
use diesel::dsl::{And, Eq, EqAny, GtEq, Lt, sum};
use diesel::prelude::*;
use domain::Vocabulary;
use domain::cases::{CaseStatus, EventKind};
use domain::districts::DistrictCode;
use domain::reports::{AgeBand, age_band};
use uuid::Uuid;

use super::{Range, districts_of_cases, intercepted_in};
use crate::db::{DbConnection, write_transaction};
use crate::error::{Error, Result};
use crate::schema::{
    beneficiaries, beneficiary_citizenships, case_events, case_needs, cases, legal_procedures, referrals,
    report_stale_days, report_tallies, report_tally_state, service_deliveries,
};

/// A figure of the indicators report counted per district and per day, with the day it is
/// counted on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Tallied {
    /// Cases by the interception's day, by gender.
    Intercepted,
    /// Cases taken in charge (from screening, or reopened) by the transition's effective day,
    /// once per case and day, by gender.
    TakenInCharge,
    /// Cases by the interception's day, per citizenship (`stateless`, `unknown`).
    Country,
    Profile,
    Channel,
    Need,
    /// Services by the delivery day, by category.
    Service,
    /// Referrals by the day they were proposed, by current status.
    Referral,
    /// Legal procedures by the day they were opened: kind (item) and current status (detail).
    LegalProcedure,
    /// Cases by the closure's day (still closed), by outcome.
    Outcome,
    /// First takings in charge by their day: the whole days since the interception (item).
    DaysToIntake,
    /// People under 18 on the interception's day.
    Minor,
}

impl Tallied {
    const ALL: [Tallied; 12] = [
        Tallied::Intercepted,
        Tallied::TakenInCharge,
        Tallied::Country,
        Tallied::Profile,
        Tallied::Channel,
        Tallied::Need,
        Tallied::Service,
        Tallied::Referral,
        Tallied::LegalProcedure,
        Tallied::Outcome,
        Tallied::DaysToIntake,
        Tallied::Minor,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Tallied::Intercepted => "intercepted",
            Tallied::TakenInCharge => "taken_in_charge",
            Tallied::Country => "country",
            Tallied::Profile => "profile",
            Tallied::Channel => "channel",
            Tallied::Need => "need",
            Tallied::Service => "service",
            Tallied::Referral => "referral",
            Tallied::LegalProcedure => "legal_procedure",
            Tallied::Outcome => "outcome",
            Tallied::DaysToIntake => "days_to_intake",
            Tallied::Minor => "minor",
        }
    }

    fn parse(code: &str) -> Result<Tallied> {
        Tallied::ALL
            .into_iter()
            .find(|figure| figure.code() == code)
            .ok_or_else(|| Error::Corrupt(format!("unknown tallied figure `{code}`")))
    }
}

/// A figure summed over the days of a range. `item`/`detail` are `None` where the breakdown is
/// not recorded (a case without a profile, a person without a gender).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tally {
    pub district: String,
    pub figure: Tallied,
    pub item: Option<String>,
    pub detail: Option<String>,
    pub count: i64,
}

/// Stored breakdowns use the empty text for "not recorded": the key columns cannot be NULL.
const NOT_RECORDED: &str = "";

#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
struct Key {
    district: String,
    day: NaiveDate,
    figure: Tallied,
    item: String,
    detail: String,
}

#[derive(Default)]
struct Counted(HashMap<Key, i32>);

impl Counted {
    fn add(&mut self, district: &str, day: NaiveDate, figure: Tallied, item: Option<&str>, detail: Option<&str>) {
        let key = Key {
            district: district.to_string(),
            day,
            figure,
            item: item.unwrap_or(NOT_RECORDED).to_string(),
            detail: detail.unwrap_or(NOT_RECORDED).to_string(),
        };
        *self.0.entry(key).or_default() += 1;
    }
}

/// Transitions that take a case in charge, effective in the range: from screening (the first,
/// which also gives the days to intake) or reopening a closed case. Resuming a suspended case
/// is not one.
type TakenInChargeIn = And<
    And<
        And<
            And<Eq<case_events::kind, &'static str>, Eq<case_events::to_status, &'static str>>,
            EqAny<case_events::from_status, [&'static str; 2]>,
        >,
        GtEq<case_events::effective_at, NaiveDateTime>,
    >,
    Lt<case_events::effective_at, NaiveDateTime>,
>;

fn taken_in_charge_in(range: &Range) -> TakenInChargeIn {
    let (start, end) = range.instants();
    case_events::kind
        .eq(EventKind::Transition.code())
        .and(case_events::to_status.eq(CaseStatus::TakenInCharge.code()))
        .and(case_events::from_status.eq_any([CaseStatus::Screening.code(), CaseStatus::Closed.code()]))
        .and(case_events::effective_at.ge(start))
        .and(case_events::effective_at.lt(end))
}

/// The figures of the range's districts on the range's days, counted from the rows.
fn count_range(conn: &mut DbConnection, range: &Range) -> Result<Counted> {
    let mut counted = Counted::default();
    let (start, end) = range.instants();
    let codes = range.codes();

    // Cases intercepted in the range: gender, profile, channel, age, citizenships and needs.
    // Rows are counted as they are read, not collected: after a burst of 30,000 interceptions
    // in a day, holding the day's cases with their countries and needs took 20 MB.
    type CaseRow =
        (String, NaiveDateTime, Option<String>, Option<NaiveDate>, Option<i32>, Option<String>, String, bool);
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
        ))
        .load_iter::<CaseRow, DefaultLoadingMode>(conn)?
    {
        let (district, intercepted_at, gender, birth_date, birth_year, profile, channel, known) = row?;
        let day = intercepted_at.date();
        let mut add = |figure, item: Option<&str>| counted.add(&district, day, figure, item, None);
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
        .select((cases::district_code, cases::intercepted_at, beneficiary_citizenships::country.nullable()))
        .load_iter::<(String, NaiveDateTime, Option<String>), DefaultLoadingMode>(conn)?
    {
        let (district, intercepted_at, country) = row?;
        let country = country.as_deref().unwrap_or("stateless");
        counted.add(&district, intercepted_at.date(), Tallied::Country, Some(country), None);
    }
    for row in case_needs::table
        .inner_join(cases::table)
        .filter(intercepted_in(range))
        .select((cases::district_code, cases::intercepted_at, case_needs::need))
        .load_iter::<(String, NaiveDateTime, String), DefaultLoadingMode>(conn)?
    {
        let (district, intercepted_at, need) = row?;
        counted.add(&district, intercepted_at.date(), Tallied::Need, Some(&need), None);
    }

    // Takings in charge effective in the range.
    type EventRow = (String, String, Option<String>, Option<String>, NaiveDateTime, Option<NaiveDateTime>);
    let events: Vec<EventRow> = case_events::table
        .inner_join(cases::table.inner_join(beneficiaries::table))
        .filter(cases::district_code.eq_any(&codes))
        .filter(taken_in_charge_in(range))
        .select((
            case_events::case_id,
            cases::district_code,
            beneficiaries::gender,
            case_events::from_status,
            cases::intercepted_at,
            case_events::effective_at,
        ))
        .load(conn)?;
    let mut seen = HashSet::new();
    for (case, district, gender, from, intercepted_at, effective_at) in events {
        let Some(effective_at) = effective_at else { continue };
        let day = effective_at.date();
        if from.as_deref() == Some(CaseStatus::Screening.code()) {
            let days = (effective_at - intercepted_at).num_days().max(0).to_string();
            counted.add(&district, day, Tallied::DaysToIntake, Some(&days), None);
        }
        if seen.insert((case, day)) {
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
        counted.add(&district, at.date(), Tallied::Referral, Some(&status), None);
    }
    for (district, (at, kind, status)) in legal_procedures_opened_in(conn, range)? {
        counted.add(&district, at.date(), Tallied::LegalProcedure, Some(&kind), Some(&status));
    }
    for (district, at, outcome) in cases::table
        .filter(cases::status.eq(CaseStatus::Closed.code()))
        .filter(cases::district_code.eq_any(&codes))
        .filter(cases::status_since.ge(start))
        .filter(cases::status_since.lt(end))
        .select((cases::district_code, cases::status_since, cases::outcome))
        .load::<(String, NaiveDateTime, Option<String>)>(conn)?
    {
        counted.add(&district, at.date(), Tallied::Outcome, outcome.as_deref(), None);
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
const FOUND_BY_DATE_DAYS: i64 = 3;

/// Rows of the range's days by district, `(district, found)`: for all time `from_districts`
/// joins from the district's cases; for a short range `by_date` reads the rows of the days,
/// keyed by their case, and their cases' districts are looked up by id.
fn in_districts<T>(
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
fn services_delivered_in(conn: &mut DbConnection, range: &Range) -> Result<Vec<(String, (NaiveDate, String))>> {
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
type Procedure = (NaiveDateTime, String, String);

/// Legal procedures opened in the range, by district.
fn legal_procedures_opened_in(conn: &mut DbConnection, range: &Range) -> Result<Vec<(String, Procedure)>> {
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

/// What a tally row sums: one day, or a whole month (its `day` is the month's first day).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
enum Period {
    Day,
    Month,
}

impl Period {
    fn code(self) -> &'static str {
        match self {
            Period::Day => "day",
            Period::Month => "month",
        }
    }
}

fn month_of(day: NaiveDate) -> NaiveDate {
    day.with_day(1).unwrap_or(day)
}

/// The first day of the month after `day`'s.
fn next_month(day: NaiveDate) -> NaiveDate {
    let first = month_of(day);
    first.checked_add_months(Months::new(1)).unwrap_or(first)
}

/// Replaces the day tallies of the range's districts and days with a fresh count, then the
/// month tallies of the months those days fall in.
fn recount(conn: &mut DbConnection, range: &Range) -> Result<()> {
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
fn roll_up_months(conn: &mut DbConnection, range: &Range) -> Result<()> {
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
struct NewTally<'a> {
    district_code: &'a str,
    period: &'static str,
    day: NaiveDate,
    figure: &'static str,
    item: &'a str,
    detail: &'a str,
    count: i32,
}

/// Rows per statement: 7 bound values each, well under either backend's limit of parameters.
const TALLIES_PER_STATEMENT: usize = 1000;

fn insert_tallies(conn: &mut DbConnection, period: Period, rows: &[(Key, i32)]) -> Result<()> {
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

/// Records a day of the case's district (a service, a legal procedure, a transition).
pub fn mark_case_day(conn: &mut DbConnection, case_id: Uuid, day: NaiveDate) -> Result<()> {
    let district: Option<String> =
        cases::table.find(case_id.to_string()).select(cases::district_code).first(conn).optional()?;
    match district {
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
        mark_day(conn, case.district, case.intercepted_at.date())?;
    }
    if case.status == CaseStatus::Closed.code() {
        mark_day(conn, case.district, case.status_since.date())?;
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
        .map(|(district, at)| (district, at.date()))
        .collect();
    let taken: Vec<(String, Option<NaiveDateTime>)> = case_events::table
        .inner_join(cases::table)
        .filter(cases::beneficiary_id.eq(&key))
        .filter(case_events::to_status.eq(CaseStatus::TakenInCharge.code()))
        .select((cases::district_code, case_events::effective_at))
        .load(conn)?;
    days.extend(taken.into_iter().filter_map(|(district, at)| Some((district, at?.date()))));
    days.sort();
    days.dedup();
    for (district, day) in days {
        mark_day(conn, &district, day)?;
    }
    Ok(())
}

/// Days closer than this are recounted as one span: fewer queries, a few more rows.
const SPAN_GAP_DAYS: i64 = 7;

/// Brings the tallies of `districts` up to date: recounts their stale days (everything, when a
/// full rebuild is due). Cheap when nothing changed: two small reads and no transaction.
pub fn refresh(conn: &mut DbConnection, districts: &[DistrictCode]) -> Result<()> {
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
            return rebuild_locked(conn);
        }
        let markers: Vec<(String, String, NaiveDate)> = report_stale_days::table
            .filter(report_stale_days::district_code.eq_any(&codes))
            .select((report_stale_days::id, report_stale_days::district_code, report_stale_days::day))
            .load(conn)?;
        let mut days: BTreeMap<String, Vec<NaiveDate>> = BTreeMap::new();
        for (_, district, day) in &markers {
            days.entry(district.clone()).or_default().push(*day);
        }
        for (district, days) in days {
            let Some(district) = districts.iter().find(|d| d.as_str() == district) else { continue };
            for (from, to) in spans(days) {
                recount(conn, &Range { districts: vec![district.clone()], from, to })?;
            }
        }
        let ids: Vec<String> = markers.into_iter().map(|(id, _, _)| id).collect();
        delete_markers(conn, &ids)
    })
}

/// Whether a figure of `districts` waits for a recount ([`refresh`]): a day marked stale, or a
/// full rebuild asked for. A read: a report that finds nothing stale takes no write lock.
pub fn is_stale(conn: &mut DbConnection, districts: &[DistrictCode]) -> Result<bool> {
    let codes: Vec<String> = districts.iter().map(|d| d.as_str().to_string()).collect();
    let full_rebuild: bool = report_tally_state::table.find(1).select(report_tally_state::full_rebuild).first(conn)?;
    if full_rebuild {
        return Ok(true);
    }
    Ok(diesel::select(diesel::dsl::exists(
        report_stale_days::table.filter(report_stale_days::district_code.eq_any(&codes)),
    ))
    .get_result(conn)?)
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
fn spans(mut days: Vec<NaiveDate>) -> Vec<(NaiveDate, NaiveDate)> {
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

/// Recounts every tally: after a migration or a bulk load, or on request (`inlav reports
/// rebuild`, after a correction made directly in the database).
pub fn rebuild(conn: &mut DbConnection) -> Result<()> {
    write_transaction(conn, |conn| {
        diesel::update(report_tally_state::table.find(1))
            .set(report_tally_state::full_rebuild.eq(true))
            .execute(conn)?;
        rebuild_locked(conn)
    })
}

/// The whole rebuild, inside the caller's transaction holding the lock: one district at a
/// time, so memory stays that of one district.
fn rebuild_locked(conn: &mut DbConnection) -> Result<()> {
    let markers: Vec<String> = report_stale_days::table.select(report_stale_days::id).load(conn)?;
    diesel::delete(report_tallies::table).execute(conn)?;
    let districts: Vec<String> = crate::schema::districts::table.select(crate::schema::districts::code).load(conn)?;
    // Every day there can be, written as four-digit years (SQLite compares timestamps as text).
    let (from, to) = (NaiveDate::from_ymd_opt(1900, 1, 1), NaiveDate::from_ymd_opt(9998, 12, 31));
    let (Some(from), Some(to)) = (from, to) else { return Err(Error::Corrupt("calendar bounds".into())) };
    for code in districts {
        recount(conn, &Range { districts: vec![DistrictCode::from_trusted(code)], from, to })?;
    }
    delete_markers(conn, &markers)?;
    diesel::update(report_tally_state::table.find(1))
        .set((report_tally_state::full_rebuild.eq(false), report_tally_state::rebuilt_at.eq(diesel::dsl::now)))
        .execute(conn)?;
    Ok(())
}

/// The tallied figures of the range's districts, summed over its days: whole months from the
/// month tallies, the days before and after them from the day tallies. Call [`refresh`] first.
pub fn sum_range(conn: &mut DbConnection, range: &Range) -> Result<Vec<Tally>> {
    let mut sums: BTreeMap<(String, String, String, String), i64> = BTreeMap::new();
    for (period, from, to) in segments(range.from, range.to) {
        let rows: Vec<(String, String, String, String, Option<i64>)> = report_tallies::table
            .filter(report_tallies::district_code.eq_any(range.codes()))
            .filter(report_tallies::period.eq(period.code()))
            .filter(report_tallies::day.ge(from))
            .filter(report_tallies::day.le(to))
            .group_by((
                report_tallies::district_code,
                report_tallies::figure,
                report_tallies::item,
                report_tallies::detail,
            ))
            .select((
                report_tallies::district_code,
                report_tallies::figure,
                report_tallies::item,
                report_tallies::detail,
                sum(report_tallies::count),
            ))
            .load(conn)?;
        for (district, figure, item, detail, count) in rows {
            *sums.entry((district, figure, item, detail)).or_default() += count.unwrap_or(0);
        }
    }
    let recorded = |text: String| (text != NOT_RECORDED).then_some(text);
    sums.into_iter()
        .map(|((district, figure, item, detail), count)| {
            Ok(Tally {
                district,
                figure: Tallied::parse(&figure)?,
                item: recorded(item),
                detail: recorded(detail),
                count,
            })
        })
        .collect()
}

/// How to read the days `from..=to`: `(period, first, last)` days, months wholly inside the
/// range as month rows (dated by their first day), the days before and after as day rows.
fn segments(from: NaiveDate, to: NaiveDate) -> Vec<(Period, NaiveDate, NaiveDate)> {
    let first_whole = if month_of(from) == from { from } else { next_month(from) };
    // The first day of the month after the last whole month.
    let after_whole = if next_month(to).pred_opt() == Some(to) { next_month(to) } else { month_of(to) };
    if first_whole >= after_whole {
        return vec![(Period::Day, from, to)];
    }
    let mut segments = Vec::new();
    if from < first_whole {
        segments.push((Period::Day, from, first_whole.pred_opt().unwrap_or(first_whole)));
    }
    segments.push((Period::Month, first_whole, after_whole.pred_opt().unwrap_or(after_whole)));
    if after_whole <= to {
        segments.push((Period::Day, after_whole, to));
    }
    segments
}

/// Takings in charge are tallied once per case and day; a case taken in charge on several days
/// of a range (reopened) counts once in the report. Per district and gender, how many to take
/// off: found through the reopenings in the range, which are few.
pub fn taken_in_charge_repeats(conn: &mut DbConnection, range: &Range) -> Result<Vec<(String, Option<String>, i64)>> {
    let (start, end) = range.instants();
    let reopened: Vec<String> = case_events::table
        .inner_join(cases::table)
        .filter(case_events::from_status.eq(CaseStatus::Closed.code()))
        .filter(case_events::to_status.eq(CaseStatus::TakenInCharge.code()))
        .filter(case_events::effective_at.ge(start))
        .filter(case_events::effective_at.lt(end))
        .filter(case_events::kind.eq(EventKind::Transition.code()))
        .filter(cases::district_code.eq_any(range.codes()))
        .select(case_events::case_id)
        .distinct()
        .load(conn)?;
    let mut days: HashMap<String, (String, Option<String>, HashSet<NaiveDate>)> = HashMap::new();
    for chunk in reopened.chunks(TALLIES_PER_STATEMENT) {
        let rows: Vec<(String, String, Option<String>, Option<NaiveDateTime>)> = case_events::table
            .inner_join(cases::table.inner_join(beneficiaries::table))
            .filter(case_events::case_id.eq_any(chunk))
            .filter(taken_in_charge_in(range))
            .select((case_events::case_id, cases::district_code, beneficiaries::gender, case_events::effective_at))
            .load(conn)?;
        for (case, district, gender, at) in rows {
            if let Some(at) = at {
                days.entry(case).or_insert_with(|| (district, gender, HashSet::new())).2.insert(at.date());
            }
        }
    }
    let mut repeats: HashMap<(String, Option<String>), i64> = HashMap::new();
    for (district, gender, days) in days.into_values() {
        if days.len() > 1 {
            *repeats.entry((district, gender)).or_default() += days.len() as i64 - 1;
        }
    }
    Ok(repeats.into_iter().map(|((district, gender), n)| (district, gender, n)).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 3, d).unwrap_or_default()
    }

    #[test]
    fn on_sqlite_a_district_day_waits_with_one_marker() {
        use diesel::{Connection, SqliteConnection};
        let mut conn = DbConnection::Sqlite(SqliteConnection::establish(":memory:").unwrap());
        crate::db::run_migrations(&mut conn).unwrap();
        for _ in 0..3 {
            mark_day(&mut conn, "milano", day(5)).unwrap();
        }
        mark_day(&mut conn, "milano", day(6)).unwrap();
        mark_day(&mut conn, "bergamo", day(5)).unwrap();
        let markers: Vec<(String, NaiveDate)> = report_stale_days::table
            .select((report_stale_days::district_code, report_stale_days::day))
            .order((report_stale_days::district_code, report_stale_days::day))
            .load(&mut conn)
            .unwrap();
        let expected = [("bergamo", day(5)), ("milano", day(5)), ("milano", day(6))];
        assert_eq!(markers, expected.map(|(district, day)| (district.to_string(), day)));
    }

    #[test]
    fn close_days_share_a_span() {
        assert_eq!(spans(vec![]), vec![]);
        assert_eq!(spans(vec![day(5), day(5)]), vec![(day(5), day(5))]);
        assert_eq!(spans(vec![day(20), day(1), day(8)]), vec![(day(1), day(8)), (day(20), day(20))]);
        assert_eq!(spans(vec![day(1), day(9)]), vec![(day(1), day(1)), (day(9), day(9))]);
    }

    fn on(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default()
    }

    #[test]
    fn whole_months_are_read_from_month_rows_and_the_edges_from_day_rows() {
        use Period::{Day, Month};
        // Within one month, or not covering a whole one: days only.
        assert_eq!(segments(on(2026, 3, 2), on(2026, 3, 30)), vec![(Day, on(2026, 3, 2), on(2026, 3, 30))]);
        assert_eq!(segments(on(2026, 3, 15), on(2026, 4, 14)), vec![(Day, on(2026, 3, 15), on(2026, 4, 14))]);
        // Exactly one month.
        assert_eq!(segments(on(2026, 2, 1), on(2026, 2, 28)), vec![(Month, on(2026, 2, 1), on(2026, 2, 28))]);
        // A year with both edges inside months.
        assert_eq!(
            segments(on(2025, 11, 25), on(2026, 11, 25)),
            vec![
                (Day, on(2025, 11, 25), on(2025, 11, 30)),
                (Month, on(2025, 12, 1), on(2026, 10, 31)),
                (Day, on(2026, 11, 1), on(2026, 11, 25)),
            ]
        );
        // Whole months at the start, a partial one at the end (and a leap February).
        assert_eq!(
            segments(on(2024, 1, 1), on(2024, 3, 3)),
            vec![(Month, on(2024, 1, 1), on(2024, 2, 29)), (Day, on(2024, 3, 1), on(2024, 3, 3))]
        );
        assert_eq!(segments(on(2024, 2, 1), on(2024, 2, 29)), vec![(Month, on(2024, 2, 1), on(2024, 2, 29))]);
        // A single day, the first of a month.
        assert_eq!(segments(on(2026, 5, 1), on(2026, 5, 1)), vec![(Day, on(2026, 5, 1), on(2026, 5, 1))]);
    }

    #[test]
    fn figure_codes_read_back() {
        for figure in Tallied::ALL {
            assert_eq!(Tallied::parse(figure.code()).ok(), Some(figure));
        }
        assert!(Tallied::parse("nope").is_err());
    }
}
