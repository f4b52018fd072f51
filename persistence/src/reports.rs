//! The queries behind the indicators report and the research export. Most figures of the
//! report are summed from per-day [`tallies`]; work grants (a period, not a day) and activities
//! (few rows) are counted from their rows.

pub mod tallies;

use std::collections::HashMap;

use chrono::{NaiveDate, NaiveDateTime};
use diesel::dsl::{And, EqAny, GtEq, Lt, count_star, sum};
use diesel::prelude::*;
use domain::Vocabulary;
use domain::consents::{ResearchAnswer, research_refused_in};
use domain::districts::DistrictCode;
use domain::referrals::ReferralStatus;
use uuid::Uuid;

use crate::db::{DbConnection, from_db_time};
use crate::error::{Result, decode_id};
use crate::schema::{
    activities, beneficiaries, beneficiary_citizenships, case_needs, cases, consents, referrals, service_deliveries,
    work_grants,
};

/// The districts and the days (both ends included) a report covers.
#[derive(Debug, Clone)]
pub struct Range {
    pub districts: Vec<DistrictCode>,
    pub from: NaiveDate,
    pub to: NaiveDate,
}

impl Range {
    fn codes(&self) -> Vec<String> {
        self.districts.iter().map(|d| d.as_str().to_string()).collect()
    }

    /// The first instant of `from` and the first instant after `to`.
    fn instants(&self) -> (NaiveDateTime, NaiveDateTime) {
        let start = self.from.and_hms_opt(0, 0, 0).unwrap_or_default();
        let end = self.to.succ_opt().unwrap_or(self.to).and_hms_opt(0, 0, 0).unwrap_or_default();
        (start, end)
    }
}

/// Cases of the range's districts intercepted in its days: the filter most figures share.
type InterceptedIn = And<
    And<EqAny<cases::district_code, Vec<String>>, GtEq<cases::intercepted_at, NaiveDateTime>>,
    Lt<cases::intercepted_at, NaiveDateTime>,
>;

fn intercepted_in(range: &Range) -> InterceptedIn {
    let (start, end) = range.instants();
    cases::district_code.eq_any(range.codes()).and(cases::intercepted_at.ge(start)).and(cases::intercepted_at.lt(end))
}

/// `(district, key, count)`.
pub type Counts = Vec<(String, Option<String>, i64)>;

