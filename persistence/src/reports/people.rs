//! The people the per-day tallies leave out of the people figures, read whole: those with more
//! than one case, or a case taken in charge again. `domain::reports::count_people` counts them.

use std::collections::HashMap;

use chrono::NaiveDateTime;
use diesel::prelude::*;
use domain::Vocabulary;
use domain::cases::{CaseStatus, EventKind};
use domain::districts::DistrictCode;
use domain::reports::{Interception, PersonFacts, PersonHistory, TakingInCharge, local_day};
use uuid::Uuid;

use super::{LOOKUP_CHUNK, Range};
use crate::db::DbConnection;
use crate::error::{Result, decode};
use crate::schema::{beneficiaries, beneficiary_citizenships, case_events, case_needs, cases, report_recounted_people};

/// The whole history, in the range's districts, of every recounted person with a case there.
pub fn recounted_people(conn: &mut DbConnection, range: &Range) -> Result<Vec<PersonHistory>> {
    let codes = range.codes();
    // The recounted people are few; read them first and look their cases up by person, so that
    // no plan walks the cases of the districts to find them.
    let recounted: Vec<String> =
        report_recounted_people::table.select(report_recounted_people::beneficiary_id).load(conn)?;
    let mut histories = Vec::new();
    for chunk in recounted.chunks(LOOKUP_CHUNK) {
        let ours: Vec<String> = cases::table
            .filter(cases::beneficiary_id.eq_any(chunk))
            .filter(cases::district_code.eq_any(&codes))
            .select(cases::beneficiary_id)
            .distinct()
            .load(conn)?;
        if !ours.is_empty() {
            histories.extend(histories_of(conn, &ours, &codes, range)?);
        }
    }
    Ok(histories)
}

type PersonRow = (String, Option<String>, Option<chrono::NaiveDate>, Option<i32>, bool);
type CaseRow = (String, String, String, NaiveDateTime, Option<String>, String);

fn histories_of(
    conn: &mut DbConnection,
    ids: &[String],
    codes: &[String],
    range: &Range,
) -> Result<Vec<PersonHistory>> {
    let people: Vec<PersonRow> = beneficiaries::table
        .filter(beneficiaries::id.eq_any(ids))
        .select((
            beneficiaries::id,
            beneficiaries::gender,
            beneficiaries::birth_date,
            beneficiaries::birth_year,
            beneficiaries::citizenships_known,
        ))
        .load(conn)?;
    let mut countries: HashMap<String, Vec<String>> = HashMap::new();
    for (person, country) in beneficiary_citizenships::table
        .filter(beneficiary_citizenships::beneficiary_id.eq_any(ids))
        .select((beneficiary_citizenships::beneficiary_id, beneficiary_citizenships::country))
        .order((beneficiary_citizenships::beneficiary_id, beneficiary_citizenships::country))
        .load::<(String, String)>(conn)?
    {
        countries.entry(person).or_default().push(country);
    }
    let of_people = || cases::beneficiary_id.eq_any(ids).and(cases::district_code.eq_any(codes));
    let case_rows: Vec<CaseRow> = cases::table
        .filter(of_people())
        .select((
            cases::id,
            cases::beneficiary_id,
            cases::district_code,
            cases::intercepted_at,
            cases::profile,
            cases::channel,
        ))
        .order(cases::intercepted_at)
        .load(conn)?;
    let mut needs: HashMap<String, Vec<String>> = HashMap::new();
    for (case, need) in case_needs::table
        .inner_join(cases::table)
        .filter(of_people())
        .select((case_needs::case_id, case_needs::need))
        .load::<(String, String)>(conn)?
    {
        needs.entry(case).or_default().push(need);
    }
    let takings: Vec<(String, String, Option<NaiveDateTime>)> = case_events::table
        .inner_join(cases::table)
        .filter(of_people())
        .filter(case_events::kind.eq(EventKind::Transition.code()))
        .filter(case_events::to_status.eq(CaseStatus::TakenInCharge.code()))
        .filter(case_events::from_status.eq_any([CaseStatus::Screening.code(), CaseStatus::Closed.code()]))
        .select((cases::beneficiary_id, cases::district_code, case_events::effective_at))
        .load(conn)?;

    let mut histories: HashMap<String, PersonHistory> = HashMap::new();
    for (id, gender, birth_date, birth_year, known) in people {
        let citizenships = known.then(|| countries.remove(&id).unwrap_or_default());
        let person =
            PersonFacts { gender: gender.as_deref().map(decode).transpose()?, birth_date, birth_year, citizenships };
        histories.insert(id, PersonHistory { person, interceptions: Vec::new(), takings_in_charge: Vec::new() });
    }
    for (case, person, district, intercepted_at, profile, channel) in case_rows {
        let Some(history) = histories.get_mut(&person) else { continue };
        history.interceptions.push(Interception {
            district: DistrictCode::from_trusted(district),
            day: local_day(intercepted_at, range.zone),
            profile: profile.as_deref().map(decode).transpose()?,
            channel: decode(&channel)?,
            needs: needs.remove(&case).unwrap_or_default().iter().map(|n| decode(n)).collect::<Result<_>>()?,
        });
    }
    for (person, district, at) in takings {
        if let (Some(history), Some(at)) = (histories.get_mut(&person), at) {
            history.takings_in_charge.push(TakingInCharge {
                district: DistrictCode::from_trusted(district),
                day: local_day(at, range.zone),
            });
        }
    }
    Ok(histories.into_values().collect())
}

/// Counts `beneficiary_id` one by one from now on: the person has a second case, or a case taken
/// in charge again. The days the person counted on are recounted without them.
pub fn recount_person(conn: &mut DbConnection, beneficiary_id: Uuid) -> Result<()> {
    let key = beneficiary_id.to_string();
    let already: bool =
        diesel::select(diesel::dsl::exists(report_recounted_people::table.find(&key))).get_result(conn)?;
    if already {
        return Ok(());
    }
    diesel::insert_into(report_recounted_people::table)
        .values(report_recounted_people::beneficiary_id.eq(&key))
        .execute(conn)?;
    super::tallies::mark_beneficiary(conn, beneficiary_id)
}
