//! Beneficiaries, their citizenships, languages and documents checklist.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::Bool;
use domain::Vocabulary;
use domain::access::CaseScope;
use domain::beneficiaries::{
    Beneficiary, BeneficiaryData, DocumentEntry, DocumentKind, DocumentStatus, Guardian, Permit, name_key, search_key,
};
use domain::districts::DistrictCode;
use uuid::Uuid;

use crate::db::{DbConnection, MultiBackend, from_db_time, on_backend, to_db_time, write_transaction};
use crate::error::{Error, Result, decode, decode_id};
use crate::pagination::{ChangedSince, Page, PageRequest, like_contains};
use crate::reports::tallies;
use crate::schema::{beneficiaries, beneficiary_citizenships, beneficiary_documents, beneficiary_languages, cases};
use crate::sql::load_for_ids;

#[derive(Queryable, Selectable)]
#[diesel(table_name = beneficiaries)]
struct BeneficiaryRow {
    id: String,
    district_code: String,
    alias: String,
    first_name: Option<String>,
    last_name: Option<String>,
    gender: Option<String>,
    birth_date: Option<NaiveDate>,
    birth_year: Option<i32>,
    citizenships_known: bool,
    phone: Option<String>,
    email: Option<String>,
    municipality: Option<String>,
    arrival_year: Option<i32>,
    permit_kind: Option<String>,
    permit_number: Option<String>,
    permit_expires_on: Option<NaiveDate>,
    codice_fiscale: Option<String>,
    guardian_name: Option<String>,
    guardian_relation: Option<String>,
    guardian_contact: Option<String>,
    version: i32,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
    erased_at: Option<NaiveDateTime>,
}

/// The columns that hold what is recorded of the person (written whole on every change).
#[derive(Insertable, AsChangeset)]
#[diesel(table_name = beneficiaries, treat_none_as_null = true)]
struct DataColumns {
    alias: String,
    first_name: Option<String>,
    last_name: Option<String>,
    search_key: String,
    name_key: Option<String>,
    gender: Option<&'static str>,
    birth_date: Option<NaiveDate>,
    birth_year: Option<i32>,
    citizenships_known: bool,
    phone: Option<String>,
    email: Option<String>,
    municipality: Option<String>,
    arrival_year: Option<i32>,
    permit_kind: Option<&'static str>,
    permit_number: Option<String>,
    permit_expires_on: Option<NaiveDate>,
    codice_fiscale: Option<String>,
    guardian_name: Option<String>,
    guardian_relation: Option<String>,
    guardian_contact: Option<String>,
}

impl From<&BeneficiaryData> for DataColumns {
    fn from(data: &BeneficiaryData) -> Self {
        DataColumns {
            alias: data.alias.clone(),
            first_name: data.first_name.clone(),
            last_name: data.last_name.clone(),
            search_key: search_key(data),
            name_key: name_key(data),
            gender: data.gender.map(|g| g.code()),
            birth_date: data.birth_date,
            birth_year: data.birth_year,
            citizenships_known: data.citizenships.is_some(),
            phone: data.phone.clone(),
            email: data.email.clone(),
            municipality: data.municipality.clone(),
            arrival_year: data.arrival_year,
            permit_kind: data.permit.kind.map(|k| k.code()),
            permit_number: data.permit.number.clone(),
            permit_expires_on: data.permit.expires_on,
            codice_fiscale: data.codice_fiscale.clone(),
            guardian_name: data.guardian.as_ref().map(|g| g.name.clone()),
            guardian_relation: data.guardian.as_ref().map(|g| g.relation.clone()),
            guardian_contact: data.guardian.as_ref().and_then(|g| g.contact.clone()),
        }
    }
}

