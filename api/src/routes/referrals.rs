//! Referrals: a case sent to a network organisation, and the need-to-know access that
//! organisation has while its referral stands. Sending needs the beneficiary's data-sharing
//! consent for that organisation, unless a district coordinator overrides with a reason.

use actix_web::http::{StatusCode, header};
use actix_web::{HttpResponse, get, post, web};
use app::ReadVersion;
use app::idempotency::Reply;
use app::referrals::{self, Flow, Move, Proposal, ReferralRecord, ReferredCase, Standing};
use chrono::{DateTime, NaiveDate, Utc};
use domain::beneficiaries::PermitKind;
use domain::cases::CaseStatus;
use domain::legal::{Authority, ProcedureKind, ProcedureStatus};
use domain::referrals::{PartnerView, ReferralStatus};
use domain::screening::Need;
use domain::services::ServiceCategory;
use domain::users::Role;
use persistence::PageRequest;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;
use validator::Validate;

use crate::caller::Caller;
use crate::error::ApiError;
use crate::extract::{
    IdempotencyKey, IfMatch, Paged, ValidJson, ValidQuery, changed_since, decode_id_cursor, encode_changed_cursor,
    encode_cursor, etag, page_limit, resource_id,
};
use crate::idempotency::{json_reply, respond, retryable};
use crate::schemas;
use crate::state::AppState;
use crate::views::IndicatorDto;

