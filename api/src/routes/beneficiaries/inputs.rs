//! What a request about beneficiaries carries, and how it becomes what the use cases take.

use app::beneficiaries::{Registration, Search};
use chrono::{DateTime, NaiveDate, Utc};
use domain::beneficiaries::{BeneficiaryChanges, BeneficiaryDraft, DocumentEntry, Gender, Guardian, Permit};
use persistence::ChangedSince;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use super::views::{DocumentDto, GuardianDto, PermitDto};
use crate::schemas;

/// A person to register. At first contact the alias may be all there is.
#[derive(Debug, Clone, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BeneficiaryInput {
    #[schema(example = "Karim (stazione Centrale)")]
    pub alias: String,
    #[serde(default)]
    pub first_name: Option<String>,
    #[serde(default)]
    pub last_name: Option<String>,
    #[serde(default)]
    #[schema(value_type = Option<schemas::Gender>)]
    pub gender: Option<Gender>,
    #[serde(default)]
    pub birth_date: Option<NaiveDate>,
    /// When only the year is known.
    #[serde(default)]
    pub birth_year: Option<i32>,
    /// ISO 3166-1 alpha-2 codes. Absent or null: not known yet; empty: stateless.
    #[serde(default)]
    #[validate(length(max = 10))]
    pub citizenships: Option<Vec<String>>,
    /// ISO 639-1 codes.
    #[serde(default)]
    #[validate(length(max = 20))]
    pub languages: Vec<String>,
    #[serde(default)]
    pub phone: Option<String>,
    #[serde(default)]
    pub email: Option<String>,
    /// Municipality of residence.
    #[serde(default)]
    pub municipality: Option<String>,
    /// Year of arrival in Italy.
    #[serde(default)]
    pub arrival_year: Option<i32>,
    #[serde(default)]
    pub permit: Option<PermitDto>,
    /// 16 characters with check character (omocodia accepted), or the 11-digit numeric code.
    #[serde(default)]
    pub codice_fiscale: Option<String>,
    /// Required for a person who was a minor when intercepted.
    #[serde(default)]
    pub guardian: Option<GuardianDto>,
    #[serde(default)]
    #[validate(length(max = 7))]
    pub documents: Vec<DocumentDto>,
    /// The registering district; may be left out by a caller who works in one district.
    #[serde(default)]
    pub district: Option<String>,
    /// Register even though possible duplicates exist.
    #[serde(default)]
    pub confirm_new: bool,
    /// Why this is a different person: required with `confirm_new` when a possible duplicate
    /// is held by another district (then audited), since two records of one person would be
    /// counted twice. To move that record here instead, ask for its transfer.
    #[serde(default)]
    #[validate(length(max = 2000))]
    pub confirm_new_reason: Option<String>,
}

/// Changes; absent fields stay as they are, `null` clears a field. `documents` lists the
/// checklist lines to change; the others stay.
#[derive(Debug, Clone, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BeneficiaryPatch {
    pub alias: Option<String>,
    #[serde(default, deserialize_with = "crate::extract::present")]
    #[schema(value_type = Option<String>)]
    pub first_name: Option<Option<String>>,
    #[serde(default, deserialize_with = "crate::extract::present")]
    #[schema(value_type = Option<String>)]
    pub last_name: Option<Option<String>>,
    #[serde(default, deserialize_with = "crate::extract::present")]
    #[schema(value_type = Option<schemas::Gender>)]
    pub gender: Option<Option<Gender>>,
    #[serde(default, deserialize_with = "crate::extract::present")]
    #[schema(value_type = Option<NaiveDate>)]
    pub birth_date: Option<Option<NaiveDate>>,
    #[serde(default, deserialize_with = "crate::extract::present")]
    #[schema(value_type = Option<i32>)]
    pub birth_year: Option<Option<i32>>,
    #[serde(default, deserialize_with = "crate::extract::present")]
    #[schema(value_type = Option<Vec<String>>)]
    #[validate(length(max = 10))]
    pub citizenships: Option<Option<Vec<String>>>,
    #[validate(length(max = 20))]
    pub languages: Option<Vec<String>>,
    #[serde(default, deserialize_with = "crate::extract::present")]
    #[schema(value_type = Option<String>)]
    pub phone: Option<Option<String>>,
    #[serde(default, deserialize_with = "crate::extract::present")]
    #[schema(value_type = Option<String>)]
    pub email: Option<Option<String>>,
    #[serde(default, deserialize_with = "crate::extract::present")]
    #[schema(value_type = Option<String>)]
    pub municipality: Option<Option<String>>,
    #[serde(default, deserialize_with = "crate::extract::present")]
    #[schema(value_type = Option<i32>)]
    pub arrival_year: Option<Option<i32>>,
    #[serde(default, deserialize_with = "crate::extract::present")]
    #[schema(value_type = Option<PermitDto>)]
    pub permit: Option<Option<PermitDto>>,
    #[serde(default, deserialize_with = "crate::extract::present")]
    #[schema(value_type = Option<String>)]
    pub codice_fiscale: Option<Option<String>>,
    #[serde(default, deserialize_with = "crate::extract::present")]
    #[schema(value_type = Option<GuardianDto>)]
    pub guardian: Option<Option<GuardianDto>>,
    #[validate(length(max = 7))]
    pub documents: Option<Vec<DocumentDto>>,
}

