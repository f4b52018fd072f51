//! Beneficiaries: registration with duplicate detection, reading, changes, search. Every read
//! and change is audited; everything outside the caller's scope answers 404.

use actix_web::http::{StatusCode, header};
use actix_web::{HttpResponse, get, patch, post, web};
use chrono::{DateTime, NaiveDate, Utc};
use domain::access::{Capability, CaseScope};
use domain::audit::{AuditAction, AuditEntry, ListedSubject};
use domain::beneficiaries::{
    Beneficiary, BeneficiaryData, BeneficiaryDraft, DocumentEntry, DocumentKind, DocumentStatus, Gender, Guardian,
    Permit, PermitKind, check,
};
use domain::districts::{DistrictCode, parse_known_district};
use persistence::beneficiaries::{self as store, BeneficiaryFilter};
use persistence::{DbConnection, PageRequest, audit};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;
use validator::Validate;

use crate::audit::{Via, audited};
use crate::auth::Caller;
use crate::error::ApiError;
use crate::extract::{
    IdempotencyKey, IfMatch, Paged, ValidJson, ValidQuery, decode_id_cursor, encode_cursor, etag, page_limit,
    resource_id,
};
use crate::idempotency::{Answer, once};
use crate::schemas;
use crate::state::AppState;

pub fn configure(config: &mut ServiceConfig) {
    config
        .service(create_beneficiary)
        .service(search_beneficiaries)
        .service(get_beneficiary)
        .service(update_beneficiary);
}

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
            birth_date: data.birth_date,
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
        }
    }
}

/// A possible duplicate, as shown to a caller who may see it.
#[derive(Debug, Serialize, ToSchema)]
pub struct DuplicateCandidate {
    pub id: Uuid,
    pub alias: String,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub birth_year: Option<i32>,
    pub citizenships: Option<Vec<String>>,
    pub district: String,
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
    #[validate(range(min = 1, max = 200))]
    pub limit: Option<i64>,
    #[validate(length(max = 512))]
    pub cursor: Option<String>,
}

impl BeneficiaryInput {
    fn draft(&self) -> BeneficiaryDraft {
        BeneficiaryDraft {
            alias: self.alias.clone(),
            first_name: self.first_name.clone(),
            last_name: self.last_name.clone(),
            gender: self.gender,
            birth_date: self.birth_date,
            birth_year: self.birth_year,
            citizenships: self.citizenships.clone(),
            languages: self.languages.clone(),
            phone: self.phone.clone(),
            email: self.email.clone(),
            municipality: self.municipality.clone(),
            arrival_year: self.arrival_year,
            permit: self.permit.clone().map(permit).unwrap_or_default(),
            codice_fiscale: self.codice_fiscale.clone(),
            guardian: self.guardian.clone().map(guardian),
            documents: self.documents.iter().map(document).collect(),
        }
    }
}

fn permit(dto: PermitDto) -> Permit {
    Permit { kind: dto.kind, number: dto.number, expires_on: dto.expires_on }
}

fn guardian(dto: GuardianDto) -> Guardian {
    Guardian { name: dto.name, relation: dto.relation, contact: dto.contact }
}

fn document(dto: &DocumentDto) -> DocumentEntry {
    DocumentEntry { kind: dto.kind, status: dto.status, on: dto.on }
}

impl BeneficiaryPatch {
    /// The stored data with this patch applied, to be validated as a whole.
    fn apply(self, data: BeneficiaryData) -> BeneficiaryDraft {
        let mut draft = BeneficiaryDraft::from(data);
        if let Some(alias) = self.alias {
            draft.alias = alias;
        }
        if let Some(value) = self.first_name {
            draft.first_name = value;
        }
        if let Some(value) = self.last_name {
            draft.last_name = value;
        }
        if let Some(value) = self.gender {
            draft.gender = value;
        }
        if let Some(value) = self.birth_date {
            draft.birth_date = value;
        }
        if let Some(value) = self.birth_year {
            draft.birth_year = value;
        }
        if let Some(value) = self.citizenships {
            draft.citizenships = value;
        }
        if let Some(value) = self.languages {
            draft.languages = value;
        }
        if let Some(value) = self.phone {
            draft.phone = value;
        }
        if let Some(value) = self.email {
            draft.email = value;
        }
        if let Some(value) = self.municipality {
            draft.municipality = value;
        }
        if let Some(value) = self.arrival_year {
            draft.arrival_year = value;
        }
        if let Some(value) = self.permit {
            draft.permit = value.map(permit).unwrap_or_default();
        }
        if let Some(value) = self.codice_fiscale {
            draft.codice_fiscale = value;
        }
        if let Some(value) = self.guardian {
            draft.guardian = value.map(guardian);
        }
        if let Some(changes) = self.documents {
            for change in &changes {
                match draft.documents.iter_mut().find(|d| d.kind == change.kind) {
                    Some(line) => *line = document(change),
                    None => draft.documents.push(document(change)),
                }
            }
        }
        draft
    }
}

