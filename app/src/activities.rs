//! Activities: awareness sessions, outreach and desk shifts, campaigns, trainings, network
//! meetings. No personal data: district roles record them for their districts; the Region and
//! the evaluators read all of them.

use chrono::{DateTime, NaiveDate, Utc};
use domain::access::{Capability, sees_all_districts};
use domain::activities::{Activity, ActivityKind, Participants, check};
use domain::services::ServiceCategory;
use domain::validation::check_label;
use persistence::activities::{self as store, ActivityData, ActivityFilter};
use persistence::{DbConnection, Page, PageRequest, organizations};
use uuid::Uuid;

use crate::access::registering_district;
use crate::actor::Actor;
use crate::context::{Context, ReadVersion};
use crate::error::{Error, Result};

/// An activity as recorded (every field).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActivityRecord {
    /// One of the caller's districts; may be left out by a caller who works in one.
    pub district: Option<String>,
    /// The organisation that ran it; by default the caller's.
    pub organization_id: Option<Uuid>,
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

/// What a list of activities asks for.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ActivityQuery {
    pub district: Option<String>,
    pub kind: Option<ActivityKind>,
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
}

/// An activity listing's sort key: the day held, then the id.
pub type ActivityKey = (NaiveDate, Uuid);

const NOTES_MAX_CHARS: usize = 4000;

fn check_record(ctx: &Context, actor: &Actor, now: DateTime<Utc>, record: ActivityRecord) -> Result<ActivityData> {
    let district = registering_district(ctx, actor, "district", record.district.as_deref())?;
    let mut topics = record.topics;
    topics.sort();
    topics.dedup();
    let mut organizations = record.participating_organizations;
    organizations.sort();
    organizations.dedup();
    check(
        record.kind,
        record.held_on,
        &topics,
        record.participants,
        record.contacts_made,
        &organizations,
        now.date_naive(),
    )?;
    let location_label = record
        .location_label
        .filter(|l| !l.trim().is_empty())
        .map(|l| check_label("location_label", &l, 200))
        .transpose()?;
    let notes = record.notes.as_deref().map(str::trim).filter(|n| !n.is_empty()).map(ToString::to_string);
    if notes.as_ref().is_some_and(|n| n.chars().count() > NOTES_MAX_CHARS) {
        return Err(Error::field("notes", "too_long", format!("must be at most {NOTES_MAX_CHARS} characters")));
    }
    Ok(ActivityData {
        district,
        organization_id: record.organization_id.unwrap_or(actor.organization_id),
        kind: record.kind,
        held_on: record.held_on,
        duration_minutes: record.duration_minutes,
        location_label,
        topics,
        participants: record.participants,
        contacts_made: record.contacts_made,
        participating_organizations: organizations,
        notes,
    })
}

fn require_organizations(conn: &mut DbConnection, data: &ActivityData) -> Result<()> {
    if !organizations::exists(conn, data.organization_id)? {
        return Err(Error::field("organization_id", "unknown_organization", "no organisation has this id"));
    }
    for (i, organization) in data.participating_organizations.iter().enumerate() {
        if !organizations::exists(conn, *organization)? {
            return Err(Error::field(
                format!("participating_organizations[{i}]"),
                "unknown_organization",
                "no organisation has this id",
            ));
        }
    }
    Ok(())
}

/// Records an activity of one of the caller's districts.
pub async fn record(ctx: &Context, actor: &Actor, now: DateTime<Utc>, record: ActivityRecord) -> Result<Activity> {
    actor.require(Capability::RecordActivities)?;
    let data = check_record(ctx, actor, now, record)?;
    let created_by = actor.user_id;
    ctx.db()
        .write(move |conn| {
            require_organizations(conn, &data)?;
            Ok(store::insert(conn, &data, created_by, now)?)
        })
        .await
}

/// Activities, most recent first: of the caller's districts, or of all for the Region and
/// evaluators.
pub async fn list(
    ctx: &Context,
    actor: &Actor,
    query: ActivityQuery,
    page: PageRequest<ActivityKey>,
) -> Result<Page<Activity>> {
    actor.require(Capability::ReadActivities)?;
    let mut districts = if sees_all_districts(actor.role) { None } else { Some(actor.districts.clone()) };
    if let Some(code) = query.district.as_deref() {
        let district = ctx.district("district", code)?;
        districts = Some(match districts {
            Some(own) if !own.contains(&district) => Vec::new(),
            _ => vec![district],
        });
    }
    let filter = ActivityFilter { districts, kind: query.kind, from: query.from, to: query.to };
    Ok(ctx.db().read(move |conn| store::list(conn, &filter, &page)).await?)
}

/// One activity the caller may read.
pub async fn read(ctx: &Context, actor: &Actor, id: Uuid) -> Result<Activity> {
    actor.require(Capability::ReadActivities)?;
    let activity = ctx.db().read(move |conn| store::find(conn, id)).await?;
    if sees_all_districts(actor.role) || actor.districts.contains(&activity.district) {
        Ok(activity)
    } else {
        Err(Error::NotFound)
    }
}

/// Replaces the record of an activity of the caller's districts read at `target.version`.
pub async fn update(
    ctx: &Context,
    actor: &Actor,
    now: DateTime<Utc>,
    target: ReadVersion,
    record: ActivityRecord,
) -> Result<Activity> {
    actor.require(Capability::RecordActivities)?;
    let data = check_record(ctx, actor, now, record)?;
    let districts = actor.districts.clone();
    ctx.db()
        .write(move |conn| {
            let current = store::find(conn, target.id)?;
            if !districts.contains(&current.district) {
                return Err(Error::NotFound);
            }
            require_organizations(conn, &data)?;
            Ok(store::update(conn, target.id, target.version, &data, now)?)
        })
        .await
}