impl BeneficiaryRow {
    /// The row of a person registered now with `columns`.
    fn new(id: String, district: &DistrictCode, columns: &DataColumns, at: NaiveDateTime) -> BeneficiaryRow {
        BeneficiaryRow {
            id,
            district_code: district.as_str().to_string(),
            alias: columns.alias.clone(),
            first_name: columns.first_name.clone(),
            last_name: columns.last_name.clone(),
            gender: columns.gender.map(str::to_string),
            birth_date: columns.birth_date,
            birth_year: columns.birth_year,
            citizenships_known: columns.citizenships_known,
            phone: columns.phone.clone(),
            email: columns.email.clone(),
            municipality: columns.municipality.clone(),
            arrival_year: columns.arrival_year,
            permit_kind: columns.permit_kind.map(str::to_string),
            permit_number: columns.permit_number.clone(),
            permit_expires_on: columns.permit_expires_on,
            codice_fiscale: columns.codice_fiscale.clone(),
            guardian_name: columns.guardian_name.clone(),
            guardian_relation: columns.guardian_relation.clone(),
            guardian_contact: columns.guardian_contact.clone(),
            version: 1,
            created_at: at,
            updated_at: at,
            erased_at: None,
        }
    }
}

/// Search criteria; all optional and combined with AND.
#[derive(Debug, Clone, Default)]
pub struct BeneficiaryFilter {
    /// Part of the alias or names (folded).
    pub q: Option<String>,
    pub codice_fiscale: Option<String>,
    pub birth_year: Option<i32>,
    pub citizenship: Option<String>,
    /// Registered in, or with a case in, this district.
    pub district: Option<DistrictCode>,
    /// Changed since: the list then comes in the order of last change.
    pub changed_since: Option<ChangedSince>,
}

pub fn insert(
    conn: &mut DbConnection,
    district: &DistrictCode,
    data: &BeneficiaryData,
    created_by: Uuid,
    now: DateTime<Utc>,
) -> Result<Beneficiary> {
    let id = Uuid::now_v7();
    let at = to_db_time(now);
    let columns = DataColumns::from(data);
    // The rows as stored, written from here and answered from here: reading them back was four
    // more round trips on every registration.
    let row = BeneficiaryRow::new(id.to_string(), district, &columns, at);
    let sets = Sets::of(&row.id, data);
    write_transaction(conn, |conn| -> Result<()> {
        diesel::insert_into(beneficiaries::table)
            .values((
                columns,
                beneficiaries::id.eq(&row.id),
                beneficiaries::district_code.eq(&row.district_code),
                beneficiaries::created_by.eq(created_by.to_string()),
                beneficiaries::version.eq(row.version),
                beneficiaries::created_at.eq(row.created_at),
                beneficiaries::updated_at.eq(row.updated_at),
            ))
            .execute(conn)?;
        insert_sets(conn, &sets)
    })?;
    into_beneficiary(row, &sets)
}

/// Several beneficiaries at once (in no particular order).
pub fn find_many(conn: &mut DbConnection, ids: &[Uuid]) -> Result<Vec<Beneficiary>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let keys: Vec<String> = ids.iter().map(Uuid::to_string).collect();
    let rows = beneficiaries::table
        .filter(beneficiaries::id.eq_any(&keys))
        .select(BeneficiaryRow::as_select())
        .load::<BeneficiaryRow>(conn)?;
    let sets = Sets::load(conn, &keys)?;
    rows.into_iter().map(|row| into_beneficiary(row, &sets)).collect()
}

pub fn find(conn: &mut DbConnection, id: Uuid) -> Result<Beneficiary> {
    let query = beneficiaries::table.find(id.to_string());
    let row: BeneficiaryRow = on_backend!(conn, |inner| query.select(BeneficiaryRow::as_select()).first(inner))?;
    let sets = Sets::load(conn, std::slice::from_ref(&row.id))?;
    into_beneficiary(row, &sets)
}

