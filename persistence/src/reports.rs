//! The queries behind the indicators report and the research export. Most figures of the
//! report are summed from per-day [`tallies`]; work grants (a period, not a day) and activities
//! (few rows) are counted from their rows.

mod people;
pub mod tallies;

pub use self::people::{recount_person, recounted_people};

use std::collections::{BTreeMap, HashMap};

use chrono::{NaiveDate, NaiveDateTime};
use diesel::dsl::{And, EqAny, GtEq, Lt, count_star, sum};
use diesel::prelude::*;
use domain::Vocabulary;
use domain::districts::DistrictCode;
use domain::reports::{ActivityTotals, Tallies, Tz, UNKNOWN, days_span};
use domain::transfers::TransferStatus;

use self::tallies::Tallied;
use crate::db::DbConnection;
use crate::error::{Error, Result, decode};
use crate::schema::{activities, cases, transfers, work_grants};

/// The districts and the days (both ends included) a report covers, calendar days in `zone`.
#[derive(Debug, Clone)]
pub struct Range {
    pub districts: Vec<DistrictCode>,
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub zone: Tz,
}

impl Range {
    fn codes(&self) -> Vec<String> {
        self.districts.iter().map(|d| d.as_str().to_string()).collect()
    }

    /// The first instant of `from` and the first instant after `to`, in UTC.
    fn instants(&self) -> (NaiveDateTime, NaiveDateTime) {
        days_span(self.from, self.to, self.zone)
    }
}

/// Cases of the range's districts intercepted in its days: the filter most figures share.
pub(crate) type InterceptedIn = And<
    And<EqAny<cases::district_code, Vec<String>>, GtEq<cases::intercepted_at, NaiveDateTime>>,
    Lt<cases::intercepted_at, NaiveDateTime>,
>;

pub(crate) fn intercepted_in(range: &Range) -> InterceptedIn {
    let (start, end) = range.instants();
    cases::district_code.eq_any(range.codes()).and(cases::intercepted_at.ge(start)).and(cases::intercepted_at.lt(end))
}

/// Work grants whose period overlaps the range, by status. Grants are few and a district's
/// cases many, so the period's grants are read first and their cases looked up by id: as a
/// join, the planner walked every case of the district looking for grants (at 1M cases, nine
/// tenths of a one-district report).
fn work_grants_by_status(conn: &mut DbConnection, range: &Range) -> Result<Vec<(String, String, i64)>> {
    let grants: Vec<(String, String)> = work_grants::table
        .filter(work_grants::start_on.le(range.to))
        .filter(work_grants::end_on.ge(range.from))
        .select((work_grants::case_id, work_grants::status))
        .load(conn)?;
    let district_of = districts_of_cases(conn, grants.iter().map(|(case_id, _)| case_id), &range.codes())?;
    let mut counts: HashMap<(String, String), i64> = HashMap::new();
    for (case_id, status) in grants {
        if let Some(district) = district_of.get(&case_id) {
            *counts.entry((district.clone(), status)).or_default() += 1;
        }
    }
    Ok(counts.into_iter().map(|((district, status), n)| (district, status, n)).collect())
}

/// Ids looked up per statement: well within the bound parameters either backend accepts.
const LOOKUP_CHUNK: usize = 500;

/// The district of each of `case_ids` that is one of `codes`, looked up by id: for rows found
/// by their own date first, where a join from the district would walk all its cases.
fn districts_of_cases<'a>(
    conn: &mut DbConnection,
    case_ids: impl Iterator<Item = &'a String>,
    codes: &[String],
) -> Result<HashMap<String, String>> {
    let mut case_ids: Vec<&String> = case_ids.collect();
    case_ids.sort();
    case_ids.dedup();
    let mut district_of: HashMap<String, String> = HashMap::new();
    for chunk in case_ids.chunks(LOOKUP_CHUNK) {
        let found: Vec<(String, String)> =
            cases::table.filter(cases::id.eq_any(chunk)).select((cases::id, cases::district_code)).load(conn)?;
        district_of.extend(found.into_iter().filter(|(_, district)| codes.contains(district)));
    }
    Ok(district_of)
}

/// Activities held in the range: `(district, kind, count, participants)`.
fn activities_by_kind(conn: &mut DbConnection, range: &Range) -> Result<Vec<(String, String, i64, i64)>> {
    type Sums = (String, String, i64, Option<i64>, Option<i64>, Option<i64>, Option<i64>);
    let rows: Vec<Sums> = activities::table
        .filter(activities::district_code.eq_any(range.codes()))
        .filter(activities::held_on.ge(range.from))
        .filter(activities::held_on.le(range.to))
        .group_by((activities::district_code, activities::kind))
        .select((
            activities::district_code,
            activities::kind,
            count_star(),
            sum(activities::participants_male),
            sum(activities::participants_female),
            sum(activities::participants_other),
            sum(activities::participants_unknown),
        ))
        .load(conn)?;
    Ok(rows.into_iter().map(|(d, k, n, m, f, o, u)| (d, k, n, [m, f, o, u].into_iter().flatten().sum())).collect())
}

