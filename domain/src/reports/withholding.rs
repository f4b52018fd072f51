//! The report as published to readers who see every district: the small counts withheld, and
//! as many others as it takes for none of them to be worked out from the rest of the answer
//! (see [`crate::reports::Grid`]).
//!
//! The relations an attacker can use, declared whenever the figures satisfy them: in each block,
//! men + women + other = total (people intercepted, people taken in charge); the profiles, the
//! channels (and the citizenships or needs, when each person has exactly one) of the people
//! intercepted add up to their total; and each figure of the districts adds up to the same
//! figure of the total. Rates, medians and shares are withheld with the counts they come from.

use std::collections::BTreeMap;

use chrono::NaiveDate;

use crate::districts::DistrictCode;

use crate::Vocabulary;
use crate::referrals::ReferralStatus;
use crate::reports::disclosure::Grid;
use crate::reports::indicators::{Figure, Flow, Indicators, Tallies, publish};
use crate::reports::statistics::{referral_rates, suppress};

/// Every count of a block about people, by a key that names the same figure in every block.
fn figures_mut(block: &mut Indicators) -> Vec<(String, &mut Figure)> {
    let mut out: Vec<(String, &mut Figure)> = Vec::new();
    for (name, flow) in
        [("intercepted", &mut block.people_intercepted), ("taken_in_charge", &mut block.people_taken_in_charge)]
    {
        let Flow { male, female, other, total, .. } = flow;
        out.push((format!("{name}.male"), male));
        out.push((format!("{name}.female"), female));
        out.push((format!("{name}.other"), other));
        out.push((format!("{name}.total"), total));
    }
    out.push(("cases_opened".into(), &mut block.cases_opened));
    for (list, entries) in [
        ("countries", &mut block.countries),
        ("profiles", &mut block.profiles),
        ("needs", &mut block.needs),
        ("channels", &mut block.channels),
        ("services", &mut block.services_by_category),
        ("referrals", &mut block.referrals.by_status),
        ("work_grants", &mut block.work_grants),
        ("outcomes", &mut block.outcomes),
    ] {
        for entry in entries.iter_mut() {
            out.push((format!("{list}.{}", entry.code), &mut entry.figure));
        }
    }
    for legal in block.legal_procedures.iter_mut() {
        out.push((format!("legal.{}/{}", legal.kind.code(), legal.status.code()), &mut legal.figure));
    }
    out.push(("days_to_intake.cases".into(), &mut block.days_to_intake.cases));
    out.push(("minors".into(), &mut block.minors));
    out.push(("transfers_in".into(), &mut block.transfers_in));
    out.push(("transfers_out".into(), &mut block.transfers_out));
    out
}

/// The sections whose items add up to the people intercepted, when each person has one.
const SECTIONS_OF_PEOPLE: [&str; 4] = ["profiles", "channels", "countries", "needs"];

/// How much of an answer was withheld: what a reader is told, and what the README measures.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Withholding {
    /// Counts in the answer that are not zero (zeros are always published).
    pub counts: usize,
    /// Counts from 1 to 4, withheld for their own sake.
    pub small_counts: usize,
    /// Counts of 5 or more withheld so that no small one can be worked out.
    pub complements: usize,
}

/// The report as published: each district's block, the total's, and what was withheld.
#[derive(Debug, Clone, PartialEq)]
pub struct PublishedReport {
    pub districts: Vec<Indicators>,
    pub total: Indicators,
    /// `None` when the report is exact.
    pub withholding: Option<Withholding>,
}

/// One district's indicators, as published.
#[derive(Debug, Clone, PartialEq)]
pub struct DistrictReport {
    pub district: DistrictCode,
    pub name: String,
    pub indicators: Indicators,
}

/// The indicators report of a range, per district in the programme's order and in total.
#[derive(Debug, Clone, PartialEq)]
pub struct IndicatorsReport {
    pub from: NaiveDate,
    pub to: NaiveDate,
    /// Counts from 1 to 4 are withheld, with as many others as keep them from being worked
    /// out (readers who see every district).
    pub small_counts_suppressed: bool,
    /// How many counts were withheld, when some may be.
    pub withholding: Option<Withholding>,
    pub districts: Vec<DistrictReport>,
    /// Over the districts above, added up before suppression.
    pub total: Indicators,
}

