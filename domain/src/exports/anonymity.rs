//! k-anonymity of the research export: the quasi-identifiers of every row (district, gender,
//! age band, citizenship, month of interception, channel, profile) are shared by at least
//! [`EXPORT_K`] people of the export, so that a row cannot be pinned on one person by what an
//! outsider may know of them (a woman of 50–59 from Albania met in March in Suzzara).
//!
//! How: a generalisation applies to every row — month → quarter → year, age band → wider band,
//! citizenship → UN sub-region → UN region, channel or profile withheld — and then the rows
//! still in classes of fewer than k people lose values one attribute at a time, each time the
//! one that leaves the fewest rows rare (→ `*`), and the district (→ `other`) last, as what the
//! evaluation is organised by. Rows with every value withheld form one class; if it holds fewer
//! than k people, people of the largest classes (those that stay at k or more without them)
//! join it. Which generalisation: of those that leave at most [`OUTLIER_SHARE`] of the rows in
//! small classes (the coarsest if none does), the one that loses least information once its
//! rare rows are suppressed ([`AnonymitySummary::information_lost`]), searched over the whole
//! lattice of levels, cheapest first.
//!
//! Classes count people, not rows: the export links the cases of one person by a pseudonym, so
//! five cases of one person are one person. Generalisations are over the whole export, so a
//! column means the same in every row; what was done is told beside the export.

use std::collections::{BTreeMap, HashMap, HashSet};

use uuid::Uuid;

use crate::iso::country_facts;
use crate::reports::AgeBand;
use crate::{Vocabulary, vocabulary};

/// The fewest people a row's quasi-identifiers are shared by.
pub const EXPORT_K: usize = 5;
/// The most rows, as a share of the export, that may lose values one by one; a coarser
/// generalisation of every row is chosen until no more are rare (as ARX's suppression limit).
pub const OUTLIER_SHARE: f64 = 0.05;
/// A value withheld from a row.
pub const SUPPRESSED: &str = "*";
/// The district of a row too rare for its own.
pub const OTHER_DISTRICT: &str = "other";

vocabulary! {
    /// A quasi-identifier of the research export.
    pub enum Attribute as "export_attributes" {
        District => ("district", "Distretto", "District"),
        Gender => ("gender", "Genere", "Gender"),
        AgeBand => ("age_band", "Fascia d'età", "Age band"),
        Citizenship => ("citizenship", "Cittadinanza", "Citizenship"),
        Month => ("intercepted_month", "Mese di intercettazione", "Month of interception"),
        Channel => ("channel", "Canale", "Channel"),
        Profile => ("profile", "Profilo", "Profile"),
    }
}

vocabulary! {
    /// How finely the month of interception (and of taking in charge) is written.
    pub enum MonthLevel as "export_month_levels" {
        Month => ("month", "Mese", "Month"),
        Quarter => ("quarter", "Trimestre", "Quarter"),
        Year => ("year", "Anno", "Year"),
    }
}

vocabulary! {
    /// How finely the age band is written.
    pub enum AgeLevel as "export_age_levels" {
        Band => ("band", "Fascia di 10 anni", "Ten-year band"),
        Wide => ("wide", "Fascia ampia (meno di 18, 18-34, 35-54, 55 e più)", "Wide band (under 18, 18-34, 35-54, 55 and over)"),
    }
}

vocabulary! {
    /// How finely the citizenship is written.
    pub enum CitizenshipLevel as "export_citizenship_levels" {
        Country => ("country", "Paese", "Country"),
        Subregion => ("subregion", "Sottoregione ONU", "UN sub-region"),
        Region => ("region", "Regione ONU", "UN region"),
    }
}

/// What an outsider may know of a person and find in their row, as read from the case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuasiIdentifiers {
    pub district: String,
    pub gender: Option<String>,
    pub age_band: AgeBand,
    /// `None`: not known; empty: stateless.
    pub citizenships: Option<Vec<String>>,
    /// Year and month of the interception, on the programme's calendar.
    pub month: (i32, u32),
    pub channel: String,
    pub profile: Option<String>,
}

