use std::collections::{HashMap, HashSet};

use proptest::prelude::*;
use proptest::sample::select;

use super::*;

/// A row: its person (an index), then what may identify them.
type Drawn = (u8, QuasiIdentifiers);

fn quasi_identifiers() -> impl Strategy<Value = QuasiIdentifiers> {
    (
        select(vec!["milano", "milano", "milano", "bergamo", "bergamo", "suzzara"]),
        proptest::option::of(select(vec!["male", "male", "male", "female", "non_binary"])),
        select(AgeBand::ALL.to_vec()),
        proptest::option::of(proptest::collection::vec(
            select(vec!["BD", "BD", "PK", "EG", "MA", "AL", "PE", "XK"]),
            0..3,
        )),
        (2025i32..2027, 1u32..13),
        select(vec!["street_outreach", "self_referral", "word_of_mouth", "partner_referral"]),
        proptest::option::of(select(vec!["long_term_grey_work", "recent_arrival", "fraud_victim"])),
    )
        .prop_map(|(district, gender, age_band, citizenships, month, channel, profile)| QuasiIdentifiers {
            district: district.to_string(),
            gender: gender.map(str::to_string),
            age_band,
            citizenships: citizenships.map(|c| c.into_iter().map(str::to_string).collect()),
            month,
            channel: channel.to_string(),
            profile: profile.map(str::to_string),
        })
}

fn export() -> impl Strategy<Value = Vec<Drawn>> {
    proptest::collection::vec((0u8..120, quasi_identifiers()), 0..260)
}

/// Plans `rows` and writes each; the written rows with their person.
fn written(rows: &[Drawn], k: usize) -> (Anonymisation, Vec<(u8, QuasiIdentifiers, Written)>) {
    let ids: Vec<Uuid> = (0..rows.len()).map(|i| Uuid::from_u128(i as u128 + 1)).collect();
    let people: Vec<Uuid> = (0..=u8::MAX).map(|p| Uuid::from_u128((p as u128 + 1) << 64)).collect();
    let mut anonymiser = Anonymiser::default();
    for ((person, qi), id) in rows.iter().zip(&ids) {
        anonymiser.add(*id, people[*person as usize], qi);
    }
    let plan = anonymiser.plan(k);
    let out = rows.iter().zip(&ids).map(|((p, qi), id)| (*p, qi.clone(), plan.written(*id, qi, None))).collect();
    (plan, out)
}