/// The district a new record belongs to: the one named, which must be the caller's, or the
/// caller's only district.
pub fn registering_district(state: &AppState, caller: &Caller, named: Option<&str>) -> Result<DistrictCode, ApiError> {
    match named {
        Some(code) => {
            let district = parse_known_district("district", code, state.known_districts())?;
            if caller.districts.contains(&district) {
                Ok(district)
            } else {
                Err(ApiError::field("district", "not_your_district", "you may only record data for your own districts"))
            }
        }
        None => match caller.districts.as_slice() {
            [only] => Ok(only.clone()),
            _ => Err(ApiError::field("district", "required", "name the district: you work in several")),
        },
    }
}

/// Validates a registration.
pub fn validate(input: &BeneficiaryInput, today: NaiveDate) -> Result<BeneficiaryData, ApiError> {
    Ok(check(input.draft(), today)?)
}

/// Registers a person unless records that may be the same person exist (and `confirm_new`
/// is not set): then 409 with the candidates the caller may see and a count of the others.
/// Answers the person and the audit entry of the registration, which the caller appends in its
/// transaction (with its own entries: one append per write).
pub fn register(
    conn: &mut DbConnection,
    caller: &Caller,
    district: &DistrictCode,
    data: &BeneficiaryData,
    confirm_new: bool,
    now: DateTime<Utc>,
) -> Result<(Beneficiary, AuditEntry), ApiError> {
    if !confirm_new {
        let matches = store::possible_duplicates(conn, data, None)?;
        if !matches.is_empty() {
            return Err(duplicates(conn, caller, &matches, now)?);
        }
    }
    let beneficiary = store::insert(conn, district, data, caller.user_id, now)?;
    let entry = caller.audit(now, AuditAction::Create, district, Some(beneficiary.id), None);
    Ok((beneficiary, entry))
}

/// The 409 answer for possible duplicates. Candidates shown are read, so they are audited.
fn duplicates(
    conn: &mut DbConnection,
    caller: &Caller,
    matches: &[Uuid],
    now: DateTime<Utc>,
) -> Result<ApiError, ApiError> {
    let visible = match CaseScope::of(caller.role, caller.user_id, &caller.districts) {
        Some(scope) if domain::access::sees_full_case(caller.role) => store::visible_ids(conn, matches, &scope)?,
        _ => Vec::new(),
    };
    let mut candidates = Vec::new();
    let mut shown = Vec::new();
    for id in &visible {
        let found = store::find(conn, *id)?;
        shown.push((found.district.clone(), ListedSubject { beneficiary_id: found.id, case_id: None }));
        candidates.push(DuplicateCandidate {
            id: found.id,
            district: found.district.as_str().to_string(),
            alias: found.data.alias,
            first_name: found.data.first_name,
            last_name: found.data.last_name,
            birth_year: found.data.birth_year,
            citizenships: found.data.citizenships,
        });
    }
    audit::append(conn, caller.audit_page(now, shown))?;
    let others = matches.len() - visible.len();
    Ok(ApiError::conflict(format!(
        "{} record(s) may be the same person: check them, or send \"confirm_new\": true to register anyway",
        matches.len()
    ))
    .with_extension("code", json!("possible_duplicate"))
    .with_extension("candidates", serde_json::to_value(&candidates).unwrap_or_default())
    .with_extension("other_matches", json!(others)))
}

/// A beneficiary the caller may see, or 404.
pub fn visible(conn: &mut DbConnection, scope: &CaseScope, id: Uuid) -> Result<Beneficiary, ApiError> {
    if !store::is_visible(conn, id, scope)? {
        return Err(ApiError::not_found());
    }
    Ok(store::find(conn, id)?)
}