/// Work grants whose period overlaps the range, by status. Grants are few and a district's
/// cases many, so the period's grants are read first and their cases looked up by id: as a
/// join, the planner walked every case of the district looking for grants (at 1M cases, nine
/// tenths of a one-district report).
pub fn work_grants_by_status(conn: &mut DbConnection, range: &Range) -> Result<Counts> {
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
    Ok(counts.into_iter().map(|((district, status), n)| (district, Some(status), n)).collect())
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
pub fn activities_by_kind(conn: &mut DbConnection, range: &Range) -> Result<Vec<(String, String, i64, i64)>> {
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

/// One case of the research export, before pseudonyms and suppression: identifiers stay in the
/// database layer's hands only as ids to be hashed.
#[derive(Debug, Clone)]
pub struct ExportCase {
    pub case_id: Uuid,
    pub beneficiary_id: Uuid,
    pub district: String,
    pub gender: Option<String>,
    pub birth_date: Option<NaiveDate>,
    pub birth_year: Option<i32>,
    /// `None`: not known; empty: stateless.
    pub citizenships: Option<Vec<String>>,
    pub channel: String,
    pub profile: Option<String>,
    pub needs: Vec<String>,
    pub status: String,
    pub intercepted_at: NaiveDateTime,
    pub taken_in_charge_at: Option<NaiveDateTime>,
    pub outcome: Option<String>,
    pub services: HashMap<String, i64>,
    pub referrals: HashMap<String, i64>,
    /// The beneficiary refused research use: the case must not be exported.
    pub research_refused: bool,
}

type ExportRow = (
    String,
    String,
    String,
    Option<String>,
    Option<NaiveDate>,
    Option<i32>,
    bool,
    String,
    Option<String>,
    String,
    NaiveDateTime,
    Option<NaiveDateTime>,
    Option<String>,
);

/// The next batch of cases intercepted in the range, after `after` in id order.
pub fn export_batch(
    conn: &mut DbConnection,
    range: &Range,
    after: Option<Uuid>,
    limit: i64,
) -> Result<Vec<ExportCase>> {
    let mut query = cases::table
        .inner_join(beneficiaries::table)
        .filter(intercepted_in(range))
        .order(cases::id.asc())
        .limit(limit)
        .select((
            cases::id,
            cases::beneficiary_id,
            cases::district_code,
            beneficiaries::gender,
            beneficiaries::birth_date,
            beneficiaries::birth_year,
            beneficiaries::citizenships_known,
            cases::channel,
            cases::profile,
            cases::status,
            cases::intercepted_at,
            cases::taken_in_charge_at,
            cases::outcome,
        ))
        .into_boxed();
    if let Some(after) = after {
        query = query.filter(cases::id.gt(after.to_string()));
    }
    let rows: Vec<ExportRow> = query.load(conn)?;
    let case_ids: Vec<String> = rows.iter().map(|r| r.0.clone()).collect();
    let person_ids: Vec<String> = rows.iter().map(|r| r.1.clone()).collect();

    let mut needs: HashMap<String, Vec<String>> = HashMap::new();
    for (case, need) in case_needs::table
        .filter(case_needs::case_id.eq_any(&case_ids))
        .select((case_needs::case_id, case_needs::need))
        .load::<(String, String)>(conn)?
    {
        needs.entry(case).or_default().push(need);
    }
    let mut countries: HashMap<String, Vec<String>> = HashMap::new();
    for (person, country) in beneficiary_citizenships::table
        .filter(beneficiary_citizenships::beneficiary_id.eq_any(&person_ids))
        .select((beneficiary_citizenships::beneficiary_id, beneficiary_citizenships::country))
        .load::<(String, String)>(conn)?
    {
        countries.entry(person).or_default().push(country);
    }
    let mut services: HashMap<String, HashMap<String, i64>> = HashMap::new();
    for (case, category, n) in service_deliveries::table
        .filter(service_deliveries::case_id.eq_any(&case_ids))
        .filter(service_deliveries::deleted_at.is_null())
        .group_by((service_deliveries::case_id, service_deliveries::category))
        .select((service_deliveries::case_id, service_deliveries::category, count_star()))
        .load::<(String, String, i64)>(conn)?
    {
        services.entry(case).or_default().insert(category, n);
    }
    let mut referral_counts: HashMap<String, HashMap<String, i64>> = HashMap::new();
    for (case, status, n) in referrals::table
        .filter(referrals::case_id.eq_any(&case_ids))
        .filter(referrals::status.ne(ReferralStatus::Proposed.code()))
        .group_by((referrals::case_id, referrals::status))
        .select((referrals::case_id, referrals::status, count_star()))
        .load::<(String, String, i64)>(conn)?
    {
        referral_counts.entry(case).or_default().insert(status, n);
    }
    let mut research: HashMap<String, Vec<ResearchAnswer>> = HashMap::new();
    for (person, granted, given_on, recorded_at, withdrawn) in consents::table
        .filter(consents::beneficiary_id.eq_any(&person_ids))
        .filter(consents::kind.eq(domain::consents::ConsentKind::ResearchUse.code()))
        .select((
            consents::beneficiary_id,
            consents::granted,
            consents::given_on,
            consents::recorded_at,
            consents::withdrawn_on.is_not_null(),
        ))
        .load::<(String, bool, NaiveDate, NaiveDateTime, bool)>(conn)?
    {
        research.entry(person).or_default().push(ResearchAnswer {
            granted,
            given_on,
            recorded_at: from_db_time(recorded_at),
            withdrawn,
        });
    }

    rows.into_iter()
        .map(
            |(
                id,
                person,
                district,
                gender,
                birth_date,
                birth_year,
                known,
                channel,
                profile,
                status,
                intercepted_at,
                taken_in_charge_at,
                outcome,
            )| {
                let mut case_needs = needs.remove(&id).unwrap_or_default();
                case_needs.sort();
                let mut person_countries = countries.get(&person).cloned().unwrap_or_default();
                person_countries.sort();
                Ok(ExportCase {
                    case_id: decode_id(&id)?,
                    beneficiary_id: decode_id(&person)?,
                    district,
                    gender,
                    birth_date,
                    birth_year,
                    citizenships: known.then_some(person_countries),
                    channel,
                    profile,
                    needs: case_needs,
                    status,
                    intercepted_at,
                    taken_in_charge_at,
                    outcome,
                    services: services.remove(&id).unwrap_or_default(),
                    referrals: referral_counts.remove(&id).unwrap_or_default(),
                    research_refused: research_refused_in(research.get(&person).into_iter().flatten().copied()),
                })
            },
        )
        .collect()
}