pub fn configure(config: &mut ServiceConfig) {
    config
        .service(create_referral)
        .service(case_referrals)
        .service(list_referrals)
        .service(get_referral)
        .service(move_referral)
        .service(referred_case);
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReferralInput {
    pub to_organization_id: Uuid,
    /// A service of that organisation, when the referral is to one.
    #[serde(default)]
    pub network_service_id: Option<Uuid>,
    #[schema(value_type = schemas::ServiceCategory)]
    pub category: ServiceCategory,
    /// What the partner is asked to do; it reads this to accept or decline.
    pub reason: String,
    /// Presa in carico congiunta.
    #[serde(default)]
    pub joint_intake: bool,
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReferralTransition {
    #[schema(value_type = schemas::ReferralStatus)]
    pub to: ReferralStatus,
    /// Required to decline, fail or revoke.
    #[serde(default)]
    pub reason: Option<String>,
    /// District coordinators: send without the data-sharing consent, for this reason (audited).
    #[serde(default)]
    pub consent_override_reason: Option<String>,
    /// When it happened, if earlier than now: an answer received on paper and recorded later.
    /// Not in the future, not before the referral's previous step. Default: now.
    #[serde(default)]
    pub effective_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ReferralEventView {
    #[schema(value_type = Option<schemas::ReferralStatus>)]
    pub from_status: Option<ReferralStatus>,
    #[schema(value_type = schemas::ReferralStatus)]
    pub to_status: ReferralStatus,
    pub reason: Option<String>,
    pub actor_id: Uuid,
    #[schema(value_type = schemas::Role)]
    pub actor_role: Role,
    pub actor_organization_id: Uuid,
    pub at: DateTime<Utc>,
}

/// A referral. Partners see `case_id` only while they hold it accepted, and only the events
/// of their own organisation.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReferralView {
    pub id: Uuid,
    pub case_id: Option<Uuid>,
    /// The sending district.
    pub district: String,
    pub to_organization_id: Uuid,
    pub network_service_id: Option<Uuid>,
    #[schema(value_type = schemas::ServiceCategory)]
    pub category: ServiceCategory,
    pub reason: String,
    pub joint_intake: bool,
    #[schema(value_type = schemas::ReferralStatus)]
    pub status: ReferralStatus,
    /// Set when a coordinator sent it without the data-sharing consent.
    pub consent_override_reason: Option<String>,
    pub created_at: DateTime<Utc>,
    pub sent_at: Option<DateTime<Utc>>,
    pub version: i32,
    pub updated_at: DateTime<Utc>,
    pub events: Vec<ReferralEventView>,
}

impl From<ReferralRecord> for ReferralView {
    fn from(record: ReferralRecord) -> Self {
        let ReferralRecord { referral, events, standing, reader_organization } = record;
        let (case_id, events, override_reason) = match standing {
            Standing::Sender => (Some(referral.case_id), events, referral.consent_override_reason),
            Standing::Receiver(partner) => (
                matches!(partner, PartnerView::Case { .. }).then_some(referral.case_id),
                events.into_iter().filter(|e| e.actor_organization_id == reader_organization).collect(),
                None,
            ),
        };
        ReferralView {
            id: referral.id,
            case_id,
            district: referral.district.as_str().to_string(),
            to_organization_id: referral.to_organization_id,
            network_service_id: referral.network_service_id,
            category: referral.category,
            reason: referral.reason,
            joint_intake: referral.joint_intake,
            status: referral.status,
            consent_override_reason: override_reason,
            created_at: referral.created_at,
            sent_at: referral.sent_at,
            version: referral.version,
            updated_at: referral.updated_at,
            events: events
                .into_iter()
                .map(|e| ReferralEventView {
                    from_status: e.from_status,
                    to_status: e.to_status,
                    reason: e.reason,
                    actor_id: e.actor_id,
                    actor_role: e.actor_role,
                    actor_organization_id: e.actor_organization_id,
                    at: e.at,
                })
                .collect(),
        }
    }
}

/// A referral as answered to a retryable POST, and kept for its replays.
fn referral_reply(status: StatusCode, record: ReferralRecord) -> app::Result<Reply> {
    let (id, version) = (record.referral.id, record.referral.version);
    let location = (status == StatusCode::CREATED).then(|| format!("/api/v1/referrals/{id}"));
    json_reply(status, &ReferralView::from(record), location, Some(version))
}

/// Propose a referral of a case to a network organisation. It stays `proposed` until sent.
#[utoipa::path(
    tag = "referrals",
    security(("bearer" = [])),
    params(
        ("id" = Uuid, Path, description = "Case id"),
        ("Idempotency-Key" = Option<String>, Header, description = "Retry safely: the same key and body return the first answer"),
    ),
    request_body = ReferralInput,
    responses(
        (status = 201, description = "Proposed", body = ReferralView, headers(("Location" = String, description = "The referral"))),
        (status = 403, description = "The role does not refer cases", body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 409, description = "The case is closed", body = crate::problem::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/cases/{id}/referrals")]
pub async fn create_referral(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
    key: IdempotencyKey,
    body: ValidJson<ReferralInput>,
) -> Result<HttpResponse, ApiError> {
    let ValidJson(input, digest) = body;
    let proposal = Proposal {
        to_organization_id: input.to_organization_id,
        network_service_id: input.network_service_id,
        category: input.category,
        reason: input.reason,
        joint_intake: input.joint_intake,
    };
    let render = |record| referral_reply(StatusCode::CREATED, record);
    let answered = referrals::propose(
        state.context(),
        &caller,
        state.now(),
        resource_id(&id)?,
        proposal,
        retryable(&key, &digest, render),
    )
    .await?;
    Ok(respond(answered))
}

#[derive(Debug, Deserialize, Validate, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ReferralQuery {
    /// `incoming`: sent to your organisation (partners). `outgoing`: sent by your districts
    /// (PUA teams). Default: by role.
    #[param(inline)]
    pub direction: Option<ReferralDirection>,
    #[param(value_type = Option<schemas::ReferralStatus>)]
    pub status: Option<ReferralStatus>,
    /// Only what changed at or after this instant, in the order of last change (oldest first):
    /// for clients that sync deltas. Ask again from a little before your last sync, or follow
    /// `/changes` for an exact order.
    pub updated_since: Option<DateTime<Utc>>,
    #[validate(range(min = 1, max = 200))]
    pub limit: Option<i64>,
    #[validate(length(max = 512))]
    pub cursor: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ReferralDirection {
    Incoming,
    Outgoing,
}

/// The referrals of a case.
#[utoipa::path(
    tag = "referrals",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Case id")),
    responses(
        (status = 200, description = "Newest first", body = Paged<ReferralView>),
        (status = 403, description = "The role does not see case details", body = crate::problem::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/cases/{id}/referrals")]
pub async fn case_referrals(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let records = referrals::of_case(state.context(), &caller, resource_id(&id)?).await?;
    Ok(HttpResponse::Ok()
        .json(Paged { items: records.into_iter().map(ReferralView::from).collect(), next_cursor: None }))
}

/// Referrals of one side: `incoming` to your organisation (partners), `outgoing` from your
/// districts (PUA teams).
#[utoipa::path(
    tag = "referrals",
    security(("bearer" = [])),
    params(ReferralQuery),
    responses(
        (status = 200, description = "Newest first", body = Paged<ReferralView>),
        (status = 403, description = "Not a side of referrals, or the token lacks referrals:read", body = crate::problem::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/referrals")]
pub async fn list_referrals(
    state: web::Data<AppState>,
    caller: Caller,
    query: ValidQuery<ReferralQuery>,
) -> Result<HttpResponse, ApiError> {
    let query = query.0;
    let flow = query.direction.map(|d| match d {
        ReferralDirection::Incoming => Flow::Incoming,
        ReferralDirection::Outgoing => Flow::Outgoing,
    });
    let changed = changed_since(query.updated_since, query.cursor.as_deref())?;
    let after = if changed.is_some() { None } else { decode_id_cursor(query.cursor.as_deref())? };
    let page = PageRequest { after, limit: page_limit(query.limit) };
    let page = referrals::list(state.context(), &caller, flow, query.status, changed, page).await?;
    let next_cursor = page
        .has_more
        .then(|| {
            page.items.last().map(|r| match changed {
                Some(_) => encode_changed_cursor(r.referral.updated_at, r.referral.id),
                None => encode_cursor(&[r.referral.id.to_string()]),
            })
        })
        .flatten();
    Ok(HttpResponse::Ok().json(Paged { items: page.items.into_iter().map(ReferralView::from).collect(), next_cursor }))
}

/// Read a referral and its history.
#[utoipa::path(
    tag = "referrals",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Referral id")),
    responses(
        (status = 200, description = "The referral", body = ReferralView, headers(("ETag" = String, description = "Its version"))),
        (status = 403, description = "The role or token does not read referrals", body = crate::problem::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/referrals/{id}")]
pub async fn get_referral(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let record = referrals::read(state.context(), &caller, resource_id(&id)?).await?;
    Ok(HttpResponse::Ok().insert_header((header::ETAG, etag(record.referral.version))).json(ReferralView::from(record)))
}

/// Move a referral. The sending PUA sends and revokes (and may record the partner's answers on
/// its behalf); the partner accepts or declines, then completes or fails. Requires `If-Match`.
/// Sending without the beneficiary's data-sharing consent for the organisation answers 409
/// `consent_missing`, unless a district coordinator gives `consent_override_reason`.
#[utoipa::path(
    tag = "referrals",
    security(("bearer" = [])),
    params(
        ("id" = Uuid, Path, description = "Referral id"),
        ("If-Match" = String, Header, description = "The ETag read"),
        ("Idempotency-Key" = Option<String>, Header, description = "Retry safely: the same key and body return the first answer"),
    ),
    request_body = ReferralTransition,
    responses(
        (status = 200, description = "Moved", body = ReferralView, headers(("ETag" = String, description = "Its new version"))),
        (status = 403, description = "Not this side's move, or the token lacks referrals:write", body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not reachable (`invalid_transition`), or no consent (`consent_missing`)", body = crate::problem::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/referrals/{id}/transitions")]
pub async fn move_referral(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
    if_match: IfMatch,
    key: IdempotencyKey,
    body: ValidJson<ReferralTransition>,
) -> Result<HttpResponse, ApiError> {
    let target = ReadVersion { id: resource_id(&id)?, version: if_match.0 };
    let ValidJson(input, digest) = body;
    let change = Move {
        to: input.to,
        reason: input.reason,
        consent_override_reason: input.consent_override_reason,
        effective_at: input.effective_at,
    };
    let render = |record| referral_reply(StatusCode::OK, record);
    let answered =
        referrals::transition(state.context(), &caller, state.now(), target, change, retryable(&key, &digest, render))
            .await?;
    Ok(respond(answered))
}

/// What a partner sees of a case it holds accepted.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReferredCaseView {
    pub referral_id: Uuid,
    pub case_id: Uuid,
    pub district: String,
    #[schema(value_type = schemas::CaseStatus)]
    pub status: CaseStatus,
    pub alias: String,
    pub first_name: Option<String>,
    pub languages: Vec<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
    #[schema(value_type = Vec<schemas::Need>)]
    pub needs: Vec<Need>,
    /// Only for a joint intake with an anti-trafficking organisation.
    pub joint_intake: Option<JointIntakeView>,
}

/// What a joint intake with an anti-trafficking organisation adds.
#[derive(Debug, Serialize, ToSchema)]
pub struct JointIntakeView {
    pub citizenships: Option<Vec<String>>,
    #[schema(value_type = Option<schemas::PermitKind>)]
    pub permit_kind: Option<PermitKind>,
    pub permit_expires_on: Option<NaiveDate>,
    pub indicators: Vec<IndicatorDto>,
    pub legal_procedures: Vec<SharedProcedure>,
    /// Team-level notes.
    pub notes: Vec<SharedNote>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SharedProcedure {
    #[schema(value_type = schemas::ProcedureKind)]
    pub kind: ProcedureKind,
    #[schema(value_type = schemas::ProcedureStatus)]
    pub status: ProcedureStatus,
    #[schema(value_type = Option<schemas::Authority>)]
    pub authority: Option<Authority>,
    pub filed_on: Option<NaiveDate>,
    pub next_deadline: Option<NaiveDate>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SharedNote {
    pub body: String,
    pub created_at: DateTime<Utc>,
}

impl From<ReferredCase> for ReferredCaseView {
    fn from(referred: ReferredCase) -> Self {
        let ReferredCase { referral, case, person, joint_intake } = referred;
        let data = person.data;
        let joint_intake = joint_intake.map(|(procedures, notes)| JointIntakeView {
            citizenships: data.citizenships,
            permit_kind: data.permit.kind,
            permit_expires_on: data.permit.expires_on,
            indicators: case.indicators.iter().map(IndicatorDto::from).collect(),
            legal_procedures: procedures
                .into_iter()
                .map(|p| SharedProcedure {
                    kind: p.kind,
                    status: p.status,
                    authority: p.authority,
                    filed_on: p.filed_on,
                    next_deadline: p.next_deadline,
                })
                .collect(),
            notes: notes.into_iter().map(|n| SharedNote { body: n.body, created_at: n.created_at }).collect(),
        });
        ReferredCaseView {
            referral_id: referral.id,
            case_id: case.id,
            district: case.district.as_str().to_string(),
            status: case.status,
            alias: data.alias,
            first_name: data.first_name,
            languages: data.languages,
            phone: data.phone,
            email: data.email,
            needs: case.needs,
            joint_intake,
        }
    }
}

/// The case of a referral your organisation holds accepted: alias, first name, languages,
/// contacts and needs; with a joint intake with an anti-trafficking organisation, also
/// citizenship, permit, indicators, legal procedures and team notes. Audited.
#[utoipa::path(
    tag = "referrals",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Referral id")),
    responses(
        (status = 200, description = "The minimum data of the case", body = ReferredCaseView),
        (status = 403, description = "Only partners read referred cases, with referrals:read", body = crate::problem::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/referrals/{id}/case")]
pub async fn referred_case(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let referred = referrals::referred_case(state.context(), &caller, state.now(), resource_id(&id)?).await?;
    Ok(HttpResponse::Ok().json(ReferredCaseView::from(referred)))
}