/// The generalisations applied to every row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Generalisation {
    pub month: MonthLevel,
    pub age_band: AgeLevel,
    pub citizenship: CitizenshipLevel,
    /// The channel is withheld (`*`) from every row.
    pub channel_withheld: bool,
    /// The profile is withheld (`*`) from every row.
    pub profile_withheld: bool,
}

impl Default for Generalisation {
    fn default() -> Self {
        Generalisation {
            month: MonthLevel::Month,
            age_band: AgeLevel::Band,
            citizenship: CitizenshipLevel::Country,
            channel_withheld: false,
            profile_withheld: false,
        }
    }
}

impl Generalisation {
    /// Every generalisation, finest to coarsest on each attribute.
    fn lattice() -> Vec<Generalisation> {
        let mut all = Vec::new();
        for month in MonthLevel::ALL.iter().copied() {
            for age_band in AgeLevel::ALL.iter().copied() {
                for citizenship in CitizenshipLevel::ALL.iter().copied() {
                    for channel_withheld in [false, true] {
                        for profile_withheld in [false, true] {
                            all.push(Generalisation {
                                month,
                                age_band,
                                citizenship,
                                channel_withheld,
                                profile_withheld,
                            });
                        }
                    }
                }
            }
        }
        all
    }

    /// The information it loses by itself, over every value: see [`information_lost`].
    fn lost(self) -> f64 {
        Attribute::ALL.iter().map(|a| level_lost(*a, self)).sum::<f64>() / Attribute::ALL.len() as f64
    }
}

/// The quasi-identifiers of a row as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Written {
    pub district: String,
    pub gender: Option<String>,
    pub age_band: String,
    pub citizenship: String,
    pub month: String,
    /// The month of taking in charge, written as finely as the month of interception.
    pub taken_in_charge_month: Option<String>,
    pub channel: String,
    pub profile: Option<String>,
}

/// The values a row in a small class may lose, the district last; ties go in this order.
const LOCAL_ORDER: [Attribute; 7] = [
    Attribute::Channel,
    Attribute::Profile,
    Attribute::Citizenship,
    Attribute::AgeBand,
    Attribute::Month,
    Attribute::Gender,
    Attribute::District,
];

fn bit(attribute: Attribute) -> u8 {
    1 << (attribute as u8)
}

const EVERY_BIT: u8 = 0b111_1111;

/// What an export gives up for k-anonymity, told beside it.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct AnonymitySummary {
    pub k: usize,
    pub rows: usize,
    pub people: usize,
    pub generalisation: Generalisation,
    /// Rows whose value of an attribute is withheld (for the district: written `other`).
    pub suppressed: BTreeMap<Attribute, usize>,
    /// The fewest people sharing a row's quasi-identifiers (0 for an empty export).
    pub smallest_class: usize,
    /// The share of the information in the quasi-identifiers lost, from 0 to 1: each value
    /// counts the level it is written at over the height of its hierarchy (a month written as a
    /// quarter loses 1/3, as a year 2/3; an age band widened 1/2; a citizenship as a UN
    /// sub-region 1/3, a region 2/3; anything withheld 1).
    pub information_lost: f64,
}

impl AnonymitySummary {
    /// Whether every row is shared by k people: false only for an export of fewer than k.
    pub fn k_reached(&self) -> bool {
        self.rows == 0 || self.smallest_class >= self.k
    }

    /// Values withheld over values written (seven per row).
    pub fn suppressed_share(&self) -> f64 {
        let values = self.rows * LOCAL_ORDER.len();
        if values == 0 { 0.0 } else { self.suppressed.values().sum::<usize>() as f64 / values as f64 }
    }
}

/// The plan of an export: how every row is written.
#[derive(Debug, Clone, PartialEq)]
pub struct Anonymisation {
    pub summary: AnonymitySummary,
    /// The rows with withheld values, by case: a bit per [`Attribute`].
    withheld: HashMap<Uuid, u8>,
}

/// The values of one attribute, each written once: rows hold their index.
#[derive(Debug, Clone, Default)]
struct Values {
    index: HashMap<String, u32>,
    written: Vec<String>,
}

impl Values {
    fn id(&mut self, value: String) -> u32 {
        if let Some(id) = self.index.get(&value) {
            return *id;
        }
        let id = self.written.len() as u32;
        self.index.insert(value.clone(), id);
        self.written.push(value);
        id
    }
}