/// Register a beneficiary.
///
/// Answers 409 `possible_duplicate` when a record with the same codice fiscale, or the same
/// name, birth year and citizenship exists; the body lists the candidates you may see and
/// counts the others. Send `"confirm_new": true` to register anyway.
#[utoipa::path(
    tag = "beneficiaries",
    security(("bearer" = [])),
    params(("Idempotency-Key" = Option<String>, Header, description = "Retry safely: the same key and body return the first answer")),
    request_body = BeneficiaryInput,
    responses(
        (status = 201, description = "Registered", body = BeneficiaryView,
            headers(("Location" = String, description = "The new record"), ("ETag" = String, description = "Its version"))),
        (status = 403, description = "The role does not register people", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 409, description = "Possible duplicates (`candidates`, `other_matches`)", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/beneficiaries")]
pub async fn create_beneficiary(
    state: web::Data<AppState>,
    caller: Caller,
    key: IdempotencyKey,
    body: ValidJson<BeneficiaryInput>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Capability::EditBeneficiaries)?;
    let ValidJson(input, digest) = body;
    let district = registering_district(&state, &caller, input.district.as_deref())?;
    let now = state.now();
    let data = validate(&input, now.date_naive())?;
    let actor = caller.clone();
    once(&state, &caller, &key, &digest, move |conn| {
        let (beneficiary, registered) = register(conn, &actor, &district, &data, input.confirm_new, now)?;
        audit::append(conn, vec![registered])?;
        Ok(Answer::json(StatusCode::CREATED, &BeneficiaryView::from(beneficiary.clone()))?
            .with_location(format!("/api/v1/beneficiaries/{}", beneficiary.id))
            .with_etag(etag(beneficiary.version)))
    })
    .await
}

/// Search the beneficiaries you may see, newest first.
#[utoipa::path(
    tag = "beneficiaries",
    security(("bearer" = [])),
    params(BeneficiarySearch),
    responses(
        (status = 200, description = "A page of beneficiaries", body = Paged<BeneficiaryView>),
        (status = 403, description = "The role reads no personal data", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/beneficiaries")]
pub async fn search_beneficiaries(
    state: web::Data<AppState>,
    caller: Caller,
    query: ValidQuery<BeneficiarySearch>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Capability::ReadBeneficiaries)?;
    let scope = caller.case_scope()?;
    let query = query.0;
    let filter = BeneficiaryFilter {
        q: query.q,
        codice_fiscale: query
            .codice_fiscale
            .map(|c| c.chars().filter(|c| !c.is_whitespace()).collect::<String>().to_ascii_uppercase()),
        birth_year: query.birth_year,
        citizenship: query.citizenship.as_deref().map(|c| domain::iso::parse_country("citizenship", c)).transpose()?,
        district: query
            .district
            .as_deref()
            .map(|d| parse_known_district("district", d, state.known_districts()))
            .transpose()?,
    };
    let page = PageRequest { after: decode_id_cursor(query.cursor.as_deref())?, limit: page_limit(query.limit) };
    let now = state.now();
    let page = audited(&state, Via::Query, move |conn| {
        let page = store::search(conn, &scope, &filter, &page)?;
        let entries = caller.audit_page(
            now,
            page.items.iter().map(|b| (b.district.clone(), ListedSubject { beneficiary_id: b.id, case_id: None })),
        );
        Ok((page, entries))
    })
    .await?;
    let next_cursor = page.has_more.then(|| page.items.last().map(|b| encode_cursor(&[b.id.to_string()]))).flatten();
    Ok(HttpResponse::Ok()
        .json(Paged { items: page.items.into_iter().map(BeneficiaryView::from).collect(), next_cursor }))
}

/// Read a beneficiary.
#[utoipa::path(
    tag = "beneficiaries",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Beneficiary id")),
    responses(
        (status = 200, description = "The beneficiary", body = BeneficiaryView, headers(("ETag" = String, description = "Its version"))),
        (status = 403, description = "The role reads no personal data", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/beneficiaries/{id}")]
pub async fn get_beneficiary(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Capability::ReadBeneficiaries)?;
    let scope = caller.case_scope()?;
    let id = resource_id(&id)?;
    let now = state.now();
    let beneficiary = audited(&state, Via::Lookup, move |conn| {
        let beneficiary = visible(conn, &scope, id)?;
        let entry = caller.audit(now, AuditAction::Read, &beneficiary.district, Some(id), None);
        Ok((beneficiary, vec![entry]))
    })
    .await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::ETAG, etag(beneficiary.version)))
        .json(BeneficiaryView::from(beneficiary)))
}

/// Change a beneficiary. Requires `If-Match`.
#[utoipa::path(
    tag = "beneficiaries",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Beneficiary id"), ("If-Match" = String, Header, description = "The ETag read")),
    request_body = BeneficiaryPatch,
    responses(
        (status = 200, description = "The changed beneficiary", body = BeneficiaryView, headers(("ETag" = String, description = "Its new version"))),
        (status = 403, description = "The role does not change people's records", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/beneficiaries/{id}")]
pub async fn update_beneficiary(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
    if_match: IfMatch,
    body: ValidJson<BeneficiaryPatch>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Capability::EditBeneficiaries)?;
    let scope = caller.case_scope()?;
    let id = resource_id(&id)?;
    let patch = body.0;
    let now = state.now();
    let beneficiary = state
        .write(move |conn| {
            let current = visible(conn, &scope, id)?;
            if current.version != if_match.0 {
                return Err(ApiError::precondition_failed());
            }
            let data = check(patch.apply(current.data), now.date_naive())?;
            let updated = store::update(conn, id, if_match.0, &data, now)?;
            audit::append(conn, vec![caller.audit(now, AuditAction::Update, &updated.district, Some(id), None)])?;
            Ok(updated)
        })
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::ETAG, etag(beneficiary.version)))
        .json(BeneficiaryView::from(beneficiary)))
}
