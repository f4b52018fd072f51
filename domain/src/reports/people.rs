//! People, not cases. The programme counts *beneficiari*: a person intercepted in June and
//! again in November (a new case) was first contacted once. A district counts a person as
//! intercepted in a range when the person's first interception by that district falls in it,
//! with the gender, citizenship and age of the person and the profile, channel and needs of that
//! case; taken in charge when one of the person's takings in charge there (from screening, or a
//! reopening) falls in it, once however many. The total of several districts applies the same
//! rules to them as one: each person counts once.
//!
//! Most people have one case taken in charge at most once; the per-day tallies count them,
//! and they add up over days and districts. The people with more than one case, or a case
//! taken in charge again, are counted here, one by one, from their whole history.

use std::collections::BTreeMap;

use chrono::NaiveDate;

use crate::beneficiaries::Gender;
use crate::cases::Channel;
use crate::districts::DistrictCode;
use crate::reports::indicators::{STATELESS, Tallies, UNKNOWN};
use crate::reports::statistics::{AgeBand, age_band};
use crate::screening::{Need, Profile};

/// What the report reads of a person.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PersonFacts {
    pub gender: Option<Gender>,
    pub birth_date: Option<NaiveDate>,
    pub birth_year: Option<i32>,
    /// ISO 3166-1 codes; empty for a stateless person; `None` when not known.
    pub citizenships: Option<Vec<String>>,
}

/// An interception (a case opened), on its calendar day.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Interception {
    pub district: DistrictCode,
    pub day: NaiveDate,
    pub profile: Option<Profile>,
    pub channel: Channel,
    pub needs: Vec<Need>,
}

/// A taking in charge (from screening, or reopening a closed case), on its calendar day.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TakingInCharge {
    pub district: DistrictCode,
    pub day: NaiveDate,
}

/// Everything of one person the people figures depend on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PersonHistory {
    pub person: PersonFacts,
    pub interceptions: Vec<Interception>,
    pub takings_in_charge: Vec<TakingInCharge>,
}

impl Tallies {
    /// Counts a person first contacted through `interception`, in every figure about the people
    /// intercepted.
    pub fn count_first_contact(&mut self, person: &PersonFacts, interception: &Interception) {
        self.intercepted.add(person.gender, 1);
        match &person.citizenships {
            None => *self.countries.entry(UNKNOWN.to_string()).or_default() += 1,
            Some(codes) if codes.is_empty() => *self.countries.entry(STATELESS.to_string()).or_default() += 1,
            Some(codes) => {
                for code in codes {
                    *self.countries.entry(code.clone()).or_default() += 1;
                }
            }
        }
        *self.profiles.entry(interception.profile).or_default() += 1;
        *self.channels.entry(interception.channel).or_default() += 1;
        for need in &interception.needs {
            *self.needs.entry(*need).or_default() += 1;
        }
        if age_band(person.birth_date, person.birth_year, interception.day) == AgeBand::Under18 {
            self.minors += 1;
        }
    }
}

/// The earliest of `interceptions` (the first recorded, on a tie).
fn first<'a>(interceptions: impl Iterator<Item = &'a Interception>) -> Option<&'a Interception> {
    interceptions.min_by_key(|interception| interception.day)
}