/// Replaces the recorded data if the stored version is still `expected_version`.
pub fn update(
    conn: &mut DbConnection,
    id: Uuid,
    expected_version: i32,
    data: &BeneficiaryData,
    now: DateTime<Utc>,
) -> Result<Beneficiary> {
    write_transaction(conn, |conn| {
        let target = beneficiaries::table
            .filter(beneficiaries::id.eq(id.to_string()))
            .filter(beneficiaries::version.eq(expected_version));
        let updated = diesel::update(target)
            .set((
                DataColumns::from(data),
                beneficiaries::version.eq(expected_version + 1),
                beneficiaries::updated_at.eq(to_db_time(now)),
            ))
            .execute(conn)?;
        if updated == 0 {
            let exists: i64 =
                beneficiaries::table.filter(beneficiaries::id.eq(id.to_string())).count().get_result(conn)?;
            return Err(if exists == 0 { Error::NotFound } else { Error::StaleVersion });
        }
        replace_sets(conn, id, data)?;
        tallies::mark_beneficiary(conn, id)?;
        find(conn, id)
    })
}

/// Moves the person's record to `district` (an accepted transfer), whatever its version.
pub fn move_to(conn: &mut DbConnection, id: Uuid, district: &DistrictCode, now: DateTime<Utc>) -> Result<Beneficiary> {
    let moved = diesel::update(beneficiaries::table.filter(beneficiaries::id.eq(id.to_string())))
        .set((
            beneficiaries::district_code.eq(district.as_str()),
            beneficiaries::version.eq(beneficiaries::version + 1),
            beneficiaries::updated_at.eq(to_db_time(now)),
        ))
        .execute(conn)?;
    if moved == 0 {
        return Err(Error::NotFound);
    }
    find(conn, id)
}

/// The district holding each of `ids` (those that exist).
pub fn districts_of(conn: &mut DbConnection, ids: &[Uuid]) -> Result<Vec<(Uuid, DistrictCode)>> {
    let keys: Vec<String> = ids.iter().map(Uuid::to_string).collect();
    let rows: Vec<(String, String)> = beneficiaries::table
        .filter(beneficiaries::id.eq_any(&keys))
        .select((beneficiaries::id, beneficiaries::district_code))
        .load(conn)?;
    rows.into_iter().map(|(id, district)| Ok((decode_id(&id)?, DistrictCode::from_trusted(district)))).collect()
}

/// The person whose codice fiscale is `code`, if exactly one record holds it.
pub fn with_codice_fiscale(conn: &mut DbConnection, code: &str) -> Result<Option<Uuid>> {
    let found: Vec<String> = beneficiaries::table
        .filter(beneficiaries::codice_fiscale.eq(code))
        .select(beneficiaries::id)
        .limit(2)
        .load(conn)?;
    match found.as_slice() {
        [only] => Ok(Some(decode_id(only)?)),
        _ => Ok(None),
    }
}

/// Whether the beneficiary falls within a caller's scope: registered in one of its districts
/// or with a case there (district roles); with an interception the caller recorded
/// (outreach workers).
pub fn is_visible(conn: &mut DbConnection, id: Uuid, scope: &CaseScope) -> Result<bool> {
    Ok(!visible_ids(conn, &[id], scope)?.is_empty())
}

/// Which of `ids` a scope covers.
pub fn visible_ids(conn: &mut DbConnection, ids: &[Uuid], scope: &CaseScope) -> Result<Vec<Uuid>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let ids: Vec<String> = ids.iter().map(Uuid::to_string).collect();
    let query =
        beneficiaries::table.select(beneficiaries::id).filter(beneficiaries::id.eq_any(&ids)).filter(in_scope(scope));
    query.load::<String>(conn)?.iter().map(|id| decode_id(id)).collect()
}

