//! Activities: awareness sessions, outreach and desk shifts, campaigns, trainings, network
//! meetings. No personal data: district roles record them for their districts; the Region and
//! the evaluators read all of them.

use actix_web::http::header;
use actix_web::{HttpResponse, get, patch, post, web};
use app::ReadVersion;
use app::activities::{self, ActivityRecord};
use chrono::{DateTime, NaiveDate, Utc};
use domain::activities::{Activity, ActivityKind, Participants};
use domain::services::ServiceCategory;
use persistence::PageRequest;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;
use validator::Validate;

use crate::caller::Caller;
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

impl From<ActivityInput> for ActivityRecord {
    fn from(input: ActivityInput) -> Self {
        ActivityRecord {
            district: input.district,
            organization_id: input.organization_id,
            kind: input.kind,
            held_on: input.held_on,
            duration_minutes: input.duration_minutes,
            location_label: input.location_label,
            topics: input.topics,
            participants: Participants {
                male: input.participants.male,
                female: input.participants.female,
                other: input.participants.other,
                unknown: input.participants.unknown,
            },
            contacts_made: input.contacts_made,
            participating_organizations: input.participating_organizations,
            notes: input.notes,
        }
    }
}

/// Record an activity of one of your districts.
#[utoipa::path(
    tag = "activities",
    security(("bearer" = [])),
    request_body = ActivityInput,
    responses(
        (status = 201, description = "Recorded", body = ActivityView, headers(("Location" = String, description = "The activity"))),
        (status = 403, description = "The role does not record activities", body = crate::problem::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/activities")]
pub async fn record_activity(
    state: web::Data<AppState>,
    caller: Caller,
    body: ValidJson<ActivityInput>,
) -> Result<HttpResponse, ApiError> {
    let activity = activities::record(state.context(), &caller, state.now(), body.0.into()).await?;
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
        (status = 403, description = "The role does not read activities", body = crate::problem::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/activities")]
pub async fn list_activities(
    state: web::Data<AppState>,
    caller: Caller,
    query: ValidQuery<ActivityQuery>,
) -> Result<HttpResponse, ApiError> {
    let query = query.0;
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
    let page = PageRequest { after, limit: page_limit(query.limit) };
    let search =
        activities::ActivityQuery { district: query.district, kind: query.kind, from: query.from, to: query.to };
    let page = activities::list(state.context(), &caller, search, page).await?;
    let next_cursor = page
        .has_more
        .then(|| page.items.last().map(|a| encode_cursor(&[a.held_on.to_string(), a.id.to_string()])))
        .flatten();
    Ok(HttpResponse::Ok().json(Paged { items: page.items.into_iter().map(ActivityView::from).collect(), next_cursor }))
}

/// Read an activity.
#[utoipa::path(
    tag = "activities",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Activity id")),
    responses(
        (status = 200, description = "The activity", body = ActivityView, headers(("ETag" = String, description = "Its version"))),
        (status = 403, description = "The role does not read activities", body = crate::problem::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/activities/{id}")]
pub async fn get_activity(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let activity = activities::read(state.context(), &caller, resource_id(&id)?).await?;
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
        (status = 403, description = "The role does not record activities", body = crate::problem::Problem, content_type = "application/problem+json"),
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
    let target = ReadVersion { id: resource_id(&id)?, version: if_match.0 };
    let activity = activities::update(state.context(), &caller, state.now(), target, body.0.into()).await?;
    Ok(HttpResponse::Ok().insert_header((header::ETAG, etag(activity.version))).json(ActivityView::from(activity)))
}
