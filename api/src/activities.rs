//! Activities: awareness sessions, outreach and desk shifts, campaigns, trainings, network
//! meetings. No personal data: district roles record them for their districts; the Region and
//! the evaluators read all of them.

use actix_web::http::header;
use actix_web::{HttpResponse, get, patch, post, web};
use chrono::{DateTime, NaiveDate, Utc};
use domain::access::{Capability, sees_all_districts};
use domain::activities::{Activity, ActivityKind, Participants, check};
use domain::districts::parse_known_district;
use domain::services::ServiceCategory;
use domain::validation::check_label;
use persistence::PageRequest;
use persistence::activities::{self as store, ActivityData, ActivityFilter};
use persistence::organizations;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;
use validator::Validate;

use crate::auth::Caller;
use crate::beneficiaries::registering_district;
use crate::error::ApiError;
use crate::extract::{
    IfMatch, Paged, ValidJson, ValidQuery, decode_cursor, encode_cursor, etag, page_limit, resource_id,
};
use crate::schemas;
use crate::state::AppState;

pub fn configure(config: &mut ServiceConfig) {
    config.service(record_activity).service(list_activities).service(get_activity).service(update_activity);
}

#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ParticipantsDto {
    #[serde(default)]
    pub male: i32,
    #[serde(default)]
    pub female: i32,
    #[serde(default)]
    pub other: i32,
    #[serde(default)]
    pub unknown: i32,
}

/// An activity; writes send every field.
#[derive(Debug, Clone, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ActivityInput {
    /// One of your districts; may be left out if you work in one.
    #[serde(default)]
    pub district: Option<String>,
    /// The organisation that ran it. Default: yours.
    #[serde(default)]
    pub organization_id: Option<Uuid>,
    #[schema(value_type = schemas::ActivityKind)]
    pub kind: ActivityKind,
    pub held_on: NaiveDate,
    #[serde(default)]
    #[validate(range(min = 1, max = 14400))]
    pub duration_minutes: Option<i32>,
    /// Where, as people say it (no addresses of people).
    #[serde(default)]
    pub location_label: Option<String>,
    /// Prevention and orientation categories.
    #[serde(default)]
    #[schema(value_type = Vec<schemas::ServiceCategory>)]
    #[validate(length(max = 7))]
    pub topics: Vec<ServiceCategory>,
    #[serde(default)]
    pub participants: ParticipantsDto,
    #[serde(default)]
    pub contacts_made: i32,
    /// Trainings and network meetings: the organisations that took part.
    #[serde(default)]
    #[validate(length(max = 100))]
    pub participating_organizations: Vec<Uuid>,
    #[serde(default)]
    pub notes: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ActivityView {
    pub id: Uuid,
    pub district: String,
    pub organization_id: Uuid,
    #[schema(value_type = schemas::ActivityKind)]
    pub kind: ActivityKind,
    pub held_on: NaiveDate,
    pub duration_minutes: Option<i32>,
    pub location_label: Option<String>,
    #[schema(value_type = Vec<schemas::ServiceCategory>)]
    pub topics: Vec<ServiceCategory>,
    pub participants: ParticipantsDto,
    pub contacts_made: i32,
    pub participating_organizations: Vec<Uuid>,
    pub notes: Option<String>,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<Activity> for ActivityView {
    fn from(a: Activity) -> Self {
        ActivityView {
            id: a.id,
            district: a.district.as_str().to_string(),
            organization_id: a.organization_id,
            kind: a.kind,
            held_on: a.held_on,
            duration_minutes: a.duration_minutes,
            location_label: a.location_label,
            topics: a.topics,
            participants: ParticipantsDto {
                male: a.participants.male,
                female: a.participants.female,
                other: a.participants.other,
                unknown: a.participants.unknown,
            },
            contacts_made: a.contacts_made,
            participating_organizations: a.participating_organizations,
            notes: a.notes,
            version: a.version,
            created_at: a.created_at,
            updated_at: a.updated_at,
        }
    }
}

#[derive(Debug, Deserialize, Validate, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ActivityQuery {
    pub district: Option<String>,
    #[param(value_type = Option<schemas::ActivityKind>)]
    pub kind: Option<ActivityKind>,
    /// First day, inclusive.
    pub from: Option<NaiveDate>,
    /// Last day, inclusive.
    pub to: Option<NaiveDate>,
    #[validate(range(min = 1, max = 200))]
    pub limit: Option<i64>,
    #[validate(length(max = 512))]
    pub cursor: Option<String>,
}

fn validate(state: &AppState, caller: &Caller, input: ActivityInput) -> Result<ActivityData, ApiError> {
    let district = registering_district(state, caller, input.district.as_deref())?;
    let participants = Participants {
        male: input.participants.male,
        female: input.participants.female,
        other: input.participants.other,
        unknown: input.participants.unknown,
    };
    let mut topics = input.topics;
    topics.sort();
    topics.dedup();
    let mut organizations = input.participating_organizations;
    organizations.sort();
    organizations.dedup();
    check(
        input.kind,
        input.held_on,
        &topics,
        participants,
        input.contacts_made,
        &organizations,
        state.now().date_naive(),
    )?;
    let location_label = input
        .location_label
        .filter(|l| !l.trim().is_empty())
        .map(|l| check_label("location_label", &l, 200))
        .transpose()?;
    let notes = input.notes.as_deref().map(str::trim).filter(|n| !n.is_empty()).map(ToString::to_string);
    if notes.as_ref().is_some_and(|n| n.chars().count() > 4000) {
        return Err(ApiError::field("notes", "too_long", "must be at most 4000 characters"));
    }
    Ok(ActivityData {
        district,
        organization_id: input.organization_id.unwrap_or(caller.organization_id),
        kind: input.kind,
        held_on: input.held_on,
        duration_minutes: input.duration_minutes,
        location_label,
        topics,
        participants,
        contacts_made: input.contacts_made,
        participating_organizations: organizations,
        notes,
    })
}