/// The condition for a beneficiary to be in scope: registered in one of the districts or with
/// a case there that did not stay behind when the person was transferred away (district
/// roles); with an interception the user recorded (outreach workers).
fn in_scope(scope: &CaseScope) -> Box<dyn BoxableExpression<beneficiaries::table, MultiBackend, SqlType = Bool>> {
    match scope {
        CaseScope::Districts(districts) => {
            let codes: Vec<String> = districts.iter().map(|d| d.as_str().to_string()).collect();
            let with_case = cases::table
                .filter(cases::district_code.eq_any(codes.clone()))
                .filter(cases::transferred_at.is_null())
                .select(cases::beneficiary_id);
            Box::new(beneficiaries::district_code.eq_any(codes).or(beneficiaries::id.eq_any(with_case)))
        }
        CaseScope::RecordedBy(user) => {
            let recorded = cases::table.filter(cases::recorded_by.eq(user.to_string())).select(cases::beneficiary_id);
            Box::new(beneficiaries::id.eq_any(recorded))
        }
    }
}

/// Beneficiaries in scope matching the filter, newest first.
pub fn search(
    conn: &mut DbConnection,
    scope: &CaseScope,
    filter: &BeneficiaryFilter,
    page: &PageRequest<Uuid>,
) -> Result<Page<Beneficiary>> {
    let mut query = beneficiaries::table
        .select(BeneficiaryRow::as_select())
        .order(beneficiaries::id.desc())
        .limit(page.fetch_size())
        .into_boxed();
    if let Some(after) = page.after {
        query = query.filter(beneficiaries::id.lt(after.to_string()));
    }
    if let Some(changed) = filter.changed_since {
        let since = to_db_time(changed.since);
        query = query
            .filter(beneficiaries::updated_at.ge(since))
            .order((beneficiaries::updated_at.asc(), beneficiaries::id.asc()));
        if let Some((at, id)) = changed.after {
            let at = to_db_time(at);
            query = query.filter(
                beneficiaries::updated_at
                    .gt(at)
                    .or(beneficiaries::updated_at.eq(at).and(beneficiaries::id.gt(id.to_string()))),
            );
        }
    }
    query = query.filter(in_scope(scope));
    if let Some(q) = filter.q.as_deref().map(domain::beneficiaries::fold).filter(|q| !q.is_empty()) {
        query = query.filter(beneficiaries::search_key.like(like_contains(&q)).escape('\\'));
    }
    if let Some(code) = &filter.codice_fiscale {
        query = query.filter(beneficiaries::codice_fiscale.eq(code.clone()));
    }
    if let Some(year) = filter.birth_year {
        query = query.filter(beneficiaries::birth_year.eq(year));
    }
    if let Some(country) = &filter.citizenship {
        let holders = beneficiary_citizenships::table
            .filter(beneficiary_citizenships::country.eq(country.clone()))
            .select(beneficiary_citizenships::beneficiary_id);
        query = query.filter(beneficiaries::id.eq_any(holders));
    }
    if let Some(district) = &filter.district {
        let code = district.as_str().to_string();
        let with_case = cases::table.filter(cases::district_code.eq(code.clone())).select(cases::beneficiary_id);
        query = query.filter(beneficiaries::district_code.eq(code).or(beneficiaries::id.eq_any(with_case)));
    }
    let rows = query.load::<BeneficiaryRow>(conn)?;
    let page = page.page(rows);
    let ids: Vec<String> = page.items.iter().map(|row| row.id.clone()).collect();
    let sets = Sets::load(conn, &ids)?;
    let items = page.items.into_iter().map(|row| into_beneficiary(row, &sets)).collect::<Result<Vec<_>>>()?;
    Ok(Page { items, has_more: page.has_more })
}

