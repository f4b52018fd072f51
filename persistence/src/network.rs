//! Services offered by organisations of the network.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use domain::Vocabulary;
use domain::districts::DistrictCode;
use domain::network::{Address, NetworkService, NetworkServiceStatus, ServiceData};
use domain::services::ServiceCategory;
use uuid::Uuid;

use crate::db::{DbConnection, from_db_time, to_db_time, write_transaction};
use crate::error::{Error, Result, decode, decode_id};
use crate::pagination::{Page, PageRequest, like_contains};
use crate::schema::{
    network_service_areas, network_service_categories, network_service_documents, network_service_languages,
    network_services,
};

#[derive(Queryable, Selectable)]
#[diesel(table_name = network_services)]
struct ServiceRow {
    id: String,
    organization_id: String,
    name: String,
    description: Option<String>,
    status: String,
    eligibility_description: Option<String>,
    email: Option<String>,
    url: Option<String>,
    phone: Option<String>,
    address_1: Option<String>,
    city: Option<String>,
    postal_code: Option<String>,
    schedule_description: Option<String>,
    version: i32,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
}

#[derive(Insertable, AsChangeset)]
#[diesel(table_name = network_services, treat_none_as_null = true)]
struct DataColumns {
    organization_id: String,
    name: String,
    description: Option<String>,
    status: &'static str,
    eligibility_description: Option<String>,
    email: Option<String>,
    url: Option<String>,
    phone: Option<String>,
    address_1: Option<String>,
    city: Option<String>,
    postal_code: Option<String>,
    schedule_description: Option<String>,
    search_key: String,
}

impl From<&ServiceData> for DataColumns {
    fn from(data: &ServiceData) -> Self {
        DataColumns {
            organization_id: data.organization_id.to_string(),
            name: data.name.clone(),
            description: data.description.clone(),
            status: data.status.code(),
            eligibility_description: data.eligibility_description.clone(),
            email: data.email.clone(),
            url: data.url.clone(),
            phone: data.phone.clone(),
            address_1: data.address.address_1.clone(),
            city: data.address.city.clone(),
            postal_code: data.address.postal_code.clone(),
            schedule_description: data.schedule_description.clone(),
            search_key: domain::beneficiaries::fold(&format!(
                "{} {}",
                data.name,
                data.description.as_deref().unwrap_or("")
            )),
        }
    }
}

#[derive(Debug, Clone, Default)]
pub struct ServiceFilter {
    pub category: Option<ServiceCategory>,
    pub district: Option<DistrictCode>,
    pub language: Option<String>,
    pub organization_id: Option<Uuid>,
    pub status: Option<NetworkServiceStatus>,
    /// Part of the name or description, folded.
    pub q: Option<String>,
}

pub fn insert(conn: &mut DbConnection, data: &ServiceData, now: DateTime<Utc>) -> Result<NetworkService> {
    let id = Uuid::now_v7();
    let at = to_db_time(now);
    write_transaction(conn, |conn| {
        diesel::insert_into(network_services::table)
            .values((
                DataColumns::from(data),
                network_services::id.eq(id.to_string()),
                network_services::version.eq(1),
                network_services::created_at.eq(at),
                network_services::updated_at.eq(at),
            ))
            .execute(conn)?;
        replace_sets(conn, id, data)?;
        find(conn, id)
    })
}

pub fn find(conn: &mut DbConnection, id: Uuid) -> Result<NetworkService> {
    let row = network_services::table.find(id.to_string()).select(ServiceRow::as_select()).first(conn)?;
    let sets = Sets::load(conn, std::slice::from_ref(&row.id))?;
    into_service(row, &sets)
}

pub fn update(
    conn: &mut DbConnection,
    id: Uuid,
    expected_version: i32,
    data: &ServiceData,
    now: DateTime<Utc>,
) -> Result<NetworkService> {
    write_transaction(conn, |conn| {
        let target = network_services::table
            .filter(network_services::id.eq(id.to_string()))
            .filter(network_services::version.eq(expected_version));
        let updated = diesel::update(target)
            .set((
                DataColumns::from(data),
                network_services::version.eq(expected_version + 1),
                network_services::updated_at.eq(to_db_time(now)),
            ))
            .execute(conn)?;
        if updated == 0 {
            find(conn, id)?;
            return Err(Error::StaleVersion);
        }
        replace_sets(conn, id, data)?;
        find(conn, id)
    })
}

/// Services matching the filter, by name.
pub fn list(
    conn: &mut DbConnection,
    filter: &ServiceFilter,
    page: &PageRequest<(String, Uuid)>,
) -> Result<Page<NetworkService>> {
    let mut query = network_services::table
        .select(ServiceRow::as_select())
        .order((network_services::name.asc(), network_services::id.asc()))
        .limit(page.fetch_size())
        .into_boxed();
    if let Some((name, id)) = &page.after {
        query = query.filter(
            network_services::name
                .gt(name.clone())
                .or(network_services::name.eq(name.clone()).and(network_services::id.gt(id.to_string()))),
        );
    }
    if let Some(category) = filter.category {
        let with = network_service_categories::table
            .filter(network_service_categories::category.eq(category.code()))
            .select(network_service_categories::service_id);
        query = query.filter(network_services::id.eq_any(with));
    }
    if let Some(district) = &filter.district {
        let with = network_service_areas::table
            .filter(network_service_areas::district_code.eq(district.as_str().to_string()))
            .select(network_service_areas::service_id);
        query = query.filter(network_services::id.eq_any(with));
    }
    if let Some(language) = &filter.language {
        let with = network_service_languages::table
            .filter(network_service_languages::language.eq(language.clone()))
            .select(network_service_languages::service_id);
        query = query.filter(network_services::id.eq_any(with));
    }
    if let Some(organization) = filter.organization_id {
        query = query.filter(network_services::organization_id.eq(organization.to_string()));
    }
    if let Some(status) = filter.status {
        query = query.filter(network_services::status.eq(status.code()));
    }
    if let Some(q) = filter.q.as_deref().map(domain::beneficiaries::fold).filter(|q| !q.is_empty()) {
        query = query.filter(network_services::search_key.like(like_contains(&q)).escape('\\'));
    }
    let page_rows = page.page(query.load::<ServiceRow>(conn)?);
    let ids: Vec<String> = page_rows.items.iter().map(|r| r.id.clone()).collect();
    let sets = Sets::load(conn, &ids)?;
    let items = page_rows.items.into_iter().map(|row| into_service(row, &sets)).collect::<Result<Vec<_>>>()?;
    Ok(Page { items, has_more: page_rows.has_more })
}

