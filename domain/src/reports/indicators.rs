//! The indicators report: the exact figures of a district (or of several, added up), typed as
//! they are counted, and the report as published — with small counts suppressed for readers
//! who see every district.

use std::collections::BTreeMap;

use crate::Vocabulary;
use crate::activities::ActivityKind;
use crate::beneficiaries::Gender;
use crate::cases::Channel;
use crate::cases::Outcome;
use crate::legal::{ProcedureKind, ProcedureStatus};
use crate::referrals::ReferralStatus;
use crate::reports::statistics::{Histogram, histogram_len, median, percentile, referral_rates};
use crate::screening::{Need, Profile};
use crate::services::ServiceCategory;
use crate::work_grants::GrantStatus;

/// The code of a breakdown's entry that was not recorded (a case without a profile, a person
/// whose citizenship is not known).
pub const UNKNOWN: &str = "unknown";
/// The citizenship entry of a stateless person.
pub const STATELESS: &str = "stateless";

/// The Italian and English names of a citizenship entry of the report: a country, stateless,
/// or not known.
pub fn citizenship_names(code: &str) -> Option<(&'static str, &'static str)> {
    match code {
        STATELESS => Some(("Apolide", "Stateless")),
        UNKNOWN => Some(("Non nota", "Not known")),
        country => crate::iso::country_facts(country).map(|facts| (facts.name_it, facts.name_en)),
    }
}

/// People by gender, as the programme reports them: `other` holds non-binary, undisclosed and
/// not recorded.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ByGender {
    pub male: i64,
    pub female: i64,
    pub other: i64,
}

impl ByGender {
    /// Counts `n` people of `gender` (`None`: not recorded).
    pub fn add(&mut self, gender: Option<Gender>, n: i64) {
        match gender {
            Some(Gender::Male) => self.male += n,
            Some(Gender::Female) => self.female += n,
            _ => self.other += n,
        }
    }

    pub fn total(&self) -> i64 {
        self.male + self.female + self.other
    }

    fn plus(self, other: ByGender) -> ByGender {
        ByGender { male: self.male + other.male, female: self.female + other.female, other: self.other + other.other }
    }
}

/// The targets of the periods a range overlaps, summed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TargetSums {
    pub intercepted_min: i64,
    pub intercepted_max: i64,
    pub taken_in_charge_min: i64,
    pub taken_in_charge_max: i64,
}

/// What a district's activities add up to: how many, and how many took part.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ActivityTotals {
    pub count: i64,
    pub participants: i64,
}

/// The exact figures of one district over a range (or of several, added up), before
/// suppression.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Tallies {
    /// People first contacted in the range (see [`crate::reports::count_people`]).
    pub intercepted: ByGender,
    /// People taken in charge in the range: once each, however often.
    pub taken_in_charge: ByGender,
    /// Cases opened (interceptions) in the range, one per case.
    pub cases_opened: i64,
    /// Citizenships of the people intercepted (ISO 3166-1 codes, [`STATELESS`], [`UNKNOWN`]);
    /// a person with two counts under both.
    pub countries: BTreeMap<String, i64>,
    /// Of the people intercepted, by the profile of their first case (`None`: not assessed yet).
    pub profiles: BTreeMap<Option<Profile>, i64>,
    /// Of the people intercepted, by the needs of their first case.
    pub needs: BTreeMap<Need, i64>,
    /// Of the people intercepted, by the channel of their first case.
    pub channels: BTreeMap<Channel, i64>,
    pub services: BTreeMap<ServiceCategory, i64>,
    /// By current status.
    pub referrals: BTreeMap<ReferralStatus, i64>,
    /// By kind and current status.
    pub legal_procedures: BTreeMap<(ProcedureKind, ProcedureStatus), i64>,
    pub work_grants: BTreeMap<GrantStatus, i64>,
    pub outcomes: BTreeMap<Outcome, i64>,
    /// Whole days from interception to a first taking in charge.
    pub intake_days: Histogram,
    pub minors: i64,
    /// People whose record a transfer accepted in the range brought to the district.
    pub transfers_in: i64,
    /// People whose record a transfer accepted in the range took to another district.
    pub transfers_out: i64,
    pub activities: BTreeMap<ActivityKind, ActivityTotals>,
    pub targets: Option<TargetSums>,
}

fn merge<K: Ord + Clone>(into: &mut BTreeMap<K, i64>, from: &BTreeMap<K, i64>) {
    for (key, n) in from {
        *into.entry(key.clone()).or_default() += n;
    }
}

