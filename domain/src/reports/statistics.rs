//! The arithmetic of monitoring and evaluation: suppression of small counts, medians and
//! percentiles, rates, age bands.

use chrono::{Datelike, NaiveDate};

use crate::referrals::ReferralStatus;
use crate::vocabulary;

/// Counts from 1 to this are suppressed in breakdowns by person for roles that see all
/// districts: a handful of people in a district can be recognised.
pub const SUPPRESSION_MAX: i64 = 4;

/// A count as published: `None` when suppressed.
pub fn suppress(count: i64) -> Option<i64> {
    if (1..=SUPPRESSION_MAX).contains(&count) { None } else { Some(count) }
}

/// Values counted by how often each occurs (value → count): how the report holds the days
/// to intake, a few hundred distinct values over hundreds of thousands of cases.
pub type Histogram = std::collections::BTreeMap<i64, i64>;

/// How many values a histogram holds.
pub fn histogram_len(values: &Histogram) -> i64 {
    values.values().filter(|n| **n > 0).sum()
}

/// The value at a 1-based rank in ascending order.
fn value_at_rank(values: &Histogram, rank: i64) -> Option<i64> {
    let mut seen = 0;
    values.iter().filter(|(_, n)| **n > 0).find_map(|(value, n)| {
        seen += n;
        (seen >= rank).then_some(*value)
    })
}

/// The median (average of the middle two for an even number).
pub fn median(values: &Histogram) -> Option<f64> {
    let n = histogram_len(values);
    match n {
        0 => None,
        _ if n % 2 == 1 => value_at_rank(values, n / 2 + 1).map(|v| v as f64),
        _ => Some((value_at_rank(values, n / 2)? + value_at_rank(values, n / 2 + 1)?) as f64 / 2.0),
    }
}

/// The nearest-rank percentile (`p` from 1 to 100): the smallest value with at least p% of the
/// values at or below it.
pub fn percentile(values: &Histogram, p: u32) -> Option<i64> {
    let n = histogram_len(values);
    if n == 0 {
        return None;
    }
    let rank = (f64::from(p.clamp(1, 100)) / 100.0 * n as f64).ceil() as i64;
    value_at_rank(values, rank.max(1))
}

/// `numerator / denominator`, or `None` without a denominator.
pub fn rate(numerator: i64, denominator: i64) -> Option<f64> {
    (denominator > 0).then(|| (numerator as f64 / denominator as f64 * 1000.0).round() / 1000.0)
}

/// The share of referrals the receiving organisation accepted, among those it answered
/// (accepted, later completed or failed, or declined); and the share of accepted referrals
/// completed so far. Counts are by current status.
pub fn referral_rates(count_of: impl Fn(ReferralStatus) -> i64) -> ReferralRates {
    use ReferralStatus::*;
    let accepted = count_of(Accepted) + count_of(Completed) + count_of(Failed);
    let answered = accepted + count_of(Declined);
    ReferralRates {
        acceptance: rate(accepted, answered),
        acceptance_denominator: answered,
        completion: rate(count_of(Completed), accepted),
        completion_denominator: accepted,
    }
}

/// Rates with the counts they divide by: a rate over a handful of people is as telling as the
/// count itself, so suppression looks at the denominators.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ReferralRates {
    pub acceptance: Option<f64>,
    pub acceptance_denominator: i64,
    pub completion: Option<f64>,
    pub completion_denominator: i64,
}

vocabulary! {
    pub enum AgeBand as "age_bands" {
        Under18 => ("under_18", "Meno di 18 anni", "Under 18"),
        From18To24 => ("18_24", "18-24 anni", "18-24"),
        From25To34 => ("25_34", "25-34 anni", "25-34"),
        From35To44 => ("35_44", "35-44 anni", "35-44"),
        From45To54 => ("45_54", "45-54 anni", "45-54"),
        From55 => ("55_plus", "55 anni e più", "55 and over"),
        Unknown => ("unknown", "Non nota", "Unknown"),
    }
}