/// Adds the people of `histories` to the figures of each district of `by_district` and to
/// `total` (the same districts as one), for the days `from..=to`. Rows of districts outside
/// `by_district` are ignored.
pub fn count_people(
    histories: &[PersonHistory],
    from: NaiveDate,
    to: NaiveDate,
    by_district: &mut BTreeMap<DistrictCode, Tallies>,
    total: &mut Tallies,
) {
    let in_range = |day: NaiveDate| from <= day && day <= to;
    for history in histories {
        let person = &history.person;
        let ours = |district: &DistrictCode| by_district.contains_key(district);
        let interceptions: Vec<&Interception> = history.interceptions.iter().filter(|i| ours(&i.district)).collect();
        let takings: Vec<&TakingInCharge> = history.takings_in_charge.iter().filter(|t| ours(&t.district)).collect();
        if let Some(contact) = first(interceptions.iter().copied()).filter(|i| in_range(i.day)) {
            total.count_first_contact(person, contact);
        }
        if takings.iter().any(|t| in_range(t.day)) {
            total.taken_in_charge.add(person.gender, 1);
        }
        for (district, figures) in by_district.iter_mut() {
            let here = interceptions.iter().copied().filter(|i| &i.district == district);
            if let Some(contact) = first(here).filter(|i| in_range(i.day)) {
                figures.count_first_contact(person, contact);
            }
            if takings.iter().any(|t| &t.district == district && in_range(t.day)) {
                figures.taken_in_charge.add(person.gender, 1);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::reports::ByGender;

    fn on(m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2025, m, d).unwrap()
    }

    fn district(code: &str) -> DistrictCode {
        DistrictCode::from_trusted(code.into())
    }

    fn intercepted(code: &str, day: NaiveDate) -> Interception {
        Interception {
            district: district(code),
            day,
            profile: Some(Profile::GreyWork),
            channel: Channel::StreetOutreach,
            needs: vec![Need::Documents],
        }
    }

    fn taken(code: &str, day: NaiveDate) -> TakingInCharge {
        TakingInCharge { district: district(code), day }
    }

    fn woman_from(countries: &[&str]) -> PersonFacts {
        PersonFacts {
            gender: Some(Gender::Female),
            birth_date: None,
            birth_year: Some(1990),
            citizenships: Some(countries.iter().map(|c| c.to_string()).collect()),
        }
    }

    fn report(
        histories: &[PersonHistory],
        from: NaiveDate,
        to: NaiveDate,
    ) -> (BTreeMap<DistrictCode, Tallies>, Tallies) {
        let mut by_district: BTreeMap<DistrictCode, Tallies> =
            ["milano", "bergamo"].map(|d| (district(d), Tallies::default())).into_iter().collect();
        let mut total = Tallies::default();
        count_people(histories, from, to, &mut by_district, &mut total);
        (by_district, total)
    }

    #[test]
    fn a_person_intercepted_again_is_one_person_first_contacted_once() {
        let person = PersonHistory {
            person: woman_from(&["BD"]),
            interceptions: vec![intercepted("milano", on(6, 10)), intercepted("milano", on(11, 3))],
            takings_in_charge: vec![taken("milano", on(6, 20)), taken("milano", on(11, 10))],
        };
        let (by_district, total) = report(std::slice::from_ref(&person), on(5, 1), on(11, 30));
        let milano = &by_district[&district("milano")];
        assert_eq!(milano.intercepted, ByGender { female: 1, ..ByGender::default() });
        assert_eq!(milano.countries.get("BD"), Some(&1));
        assert_eq!(milano.needs.get(&Need::Documents), Some(&1));
        assert_eq!(milano.taken_in_charge.total(), 1, "taken in charge twice, one person");
        assert_eq!(total.intercepted.total(), 1);
        // November alone: she was first contacted in June, but taken in charge again in November.
        let (by_district, _) = report(&[person], on(11, 1), on(11, 30));
        assert_eq!(by_district[&district("milano")].intercepted.total(), 0);
        assert_eq!(by_district[&district("milano")].taken_in_charge.total(), 1);
    }

    #[test]
    fn each_district_counts_its_first_contact_and_the_total_counts_the_person_once() {
        let person = PersonHistory {
            person: woman_from(&["AL", "MA"]),
            interceptions: vec![intercepted("bergamo", on(11, 3)), intercepted("milano", on(6, 10))],
            takings_in_charge: vec![taken("bergamo", on(11, 5))],
        };
        let (by_district, total) = report(std::slice::from_ref(&person), on(5, 1), on(11, 30));
        assert_eq!(by_district[&district("milano")].intercepted.total(), 1);
        assert_eq!(by_district[&district("bergamo")].intercepted.total(), 1);
        assert_eq!(total.intercepted.total(), 1);
        assert_eq!(total.countries.get("AL"), Some(&1), "a person with two citizenships counts under both");
        assert_eq!(total.countries.get("MA"), Some(&1));
        assert_eq!(total.taken_in_charge.total(), 1);
        // From July, the person was first contacted by the programme before the range: the
        // total counts nobody new, Bergamo counts its own first contact.
        let (by_district, total) = report(&[person], on(7, 1), on(11, 30));
        assert_eq!(by_district[&district("bergamo")].intercepted.total(), 1);
        assert_eq!(by_district[&district("milano")].intercepted.total(), 0);
        assert_eq!(total.intercepted.total(), 0);
    }

    #[test]
    fn rows_of_other_districts_and_unknown_citizenships_are_handled() {
        let person = PersonHistory {
            person: PersonFacts { birth_year: Some(2010), ..PersonFacts::default() },
            interceptions: vec![intercepted("lecco", on(5, 2)), intercepted("milano", on(6, 1))],
            takings_in_charge: vec![taken("lecco", on(5, 3))],
        };
        let (by_district, total) = report(&[person], on(5, 1), on(11, 30));
        assert_eq!(total.intercepted, ByGender { other: 1, ..ByGender::default() }, "Lecco is not in the report");
        assert_eq!(total.countries.get(UNKNOWN), Some(&1));
        assert_eq!(total.minors, 1);
        assert_eq!(total.taken_in_charge.total(), 0);
        assert_eq!(by_district[&district("milano")].intercepted.total(), 1);
    }
}

/// The people rules stated generally: each person counts at most once in a district and once
/// in the total, and a person with one case taken in charge at most once counts exactly as the
/// per-day tallies add them up.
#[cfg(test)]
mod properties {
    use proptest::prelude::*;
    use proptest::sample::select;

    use super::*;

    fn day() -> impl Strategy<Value = NaiveDate> {
        (0i64..120).prop_map(|d| NaiveDate::from_ymd_opt(2025, 4, 1).unwrap() + chrono::Duration::days(d))
    }

    fn district() -> impl Strategy<Value = DistrictCode> {
        select(vec!["milano", "bergamo", "lecco"]).prop_map(|d| DistrictCode::from_trusted(d.into()))
    }

    fn history() -> impl Strategy<Value = PersonHistory> {
        let interception = (district(), day()).prop_map(|(district, day)| Interception {
            district,
            day,
            profile: None,
            channel: Channel::StreetOutreach,
            needs: vec![Need::Documents],
        });
        let taking = (district(), day()).prop_map(|(district, day)| TakingInCharge { district, day });
        (
            proptest::option::of(select(vec![Gender::Male, Gender::Female])),
            proptest::collection::vec(interception, 1..4),
            proptest::collection::vec(taking, 0..3),
        )
            .prop_map(|(gender, interceptions, takings_in_charge)| PersonHistory {
                person: PersonFacts { gender, citizenships: Some(vec!["PK".into()]), ..PersonFacts::default() },
                interceptions,
                takings_in_charge,
            })
    }

    fn counted(
        histories: &[PersonHistory],
        from: NaiveDate,
        to: NaiveDate,
    ) -> (BTreeMap<DistrictCode, Tallies>, Tallies) {
        let mut by_district: BTreeMap<DistrictCode, Tallies> = ["milano", "bergamo"]
            .map(|d| (DistrictCode::from_trusted(d.into()), Tallies::default()))
            .into_iter()
            .collect();
        let mut total = Tallies::default();
        count_people(histories, from, to, &mut by_district, &mut total);
        (by_district, total)
    }

    proptest! {
        #[test]
        fn a_person_counts_at_most_once_and_simple_people_add_up(
            histories in proptest::collection::vec(history(), 0..8),
            (from, to) in (day(), day()).prop_map(|(a, b)| (a.min(b), a.max(b))),
        ) {
            let (by_district, total) = counted(&histories, from, to);
            let people = histories.len() as i64;
            prop_assert!(total.intercepted.total() <= people);
            prop_assert!(total.taken_in_charge.total() <= people);
            let summed: i64 = by_district.values().map(|t| t.intercepted.total()).sum();
            prop_assert!(total.intercepted.total() <= summed, "the total counts each person once");
            for figures in by_district.values() {
                prop_assert!(figures.intercepted.total() <= people);
                prop_assert_eq!(figures.countries.get("PK").copied().unwrap_or(0), figures.intercepted.total());
            }
            // One case, taken in charge at most once, in the report's districts: what the
            // per-day tallies count, added up over districts.
            let simple: Vec<PersonHistory> = histories
                .iter()
                .map(|h| PersonHistory {
                    interceptions: h.interceptions[..1].to_vec(),
                    takings_in_charge: h.takings_in_charge.iter().take(1).cloned().collect(),
                    ..h.clone()
                })
                .collect();
            let (by_district, total) = counted(&simple, from, to);
            let in_range = |day: NaiveDate| from <= day && day <= to;
            for (district, figures) in &by_district {
                let intercepted = simple.iter().filter(|h| {
                    h.interceptions.iter().any(|i| &i.district == district && in_range(i.day))
                }).count() as i64;
                let taken = simple.iter().filter(|h| {
                    h.takings_in_charge.iter().any(|t| &t.district == district && in_range(t.day))
                }).count() as i64;
                prop_assert_eq!(figures.intercepted.total(), intercepted);
                prop_assert_eq!(figures.taken_in_charge.total(), taken);
            }
            let summed: i64 = by_district.values().map(|t| t.intercepted.total()).sum();
            prop_assert_eq!(total.intercepted.total(), summed);
        }
    }
}