struct Row {
    case: Uuid,
    person: u32,
    raw: [u32; 7],
}

/// The written values of each attribute under a generalisation: each raw value's index, and
/// the index of the marker of a withheld value (`*`, or `other` for the district).
struct Tables {
    maps: Vec<Vec<u32>>,
    marker: [u32; 7],
}

impl Tables {
    fn new(values: &[Values; 7], generalisation: Generalisation) -> Tables {
        let mut marker = [0u32; 7];
        let maps = Attribute::ALL
            .iter()
            .zip(values)
            .zip(marker.iter_mut())
            .map(|((attribute, values), marker)| {
                let mut written = Values::default();
                let map =
                    values.written.iter().map(|raw| written.id(generalised(*attribute, raw, generalisation))).collect();
                let withheld = if *attribute == Attribute::District { OTHER_DISTRICT } else { SUPPRESSED };
                *marker = written.id(withheld.to_string());
                map
            })
            .collect();
        Tables { maps, marker }
    }
}

/// A way to write the export, and the information it loses.
#[derive(Clone)]
struct Candidate {
    generalisation: Generalisation,
    masks: Vec<u8>,
    loss: f64,
}

/// How much of a value is lost at each level, from 0 (as recorded) to 1 (withheld): the level
/// over the height of the attribute's hierarchy, withheld being its top.
fn level_lost(attribute: Attribute, generalisation: Generalisation) -> f64 {
    let g = generalisation;
    match attribute {
        Attribute::Month => match g.month {
            MonthLevel::Month => 0.0,
            MonthLevel::Quarter => 1.0 / 3.0,
            MonthLevel::Year => 2.0 / 3.0,
        },
        Attribute::AgeBand if g.age_band == AgeLevel::Wide => 0.5,
        Attribute::Citizenship => match g.citizenship {
            CitizenshipLevel::Country => 0.0,
            CitizenshipLevel::Subregion => 1.0 / 3.0,
            CitizenshipLevel::Region => 2.0 / 3.0,
        },
        Attribute::Channel if g.channel_withheld => 1.0,
        Attribute::Profile if g.profile_withheld => 1.0,
        _ => 0.0,
    }
}

/// The information lost over every value of the quasi-identifiers, from 0 to 1.
fn information_lost(generalisation: Generalisation, masks: &[u8]) -> f64 {
    if masks.is_empty() {
        return 0.0;
    }
    let global: Vec<f64> = Attribute::ALL.iter().map(|a| level_lost(*a, generalisation)).collect();
    let total: f64 =
        masks.iter().map(|mask| (0..7).map(|a| if mask & (1 << a) != 0 { 1.0 } else { global[a] }).sum::<f64>()).sum();
    total / (masks.len() * 7) as f64
}

/// Gathers the quasi-identifiers of every row of an export (its first pass), then plans.
#[derive(Default)]
pub struct Anonymiser {
    values: [Values; 7],
    people: HashMap<Uuid, u32>,
    rows: Vec<Row>,
}

/// The raw text of each attribute, the one the generalisations start from.
fn raw_values(qi: &QuasiIdentifiers) -> [String; 7] {
    let citizenship = match qi.citizenships.as_deref() {
        None => "unknown".to_string(),
        Some([]) => "stateless".to_string(),
        Some(countries) => {
            let mut sorted = countries.to_vec();
            sorted.sort_unstable();
            sorted.dedup();
            sorted.join("|")
        }
    };
    [
        qi.district.clone(),
        qi.gender.clone().unwrap_or_default(),
        qi.age_band.code().to_string(),
        citizenship,
        format!("{:04}-{:02}", qi.month.0, qi.month.1),
        qi.channel.clone(),
        qi.profile.clone().unwrap_or_default(),
    ]
}

/// `2025-03` as written at `level`: `2025-03`, `2025-Q1`, `2025`.
pub fn month_at(month: &str, level: MonthLevel) -> String {
    let (year, number) = month.split_once('-').unwrap_or((month, "1"));
    let number: u32 = number.parse().unwrap_or(1);
    match level {
        MonthLevel::Month => month.to_string(),
        MonthLevel::Quarter => format!("{year}-Q{}", number.div_ceil(3)),
        MonthLevel::Year => year.to_string(),
    }
}