#[derive(Debug, Deserialize, Validate, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct BeneficiarySearch {
    /// Part of the alias, first or last name; any case, accents ignored.
    #[validate(length(max = 100))]
    pub q: Option<String>,
    #[validate(length(max = 20))]
    pub codice_fiscale: Option<String>,
    #[validate(range(min = 1900, max = 2100))]
    pub birth_year: Option<i32>,
    /// ISO 3166-1 alpha-2.
    #[validate(length(max = 2))]
    pub citizenship: Option<String>,
    /// Registered in, or with a case in, this district.
    pub district: Option<String>,
    /// Only what changed at or after this instant, in the order of last change (oldest first):
    /// for clients that sync deltas. Ask again from a little before your last sync, or follow
    /// `/changes` for an exact order.
    pub updated_since: Option<DateTime<Utc>>,
    #[validate(range(min = 1, max = 200))]
    pub limit: Option<i64>,
    #[validate(length(max = 512))]
    pub cursor: Option<String>,
}

impl BeneficiarySearch {
    /// What is searched for (the page is read apart).
    pub fn search(&self, changed_since: Option<ChangedSince>) -> Search {
        Search {
            changed_since,
            q: self.q.clone(),
            codice_fiscale: self.codice_fiscale.clone(),
            birth_year: self.birth_year,
            citizenship: self.citizenship.clone(),
            district: self.district.clone(),
        }
    }
}

impl BeneficiaryInput {
    /// The person as the use cases take it.
    pub fn registration(self) -> Registration {
        Registration {
            draft: BeneficiaryDraft {
                alias: self.alias,
                first_name: self.first_name,
                last_name: self.last_name,
                gender: self.gender,
                birth_date: self.birth_date,
                birth_year: self.birth_year,
                citizenships: self.citizenships,
                languages: self.languages,
                phone: self.phone,
                email: self.email,
                municipality: self.municipality,
                arrival_year: self.arrival_year,
                permit: self.permit.map(Permit::from).unwrap_or_default(),
                codice_fiscale: self.codice_fiscale,
                guardian: self.guardian.map(Guardian::from),
                documents: self.documents.into_iter().map(DocumentEntry::from).collect(),
            },
            district: self.district,
            confirm_new: self.confirm_new,
            confirm_new_reason: self.confirm_new_reason,
        }
    }
}

impl From<BeneficiaryPatch> for BeneficiaryChanges {
    fn from(patch: BeneficiaryPatch) -> BeneficiaryChanges {
        BeneficiaryChanges {
            alias: patch.alias,
            first_name: patch.first_name,
            last_name: patch.last_name,
            gender: patch.gender,
            birth_date: patch.birth_date,
            birth_year: patch.birth_year,
            citizenships: patch.citizenships,
            languages: patch.languages,
            phone: patch.phone,
            email: patch.email,
            municipality: patch.municipality,
            arrival_year: patch.arrival_year,
            permit: patch.permit.map(|permit| permit.map(Permit::from)),
            codice_fiscale: patch.codice_fiscale,
            guardian: patch.guardian.map(|guardian| guardian.map(Guardian::from)),
            documents: patch.documents.map(|lines| lines.into_iter().map(DocumentEntry::from).collect()),
        }
    }
}