/// The transfers accepted in the range's days, from and to: few, read whole.
fn transfers_accepted(conn: &mut DbConnection, range: &Range) -> Result<Vec<(DistrictCode, DistrictCode)>> {
    let (start, end) = range.instants();
    let rows: Vec<(String, String)> = transfers::table
        .filter(transfers::status.eq(TransferStatus::Accepted.code()))
        .filter(transfers::decided_at.ge(start))
        .filter(transfers::decided_at.lt(end))
        .select((transfers::from_district, transfers::to_district))
        .load(conn)?;
    Ok(rows.into_iter().map(|(from, to)| (DistrictCode::from_trusted(from), DistrictCode::from_trusted(to))).collect())
}

/// The exact figures of each district of the range, typed, summed from the day and month
/// tallies (call [`tallies::refresh`] first), with work grants, activities and targets counted
/// from their rows. This is the one path that counts the report's figures; the people the
/// tallies leave out are added from [`recounted_people`] (see `domain::reports::count_people`).
pub fn tallies_of(conn: &mut DbConnection, range: &Range) -> Result<BTreeMap<DistrictCode, Tallies>> {
    let mut by_district: BTreeMap<DistrictCode, Tallies> =
        range.districts.iter().map(|d| (d.clone(), Tallies::default())).collect();
    for tally in tallies::sum_range(conn, range)? {
        let Some(t) = by_district.get_mut(&DistrictCode::from_trusted(tally.district)) else { continue };
        let item = tally.item.as_deref();
        let n = tally.count;
        match tally.figure {
            Tallied::Intercepted => t.intercepted.add(item.map(decode).transpose()?, n),
            Tallied::TakenInCharge => t.taken_in_charge.add(item.map(decode).transpose()?, n),
            Tallied::Country => *t.countries.entry(item.unwrap_or(UNKNOWN).to_string()).or_default() += n,
            Tallied::Profile => *t.profiles.entry(item.map(decode).transpose()?).or_default() += n,
            Tallied::Channel => *t.channels.entry(decode(required(item)?)?).or_default() += n,
            Tallied::Need => *t.needs.entry(decode(required(item)?)?).or_default() += n,
            Tallied::Service => *t.services.entry(decode(required(item)?)?).or_default() += n,
            Tallied::Referral => *t.referrals.entry(decode(required(item)?)?).or_default() += n,
            Tallied::Outcome => *t.outcomes.entry(decode(required(item)?)?).or_default() += n,
            Tallied::LegalProcedure => {
                let key = (decode(required(item)?)?, decode(required(tally.detail.as_deref())?)?);
                *t.legal_procedures.entry(key).or_default() += n;
            }
            Tallied::DaysToIntake => {
                let days = required(item)?
                    .parse::<i64>()
                    .map_err(|_| Error::Corrupt(format!("a tally of days to intake is `{item:?}`")))?;
                *t.intake_days.entry(days).or_default() += n;
            }
            Tallied::Minor => t.minors += n,
            Tallied::CasesOpened => t.cases_opened += n,
        }
    }
    for (district, status, n) in work_grants_by_status(conn, range)? {
        if let Some(t) = by_district.get_mut(&DistrictCode::from_trusted(district)) {
            *t.work_grants.entry(decode(&status)?).or_default() += n;
        }
    }
    for (from, to) in transfers_accepted(conn, range)? {
        if let Some(t) = by_district.get_mut(&from) {
            t.transfers_out += 1;
        }
        if let Some(t) = by_district.get_mut(&to) {
            t.transfers_in += 1;
        }
    }
    for (district, kind, count, participants) in activities_by_kind(conn, range)? {
        if let Some(t) = by_district.get_mut(&DistrictCode::from_trusted(district)) {
            t.activities.insert(decode(&kind)?, ActivityTotals { count, participants });
        }
    }
    for targets in crate::districts::targets(conn)? {
        let overlaps = targets.targets.period_from <= range.to && targets.targets.period_to >= range.from;
        if let Some(t) = by_district.get_mut(&targets.district_code)
            && overlaps
        {
            let sums = t.targets.get_or_insert_default();
            sums.intercepted_min += i64::from(targets.targets.intercepted_min);
            sums.intercepted_max += i64::from(targets.targets.intercepted_max);
            sums.taken_in_charge_min += i64::from(targets.targets.taken_in_charge_min);
            sums.taken_in_charge_max += i64::from(targets.targets.taken_in_charge_max);
        }
    }
    Ok(by_district)
}

/// A breakdown that every row of its figure records.
fn required(item: Option<&str>) -> Result<&str> {
    item.ok_or_else(|| Error::Corrupt("a tally without the item its figure records".into()))
}