/// The indicators of each district and of their total (its tallies summed, people counted once)
/// as published: exact, or with small counts withheld and as many others as protect them.
pub fn publish_report(districts: &[Tallies], total: &Tallies, suppressing: bool) -> PublishedReport {
    let mut blocks: Vec<Indicators> = districts.iter().chain(std::iter::once(total)).map(publish).collect();
    let withholding = suppressing.then(|| {
        let all: Vec<&Tallies> = districts.iter().chain(std::iter::once(total)).collect();
        withhold(&mut blocks, &all)
    });
    let total = blocks.pop().unwrap_or_else(|| publish(total));
    PublishedReport { districts: blocks, total, withholding }
}

/// The cell of a figure of a block; a figure the block does not list is a published zero.
fn cell_of(grid: &mut Grid, cells: &mut [BTreeMap<String, usize>], block: usize, key: &str) -> usize {
    *cells[block].entry(key.to_string()).or_insert_with(|| grid.cell(0))
}

/// Withholds in `blocks` (the districts, then the total, from `tallies`) every small count and
/// its complements, then what derives from a withheld count.
fn withhold(blocks: &mut [Indicators], tallies: &[&Tallies]) -> Withholding {
    let mut grid = Grid::default();
    // (block, key) → cell, for every figure present; absent figures are published zeros.
    let mut cells: Vec<BTreeMap<String, usize>> = Vec::new();
    for block in blocks.iter_mut() {
        let ids =
            figures_mut(block).into_iter().map(|(key, figure)| (key, grid.cell(figure.count.unwrap_or(0)))).collect();
        cells.push(ids);
    }
    for block in 0..blocks.len() {
        for flow in ["intercepted", "taken_in_charge"] {
            let parts =
                ["male", "female", "other"].map(|g| cell_of(&mut grid, &mut cells, block, &format!("{flow}.{g}")));
            let total = cell_of(&mut grid, &mut cells, block, &format!("{flow}.total"));
            grid.relate(parts.to_vec(), total);
        }
        let people = cell_of(&mut grid, &mut cells, block, "intercepted.total");
        for section in SECTIONS_OF_PEOPLE {
            let prefix = format!("{section}.");
            let parts: Vec<usize> =
                cells[block].iter().filter(|(key, _)| key.starts_with(&prefix)).map(|(_, id)| *id).collect();
            grid.relate(parts, people);
        }
    }
    if let Some(total_block) = blocks.len().checked_sub(1).filter(|t| *t > 0) {
        let keys: std::collections::BTreeSet<String> = cells.iter().flat_map(|c| c.keys().cloned()).collect();
        for key in keys {
            let parts: Vec<usize> = (0..total_block).map(|b| cell_of(&mut grid, &mut cells, b, &key)).collect();
            let total = cell_of(&mut grid, &mut cells, total_block, &key);
            grid.relate(parts, total);
        }
    }
    grid.protect();
    let counted = grid.cells().iter().filter(|c| c.value > 0);
    let withholding = counted.fold(Withholding::default(), |mut w, cell| {
        w.counts += 1;
        w.small_counts += usize::from(cell.is_small());
        w.complements += usize::from(cell.withheld && !cell.is_small());
        w
    });

    for (b, block) in blocks.iter_mut().enumerate() {
        for (key, figure) in figures_mut(block) {
            if cells[b].get(&key).is_some_and(|id| grid.cells()[*id].withheld) {
                *figure = Figure { count: None, suppressed: true };
            }
        }
        withhold_derived(block, tallies[b]);
        // Published countries by count; withheld ones after, by code, so that their order
        // tells nothing of their size.
        block.countries.sort_by_key(|c| (c.figure.suppressed, c.figure.count.map(|n| -n), c.code.clone()));
    }
    withholding
}

