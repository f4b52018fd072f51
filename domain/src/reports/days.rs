//! Calendar days in the programme's time zone. The programme's days are Italian: an
//! interception at 23:30 UTC on 30 April happened on 1 May in Milan, and is reported in May.
//! Instants are stored in UTC; reports turn them into the days of one zone, daylight saving
//! included.

use chrono::{Duration, NaiveDate, NaiveDateTime, TimeZone};
pub use chrono_tz::Tz;

/// The programme's time zone, the default of the `INLAV_TIME_ZONE` setting.
pub const PROGRAMME_ZONE: Tz = chrono_tz::Europe::Rome;

/// A time zone by its IANA name (`Europe/Rome`), or `None` for a name the database lacks.
pub fn zone_named(name: &str) -> Option<Tz> {
    name.parse().ok()
}

/// The calendar day in `zone` of an instant given in UTC.
pub fn local_day(at: NaiveDateTime, zone: Tz) -> NaiveDate {
    zone.from_utc_datetime(&at).date_naive()
}

/// The first instant (in UTC) of `day` in `zone`: its midnight, or, where a clock change skips
/// midnight, the first moment of the day that exists.
pub fn day_start(day: NaiveDate, zone: Tz) -> NaiveDateTime {
    let midnight = day.and_hms_opt(0, 0, 0).unwrap_or_default();
    // No zone skips more than a few hours; fall back to UTC midnight rather than fail.
    (0..=24 * 60)
        .step_by(15)
        .find_map(|minutes| zone.from_local_datetime(&(midnight + Duration::minutes(minutes))).earliest())
        .map_or(midnight, |start| start.naive_utc())
}

/// The instants `[start, end)` of the days `from..=to` in `zone`, in UTC.
pub fn days_span(from: NaiveDate, to: NaiveDate, zone: Tz) -> (NaiveDateTime, NaiveDateTime) {
    (day_start(from, zone), day_start(to.succ_opt().unwrap_or(to), zone))
}

/// Whole calendar days in `zone` from one instant to a later one (0 on the same day).
pub fn days_between(from: NaiveDateTime, to: NaiveDateTime, zone: Tz) -> i64 {
    (local_day(to, zone) - local_day(from, zone)).num_days()
}

/// The days an instant given in UTC can fall on in some time zone: its UTC day and the days
/// either side. Marking all three stale is right whatever the zone of the tallies.
pub fn days_around(at: NaiveDateTime) -> [NaiveDate; 3] {
    let day = at.date();
    [day.pred_opt().unwrap_or(day), day, day.succ_opt().unwrap_or(day)]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(text: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M").unwrap()
    }

    fn on(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn instants_fall_on_italian_days_with_daylight_saving() {
        // Summer time (UTC+2): 22:30 UTC is 00:30 the next day in Rome.
        assert_eq!(local_day(utc("2025-04-30 22:30"), PROGRAMME_ZONE), on(2025, 5, 1));
        assert_eq!(local_day(utc("2025-05-31 21:30"), PROGRAMME_ZONE), on(2025, 5, 31));
        assert_eq!(local_day(utc("2025-05-31 22:30"), PROGRAMME_ZONE), on(2025, 6, 1));
        // Winter time (UTC+1).
        assert_eq!(local_day(utc("2025-01-31 22:30"), PROGRAMME_ZONE), on(2025, 1, 31));
        assert_eq!(local_day(utc("2025-01-31 23:30"), PROGRAMME_ZONE), on(2025, 2, 1));
        assert_eq!(local_day(utc("2025-04-30 22:30"), chrono_tz::UTC), on(2025, 4, 30));
    }

    #[test]
    fn a_day_starts_at_its_local_midnight() {
        assert_eq!(day_start(on(2025, 5, 1), PROGRAMME_ZONE), utc("2025-04-30 22:00"));
        assert_eq!(day_start(on(2025, 1, 1), PROGRAMME_ZONE), utc("2024-12-31 23:00"));
        // The day clocks go forward (30 March 2025) and back (26 October 2025) have 23 and 25 hours.
        let (start, end) = days_span(on(2025, 3, 30), on(2025, 3, 30), PROGRAMME_ZONE);
        assert_eq!(end - start, Duration::hours(23));
        let (start, end) = days_span(on(2025, 10, 26), on(2025, 10, 26), PROGRAMME_ZONE);
        assert_eq!(end - start, Duration::hours(25));
        // Where a clock change skips midnight (Santiago, 7 September 2025), the day starts at 01:00.
        let santiago = zone_named("America/Santiago").unwrap();
        assert_eq!(day_start(on(2025, 9, 7), santiago), utc("2025-09-07 04:00"));
    }

    #[test]
    fn days_between_counts_calendar_days() {
        assert_eq!(days_between(utc("2025-04-30 21:00"), utc("2025-04-30 22:30"), PROGRAMME_ZONE), 1);
        assert_eq!(days_between(utc("2025-05-01 08:00"), utc("2025-05-01 20:00"), PROGRAMME_ZONE), 0);
        assert_eq!(days_around(utc("2025-04-30 22:30")), [on(2025, 4, 29), on(2025, 4, 30), on(2025, 5, 1)]);
        assert_eq!(zone_named("Europe/Rome"), Some(PROGRAMME_ZONE));
        assert_eq!(zone_named("Europe/Milano"), None);
    }
}