fn age_at(band: &str, level: AgeLevel) -> String {
    match (level, band) {
        (AgeLevel::Band, _) => band.to_string(),
        (AgeLevel::Wide, "18_24" | "25_34") => "18_34".to_string(),
        (AgeLevel::Wide, "35_44" | "45_54") => "35_54".to_string(),
        (AgeLevel::Wide, _) => band.to_string(),
    }
}

/// Countries joined by `|`, as written at `level`: the countries, or their UN sub-regions or
/// regions (a code without one is `other`); `unknown` and `stateless` as they are.
fn citizenship_at(citizenship: &str, level: CitizenshipLevel) -> String {
    if level == CitizenshipLevel::Country || citizenship == "unknown" || citizenship == "stateless" {
        return citizenship.to_string();
    }
    let mut areas: Vec<String> = citizenship
        .split('|')
        .map(|code| {
            let facts = country_facts(code);
            let area = match level {
                CitizenshipLevel::Subregion => facts.and_then(|f| f.subregion.clone()),
                _ => facts.and_then(|f| f.region.clone()),
            };
            area.unwrap_or_else(|| "other".to_string())
        })
        .collect();
    areas.sort_unstable();
    areas.dedup();
    areas.join("|")
}

/// The value of `attribute` written under `generalisation` from its raw text.
fn generalised(attribute: Attribute, raw: &str, generalisation: Generalisation) -> String {
    match attribute {
        Attribute::Month => month_at(raw, generalisation.month),
        Attribute::AgeBand => age_at(raw, generalisation.age_band),
        Attribute::Citizenship => citizenship_at(raw, generalisation.citizenship),
        Attribute::Channel if generalisation.channel_withheld => SUPPRESSED.to_string(),
        Attribute::Profile if generalisation.profile_withheld => SUPPRESSED.to_string(),
        _ => raw.to_string(),
    }
}

impl Anonymiser {
    /// One row of the export: its case, its person and what may identify them.
    pub fn add(&mut self, case: Uuid, person: Uuid, qi: &QuasiIdentifiers) {
        let next = self.people.len() as u32;
        let person = *self.people.entry(person).or_insert(next);
        let mut raw = [0u32; 7];
        for (slot, (values, value)) in raw.iter_mut().zip(self.values.iter_mut().zip(raw_values(qi))) {
            *slot = values.id(value);
        }
        self.rows.push(Row { case, person, raw });
    }

    /// How every row is to be written for each to be shared by `k` people, losing the least
    /// information among the generalisations that leave at most [`OUTLIER_SHARE`] of the rows
    /// rare (the coarsest one if none does), the rare rows then losing values one by one.
    pub fn plan(self, k: usize) -> Anonymisation {
        let mut lattice = Generalisation::lattice();
        lattice.sort_by(|a, b| a.lost().total_cmp(&b.lost()));
        let allowed = (OUTLIER_SHARE * self.rows.len() as f64).floor() as usize;
        let everyone: Vec<usize> = (0..self.rows.len()).collect();
        let unmasked = vec![0u8; self.rows.len()];
        let mut best: Option<Candidate> = None;
        for generalisation in lattice.iter().copied() {
            // Local suppression only adds loss: past the best total, nothing coarser can win.
            if best.as_ref().is_some_and(|b| generalisation.lost() >= b.loss) {
                break;
            }
            let tables = Tables::new(&self.values, generalisation);
            if self.small_among(&everyone, &tables, &unmasked, k).len() > allowed {
                continue;
            }
            let candidate = self.suppress_rare(generalisation, k);
            if best.as_ref().is_none_or(|b| candidate.loss < b.loss) {
                best = Some(candidate);
            }
        }
        let coarsest = lattice.last().copied().unwrap_or_default();
        let Candidate { generalisation, mut masks, .. } = best.unwrap_or_else(|| self.suppress_rare(coarsest, k));
        self.fill_the_withheld_class(generalisation, &mut masks, k);
        self.summarise(generalisation, masks, k)
    }

