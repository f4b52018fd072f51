//! k-anonymity of the research export: the quasi-identifiers of every row (district, gender,
//! age band, citizenship, month of interception, channel, profile) are shared by at least
//! [`EXPORT_K`] people of the export, so that a row cannot be pinned on one person by what an
//! outsider may know of them (a woman of 50–59 from Albania met in March in Suzzara).
//!
//! How, in order, each step only while some row is shared by fewer than k people:
//! 1. Global generalisation, for every row, while more than [`OUTLIER_SHARE`] of the rows are
//!    in small classes: each time the one step that leaves the fewest rows in small classes,
//!    among month → quarter → year, age band → wider band, citizenship → UN sub-region → UN
//!    region, channel withheld, profile withheld (ties in that order).
//! 2. Local suppression of the rows still in small classes, one attribute at a time: channel,
//!    profile, citizenship, age band, month, gender (→ `*`), and district (→ `other`) last, as
//!    what the evaluation is organised by.
//! 3. Rows with every value suppressed form one class; if it holds fewer than k people, people
//!    of the largest classes (those that stay at k or more without them) join it.
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
/// A value withheld from a row.
pub const SUPPRESSED: &str = "*";
/// The district of a row too rare for its own.
pub const OTHER_DISTRICT: &str = "other";
/// Global generalisation goes on while more than this share of the rows are in small classes;
/// below it, the few left are suppressed value by value instead.
pub const OUTLIER_SHARE: f64 = 0.05;

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
    /// Every generalisation one step coarser on one attribute, in the order preferred on a tie.
    fn coarser(self) -> Vec<Generalisation> {
        use {AgeLevel as A, CitizenshipLevel as C, MonthLevel as M};
        let g = self;
        let month = match g.month {
            M::Month => Some(M::Quarter),
            M::Quarter => Some(M::Year),
            M::Year => None,
        };
        let citizenship = match g.citizenship {
            C::Country => Some(C::Subregion),
            C::Subregion => Some(C::Region),
            C::Region => None,
        };
        [
            month.map(|month| Generalisation { month, ..g }),
            (g.age_band == A::Band).then_some(Generalisation { age_band: A::Wide, ..g }),
            citizenship.map(|citizenship| Generalisation { citizenship, ..g }),
            (!g.channel_withheld).then_some(Generalisation { channel_withheld: true, ..g }),
            (!g.profile_withheld).then_some(Generalisation { profile_withheld: true, ..g }),
        ]
        .into_iter()
        .flatten()
        .collect()
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

/// The order in which values of a row in a small class are withheld.
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
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct AnonymitySummary {
    pub k: usize,
    pub rows: usize,
    pub people: usize,
    pub generalisation: Generalisation,
    /// Rows whose value of an attribute is withheld (for the district: written `other`).
    pub suppressed: BTreeMap<Attribute, usize>,
    /// The fewest people sharing a row's quasi-identifiers (0 for an empty export).
    pub smallest_class: usize,
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

    /// How every row is to be written for each to be shared by `k` people.
    pub fn plan(self, k: usize) -> Anonymisation {
        let mut generalisation = Generalisation::default();
        let mut masks = vec![0u8; self.rows.len()];
        // Global: while many rows are rare, the one step coarser that leaves the fewest rare.
        loop {
            let rare = self.small_rows(generalisation, &masks, k).len();
            if rare as f64 <= OUTLIER_SHARE * self.rows.len() as f64 {
                break;
            }
            let best = generalisation
                .coarser()
                .into_iter()
                .map(|coarser| (self.small_rows(coarser, &masks, k).len(), coarser))
                .min_by_key(|(rare, _)| *rare);
            match best {
                Some((_, coarser)) => generalisation = coarser,
                None => break,
            }
        }
        // Local: the few rare rows lose one value at a time.
        for attribute in LOCAL_ORDER {
            let small = self.small_rows(generalisation, &masks, k);
            if small.is_empty() {
                break;
            }
            for row in small {
                masks[row] |= bit(attribute);
            }
        }
        self.fill_the_withheld_class(generalisation, &mut masks, k);
        self.summarise(generalisation, masks, k)
    }

    /// The class of each row: its written values, as indexes (withheld: `u32::MAX`).
    fn keys(&self, generalisation: Generalisation, masks: &[u8]) -> Vec<[u32; 7]> {
        // Each attribute's raw values mapped once to their generalised values.
        let maps: Vec<Vec<u32>> = Attribute::ALL
            .iter()
            .zip(&self.values)
            .map(|(attribute, values)| {
                let mut written = Values::default();
                values.written.iter().map(|raw| written.id(generalised(*attribute, raw, generalisation))).collect()
            })
            .collect();
        self.rows
            .iter()
            .zip(masks)
            .map(|(row, mask)| {
                let mut key = [0u32; 7];
                for (a, slot) in key.iter_mut().enumerate() {
                    *slot = if mask & (1 << a) != 0 { u32::MAX } else { maps[a][row.raw[a] as usize] };
                }
                key
            })
            .collect()
    }

    /// The people of each class, and each row's class.
    fn class_sizes(&self, keys: &[[u32; 7]]) -> HashMap<[u32; 7], usize> {
        let mut pairs: Vec<([u32; 7], u32)> =
            keys.iter().zip(&self.rows).map(|(key, row)| (*key, row.person)).collect();
        pairs.sort_unstable();
        pairs.dedup();
        let mut sizes = HashMap::new();
        for (key, _) in pairs {
            *sizes.entry(key).or_insert(0) += 1;
        }
        sizes
    }

    /// The rows shared by fewer than `k` people.
    fn small_rows(&self, generalisation: Generalisation, masks: &[u8], k: usize) -> Vec<usize> {
        let keys = self.keys(generalisation, masks);
        let sizes = self.class_sizes(&keys);
        (0..self.rows.len()).filter(|r| sizes.get(&keys[*r]).copied().unwrap_or(0) < k).collect()
    }

    /// Rows with every value withheld are one class: when it holds fewer than `k` people, the
    /// people of the largest classes that can spare them join it; failing those, whole classes,
    /// the smallest first.
    fn fill_the_withheld_class(&self, generalisation: Generalisation, masks: &mut [u8], k: usize) {
        let keys = self.keys(generalisation, masks);
        let withheld = [u32::MAX; 7];
        let mut inside: HashSet<u32> =
            self.rows.iter().zip(&keys).filter(|(_, key)| **key == withheld).map(|(row, _)| row.person).collect();
        if inside.is_empty() || inside.len() >= k {
            return;
        }
        let sizes = self.class_sizes(&keys);
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
        let keys = self.keys(generalisation, &masks);
        let sizes = self.class_sizes(&keys);
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
