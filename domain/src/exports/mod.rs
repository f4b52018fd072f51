//! The research export: one pseudonymous row per case for the evaluators and the Region. A row
//! holds no name, codice fiscale, contact, birth date, free text or employer; ids become keyed
//! hashes; what may identify a person is generalised until each row is shared by five people
//! ([`anonymity`]).

mod anonymity;

use std::collections::HashMap;

use chrono::{Datelike, NaiveDate, NaiveDateTime};
use chrono_tz::Tz;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use uuid::Uuid;

pub use anonymity::*;

use crate::Vocabulary;
use crate::referrals::ReferralStatus;
use crate::reports::{age_band, local_day};

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
    /// Countries joined by `|` (or their UN sub-regions or regions), `stateless`, `unknown`, or
    /// `*` when withheld.
    pub citizenship: String,
    pub channel: String,
    pub profile: Option<String>,
    pub needs: Vec<String>,
    pub status: String,
    /// `YYYY-MM`, `YYYY-Qn` or `YYYY` (as the export's generalisation says), or `*`.
    pub intercepted_month: String,
    pub taken_in_charge_month: Option<String>,
    pub services: HashMap<String, i64>,
    pub referrals: HashMap<String, i64>,
    pub outcome: Option<String>,
}

/// What may identify the person of a case, on the programme's calendar in `zone`: age at the
/// day of interception, its month.
pub fn quasi_identifiers(case: &ExportCase, zone: Tz) -> QuasiIdentifiers {
    let day = local_day(case.intercepted_at, zone);
    QuasiIdentifiers {
        district: case.district.clone(),
        gender: case.gender.clone(),
        age_band: age_band(case.birth_date, case.birth_year, day),
        citizenships: case.citizenships.clone(),
        month: (day.year(), day.month()),
        channel: case.channel.clone(),
        profile: case.profile.clone(),
    }
}

/// The row of a case as `plan` writes it: pseudonyms under `key`, the quasi-identifiers
/// generalised or withheld, months instead of days.
pub fn row(case: ExportCase, key: &[u8], plan: &Anonymisation, zone: Tz) -> ExportRow {
    let qi = quasi_identifiers(&case, zone);
    let taken_in_charge = case.taken_in_charge_at.map(|at| local_day(at, zone)).map(|d| (d.year(), d.month()));
    let written = plan.written(case.case_id, &qi, taken_in_charge);
    ExportRow {
        case: pseudonym(key, "case", &case.case_id.to_string()),
        person: pseudonym(key, "person", &case.beneficiary_id.to_string()),
        district: written.district,
        gender: written.gender,
        age_band: written.age_band,
        citizenship: written.citizenship,
        channel: written.channel,
        profile: written.profile,
        needs: case.needs,
        status: case.status,
        intercepted_month: written.month,
        taken_in_charge_month: written.taken_in_charge_month,
        services: case.services,
        referrals: case.referrals,
        outcome: case.outcome,
    }
}

/// Referral statuses an export counts: every status but `proposed`, which the partner never saw.
pub fn referral_columns() -> impl Iterator<Item = ReferralStatus> {
    ReferralStatus::ALL.iter().copied().filter(|s| *s != ReferralStatus::Proposed)
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
    fn pseudonyms_are_keyed_and_stable() {
        let a = pseudonym(b"key-one-key-one-key-one-key-one!", "case", "0190");
        assert_eq!(a.len(), 32);
        assert_eq!(a, pseudonym(b"key-one-key-one-key-one-key-one!", "case", "0190"));
        assert_ne!(a, pseudonym(b"key-two-key-two-key-two-key-two!", "case", "0190"));
        assert_ne!(a, pseudonym(b"key-one-key-one-key-one-key-one!", "person", "0190"));
    }
}