impl Tallies {
    /// Adds another district's figures (for the total of a report).
    pub fn add(&mut self, other: &Tallies) {
        self.intercepted = self.intercepted.plus(other.intercepted);
        self.taken_in_charge = self.taken_in_charge.plus(other.taken_in_charge);
        self.cases_opened += other.cases_opened;
        merge(&mut self.countries, &other.countries);
        merge(&mut self.profiles, &other.profiles);
        merge(&mut self.needs, &other.needs);
        merge(&mut self.channels, &other.channels);
        merge(&mut self.services, &other.services);
        merge(&mut self.referrals, &other.referrals);
        merge(&mut self.legal_procedures, &other.legal_procedures);
        merge(&mut self.work_grants, &other.work_grants);
        merge(&mut self.outcomes, &other.outcomes);
        merge(&mut self.intake_days, &other.intake_days);
        self.minors += other.minors;
        self.transfers_in += other.transfers_in;
        self.transfers_out += other.transfers_out;
        for (kind, totals) in &other.activities {
            let entry = self.activities.entry(*kind).or_default();
            entry.count += totals.count;
            entry.participants += totals.participants;
        }
        if let Some(theirs) = other.targets {
            let ours = self.targets.get_or_insert_default();
            ours.intercepted_min += theirs.intercepted_min;
            ours.intercepted_max += theirs.intercepted_max;
            ours.taken_in_charge_min += theirs.taken_in_charge_min;
            ours.taken_in_charge_max += theirs.taken_in_charge_max;
        }
    }
}

/// A count as published: `count` is `None` when withheld (see [`crate::reports::publish_report`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Figure {
    pub count: Option<i64>,
    pub suppressed: bool,
}

impl Figure {
    /// `count`, published.
    pub fn exact(count: i64) -> Figure {
        Figure { count: Some(count), suppressed: false }
    }
}

/// People by gender against the targets of the range.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Flow {
    pub male: Figure,
    pub female: Figure,
    pub other: Figure,
    pub total: Figure,
    pub target_min: Option<i64>,
    pub target_max: Option<i64>,
    /// The total judged against the targets, when there are targets.
    pub target_status: Option<TargetStatus>,
    /// The total over the minimum target (1.0: reached), withheld with a withheld total.
    pub target_share: Option<f64>,
}

crate::vocabulary! {
    /// A figure against its targets.
    pub enum TargetStatus as "target_statuses" {
        Below => ("below", "sotto", "below"),
        Within => ("within", "in linea", "within"),
        Above => ("above", "sopra", "above"),
    }
}

/// Where `count` stands against the targets `min..=max`.
pub fn judge(count: i64, min: i64, max: i64) -> TargetStatus {
    if count < min {
        TargetStatus::Below
    } else if count > max {
        TargetStatus::Above
    } else {
        TargetStatus::Within
    }
}

/// A count for a code of a vocabulary (or a country).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CodeCount {
    pub code: String,
    pub figure: Figure,
}

/// Referrals by status, and the rates of acceptance and completion.
#[derive(Debug, Clone, PartialEq)]
pub struct ReferralFigures {
    pub by_status: Vec<CodeCount>,
    pub acceptance_rate: Option<f64>,
    pub completion_rate: Option<f64>,
    /// A rate over 1 to 4 referrals is withheld like a count.
    pub rates_suppressed: bool,
}

/// Legal procedures of a kind in a status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LegalCount {
    pub kind: ProcedureKind,
    pub status: ProcedureStatus,
    pub figure: Figure,
}

/// Days from interception to a first taking in charge.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DaysToIntake {
    pub cases: Figure,
    pub median: Option<f64>,
    pub p90: Option<i64>,
    /// Statistics over 1 to 4 people are withheld.
    pub suppressed: bool,
}

/// Activities of a kind: not about people, never withheld.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ActivityFigures {
    pub kind: ActivityKind,
    pub count: i64,
    pub participants: i64,
}

/// The indicators of a district (or of the total), as published.
#[derive(Debug, Clone, PartialEq)]
pub struct Indicators {
    pub people_intercepted: Flow,
    pub people_taken_in_charge: Flow,
    pub cases_opened: Figure,
    /// Most frequent first; withheld ones last, alphabetically, so that their order tells nothing.
    pub countries: Vec<CodeCount>,
    pub profiles: Vec<CodeCount>,
    pub needs: Vec<CodeCount>,
    pub channels: Vec<CodeCount>,
    pub services_by_category: Vec<CodeCount>,
    pub referrals: ReferralFigures,
    pub legal_procedures: Vec<LegalCount>,
    pub work_grants: Vec<CodeCount>,
    pub outcomes: Vec<CodeCount>,
    pub days_to_intake: DaysToIntake,
    pub minors: Figure,
    pub transfers_in: Figure,
    pub transfers_out: Figure,
    /// Every kind, in the vocabulary's order.
    pub activities: Vec<ActivityFigures>,
}

/// Every code of a vocabulary in its order, with its count (zero when none).
fn every_code<V: Vocabulary + Ord>(counts: &BTreeMap<V, i64>) -> Vec<CodeCount> {
    V::ALL
        .iter()
        .map(|v| CodeCount { code: v.code().to_string(), figure: Figure::exact(counts.get(v).copied().unwrap_or(0)) })
        .collect()
}

