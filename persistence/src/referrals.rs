//! Referrals and their events.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use domain::Vocabulary;
use domain::districts::DistrictCode;
use domain::referrals::{Referral, ReferralStatus};
use domain::services::ServiceCategory;
use domain::users::Role;
use uuid::Uuid;

use crate::db::{DbConnection, from_db_time, to_db_time};
use crate::error::{Error, Result, decode, decode_id};
use crate::pagination::{ChangedSince, Page, PageRequest};
use crate::reports::tallies;
use crate::schema::{referral_events, referrals};

#[derive(Queryable, Selectable)]
#[diesel(table_name = referrals)]
struct ReferralRow {
    id: String,
    case_id: String,
    district_code: String,
    to_organization_id: String,
    network_service_id: Option<String>,
    category: String,
    reason: String,
    joint_intake: bool,
    status: String,
    consent_override_reason: Option<String>,
    created_by: String,
    created_at: NaiveDateTime,
    sent_at: Option<NaiveDateTime>,
    version: i32,
    updated_at: NaiveDateTime,
}

#[derive(Debug, Clone)]
pub struct NewReferral {
    pub case_id: Uuid,
    pub district: DistrictCode,
    pub to_organization_id: Uuid,
    pub network_service_id: Option<Uuid>,
    pub category: ServiceCategory,
    pub reason: String,
    pub joint_intake: bool,
    pub created_by: Uuid,
}

/// One step of a referral's history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReferralEvent {
    pub from_status: Option<ReferralStatus>,
    pub to_status: ReferralStatus,
    pub reason: Option<String>,
    pub actor_id: Uuid,
    pub actor_role: Role,
    pub actor_organization_id: Uuid,
    pub at: DateTime<Utc>,
}

/// Which referrals to list.
#[derive(Debug, Clone)]
pub enum Direction {
    /// Sent by the PUAs of these districts.
    Outgoing(Vec<DistrictCode>),
    /// Sent to this organisation (never including those not yet sent).
    Incoming(Uuid),
}

pub fn insert(
    conn: &mut DbConnection,
    new: &NewReferral,
    event: &ReferralEvent,
    now: DateTime<Utc>,
) -> Result<Referral> {
    let id = Uuid::now_v7();
    let at = to_db_time(now);
    diesel::insert_into(referrals::table)
        .values((
            referrals::id.eq(id.to_string()),
            referrals::case_id.eq(new.case_id.to_string()),
            referrals::district_code.eq(new.district.as_str()),
            referrals::to_organization_id.eq(new.to_organization_id.to_string()),
            referrals::network_service_id.eq(new.network_service_id.map(|id| id.to_string())),
            referrals::category.eq(new.category.code()),
            referrals::reason.eq(&new.reason),
            referrals::joint_intake.eq(new.joint_intake),
            referrals::status.eq(ReferralStatus::Proposed.code()),
            referrals::created_by.eq(new.created_by.to_string()),
            referrals::created_at.eq(at),
            referrals::version.eq(1),
            referrals::updated_at.eq(at),
        ))
        .execute(conn)?;
    tallies::mark_instant(conn, new.district.as_str(), at)?;
    add_event(conn, id, event)?;
    find(conn, id)
}

pub fn find(conn: &mut DbConnection, id: Uuid) -> Result<Referral> {
    into_referral(referrals::table.find(id.to_string()).select(ReferralRow::as_select()).first(conn)?)
}

/// Moves a referral if the stored version is still `expected_version`, with its event.
pub fn move_to(
    conn: &mut DbConnection,
    id: Uuid,
    expected_version: i32,
    event: &ReferralEvent,
    consent_override: Option<(Uuid, &str)>,
    now: DateTime<Utc>,
) -> Result<Referral> {
    let at = to_db_time(now);
    let sent_at = (event.to_status == ReferralStatus::Sent).then(|| to_db_time(event.at));
    let target =
        referrals::table.filter(referrals::id.eq(id.to_string())).filter(referrals::version.eq(expected_version));
    let updated = diesel::update(target)
        .set((
            referrals::status.eq(event.to_status.code()),
            referrals::version.eq(expected_version + 1),
            referrals::updated_at.eq(at),
        ))
        .execute(conn)?;
    if updated == 0 {
        find(conn, id)?;
        return Err(Error::StaleVersion);
    }
    if let Some(sent_at) = sent_at {
        diesel::update(referrals::table.filter(referrals::id.eq(id.to_string())))
            .set(referrals::sent_at.eq(sent_at))
            .execute(conn)?;
    }
    if let Some((by, reason)) = consent_override {
        diesel::update(referrals::table.filter(referrals::id.eq(id.to_string())))
            .set((referrals::consent_override_by.eq(by.to_string()), referrals::consent_override_reason.eq(reason)))
            .execute(conn)?;
    }
    // The current status is counted on the day the referral was proposed.
    let (district, proposed): (String, NaiveDateTime) =
        referrals::table.find(id.to_string()).select((referrals::district_code, referrals::created_at)).first(conn)?;
    tallies::mark_instant(conn, &district, proposed)?;
    add_event(conn, id, event)?;
    find(conn, id)
}