fn replace_sets(conn: &mut DbConnection, id: Uuid, data: &ServiceData) -> Result<()> {
    let key = id.to_string();
    diesel::delete(network_service_categories::table.filter(network_service_categories::service_id.eq(&key)))
        .execute(conn)?;
    diesel::delete(network_service_areas::table.filter(network_service_areas::service_id.eq(&key))).execute(conn)?;
    diesel::delete(network_service_languages::table.filter(network_service_languages::service_id.eq(&key)))
        .execute(conn)?;
    diesel::delete(network_service_documents::table.filter(network_service_documents::service_id.eq(&key)))
        .execute(conn)?;
    // One row at a time: multi-row inserts do not compile through the multi-backend connection.
    for category in &data.categories {
        diesel::insert_into(network_service_categories::table)
            .values((
                network_service_categories::service_id.eq(&key),
                network_service_categories::category.eq(category.code()),
            ))
            .execute(conn)?;
    }
    for district in &data.service_areas {
        diesel::insert_into(network_service_areas::table)
            .values((
                network_service_areas::service_id.eq(&key),
                network_service_areas::district_code.eq(district.as_str()),
            ))
            .execute(conn)?;
    }
    for language in &data.languages {
        diesel::insert_into(network_service_languages::table)
            .values((network_service_languages::service_id.eq(&key), network_service_languages::language.eq(language)))
            .execute(conn)?;
    }
    for (position, document) in data.required_documents.iter().enumerate() {
        diesel::insert_into(network_service_documents::table)
            .values((
                network_service_documents::service_id.eq(&key),
                network_service_documents::position.eq(i32::try_from(position).unwrap_or(i32::MAX)),
                network_service_documents::document.eq(document),
            ))
            .execute(conn)?;
    }
    Ok(())
}

#[derive(Default)]
struct Sets {
    categories: HashMap<String, Vec<String>>,
    areas: HashMap<String, Vec<String>>,
    languages: HashMap<String, Vec<String>>,
    documents: HashMap<String, Vec<(i32, String)>>,
}

impl Sets {
    fn load(conn: &mut DbConnection, ids: &[String]) -> Result<Sets> {
        let mut sets = Sets::default();
        if ids.is_empty() {
            return Ok(sets);
        }
        for (id, value) in network_service_categories::table
            .filter(network_service_categories::service_id.eq_any(ids))
            .select((network_service_categories::service_id, network_service_categories::category))
            .load::<(String, String)>(conn)?
        {
            sets.categories.entry(id).or_default().push(value);
        }
        for (id, value) in network_service_areas::table
            .filter(network_service_areas::service_id.eq_any(ids))
            .select((network_service_areas::service_id, network_service_areas::district_code))
            .load::<(String, String)>(conn)?
        {
            sets.areas.entry(id).or_default().push(value);
        }
        for (id, value) in network_service_languages::table
            .filter(network_service_languages::service_id.eq_any(ids))
            .select((network_service_languages::service_id, network_service_languages::language))
            .load::<(String, String)>(conn)?
        {
            sets.languages.entry(id).or_default().push(value);
        }
        for (id, position, document) in network_service_documents::table
            .filter(network_service_documents::service_id.eq_any(ids))
            .select((
                network_service_documents::service_id,
                network_service_documents::position,
                network_service_documents::document,
            ))
            .load::<(String, i32, String)>(conn)?
        {
            sets.documents.entry(id).or_default().push((position, document));
        }
        Ok(sets)
    }
}

fn into_service(row: ServiceRow, sets: &Sets) -> Result<NetworkService> {
    let mut categories = sets
        .categories
        .get(&row.id)
        .into_iter()
        .flatten()
        .map(|c| decode::<ServiceCategory>(c))
        .collect::<Result<Vec<_>>>()?;
    categories.sort();
    let mut service_areas: Vec<DistrictCode> =
        sets.areas.get(&row.id).into_iter().flatten().map(|d| DistrictCode::from_trusted(d.clone())).collect();
    service_areas.sort();
    let mut languages = sets.languages.get(&row.id).cloned().unwrap_or_default();
    languages.sort();
    let mut documents = sets.documents.get(&row.id).cloned().unwrap_or_default();
    documents.sort();
    Ok(NetworkService {
        id: decode_id(&row.id)?,
        organization_id: decode_id(&row.organization_id)?,
        name: row.name,
        description: row.description,
        categories,
        service_areas,
        languages,
        eligibility_description: row.eligibility_description,
        required_documents: documents.into_iter().map(|(_, d)| d).collect(),
        address: Address { address_1: row.address_1, city: row.city, postal_code: row.postal_code },
        email: row.email,
        url: row.url,
        phone: row.phone,
        schedule_description: row.schedule_description,
        status: decode(&row.status)?,
        version: row.version,
        created_at: from_db_time(row.created_at),
        updated_at: from_db_time(row.updated_at),
    })
}