fn require_organizations(conn: &mut persistence::DbConnection, data: &ActivityData) -> Result<(), ApiError> {
    if !organizations::exists(conn, data.organization_id)? {
        return Err(ApiError::field("organization_id", "unknown_organization", "no organisation has this id"));
    }
    for (i, organization) in data.participating_organizations.iter().enumerate() {
        if !organizations::exists(conn, *organization)? {
            return Err(ApiError::field(
                format!("participating_organizations[{i}]"),
                "unknown_organization",
                "no organisation has this id",
            ));
        }
    }
    Ok(())
}

/// Record an activity of one of your districts.
#[utoipa::path(
    tag = "activities",
    security(("bearer" = [])),
    request_body = ActivityInput,
    responses(
        (status = 201, description = "Recorded", body = ActivityView, headers(("Location" = String, description = "The activity"))),
        (status = 403, description = "The role does not record activities", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/activities")]
pub async fn record_activity(
    state: web::Data<AppState>,
    caller: Caller,
    body: ValidJson<ActivityInput>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Capability::RecordActivities)?;
    let data = validate(&state, &caller, body.0)?;
    let now = state.now();
    let created_by = caller.user_id;
    let activity = state
        .db(move |conn| {
            require_organizations(conn, &data)?;
            Ok(store::insert(conn, &data, created_by, now)?)
        })
        .await?;
    Ok(HttpResponse::Created()
        .insert_header((header::LOCATION, format!("/api/v1/activities/{}", activity.id)))
        .insert_header((header::ETAG, etag(activity.version)))
        .json(ActivityView::from(activity)))
}

/// Activities, most recent first: of your districts, or of all for the Region and evaluators.
#[utoipa::path(
    tag = "activities",
    security(("bearer" = [])),
    params(ActivityQuery),
    responses(
        (status = 200, description = "A page of activities", body = Paged<ActivityView>),
        (status = 403, description = "The role does not read activities", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/activities")]
pub async fn list_activities(
    state: web::Data<AppState>,
    caller: Caller,
    query: ValidQuery<ActivityQuery>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Capability::ReadActivities)?;
    let query = query.0;
    let mut districts = if sees_all_districts(caller.role) { None } else { Some(caller.districts.clone()) };
    if let Some(code) = query.district.as_deref() {
        let district = parse_known_district("district", code, state.known_districts())?;
        districts = Some(match districts {
            Some(own) if !own.contains(&district) => Vec::new(),
            _ => vec![district],
        });
    }
    let after = match query.cursor.as_deref() {
        Some(raw) => {
            let key = decode_cursor(raw, 2)?;
            let invalid = || ApiError::field("cursor", "invalid_cursor", "not a cursor returned by this list");
            Some((
                key[0].parse::<NaiveDate>().map_err(|_| invalid())?,
                Uuid::parse_str(&key[1]).map_err(|_| invalid())?,
            ))
        }
        None => None,
    };
    let filter = ActivityFilter { districts, kind: query.kind, from: query.from, to: query.to };
    let page = PageRequest { after, limit: page_limit(query.limit) };
    let page = state.db(move |conn| Ok(store::list(conn, &filter, &page)?)).await?;
    let next_cursor = page
        .has_more
        .then(|| page.items.last().map(|a| encode_cursor(&[a.held_on.to_string(), a.id.to_string()])))
        .flatten();
    Ok(HttpResponse::Ok().json(Paged { items: page.items.into_iter().map(ActivityView::from).collect(), next_cursor }))
}

fn readable(caller: &Caller, activity: &Activity) -> Result<(), ApiError> {
    if sees_all_districts(caller.role) || caller.districts.contains(&activity.district) {
        Ok(())
    } else {
        Err(ApiError::not_found())
    }
}

/// Read an activity.
#[utoipa::path(
    tag = "activities",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Activity id")),
    responses(
        (status = 200, description = "The activity", body = ActivityView, headers(("ETag" = String, description = "Its version"))),
        (status = 403, description = "The role does not read activities", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/activities/{id}")]
pub async fn get_activity(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Capability::ReadActivities)?;
    let id = resource_id(&id)?;
    let activity = state.db(move |conn| Ok(store::find(conn, id)?)).await?;
    readable(&caller, &activity)?;
    Ok(HttpResponse::Ok().insert_header((header::ETAG, etag(activity.version))).json(ActivityView::from(activity)))
}

/// Replace an activity's record (its district's roles). Requires `If-Match`.
#[utoipa::path(
    tag = "activities",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Activity id"), ("If-Match" = String, Header, description = "The ETag read")),
    request_body = ActivityInput,
    responses(
        (status = 200, description = "Changed", body = ActivityView, headers(("ETag" = String, description = "Its new version"))),
        (status = 403, description = "The role does not record activities", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/activities/{id}")]
pub async fn update_activity(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
    if_match: IfMatch,
    body: ValidJson<ActivityInput>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Capability::RecordActivities)?;
    let id = resource_id(&id)?;
    let data = validate(&state, &caller, body.0)?;
    let now = state.now();
    let districts = caller.districts.clone();
    let activity = state
        .db(move |conn| {
            let current = store::find(conn, id)?;
            if !districts.contains(&current.district) {
                return Err(ApiError::not_found());
            }
            require_organizations(conn, &data)?;
            Ok(store::update(conn, id, if_match.0, &data, now)?)
        })
        .await?;
    Ok(HttpResponse::Ok().insert_header((header::ETAG, etag(activity.version))).json(ActivityView::from(activity)))
}
