//! Activities and their topics and participating organisations.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use diesel::prelude::*;
use domain::Vocabulary;
use domain::activities::{Activity, ActivityKind, Participants};
use domain::districts::DistrictCode;
use domain::services::ServiceCategory;
use uuid::Uuid;

use crate::db::{DbConnection, from_db_time, to_db_time, write_transaction};
use crate::error::{Error, Result, decode, decode_id};
use crate::pagination::{Page, PageRequest};
use crate::schema::{activities, activity_organizations, activity_topics};

#[derive(Queryable, Selectable)]
#[diesel(table_name = activities)]
struct ActivityRow {
    id: String,
    district_code: String,
    organization_id: String,
    kind: String,
    held_on: NaiveDate,
    duration_minutes: Option<i32>,
    location_label: Option<String>,
    participants_male: i32,
    participants_female: i32,
    participants_other: i32,
    participants_unknown: i32,
    contacts_made: i32,
    notes: Option<String>,
    created_by: String,
    version: i32,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
}

#[derive(Insertable, AsChangeset)]
#[diesel(table_name = activities, treat_none_as_null = true)]
struct DataColumns {
    district_code: String,
    organization_id: String,
    kind: &'static str,
    held_on: NaiveDate,
    duration_minutes: Option<i32>,
    location_label: Option<String>,
    participants_male: i32,
    participants_female: i32,
    participants_other: i32,
    participants_unknown: i32,
    contacts_made: i32,
    notes: Option<String>,
}

/// An activity as recorded, validated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActivityData {
    pub district: DistrictCode,
    pub organization_id: Uuid,
    pub kind: ActivityKind,
    pub held_on: NaiveDate,
    pub duration_minutes: Option<i32>,
    pub location_label: Option<String>,
    pub topics: Vec<ServiceCategory>,
    pub participants: Participants,
    pub contacts_made: i32,
    pub participating_organizations: Vec<Uuid>,
    pub notes: Option<String>,
}

impl From<&ActivityData> for DataColumns {
    fn from(d: &ActivityData) -> Self {
        DataColumns {
            district_code: d.district.as_str().to_string(),
            organization_id: d.organization_id.to_string(),
            kind: d.kind.code(),
            held_on: d.held_on,
            duration_minutes: d.duration_minutes,
            location_label: d.location_label.clone(),
            participants_male: d.participants.male,
            participants_female: d.participants.female,
            participants_other: d.participants.other,
            participants_unknown: d.participants.unknown,
            contacts_made: d.contacts_made,
            notes: d.notes.clone(),
        }
    }
}

#[derive(Debug, Clone, Default)]
pub struct ActivityFilter {
    pub districts: Option<Vec<DistrictCode>>,
    pub kind: Option<ActivityKind>,
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
}

/// Activities are listed most recent first; the key of a row.
pub type ActivityKey = (NaiveDate, Uuid);

pub fn insert(conn: &mut DbConnection, data: &ActivityData, created_by: Uuid, now: DateTime<Utc>) -> Result<Activity> {
    let id = Uuid::now_v7();
    let at = to_db_time(now);
    write_transaction(conn, |conn| {
        diesel::insert_into(activities::table)
            .values((
                DataColumns::from(data),
                activities::id.eq(id.to_string()),
                activities::created_by.eq(created_by.to_string()),
                activities::version.eq(1),
                activities::created_at.eq(at),
                activities::updated_at.eq(at),
            ))
            .execute(conn)?;
        replace_sets(conn, id, data)?;
        crate::reports::tallies::mark_figures_changed(conn)?;
        find(conn, id)
    })
}

pub fn find(conn: &mut DbConnection, id: Uuid) -> Result<Activity> {
    let row = activities::table.find(id.to_string()).select(ActivityRow::as_select()).first(conn)?;
    let sets = Sets::load(conn, std::slice::from_ref(&row.id))?;
    into_activity(row, &sets)
}

pub fn update(
    conn: &mut DbConnection,
    id: Uuid,
    expected_version: i32,
    data: &ActivityData,
    now: DateTime<Utc>,
) -> Result<Activity> {
    write_transaction(conn, |conn| {
        let target = activities::table
            .filter(activities::id.eq(id.to_string()))
            .filter(activities::version.eq(expected_version));
        let updated = diesel::update(target)
            .set((
                DataColumns::from(data),
                activities::version.eq(expected_version + 1),
                activities::updated_at.eq(to_db_time(now)),
            ))
            .execute(conn)?;
        if updated == 0 {
            find(conn, id)?;
            return Err(Error::StaleVersion);
        }
        replace_sets(conn, id, data)?;
        crate::reports::tallies::mark_figures_changed(conn)?;
        find(conn, id)
    })
}

