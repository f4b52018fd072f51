//! Reading the tallies: whole months from month rows, the edges from day rows.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use diesel::dsl::sum;
use diesel::prelude::*;

use crate::db::DbConnection;
use crate::error::Result;
use crate::reports::Range;
use crate::schema::report_tallies;

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
