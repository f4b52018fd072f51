//! How a person's record is shown, and the parts of it a request may also carry.

use chrono::{DateTime, NaiveDate, Utc};
use domain::beneficiaries::{
    Beneficiary, DocumentEntry, DocumentKind, DocumentStatus, Gender, Guardian, Permit, PermitKind,
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::schemas;

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PermitDto {
    #[schema(value_type = Option<schemas::PermitKind>)]
    pub kind: Option<PermitKind>,
    pub number: Option<String>,
    pub expires_on: Option<NaiveDate>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GuardianDto {
    pub name: String,
    /// E.g. `madre`, `tutore legale`.
    pub relation: String,
    pub contact: Option<String>,
}

/// One line of the documents checklist.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DocumentDto {
    #[schema(value_type = schemas::DocumentKind)]
    pub kind: DocumentKind,
    #[schema(value_type = schemas::DocumentStatus)]
    pub status: DocumentStatus,
    /// When the status was reached.
    pub on: Option<NaiveDate>,
}

/// A beneficiary as the PUA team sees it.
#[derive(Debug, Serialize, ToSchema)]
pub struct BeneficiaryView {
    pub id: Uuid,
    /// The registering district.
    pub district: String,
    pub alias: String,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    #[schema(value_type = Option<schemas::Gender>)]
    pub gender: Option<Gender>,
    pub birth_date: Option<NaiveDate>,
    pub birth_year: Option<i32>,
    /// `null`: not known; `[]`: stateless.
    pub citizenships: Option<Vec<String>>,
    pub languages: Vec<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub municipality: Option<String>,
    pub arrival_year: Option<i32>,
    pub permit: PermitDto,
    pub codice_fiscale: Option<String>,
    pub guardian: Option<GuardianDto>,
    /// Every document of the checklist.
    pub documents: Vec<DocumentDto>,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// When the person's identifiers and free texts were erased, on request or at the end of
    /// the retention period; the statistical facts stay. Then `birth_date` is empty (the
    /// record keeps a stand-in of the same year for the reports' age bands).
    pub erased_at: Option<DateTime<Utc>>,
}

impl From<Beneficiary> for BeneficiaryView {
    fn from(b: Beneficiary) -> Self {
        let data = b.data;
        BeneficiaryView {
            id: b.id,
            district: b.district.as_str().to_string(),
            alias: data.alias,
            first_name: data.first_name,
            last_name: data.last_name,
            gender: data.gender,
            birth_date: data.birth_date.filter(|_| b.erased_at.is_none()),
            birth_year: data.birth_year,
            citizenships: data.citizenships,
            languages: data.languages,
            phone: data.phone,
            email: data.email,
            municipality: data.municipality,
            arrival_year: data.arrival_year,
            permit: PermitDto {
                kind: data.permit.kind,
                number: data.permit.number,
                expires_on: data.permit.expires_on,
            },
            codice_fiscale: data.codice_fiscale,
            guardian: data.guardian.map(|g| GuardianDto { name: g.name, relation: g.relation, contact: g.contact }),
            documents: data
                .documents
                .into_iter()
                .map(|d| DocumentDto { kind: d.kind, status: d.status, on: d.on })
                .collect(),
            version: b.version,
            created_at: b.created_at,
            updated_at: b.updated_at,
            erased_at: b.erased_at,
        }
    }
}

impl From<PermitDto> for Permit {
    fn from(dto: PermitDto) -> Permit {
        Permit { kind: dto.kind, number: dto.number, expires_on: dto.expires_on }
    }
}

impl From<GuardianDto> for Guardian {
    fn from(dto: GuardianDto) -> Guardian {
        Guardian { name: dto.name, relation: dto.relation, contact: dto.contact }
    }
}

impl From<DocumentDto> for DocumentEntry {
    fn from(dto: DocumentDto) -> DocumentEntry {
        DocumentEntry { kind: dto.kind, status: dto.status, on: dto.on }
    }
}