/// Records that may be the same person: the same codice fiscale, or the same folded name,
/// birth year and a shared citizenship (or both stateless).
pub fn possible_duplicates(conn: &mut DbConnection, data: &BeneficiaryData, except: Option<Uuid>) -> Result<Vec<Uuid>> {
    let mut found: Vec<String> = Vec::new();
    if let Some(code) = &data.codice_fiscale {
        found.extend(
            beneficiaries::table
                .filter(beneficiaries::codice_fiscale.eq(code))
                .select(beneficiaries::id)
                .load::<String>(conn)?,
        );
    }
    if let (Some(key), Some(year), Some(citizenships)) = (name_key(data), data.birth_year, &data.citizenships) {
        let same_name: Vec<(String, bool)> = beneficiaries::table
            .filter(beneficiaries::name_key.eq(key))
            .filter(beneficiaries::birth_year.eq(year))
            .filter(beneficiaries::citizenships_known.eq(true))
            .select((beneficiaries::id, beneficiaries::citizenships_known))
            .load(conn)?;
        if !same_name.is_empty() {
            let ids: Vec<String> = same_name.iter().map(|(id, _)| id.clone()).collect();
            let sets = Sets::load(conn, &ids)?;
            for id in ids {
                let theirs = sets.citizenships.get(&id).cloned().unwrap_or_default();
                let shared = if citizenships.is_empty() {
                    theirs.is_empty()
                } else {
                    theirs.iter().any(|c| citizenships.contains(c))
                };
                if shared {
                    found.push(id);
                }
            }
        }
    }
    found.sort();
    found.dedup();
    let except = except.map(|id| id.to_string());
    found.into_iter().filter(|id| Some(id) != except.as_ref()).map(|id| decode_id(&id)).collect()
}

fn replace_sets(conn: &mut DbConnection, id: Uuid, data: &BeneficiaryData) -> Result<()> {
    let key = id.to_string();
    diesel::delete(beneficiary_citizenships::table.filter(beneficiary_citizenships::beneficiary_id.eq(&key)))
        .execute(conn)?;
    diesel::delete(beneficiary_languages::table.filter(beneficiary_languages::beneficiary_id.eq(&key)))
        .execute(conn)?;
    diesel::delete(beneficiary_documents::table.filter(beneficiary_documents::beneficiary_id.eq(&key)))
        .execute(conn)?;
    insert_sets(conn, &Sets::of(&key, data))
}

/// Inserts the set rows of `sets` (those of one new or replaced person).
fn insert_sets(conn: &mut DbConnection, sets: &Sets) -> Result<()> {
    // One row at a time: multi-row inserts do not compile through the multi-backend connection.
    for (key, countries) in &sets.citizenships {
        for country in countries {
            diesel::insert_into(beneficiary_citizenships::table)
                .values((
                    beneficiary_citizenships::beneficiary_id.eq(key),
                    beneficiary_citizenships::country.eq(country),
                ))
                .execute(conn)?;
        }
    }
    for (key, languages) in &sets.languages {
        for language in languages {
            diesel::insert_into(beneficiary_languages::table)
                .values((beneficiary_languages::beneficiary_id.eq(key), beneficiary_languages::language.eq(language)))
                .execute(conn)?;
        }
    }
    for (key, documents) in &sets.documents {
        for (document, status, on) in documents {
            diesel::insert_into(beneficiary_documents::table)
                .values((
                    beneficiary_documents::beneficiary_id.eq(key),
                    beneficiary_documents::document.eq(document),
                    beneficiary_documents::status.eq(status),
                    beneficiary_documents::status_on.eq(on),
                ))
                .execute(conn)?;
        }
    }
    Ok(())
}

/// The set-valued fields of a page of beneficiaries, loaded with one query each.
#[derive(Default)]
struct Sets {
    citizenships: HashMap<String, Vec<String>>,
    languages: HashMap<String, Vec<String>>,
    documents: HashMap<String, Vec<(String, String, Option<NaiveDate>)>>,
}

