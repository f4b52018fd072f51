//! The research export's reads: the ids of the cases of a range, then those cases by id in
//! batches, with what a row needs and whether the person refused research use.

use std::collections::HashMap;

use chrono::{NaiveDate, NaiveDateTime};
use diesel::dsl::count_star;
use diesel::prelude::*;
use domain::Vocabulary;
use domain::consents::{ResearchAnswer, research_refused_in};
use domain::exports::ExportCase;
use domain::referrals::ReferralStatus;
use uuid::Uuid;

use crate::db::{DbConnection, from_db_time};
use crate::error::{Result, decode_id};
use crate::reports::{Range, intercepted_in};
use crate::schema::{
    beneficiaries, beneficiary_citizenships, case_needs, cases, consents, referrals, service_deliveries,
};

type ExportColumns = (
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

/// The ids of the cases intercepted in the range, in no particular order: one pass over an
/// index, so that the rows are then read by id in whatever order the export writes them.
pub fn export_case_ids(conn: &mut DbConnection, range: &Range) -> Result<Vec<Uuid>> {
    let ids: Vec<String> = cases::table.filter(intercepted_in(range)).select(cases::id).load(conn)?;
    ids.iter().map(|id| decode_id(id)).collect()
}

/// The cases of `ids` with what a row needs, in no particular order (read a few hundred at a
/// time: each is looked up by its key).
pub fn export_cases(conn: &mut DbConnection, ids: &[Uuid]) -> Result<Vec<ExportCase>> {
    let wanted: Vec<String> = ids.iter().map(Uuid::to_string).collect();
    let query = cases::table.inner_join(beneficiaries::table).filter(cases::id.eq_any(&wanted)).select((
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
    ));
    let rows: Vec<ExportColumns> = query.load(conn)?;
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
