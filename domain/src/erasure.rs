//! Erasure and anonymisation (GDPR art. 17 and art. 5(1)(e)): what of a person is removed, what
//! stays so that every report is unchanged, when a legal procedure holds the data, and when a
//! district's retention period has passed.
//!
//! Removed: every direct identifier and every free text (names, alias, codice fiscale,
//! contacts, municipality, permit number, guardian, employer, and the texts of notes, services,
//! referrals, legal procedures and events). Kept: the statistical facts (gender, citizenships,
//! languages, birth year, arrival year, permit kind and expiry, documents' statuses, and every
//! date, status and count of the cases).

use chrono::{Datelike, Months, NaiveDate};

use crate::beneficiaries::{BeneficiaryData, Permit};
use crate::legal::ProcedureStatus;
use crate::reports::age_band;

/// What stands in a text that must hold something once its content is erased.
pub const ERASED_TEXT: &str = "[cancellato / erased]";

/// The person's data with every identifier removed. The birth date gives way to a date of the
/// same year that puts the person in the same age band on each of `interception_days` (the
/// days the reports and the export judge their age on): the middle of the year when it does,
/// else the nearest day to it that does.
pub fn erased_person(data: &BeneficiaryData, interception_days: &[NaiveDate]) -> BeneficiaryData {
    BeneficiaryData {
        alias: ERASED_TEXT.to_string(),
        first_name: None,
        last_name: None,
        gender: data.gender,
        birth_date: data.birth_date.map(|date| surrogate_birth_date(date, interception_days)),
        birth_year: data.birth_year,
        citizenships: data.citizenships.clone(),
        languages: data.languages.clone(),
        phone: None,
        email: None,
        municipality: None,
        arrival_year: data.arrival_year,
        permit: Permit { kind: data.permit.kind, number: None, expires_on: data.permit.expires_on },
        codice_fiscale: None,
        guardian: None,
        documents: data.documents.clone(),
    }
}

/// A date of `birth_date`'s year, as near the 1st of July as can be, on which every day of
/// `days` finds the person in the age band `birth_date` does.
pub fn surrogate_birth_date(birth_date: NaiveDate, days: &[NaiveDate]) -> NaiveDate {
    let same_bands = |candidate: NaiveDate| {
        days.iter().all(|day| age_band(Some(candidate), None, *day) == age_band(Some(birth_date), None, *day))
    };
    let Some(middle) = NaiveDate::from_ymd_opt(birth_date.year(), 7, 1) else { return birth_date };
    (0..=183i64)
        .flat_map(|offset| [middle + chrono::Duration::days(offset), middle - chrono::Duration::days(offset)])
        .filter(|candidate| candidate.year() == birth_date.year())
        .find(|candidate| same_bands(*candidate))
        .unwrap_or(birth_date)
}

/// A legal procedure not yet decided holds the person's data: it may be needed as evidence.
pub fn under_legal_hold(statuses: impl IntoIterator<Item = ProcedureStatus>) -> bool {
    statuses
        .into_iter()
        .any(|status| matches!(status, ProcedureStatus::Planned | ProcedureStatus::Filed | ProcedureStatus::Pending))
}

/// Whether a person's retention period has passed on `today`: they have no open case, and
/// `years` have passed since `last_closed` (the day their last case closed; for a person
/// registered without a case, the day they were registered).
pub fn retention_passed(any_open_case: bool, last_closed: NaiveDate, years: i32, today: NaiveDate) -> bool {
    let Ok(months) = u32::try_from(years.saturating_mul(12)) else { return false };
    !any_open_case && last_closed.checked_add_months(Months::new(months)).is_some_and(|due| due <= today)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::reports::AgeBand;

    fn day(text: &str) -> NaiveDate {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn the_birth_date_gives_way_to_mid_year_unless_that_changes_an_age_band() {
        // Intercepted long after any birthday that matters: the middle of the year will do.
        assert_eq!(surrogate_birth_date(day("1990-02-14"), &[day("2025-10-01")]), day("1990-07-01"));
        // Intercepted the day before turning 18: mid-year would make them an adult.
        let born = day("2007-10-20");
        let intercepted = day("2025-10-19");
        assert_eq!(age_band(Some(born), None, intercepted), AgeBand::Under18);
        let surrogate = surrogate_birth_date(born, &[intercepted]);
        assert_eq!(age_band(Some(surrogate), None, intercepted), AgeBand::Under18);
        assert_eq!(surrogate, day("2007-10-20"), "the nearest day to mid-year that keeps them a minor");
        // Turned 25 the day before: the surrogate keeps them 25.
        let surrogate = surrogate_birth_date(day("2000-03-01"), &[day("2025-03-02")]);
        assert_eq!(age_band(Some(surrogate), None, day("2025-03-02")), AgeBand::From25To34);
        assert_eq!(surrogate.year(), 2000);
        assert!(surrogate <= day("2000-03-02"));
    }

    #[test]
    fn undecided_procedures_hold_the_data() {
        use ProcedureStatus::*;
        assert!(!under_legal_hold([]));
        assert!(!under_legal_hold([Granted, Rejected, Withdrawn]));
        for open in [Planned, Filed, Pending] {
            assert!(under_legal_hold([Granted, open]), "{open:?}");
        }
    }

    #[test]
    fn retention_passes_years_after_the_last_closure_and_never_while_a_case_is_open() {
        let closed = day("2016-03-31");
        assert!(!retention_passed(false, closed, 10, day("2026-03-30")));
        assert!(retention_passed(false, closed, 10, day("2026-03-31")));
        assert!(!retention_passed(true, closed, 10, day("2040-01-01")));
        assert!(retention_passed(false, day("2024-02-29"), 1, day("2025-02-28")), "29 February ends on the 28th");
    }
}

/// Erasure keeps every age band the reports can ask for, whatever the birth date and the days.
#[cfg(test)]
mod properties {
    use proptest::prelude::*;

    use super::*;

    proptest! {
        #[test]
        fn the_surrogate_keeps_the_year_and_every_age_band(
            born in 0i64..30_000,
            days in proptest::collection::vec(0i64..40_000, 0..6),
        ) {
            let origin = NaiveDate::from_ymd_opt(1940, 1, 1).unwrap();
            let birth_date = origin + chrono::Duration::days(born);
            let days: Vec<NaiveDate> = days.into_iter().map(|d| origin + chrono::Duration::days(d)).collect();
            let surrogate = surrogate_birth_date(birth_date, &days);
            prop_assert_eq!(surrogate.year(), birth_date.year());
            for day in days {
                prop_assert_eq!(age_band(Some(surrogate), None, day), age_band(Some(birth_date), None, day));
            }
        }
    }
}