fn add_event(conn: &mut DbConnection, referral_id: Uuid, event: &ReferralEvent) -> Result<()> {
    diesel::insert_into(referral_events::table)
        .values((
            referral_events::id.eq(Uuid::now_v7().to_string()),
            referral_events::referral_id.eq(referral_id.to_string()),
            referral_events::from_status.eq(event.from_status.map(ReferralStatus::code)),
            referral_events::to_status.eq(event.to_status.code()),
            referral_events::reason.eq(&event.reason),
            referral_events::actor_id.eq(event.actor_id.to_string()),
            referral_events::actor_role.eq(event.actor_role.code()),
            referral_events::actor_organization_id.eq(event.actor_organization_id.to_string()),
            referral_events::at.eq(to_db_time(event.at)),
        ))
        .execute(conn)?;
    Ok(())
}

type EventRow = (Option<String>, String, Option<String>, String, String, String, NaiveDateTime);

/// The history of a referral, oldest first.
pub fn events(conn: &mut DbConnection, referral_id: Uuid) -> Result<Vec<ReferralEvent>> {
    Ok(events_of(conn, &[referral_id])?.remove(&referral_id).unwrap_or_default())
}

/// The histories of several referrals in one query, each oldest first, by referral id.
pub fn events_of(conn: &mut DbConnection, referral_ids: &[Uuid]) -> Result<HashMap<Uuid, Vec<ReferralEvent>>> {
    let rows: Vec<(String, EventRow)> = referral_events::table
        .filter(referral_events::referral_id.eq_any(referral_ids.iter().map(Uuid::to_string).collect::<Vec<_>>()))
        .select((
            referral_events::referral_id,
            (
                referral_events::from_status,
                referral_events::to_status,
                referral_events::reason,
                referral_events::actor_id,
                referral_events::actor_role,
                referral_events::actor_organization_id,
                referral_events::at,
            ),
        ))
        .order((referral_events::at.asc(), referral_events::id.asc()))
        .load(conn)?;
    let mut histories: HashMap<Uuid, Vec<ReferralEvent>> = HashMap::new();
    for (referral, (from, to, reason, actor_id, actor_role, organization, at)) in rows {
        histories.entry(decode_id(&referral)?).or_default().push(ReferralEvent {
            from_status: from.as_deref().map(decode).transpose()?,
            to_status: decode(&to)?,
            reason,
            actor_id: decode_id(&actor_id)?,
            actor_role: decode(&actor_role)?,
            actor_organization_id: decode_id(&organization)?,
            at: from_db_time(at),
        });
    }
    Ok(histories)
}

/// The person of each case, by case id: `(beneficiary id, alias)`.
pub fn case_subjects(conn: &mut DbConnection, case_ids: &[Uuid]) -> Result<HashMap<Uuid, (Uuid, String)>> {
    use crate::schema::{beneficiaries, cases};
    let rows: Vec<(String, String, String)> = cases::table
        .inner_join(beneficiaries::table)
        .filter(cases::id.eq_any(case_ids.iter().map(Uuid::to_string).collect::<Vec<_>>()))
        .select((cases::id, beneficiaries::id, beneficiaries::alias))
        .load(conn)?;
    rows.into_iter().map(|(case, person, alias)| Ok((decode_id(&case)?, (decode_id(&person)?, alias)))).collect()
}

