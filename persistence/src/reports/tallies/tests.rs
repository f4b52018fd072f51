use chrono::NaiveDate;
use diesel::prelude::*;

use super::count::spans;
use super::figures::Tallied;
use super::sums::segments;
use super::*;
use crate::db::DbConnection;
use crate::schema::report_stale_days;

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
    use super::figures::Period::{Day, Month};
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