    /// Under `generalisation`, the rows in small classes lose values one at a time, in
    /// [`LOCAL_ORDER`]; with the information that costs.
    fn suppress_rare(&self, generalisation: Generalisation, k: usize) -> Candidate {
        let tables = Tables::new(&self.values, generalisation);
        let mut masks = vec![0u8; self.rows.len()];
        let everyone: Vec<usize> = (0..self.rows.len()).collect();
        let mut rare = self.small_among(&everyone, &tables, &masks, k);
        let mut left = LOCAL_ORDER.to_vec();
        while !rare.is_empty() && !left.is_empty() {
            // The value whose withholding leaves the fewest rare rows; the district only when
            // nothing else is left. Rare rows, with a value withheld, only meet each other: the
            // classes of the others are left as they were, at k or more.
            let choices = if left.len() > 1 { &left[..left.len() - 1] } else { &left[..] };
            let mut best: Option<(usize, Vec<u8>, Vec<usize>)> = None;
            for (i, attribute) in choices.iter().enumerate() {
                let mut tried = masks.clone();
                for row in &rare {
                    tried[*row] |= bit(*attribute);
                }
                let still = self.small_among(&rare, &tables, &tried, k);
                if best.as_ref().is_none_or(|(_, _, fewest)| still.len() < fewest.len()) {
                    best = Some((i, tried, still));
                }
            }
            let Some((chosen, tried, still)) = best else { break };
            left.remove(chosen);
            masks = tried;
            rare = still;
        }
        let loss = information_lost(generalisation, &masks);
        Candidate { generalisation, masks, loss }
    }

    /// The class of a row: its written values, as indexes.
    fn key(&self, row: usize, tables: &Tables, masks: &[u8]) -> [u32; 7] {
        let mut key = [0u32; 7];
        for (a, slot) in key.iter_mut().enumerate() {
            *slot = if masks[row] & (1 << a) != 0 {
                tables.marker[a]
            } else {
                tables.maps[a][self.rows[row].raw[a] as usize]
            };
        }
        key
    }

    /// The people of each class among `rows`.
    fn class_sizes(&self, rows: &[usize], tables: &Tables, masks: &[u8]) -> HashMap<[u32; 7], usize> {
        let mut pairs: Vec<([u32; 7], u32)> =
            rows.iter().map(|r| (self.key(*r, tables, masks), self.rows[*r].person)).collect();
        pairs.sort_unstable();
        pairs.dedup();
        let mut sizes = HashMap::new();
        for (key, _) in pairs {
            *sizes.entry(key).or_insert(0) += 1;
        }
        sizes
    }

    /// The rows among `rows` shared by fewer than `k` people of `rows`.
    fn small_among(&self, rows: &[usize], tables: &Tables, masks: &[u8], k: usize) -> Vec<usize> {
        let sizes = self.class_sizes(rows, tables, masks);
        rows.iter().copied().filter(|r| sizes.get(&self.key(*r, tables, masks)).copied().unwrap_or(0) < k).collect()
    }

    /// Rows with every value withheld are one class: when it holds fewer than `k` people, the
    /// people of the largest classes that can spare them join it; failing those, whole classes,
    /// the smallest first.
    fn fill_the_withheld_class(&self, generalisation: Generalisation, masks: &mut [u8], k: usize) {
        let tables = Tables::new(&self.values, generalisation);
        let keys: Vec<[u32; 7]> = (0..self.rows.len()).map(|r| self.key(r, &tables, masks)).collect();
        let withheld = tables.marker;
        let mut inside: HashSet<u32> =
            self.rows.iter().zip(&keys).filter(|(_, key)| **key == withheld).map(|(row, _)| row.person).collect();
        if inside.is_empty() || inside.len() >= k {
            return;
        }
        let everyone: Vec<usize> = (0..self.rows.len()).collect();
        let sizes = self.class_sizes(&everyone, &tables, masks);
        let mut classes: Vec<(&[u32; 7], usize)> =
            sizes.iter().filter(|(key, _)| **key != withheld).map(|(key, n)| (key, *n)).collect();
        // Spare people of the largest classes first.
        classes.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
        for (key, size) in &classes {
            let mut spare = size.saturating_sub(k);
            let mut moving: HashSet<u32> = HashSet::new();
            for (row, row_key) in self.rows.iter().zip(&keys) {
                if inside.len() + moving.len() >= k || spare == 0 {
                    break;
                }
                if row_key == *key && !inside.contains(&row.person) && moving.insert(row.person) {
                    spare -= 1;
                }
            }
            self.withhold_people_of(&keys, key, &moving, masks);
            inside.extend(moving);
        }
        // Whole classes, the smallest first, while people are still missing.
        for (key, _) in classes.iter().rev() {
            if inside.len() >= k {
                return;
            }
            let everyone: HashSet<u32> = self
                .rows
                .iter()
                .zip(&keys)
                .filter(|(_, row_key)| *row_key == *key)
                .map(|(row, _)| row.person)
                .collect();
            self.withhold_people_of(&keys, key, &everyone, masks);
            inside.extend(everyone);
        }
    }