/// Every referral of a case, oldest first.
pub fn of_case(conn: &mut DbConnection, case_id: Uuid) -> Result<Vec<Referral>> {
    referrals::table
        .filter(referrals::case_id.eq(case_id.to_string()))
        .select(ReferralRow::as_select())
        .order(referrals::id.asc())
        .load::<ReferralRow>(conn)?
        .into_iter()
        .map(into_referral)
        .collect()
}

/// Referrals of one side, newest first (or in the order of last change since an instant),
/// optionally of one status or case.
pub fn list(
    conn: &mut DbConnection,
    direction: &Direction,
    status: Option<ReferralStatus>,
    case_id: Option<Uuid>,
    changed_since: Option<ChangedSince>,
    page: &PageRequest<Uuid>,
) -> Result<Page<Referral>> {
    let mut query = referrals::table
        .select(ReferralRow::as_select())
        .order(referrals::id.desc())
        .limit(page.fetch_size())
        .into_boxed();
    if let Some(after) = page.after {
        query = query.filter(referrals::id.lt(after.to_string()));
    }
    if let Some(changed) = changed_since {
        let since = to_db_time(changed.since);
        query = query.filter(referrals::updated_at.ge(since)).order((referrals::updated_at.asc(), referrals::id.asc()));
        if let Some((at, id)) = changed.after {
            let at = to_db_time(at);
            query = query.filter(
                referrals::updated_at.gt(at).or(referrals::updated_at.eq(at).and(referrals::id.gt(id.to_string()))),
            );
        }
    }
    query = match direction {
        Direction::Outgoing(districts) => query.filter(
            referrals::district_code.eq_any(districts.iter().map(|d| d.as_str().to_string()).collect::<Vec<_>>()),
        ),
        Direction::Incoming(organization) => query
            .filter(referrals::to_organization_id.eq(organization.to_string()))
            .filter(referrals::status.ne(ReferralStatus::Proposed.code())),
    };
    if let Some(status) = status {
        query = query.filter(referrals::status.eq(status.code()));
    }
    if let Some(case_id) = case_id {
        query = query.filter(referrals::case_id.eq(case_id.to_string()));
    }
    let page_rows = page.page(query.load::<ReferralRow>(conn)?);
    let items = page_rows.items.into_iter().map(into_referral).collect::<Result<Vec<_>>>()?;
    Ok(Page { items, has_more: page_rows.has_more })
}

/// Whether `organization` holds an accepted referral of the case (partner access to it).
pub fn accepted_for(conn: &mut DbConnection, case_id: Uuid, organization: Uuid) -> Result<Option<Referral>> {
    let row = referrals::table
        .filter(referrals::case_id.eq(case_id.to_string()))
        .filter(referrals::to_organization_id.eq(organization.to_string()))
        .filter(referrals::status.eq(ReferralStatus::Accepted.code()))
        .select(ReferralRow::as_select())
        .first(conn)
        .optional()?;
    row.map(into_referral).transpose()
}

/// Referrals of these districts sent before `before` and still waiting for an answer.
pub fn unanswered(conn: &mut DbConnection, districts: &[DistrictCode], before: DateTime<Utc>) -> Result<Vec<Referral>> {
    referrals::table
        .filter(referrals::district_code.eq_any(districts.iter().map(|d| d.as_str().to_string()).collect::<Vec<_>>()))
        .filter(referrals::status.eq(ReferralStatus::Sent.code()))
        .filter(referrals::sent_at.le(to_db_time(before)))
        .select(ReferralRow::as_select())
        .load::<ReferralRow>(conn)?
        .into_iter()
        .map(into_referral)
        .collect()
}

fn into_referral(row: ReferralRow) -> Result<Referral> {
    Ok(Referral {
        id: decode_id(&row.id)?,
        case_id: decode_id(&row.case_id)?,
        district: DistrictCode::from_trusted(row.district_code),
        to_organization_id: decode_id(&row.to_organization_id)?,
        network_service_id: row.network_service_id.as_deref().map(decode_id).transpose()?,
        category: decode(&row.category)?,
        reason: row.reason,
        joint_intake: row.joint_intake,
        status: decode(&row.status)?,
        consent_override_reason: row.consent_override_reason,
        created_by: decode_id(&row.created_by)?,
        created_at: from_db_time(row.created_at),
        sent_at: row.sent_at.map(from_db_time),
        version: row.version,
        updated_at: from_db_time(row.updated_at),
    })
}