/// Rates, medians, shares and judgements computed from a withheld count are withheld with it;
/// rates over 1 to 4 referrals too.
fn withhold_derived(block: &mut Indicators, tallies: &Tallies) {
    let withheld = |list: &[crate::reports::CodeCount], status: ReferralStatus| {
        list.iter().any(|c| c.code == status.code() && c.figure.suppressed)
    };
    let by_status = &block.referrals.by_status;
    let parts_withheld =
        [ReferralStatus::Accepted, ReferralStatus::Completed, ReferralStatus::Failed, ReferralStatus::Declined]
            .into_iter()
            .any(|status| withheld(by_status, status));
    let rates = referral_rates(|status| tallies.referrals.get(&status).copied().unwrap_or(0));
    let small_denominator =
        suppress(rates.acceptance_denominator).is_none() || suppress(rates.completion_denominator).is_none();
    if parts_withheld || small_denominator {
        block.referrals.acceptance_rate = None;
        block.referrals.completion_rate = None;
        block.referrals.rates_suppressed = true;
    }
    if block.days_to_intake.cases.suppressed {
        block.days_to_intake.median = None;
        block.days_to_intake.p90 = None;
        block.days_to_intake.suppressed = true;
    }
    for flow in [&mut block.people_intercepted, &mut block.people_taken_in_charge] {
        if flow.total.suppressed {
            flow.target_share = None;
            flow.target_status = None;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::beneficiaries::Gender;
    use crate::reports::ByGender;

    #[test]
    fn a_small_count_a_total_gives_back_is_withheld_with_a_complement() {
        // Milano: 8 men and 4 women of 12; Bergamo: 20 men and 9 women.
        let milano = Tallies { intercepted: ByGender { male: 8, female: 4, other: 0 }, ..Tallies::default() };
        let bergamo = Tallies { intercepted: ByGender { male: 20, female: 9, other: 0 }, ..Tallies::default() };
        let mut total = milano.clone();
        total.add(&bergamo);
        let PublishedReport { districts, total, withholding } = publish_report(&[milano, bergamo], &total, true);
        let women = districts[0].people_intercepted.female;
        assert!(women.suppressed);
        let withheld = |f: Figure| f.suppressed;
        let flows = districts.iter().chain(std::iter::once(&total)).map(|b| b.people_intercepted);
        let count = flows.flat_map(|f| [f.male, f.female, f.other, f.total]).filter(|f| withheld(*f)).count();
        assert!(count >= 4, "the women of Milano and at least three complements: {count}");
        let withholding = withholding.expect("withheld");
        assert_eq!(withholding.small_counts, 1, "{withholding:?}");
        assert_eq!(withholding.small_counts + withholding.complements, count, "only gender cells are in this answer");
        // Exact for a district's own roles.
        let exact = publish_report(&[districts_tallies()], &districts_tallies(), false);
        assert_eq!(exact.districts[0].people_intercepted.female.count, Some(2));
        assert_eq!(exact.withholding, None);
    }

    fn districts_tallies() -> Tallies {
        let mut t = Tallies::default();
        t.intercepted.add(Some(Gender::Female), 2);
        t
    }
}

/// The attacker: for many random reports, everything an outsider gets is read back through the
/// linear program of all its additive relations, written here apart from the one that decides
/// what to withhold; no withheld small count may have a feasible range narrower than the
/// protection span.
#[cfg(test)]
mod attack {
    use microlp::{ComparisonOp, OptimizationDirection, Problem};
    use proptest::prelude::*;
    use proptest::sample::select;

    use super::*;
    use crate::beneficiaries::Gender;
    use crate::cases::Channel;
    use crate::reports::PROTECTION_SPAN;
    use crate::screening::{Need, Profile};

    /// A count of a block: (block, key).
    type Place = (usize, String);

    /// A person first contacted in a district: gender, citizenships, profile, channel, needs.
    type Person = (Option<Gender>, Vec<&'static str>, Option<Profile>, Channel, Vec<Need>);

    fn person() -> impl Strategy<Value = Person> {
        (
            proptest::option::of(select(vec![Gender::Male, Gender::Female])),
            proptest::collection::vec(select(vec!["BD", "PK", "EG", "MA", "AL"]), 1..3),
            proptest::option::of(select(Profile::ALL.to_vec())),
            select(vec![Channel::StreetOutreach, Channel::SelfReferral, Channel::WordOfMouth]),
            proptest::collection::vec(select(vec![Need::Documents, Need::Housing]), 0..2),
        )
    }

    fn tallies_of(people: &[Person]) -> Tallies {
        let mut t = Tallies::default();
        for (gender, countries, profile, channel, needs) in people {
            t.intercepted.add(*gender, 1);
            t.cases_opened += 1;
            for country in countries {
                *t.countries.entry(country.to_string()).or_default() += 1;
            }
            *t.profiles.entry(*profile).or_default() += 1;
            *t.channels.entry(*channel).or_default() += 1;
            for need in needs {
                *t.needs.entry(*need).or_default() += 1;
            }
        }
        t
    }

    /// Every count of a published block by key, and whether it is withheld.
    fn counts(block: &mut Indicators) -> BTreeMap<String, Figure> {
        figures_mut(block).into_iter().map(|(key, figure)| (key, *figure)).collect()
    }

    /// The attacker's least and greatest value of `target`, over every withheld count (at least
    /// 1 each) with every relation that holds in the truth.
    fn attack_range(
        published: &[BTreeMap<String, Figure>],
        truth: &[BTreeMap<String, Figure>],
        target: (usize, &str),
    ) -> (f64, Option<f64>) {
        let keys: std::collections::BTreeSet<&String> = truth.iter().flat_map(|b| b.keys()).collect();
        let value = |b: usize, key: &str| truth[b].get(key).and_then(|f| f.count).unwrap_or(0);
        let withheld = |b: usize, key: &str| published[b].get(key).is_some_and(|f| f.suppressed);
        // Relations as (block, key) parts summing to a (block, key) total, kept where true.
        let mut relations: Vec<(Vec<Place>, Place)> = Vec::new();
        let last = truth.len() - 1;
        for b in 0..truth.len() {
            for flow in ["intercepted", "taken_in_charge"] {
                let parts = ["male", "female", "other"].map(|g| (b, format!("{flow}.{g}"))).to_vec();
                relations.push((parts, (b, format!("{flow}.total"))));
            }
            for section in ["profiles.", "channels.", "countries.", "needs."] {
                let parts = keys.iter().filter(|k| k.starts_with(section)).map(|k| (b, k.to_string())).collect();
                relations.push((parts, (b, "intercepted.total".to_string())));
            }
        }
        for key in &keys {
            relations.push(((0..last).map(|b| (b, key.to_string())).collect(), (last, key.to_string())));
        }
        relations.retain(|(parts, (tb, tk))| parts.iter().map(|(b, k)| value(*b, k)).sum::<i64>() == value(*tb, tk));
        let bound = |direction| {
            let mut problem = Problem::new(direction);
            let mut variables = BTreeMap::new();
            for b in 0..truth.len() {
                for key in &keys {
                    if withheld(b, key) {
                        let objective = if (b, key.as_str()) == target { 1.0 } else { 0.0 };
                        variables.insert((b, key.to_string()), problem.add_var(objective, (1.0, f64::INFINITY)));
                    }
                }
            }
            for (parts, total) in &relations {
                let mut terms = Vec::new();
                let mut known = 0.0;
                for ((b, k), sign) in parts.iter().map(|p| (p, 1.0)).chain(std::iter::once((total, -1.0))) {
                    match variables.get(&(*b, k.clone())) {
                        Some(variable) => terms.push((*variable, sign)),
                        None => known += sign * value(*b, k) as f64,
                    }
                }
                if !terms.is_empty() {
                    problem.add_constraint(terms.as_slice(), ComparisonOp::Eq, -known);
                }
            }
            problem.solve().map(|s| s.objective())
        };
        (bound(OptimizationDirection::Minimize).unwrap_or(1.0), bound(OptimizationDirection::Maximize).ok())
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(48))]
        #[test]
        fn no_withheld_small_count_can_be_worked_out(
            districts in proptest::collection::vec(proptest::collection::vec(person(), 0..14), 2..5),
        ) {
            let tallies: Vec<Tallies> = districts.iter().map(|p| tallies_of(p)).collect();
            let mut total = Tallies::default();
            for t in &tallies {
                total.add(t);
            }
            let PublishedReport { districts: mut blocks, total: total_block, .. } = publish_report(&tallies, &total, true);
            blocks.push(total_block);
            let published: Vec<BTreeMap<String, Figure>> = blocks.iter_mut().map(counts).collect();
            let all: Vec<Tallies> = tallies.iter().cloned().chain(std::iter::once(total.clone())).collect();
            let truth: Vec<BTreeMap<String, Figure>> = all.iter().map(|t| counts(&mut publish(t))).collect();
            for (b, figures) in truth.iter().enumerate() {
                for (key, exact) in figures {
                    let shown = published[b][key];
                    let value = exact.count.unwrap_or(0);
                    if (1..=4).contains(&value) {
                        prop_assert!(shown.suppressed, "{key} of block {b} is {value} and published");
                        let (low, high) = attack_range(&published, &truth, (b, key));
                        let span = high.map_or(f64::INFINITY, |h| h - low);
                        prop_assert!(span >= PROTECTION_SPAN, "{key} of block {b} ({value}) lies in {low}..{high:?}");
                    }
                    if !shown.suppressed {
                        prop_assert_eq!(shown.count, Some(value));
                    }
                }
            }
        }
    }
}