pub fn list(
    conn: &mut DbConnection,
    filter: &ActivityFilter,
    page: &PageRequest<ActivityKey>,
) -> Result<Page<Activity>> {
    let mut query = activities::table
        .select(ActivityRow::as_select())
        .order((activities::held_on.desc(), activities::id.desc()))
        .limit(page.fetch_size())
        .into_boxed();
    if let Some((day, id)) = page.after {
        query = query
            .filter(activities::held_on.lt(day).or(activities::held_on.eq(day).and(activities::id.lt(id.to_string()))));
    }
    if let Some(districts) = &filter.districts {
        query = query.filter(
            activities::district_code.eq_any(districts.iter().map(|d| d.as_str().to_string()).collect::<Vec<_>>()),
        );
    }
    if let Some(kind) = filter.kind {
        query = query.filter(activities::kind.eq(kind.code()));
    }
    if let Some(from) = filter.from {
        query = query.filter(activities::held_on.ge(from));
    }
    if let Some(to) = filter.to {
        query = query.filter(activities::held_on.le(to));
    }
    let page_rows = page.page(query.load::<ActivityRow>(conn)?);
    let ids: Vec<String> = page_rows.items.iter().map(|r| r.id.clone()).collect();
    let sets = Sets::load(conn, &ids)?;
    let items = page_rows.items.into_iter().map(|row| into_activity(row, &sets)).collect::<Result<Vec<_>>>()?;
    Ok(Page { items, has_more: page_rows.has_more })
}

fn replace_sets(conn: &mut DbConnection, id: Uuid, data: &ActivityData) -> Result<()> {
    let key = id.to_string();
    diesel::delete(activity_topics::table.filter(activity_topics::activity_id.eq(&key))).execute(conn)?;
    diesel::delete(activity_organizations::table.filter(activity_organizations::activity_id.eq(&key))).execute(conn)?;
    // One row at a time: multi-row inserts do not compile through the multi-backend connection.
    for topic in &data.topics {
        diesel::insert_into(activity_topics::table)
            .values((activity_topics::activity_id.eq(&key), activity_topics::topic.eq(topic.code())))
            .execute(conn)?;
    }
    for organization in &data.participating_organizations {
        diesel::insert_into(activity_organizations::table)
            .values((
                activity_organizations::activity_id.eq(&key),
                activity_organizations::organization_id.eq(organization.to_string()),
            ))
            .execute(conn)?;
    }
    Ok(())
}

#[derive(Default)]
struct Sets {
    topics: HashMap<String, Vec<String>>,
    organizations: HashMap<String, Vec<String>>,
}

impl Sets {
    fn load(conn: &mut DbConnection, ids: &[String]) -> Result<Sets> {
        let mut sets = Sets::default();
        if ids.is_empty() {
            return Ok(sets);
        }
        for (id, topic) in activity_topics::table
            .filter(activity_topics::activity_id.eq_any(ids))
            .select((activity_topics::activity_id, activity_topics::topic))
            .load::<(String, String)>(conn)?
        {
            sets.topics.entry(id).or_default().push(topic);
        }
        for (id, organization) in activity_organizations::table
            .filter(activity_organizations::activity_id.eq_any(ids))
            .select((activity_organizations::activity_id, activity_organizations::organization_id))
            .load::<(String, String)>(conn)?
        {
            sets.organizations.entry(id).or_default().push(organization);
        }
        Ok(sets)
    }
}

fn into_activity(row: ActivityRow, sets: &Sets) -> Result<Activity> {
    let mut topics = sets
        .topics
        .get(&row.id)
        .into_iter()
        .flatten()
        .map(|t| decode::<ServiceCategory>(t))
        .collect::<Result<Vec<_>>>()?;
    topics.sort();
    let mut organizations =
        sets.organizations.get(&row.id).into_iter().flatten().map(|o| decode_id(o)).collect::<Result<Vec<_>>>()?;
    organizations.sort();
    Ok(Activity {
        id: decode_id(&row.id)?,
        district: DistrictCode::from_trusted(row.district_code),
        organization_id: decode_id(&row.organization_id)?,
        kind: decode(&row.kind)?,
        held_on: row.held_on,
        duration_minutes: row.duration_minutes,
        location_label: row.location_label,
        topics,
        participants: Participants {
            male: row.participants_male,
            female: row.participants_female,
            other: row.participants_other,
            unknown: row.participants_unknown,
        },
        contacts_made: row.contacts_made,
        participating_organizations: organizations,
        notes: row.notes,
        created_by: decode_id(&row.created_by)?,
        version: row.version,
        created_at: from_db_time(row.created_at),
        updated_at: from_db_time(row.updated_at),
    })
}