/// The quasi-identifiers of a written row, as a reader groups them.
fn class(w: &Written) -> [String; 7] {
    [
        w.district.clone(),
        w.gender.clone().unwrap_or_default(),
        w.age_band.clone(),
        w.citizenship.clone(),
        w.month.clone(),
        w.channel.clone(),
        w.profile.clone().unwrap_or_default(),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    #[test]
    fn every_row_is_shared_by_k_people(rows in export()) {
        let (plan, out) = written(&rows, EXPORT_K);
        let mut people: HashMap<[String; 7], HashSet<u8>> = HashMap::new();
        for (person, _, w) in &out {
            people.entry(class(w)).or_default().insert(*person);
        }
        let everyone: HashSet<u8> = rows.iter().map(|(p, _)| *p).collect();
        if everyone.len() >= EXPORT_K {
            for (key, members) in &people {
                prop_assert!(members.len() >= EXPORT_K, "{key:?} is shared by {} people", members.len());
            }
            prop_assert!(plan.summary.k_reached());
        }
        let smallest = people.values().map(HashSet::len).min().unwrap_or(0);
        prop_assert_eq!(plan.summary.smallest_class, smallest);
        prop_assert_eq!(plan.summary.rows, rows.len());
        prop_assert_eq!(plan.summary.people, everyone.len());
    }

    #[test]
    fn what_is_written_is_the_truth_generalised_or_withheld(rows in export()) {
        let (plan, out) = written(&rows, EXPORT_K);
        let g = plan.summary.generalisation;
        let mut withheld: HashMap<Attribute, usize> = HashMap::new();
        for (_, qi, w) in &out {
            let raw = raw_values(qi);
            let written = class(w);
            for attribute in Attribute::ALL.iter().copied() {
                let value = &written[attribute as usize];
                let truth = generalised(attribute, &raw[attribute as usize], g);
                let marker = if attribute == Attribute::District { OTHER_DISTRICT } else { SUPPRESSED };
                prop_assert!(*value == truth || value == marker, "{attribute:?}: {value} for {truth}");
                if *value != truth {
                    *withheld.entry(attribute).or_default() += 1;
                }
            }
        }
        for attribute in Attribute::ALL {
            prop_assert_eq!(withheld.get(attribute).copied().unwrap_or(0), plan.summary.suppressed.get(attribute).copied().unwrap_or(0));
        }
    }
}

fn someone(district: &str, gender: &str, age_band: AgeBand, country: &str, month: u32) -> QuasiIdentifiers {
    QuasiIdentifiers {
        district: district.to_string(),
        gender: Some(gender.to_string()),
        age_band,
        citizenships: Some(vec![country.to_string()]),
        month: (2025, month),
        channel: "street_outreach".to_string(),
        profile: Some("recent_arrival".to_string()),
    }
}

#[test]
fn a_lone_woman_of_fifty_from_albania_in_suzzara_is_not_singled_out() {
    let mut rows = Vec::new();
    // Forty men from Bangladesh and Pakistan met in Suzzara over a year, alike but for the month.
    for i in 0..40u32 {
        rows.push(someone("suzzara", "male", AgeBand::From25To34, ["BD", "PK"][(i % 2) as usize], i % 12 + 1));
    }
    rows.push(someone("suzzara", "female", AgeBand::From45To54, "AL", 3));
    let ids: Vec<Uuid> = (0..rows.len()).map(|i| Uuid::from_u128(i as u128 + 1)).collect();
    let mut anonymiser = Anonymiser::default();
    for (qi, id) in rows.iter().zip(&ids) {
        anonymiser.add(*id, Uuid::from_u128(id.as_u128() << 64), qi);
    }
    let plan = anonymiser.plan(EXPORT_K);
    let her = plan.written(ids[40], &rows[40], Some((2025, 4)));
    let alike = rows.iter().zip(&ids).filter(|(qi, id)| class(&plan.written(**id, qi, None)) == class(&her)).count();
    assert!(alike >= EXPORT_K, "{her:?} is shared by {alike}");
    assert_eq!(plan.summary.smallest_class, EXPORT_K.max(plan.summary.smallest_class));
    assert!(her.gender.as_deref() == Some(SUPPRESSED) || her.age_band == SUPPRESSED || her.citizenship == SUPPRESSED);
    // The month of taking in charge is written as finely as the month of interception.
    assert_eq!(her.taken_in_charge_month.as_deref().map(str::len), Some(her.month.len()));
}

#[test]
fn an_export_of_common_rows_is_written_as_it_is() {
    let rows: Vec<QuasiIdentifiers> =
        (0..10).map(|_| someone("milano", "male", AgeBand::From25To34, "BD", 3)).collect();
    let mut anonymiser = Anonymiser::default();
    let ids: Vec<Uuid> = (0..rows.len()).map(|i| Uuid::from_u128(i as u128 + 1)).collect();
    for (qi, id) in rows.iter().zip(&ids) {
        anonymiser.add(*id, Uuid::from_u128(id.as_u128() << 64), qi);
    }
    let plan = anonymiser.plan(EXPORT_K);
    assert_eq!(plan.summary.generalisation, Generalisation::default());
    assert!(plan.summary.suppressed.is_empty());
    let w = plan.written(ids[0], &rows[0], Some((2025, 5)));
    assert_eq!((w.month.as_str(), w.citizenship.as_str(), w.age_band.as_str()), ("2025-03", "BD", "25_34"));
    assert_eq!(w.taken_in_charge_month.as_deref(), Some("2025-05"));
    assert_eq!(plan.summary.smallest_class, 10);
}

#[test]
fn generalisations_climb_their_hierarchies() {
    assert_eq!(month_at("2025-03", MonthLevel::Quarter), "2025-Q1");
    assert_eq!(month_at("2025-10", MonthLevel::Quarter), "2025-Q4");
    assert_eq!(month_at("2025-12", MonthLevel::Year), "2025");
    assert_eq!(age_at("45_54", AgeLevel::Wide), "35_54");
    assert_eq!(age_at("under_18", AgeLevel::Wide), "under_18");
    assert_eq!(citizenship_at("AL|EG", CitizenshipLevel::Subregion), "northern-africa|southern-europe");
    assert_eq!(citizenship_at("BD|PK", CitizenshipLevel::Subregion), "southern-asia");
    assert_eq!(citizenship_at("EG|MA", CitizenshipLevel::Region), "africa");
    assert_eq!(citizenship_at("stateless", CitizenshipLevel::Region), "stateless");
}

#[test]
fn a_few_rare_rows_lose_values_and_the_rest_keep_their_detail() {
    // A hundred people in five common classes, and two alone in theirs: 2% of the rows.
    let mut rows: Vec<QuasiIdentifiers> = (0..100)
        .map(|i| someone("milano", "male", AgeBand::From25To34, ["BD", "PK", "EG", "MA", "SN"][i % 5], 3))
        .collect();
    rows.push(someone("milano", "female", AgeBand::From55, "AL", 3));
    rows.push(someone("suzzara", "male", AgeBand::From18To24, "PE", 9));
    let ids: Vec<Uuid> = (0..rows.len()).map(|i| Uuid::from_u128(i as u128 + 1)).collect();
    let mut anonymiser = Anonymiser::default();
    for (qi, id) in rows.iter().zip(&ids) {
        anonymiser.add(*id, Uuid::from_u128(id.as_u128() << 64), qi);
    }
    let plan = anonymiser.plan(EXPORT_K);
    assert_eq!(plan.summary.generalisation, Generalisation::default(), "{:?}", plan.summary);
    // The two rare rows are withheld down to the all-withheld class, which takes three people
    // spared by the common classes; the others are written as they are.
    let written: Vec<Written> = rows.iter().zip(&ids).map(|(qi, id)| plan.written(*id, qi, None)).collect();
    let as_they_are = written[..100].iter().filter(|w| w.month == "2025-03" && w.citizenship != SUPPRESSED).count();
    assert_eq!(as_they_are, 97);
    assert!(written[100..].iter().all(|w| w.citizenship == SUPPRESSED && w.district == OTHER_DISTRICT));
    assert!(plan.summary.k_reached(), "{:?}", plan.summary);
    assert!(plan.summary.information_lost < 0.1, "{:?}", plan.summary);
}