impl Sets {
    /// The set rows that record `data` for the person `key`, as [load](Self::load) would read
    /// them back: sorted (validated ISO codes, which sort alike here and in either database's
    /// `ORDER BY`), and without the documents still missing with no date.
    fn of(key: &str, data: &BeneficiaryData) -> Sets {
        let mut sets = Sets::default();
        let mut countries = data.citizenships.clone().unwrap_or_default();
        countries.sort();
        let mut languages = data.languages.clone();
        languages.sort();
        let documents: Vec<_> = data
            .documents
            .iter()
            .filter(|d| d.status != DocumentStatus::Missing || d.on.is_some())
            .map(|d| (d.kind.code().to_string(), d.status.code().to_string(), d.on))
            .collect();
        for (set, rows) in [(&mut sets.citizenships, countries), (&mut sets.languages, languages)] {
            if !rows.is_empty() {
                set.insert(key.to_string(), rows);
            }
        }
        if !documents.is_empty() {
            sets.documents.insert(key.to_string(), documents);
        }
        sets
    }

    fn load(conn: &mut DbConnection, ids: &[String]) -> Result<Sets> {
        let mut sets = Sets::default();
        if ids.is_empty() {
            return Ok(sets);
        }
        use beneficiary_citizenships as citizenship;
        let citizenships: Vec<(String, String)> =
            load_for_ids!(conn, citizenship::table, citizenship::beneficiary_id, ids, |query| {
                query.select((citizenship::beneficiary_id, citizenship::country)).order(citizenship::country)
            })?;
        for (id, country) in citizenships {
            sets.citizenships.entry(id).or_default().push(country);
        }
        use beneficiary_languages as language;
        let languages: Vec<(String, String)> =
            load_for_ids!(conn, language::table, language::beneficiary_id, ids, |query| {
                query.select((language::beneficiary_id, language::language)).order(language::language)
            })?;
        for (id, language) in languages {
            sets.languages.entry(id).or_default().push(language);
        }
        use beneficiary_documents as document;
        let documents: Vec<(String, String, String, Option<NaiveDate>)> =
            load_for_ids!(conn, document::table, document::beneficiary_id, ids, |query| {
                query.select((document::beneficiary_id, document::document, document::status, document::status_on))
            })?;
        for (id, document, status, on) in documents {
            sets.documents.entry(id).or_default().push((document, status, on));
        }
        Ok(sets)
    }
}

fn into_beneficiary(row: BeneficiaryRow, sets: &Sets) -> Result<Beneficiary> {
    let stored = sets.documents.get(&row.id).cloned().unwrap_or_default();
    let mut documents = Vec::with_capacity(DocumentKind::ALL.len());
    for kind in DocumentKind::ALL.iter().copied() {
        let entry = match stored.iter().find(|(document, _, _)| document == kind.code()) {
            Some((_, status, on)) => DocumentEntry { kind, status: decode(status)?, on: *on },
            None => DocumentEntry { kind, status: DocumentStatus::Missing, on: None },
        };
        documents.push(entry);
    }
    let guardian = match (row.guardian_name, row.guardian_relation) {
        (Some(name), Some(relation)) => Some(Guardian { name, relation, contact: row.guardian_contact }),
        _ => None,
    };
    Ok(Beneficiary {
        id: decode_id(&row.id)?,
        district: DistrictCode::from_trusted(row.district_code),
        data: BeneficiaryData {
            citizenships: row.citizenships_known.then(|| sets.citizenships.get(&row.id).cloned().unwrap_or_default()),
            languages: sets.languages.get(&row.id).cloned().unwrap_or_default(),
            alias: row.alias,
            first_name: row.first_name,
            last_name: row.last_name,
            gender: row.gender.as_deref().map(decode).transpose()?,
            birth_date: row.birth_date,
            birth_year: row.birth_year,
            phone: row.phone,
            email: row.email,
            municipality: row.municipality,
            arrival_year: row.arrival_year,
            permit: Permit {
                kind: row.permit_kind.as_deref().map(decode).transpose()?,
                number: row.permit_number,
                expires_on: row.permit_expires_on,
            },
            codice_fiscale: row.codice_fiscale,
            guardian,
            documents,
        },
        version: row.version,
        created_at: from_db_time(row.created_at),
        updated_at: from_db_time(row.updated_at),
        erased_at: row.erased_at.map(from_db_time),
    })
}