    /// Withholds every value of the rows of `people` in the class `key`.
    fn withhold_people_of(&self, keys: &[[u32; 7]], key: &[u32; 7], people: &HashSet<u32>, masks: &mut [u8]) {
        for (r, (row, row_key)) in self.rows.iter().zip(keys).enumerate() {
            if row_key == key && people.contains(&row.person) {
                masks[r] = EVERY_BIT;
            }
        }
    }

    fn summarise(self, generalisation: Generalisation, masks: Vec<u8>, k: usize) -> Anonymisation {
        let tables = Tables::new(&self.values, generalisation);
        let everyone: Vec<usize> = (0..self.rows.len()).collect();
        let sizes = self.class_sizes(&everyone, &tables, &masks);
        let mut suppressed = BTreeMap::new();
        let everywhere = |attribute: Attribute| match attribute {
            Attribute::Channel => generalisation.channel_withheld,
            Attribute::Profile => generalisation.profile_withheld,
            _ => false,
        };
        for attribute in Attribute::ALL.iter().filter(|a| !everywhere(**a)) {
            let count = masks.iter().filter(|m| *m & bit(*attribute) != 0).count();
            if count > 0 {
                suppressed.insert(*attribute, count);
            }
        }
        let summary = AnonymitySummary {
            k,
            rows: self.rows.len(),
            people: self.people.len(),
            generalisation,
            suppressed,
            smallest_class: sizes.values().copied().min().unwrap_or(0),
            information_lost: information_lost(generalisation, &masks),
        };
        let withheld = self.rows.iter().zip(masks).filter(|(_, m)| *m != 0).map(|(row, m)| (row.case, m)).collect();
        Anonymisation { summary, withheld }
    }
}

impl Anonymisation {
    /// The quasi-identifiers of a case's row as written; `taken_in_charge` is the month of its
    /// taking in charge, if any.
    pub fn written(&self, case: Uuid, qi: &QuasiIdentifiers, taken_in_charge: Option<(i32, u32)>) -> Written {
        let mask = self.withheld.get(&case).copied().unwrap_or(0);
        let g = self.summary.generalisation;
        let raw = raw_values(qi);
        let value = |attribute: Attribute| -> String {
            if mask & bit(attribute) != 0 {
                return if attribute == Attribute::District { OTHER_DISTRICT } else { SUPPRESSED }.to_string();
            }
            generalised(attribute, &raw[attribute as usize], g)
        };
        let optional = |text: String| Some(text).filter(|t| !t.is_empty());
        let month_withheld = mask & bit(Attribute::Month) != 0;
        Written {
            district: value(Attribute::District),
            gender: optional(value(Attribute::Gender)),
            age_band: value(Attribute::AgeBand),
            citizenship: value(Attribute::Citizenship),
            month: value(Attribute::Month),
            taken_in_charge_month: taken_in_charge.map(|(year, month)| {
                if month_withheld {
                    SUPPRESSED.to_string()
                } else {
                    month_at(&format!("{year:04}-{month:02}"), g.month)
                }
            }),
            channel: value(Attribute::Channel),
            profile: optional(value(Attribute::Profile)),
        }
    }
}

/// k-anonymity stated generally: whatever the rows, each is shared by k people once the export
/// holds k people, and what is written is the truth generalised or withheld, never another value.
#[cfg(test)]
mod properties;
