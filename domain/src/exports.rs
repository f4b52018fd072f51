//! The research export: one pseudonymous row per case for the evaluators and the Region. A row
//! holds no name, codice fiscale, contact, birth date, free text or employer; ids become keyed
//! hashes; rare citizenships are generalised.

use std::collections::{HashMap, HashSet};

use chrono::{NaiveDate, NaiveDateTime};
use hmac::{Hmac, Mac};
use sha2::Sha256;
use uuid::Uuid;

use crate::Vocabulary;
use crate::referrals::ReferralStatus;
use crate::reports::age_band;

/// One case of the range, as read for the export: identifiers only as ids to be hashed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportCase {
    pub case_id: Uuid,
    pub beneficiary_id: Uuid,
    pub district: String,
    pub gender: Option<String>,
    pub birth_date: Option<NaiveDate>,
    pub birth_year: Option<i32>,
    /// `None`: not known; empty: stateless.
    pub citizenships: Option<Vec<String>>,
    pub channel: String,
    pub profile: Option<String>,
    pub needs: Vec<String>,
    pub status: String,
    pub intercepted_at: NaiveDateTime,
    pub taken_in_charge_at: Option<NaiveDateTime>,
    pub outcome: Option<String>,
    pub services: HashMap<String, i64>,
    pub referrals: HashMap<String, i64>,
    /// The person refused research use: the case must not be exported.
    pub research_refused: bool,
}

/// One row of the export.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportRow {
    /// Keyed hash of the case id.
    pub case: String,
    /// Keyed hash of the person: links the cases of one person.
    pub person: String,
    pub district: String,
    pub gender: Option<String>,
    /// Age band at interception.
    pub age_band: String,
    /// See [`exported_citizenship`].
    pub citizenship: String,
    pub channel: String,
    pub profile: Option<String>,
    pub needs: Vec<String>,
    pub status: String,
    /// `YYYY-MM`.
    pub intercepted_month: String,
    pub taken_in_charge_month: Option<String>,
    pub services: HashMap<String, i64>,
    pub referrals: HashMap<String, i64>,
    pub outcome: Option<String>,
}

/// The people holding each citizenship among the cases of an export, counted in a first pass.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PeopleByCountry(HashMap<String, HashSet<Uuid>>);

impl PeopleByCountry {
    pub fn count(&mut self, case: &ExportCase) {
        for country in case.citizenships.iter().flatten() {
            self.0.entry(country.clone()).or_default().insert(case.beneficiary_id);
        }
    }

    pub fn people_with(&self, country: &str) -> usize {
        self.0.get(country).map_or(0, HashSet::len)
    }
}

/// The row of a case: pseudonyms under `key`, the age band at interception, generalised
/// citizenship, months instead of days.
pub fn row(case: ExportCase, key: &[u8], people: &PeopleByCountry) -> ExportRow {
    let band = age_band(case.birth_date, case.birth_year, case.intercepted_at.date());
    ExportRow {
        case: pseudonym(key, "case", &case.case_id.to_string()),
        person: pseudonym(key, "person", &case.beneficiary_id.to_string()),
        district: case.district,
        gender: case.gender,
        age_band: band.code().to_string(),
        citizenship: exported_citizenship(case.citizenships.as_deref(), |country| people.people_with(country)),
        channel: case.channel,
        profile: case.profile,
        needs: case.needs,
        status: case.status,
        intercepted_month: case.intercepted_at.format("%Y-%m").to_string(),
        taken_in_charge_month: case.taken_in_charge_at.map(|at| at.format("%Y-%m").to_string()),
        services: case.services,
        referrals: case.referrals,
        outcome: case.outcome,
    }
}

/// Referral statuses an export counts: every status but `proposed`, which the partner never saw.
pub fn referral_columns() -> impl Iterator<Item = ReferralStatus> {
    ReferralStatus::ALL.iter().copied().filter(|s| *s != ReferralStatus::Proposed)
}

/// A country shared by fewer people than this in an export is written as `other`: a rare
/// citizenship, with a district and an age band, can point at one person.
pub const EXPORT_MIN_PEOPLE_PER_COUNTRY: usize = 5;

/// The citizenship column of the research export: `unknown` when not known, `stateless` with
/// no country, else the countries joined by `|` in order, each country held by fewer than
/// [`EXPORT_MIN_PEOPLE_PER_COUNTRY`] people (as `people_with` tells) written as `other`.
pub fn exported_citizenship(countries: Option<&[String]>, people_with: impl Fn(&str) -> usize) -> String {
    match countries {
        None => "unknown".to_string(),
        Some([]) => "stateless".to_string(),
        Some(countries) => {
            let mut shown: Vec<&str> = countries
                .iter()
                .map(|c| if people_with(c) >= EXPORT_MIN_PEOPLE_PER_COUNTRY { c.as_str() } else { "other" })
                .collect();
            shown.sort_unstable();
            shown.dedup();
            shown.join("|")
        }
    }
}

/// A pseudonym: HMAC-SHA256 of the id under the server's key, hex, 32 characters. Stable for
/// a key; without the key it cannot be linked back to the id.
pub fn pseudonym(key: &[u8], kind: &str, id: &str) -> String {
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(key) else {
        return String::new();
    };
    mac.update(kind.as_bytes());
    mac.update(b":");
    mac.update(id.as_bytes());
    crate::to_hex(&mac.finalize().into_bytes()[..16])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rare_countries_become_other() {
        let people = |c: &str| match c {
            "MA" => 12,
            "PK" => 5,
            _ => 4,
        };
        let countries = |list: &[&str]| list.iter().map(|c| c.to_string()).collect::<Vec<_>>();
        assert_eq!(exported_citizenship(None, people), "unknown");
        assert_eq!(exported_citizenship(Some(&[]), people), "stateless");
        assert_eq!(exported_citizenship(Some(&countries(&["PK"])), people), "PK");
        assert_eq!(exported_citizenship(Some(&countries(&["ER"])), people), "other");
        assert_eq!(exported_citizenship(Some(&countries(&["SN", "MA"])), people), "MA|other");
        assert_eq!(exported_citizenship(Some(&countries(&["SN", "ER"])), people), "other");
    }

    #[test]
    fn pseudonyms_are_keyed_and_stable() {
        let a = pseudonym(b"key-one-key-one-key-one-key-one!", "case", "0190");
        assert_eq!(a.len(), 32);
        assert_eq!(a, pseudonym(b"key-one-key-one-key-one-key-one!", "case", "0190"));
        assert_ne!(a, pseudonym(b"key-two-key-two-key-two-key-two!", "case", "0190"));
        assert_ne!(a, pseudonym(b"key-one-key-one-key-one-key-one!", "person", "0190"));
    }
}