fn flow(people: ByGender, targets: Option<(i64, i64)>) -> Flow {
    Flow {
        male: Figure::exact(people.male),
        female: Figure::exact(people.female),
        other: Figure::exact(people.other),
        total: Figure::exact(people.total()),
        target_min: targets.map(|t| t.0),
        target_max: targets.map(|t| t.1),
        target_status: targets.map(|(min, max)| judge(people.total(), min, max)),
        target_share: targets
            .filter(|(min, _)| *min > 0)
            .map(|(min, _)| (people.total() as f64 / min as f64 * 1000.0).round() / 1000.0),
    }
}

/// The exact report of `tallies`; [`crate::reports::publish_report`] withholds what must be.
pub fn publish(tallies: &Tallies) -> Indicators {
    let figure = Figure::exact;
    let mut countries: Vec<(&String, i64)> = tallies.countries.iter().map(|(c, n)| (c, *n)).collect();
    countries.sort_by_key(|(code, n)| (-n, (*code).clone()));
    let mut profiles = every_code(&tallies.profiles.iter().filter_map(|(p, n)| p.map(|p| (p, *n))).collect());
    if let Some(unassessed) = tallies.profiles.get(&None) {
        profiles.push(CodeCount { code: UNKNOWN.to_string(), figure: figure(*unassessed) });
    }
    let rates = referral_rates(|status| tallies.referrals.get(&status).copied().unwrap_or(0));
    let intake_cases = histogram_len(&tallies.intake_days);
    let targets = tallies.targets;
    Indicators {
        people_intercepted: flow(tallies.intercepted, targets.map(|t| (t.intercepted_min, t.intercepted_max))),
        cases_opened: figure(tallies.cases_opened),
        people_taken_in_charge: flow(
            tallies.taken_in_charge,
            targets.map(|t| (t.taken_in_charge_min, t.taken_in_charge_max)),
        ),
        countries: countries.into_iter().map(|(code, n)| CodeCount { code: code.clone(), figure: figure(n) }).collect(),
        profiles,
        needs: every_code(&tallies.needs),
        channels: every_code(&tallies.channels),
        services_by_category: every_code(&tallies.services),
        referrals: ReferralFigures {
            by_status: every_code(&tallies.referrals),
            acceptance_rate: rates.acceptance,
            completion_rate: rates.completion,
            rates_suppressed: false,
        },
        legal_procedures: tallies
            .legal_procedures
            .iter()
            .map(|((kind, status), n)| LegalCount { kind: *kind, status: *status, figure: figure(*n) })
            .collect(),
        work_grants: every_code(&tallies.work_grants),
        outcomes: every_code(&tallies.outcomes),
        days_to_intake: DaysToIntake {
            cases: figure(intake_cases),
            median: median(&tallies.intake_days),
            p90: percentile(&tallies.intake_days, 90),
            suppressed: false,
        },
        minors: figure(tallies.minors),
        transfers_in: figure(tallies.transfers_in),
        transfers_out: figure(tallies.transfers_out),
        activities: ActivityKind::ALL
            .iter()
            .map(|kind| {
                let totals = tallies.activities.get(kind).copied().unwrap_or_default();
                ActivityFigures { kind: *kind, count: totals.count, participants: totals.participants }
            })
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_district_s_figures_add_up_and_publish_in_the_vocabularies_order() {
        let mut milano = Tallies::default();
        milano.intercepted.add(Some(Gender::Male), 8);
        milano.intercepted.add(Some(Gender::Female), 4);
        milano.intercepted.add(None, 1);
        milano.countries.insert("PK".into(), 9);
        milano.countries.insert("BD".into(), 3);
        milano.profiles.insert(None, 2);
        milano.profiles.insert(Some(Profile::GreyWork), 7);
        milano.targets = Some(TargetSums { intercepted_min: 70, intercepted_max: 100, ..TargetSums::default() });
        let mut total = Tallies::default();
        total.add(&milano);
        total.add(&milano);
        assert_eq!(total.intercepted, ByGender { male: 16, female: 8, other: 2 });
        assert_eq!(total.targets.map(|t| t.intercepted_max), Some(200));

        let exact = publish(&milano);
        assert_eq!(exact.people_intercepted.total.count, Some(13));
        assert_eq!(exact.people_intercepted.female, Figure::exact(4));
        assert_eq!(exact.people_intercepted.target_min, Some(70));
        assert_eq!(exact.people_intercepted.target_status, Some(TargetStatus::Below));
        assert_eq!(exact.people_intercepted.target_share, Some(0.186));
        let codes: Vec<&str> = exact.profiles.iter().map(|c| c.code.as_str()).collect();
        assert_eq!(codes, ["grey_work", "recent_arrival", "exploitation_victim", "unknown"]);
        assert_eq!(exact.countries.iter().map(|c| c.code.as_str()).collect::<Vec<_>>(), ["PK", "BD"]);
        assert_eq!(exact.activities.len(), ActivityKind::ALL.len());
        assert_eq!(judge(138, 70, 100), TargetStatus::Above);
        assert_eq!(judge(70, 70, 100), TargetStatus::Within);
    }
}
