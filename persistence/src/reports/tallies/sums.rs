//! Reading the tallies: whole months from month rows, the edges from day rows.

use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::{NaiveDate, NaiveDateTime};
use diesel::dsl::sum;
use diesel::prelude::*;
use domain::Vocabulary;
use domain::cases::{CaseStatus, EventKind};

use crate::db::DbConnection;
use crate::error::Result;
use crate::reports::Range;
use crate::schema::{beneficiaries, case_events, cases, report_tallies};

use super::count::TALLIES_PER_STATEMENT;
use super::figures::*;

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
pub(super) fn segments(from: NaiveDate, to: NaiveDate) -> Vec<(Period, NaiveDate, NaiveDate)> {
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