/// The age band on a day, from a birth date or, failing that, a birth year (then the age is
/// the difference of years: it may be one too many).
pub fn age_band(birth_date: Option<NaiveDate>, birth_year: Option<i32>, on: NaiveDate) -> AgeBand {
    let age = match (birth_date, birth_year) {
        (Some(date), _) => on.years_since(date).map(i64::from),
        (None, Some(year)) => Some(i64::from(on.year() - year)).filter(|a| *a >= 0),
        (None, None) => None,
    };
    match age {
        None => AgeBand::Unknown,
        Some(a) if a < 18 => AgeBand::Under18,
        Some(a) if a < 25 => AgeBand::From18To24,
        Some(a) if a < 35 => AgeBand::From25To34,
        Some(a) if a < 45 => AgeBand::From35To44,
        Some(a) if a < 55 => AgeBand::From45To54,
        Some(_) => AgeBand::From55,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn small_counts_are_suppressed_zero_is_not() {
        assert_eq!(suppress(0), Some(0));
        for n in 1..=4 {
            assert_eq!(suppress(n), None);
        }
        assert_eq!(suppress(5), Some(5));
    }

    fn histogram(values: &[i64]) -> Histogram {
        let mut counted = Histogram::new();
        for v in values {
            *counted.entry(*v).or_default() += 1;
        }
        counted
    }

    #[test]
    fn median_and_nearest_rank_percentile() {
        assert_eq!(median(&histogram(&[])), None);
        assert_eq!(median(&histogram(&[7])), Some(7.0));
        assert_eq!(median(&histogram(&[9, 1, 5])), Some(5.0));
        assert_eq!(median(&histogram(&[1, 2, 3, 10])), Some(2.5));
        assert_eq!(median(&histogram(&[3, 3, 3, 8])), Some(3.0));
        assert_eq!(median(&histogram(&[1, 1, 9, 9])), Some(5.0));
        let values: Vec<i64> = (1..=10).collect();
        assert_eq!(percentile(&histogram(&values), 90), Some(9));
        assert_eq!(percentile(&histogram(&values), 100), Some(10));
        assert_eq!(percentile(&histogram(&[4]), 90), Some(4));
        assert_eq!(percentile(&histogram(&[]), 90), None);
        assert_eq!(percentile(&histogram(&[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]), 90), Some(10));
        // Zero counts (a day whose cases were all moved) hold no values.
        let mut with_zero = histogram(&[2, 4]);
        with_zero.insert(100, 0);
        assert_eq!(median(&with_zero), Some(3.0));
        assert_eq!(percentile(&with_zero, 100), Some(4));
    }

    #[test]
    fn histogram_statistics_match_sorting_the_values() {
        // A fixed pseudo-random walk over many lengths and spreads, with repeats.
        let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
        for len in 1..200usize {
            let values: Vec<i64> = (0..len)
                .map(|_| {
                    state = state.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
                    ((state >> 33) % (len as u64 / 3 + 2)) as i64
                })
                .collect();
            let mut sorted = values.clone();
            sorted.sort_unstable();
            let n = sorted.len();
            let expected_median =
                if n % 2 == 1 { sorted[n / 2] as f64 } else { (sorted[n / 2 - 1] + sorted[n / 2]) as f64 / 2.0 };
            assert_eq!(median(&histogram(&values)), Some(expected_median), "{values:?}");
            for p in [1, 50, 90, 99, 100] {
                let rank = (f64::from(p) / 100.0 * n as f64).ceil() as usize;
                assert_eq!(percentile(&histogram(&values), p), Some(sorted[rank.max(1) - 1]), "p{p} {values:?}");
            }
        }
    }

    #[test]
    fn rates_have_three_decimals() {
        assert_eq!(rate(2, 3), Some(0.667));
        assert_eq!(rate(1, 0), None);
    }

    #[test]
    fn referral_rates_count_answers_and_acceptances() {
        use ReferralStatus::*;
        let counts = |status: ReferralStatus| match status {
            Proposed => 7,
            Sent => 5,
            Accepted => 2,
            Completed => 3,
            Failed => 1,
            Declined => 4,
            Revoked => 9,
        };
        let rates = referral_rates(counts);
        assert_eq!(rates.acceptance_denominator, 10);
        assert_eq!(rates.acceptance, Some(0.6));
        assert_eq!(rates.completion_denominator, 6);
        assert_eq!(rates.completion, Some(0.5));
        let none = referral_rates(|_| 0);
        assert_eq!((none.acceptance, none.completion), (None, None));
    }

    #[test]
    fn age_bands_from_date_or_year() {
        let on = day("2025-06-01");
        assert_eq!(age_band(Some(day("2007-06-02")), None, on), AgeBand::Under18);
        assert_eq!(age_band(Some(day("2007-06-01")), None, on), AgeBand::From18To24);
        assert_eq!(age_band(None, Some(1990), on), AgeBand::From35To44);
        assert_eq!(age_band(None, Some(1970), on), AgeBand::From55);
        assert_eq!(age_band(None, None, on), AgeBand::Unknown);
        assert_eq!(age_band(None, Some(2030), on), AgeBand::Unknown);
    }
}
