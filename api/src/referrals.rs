//! Referrals: a case sent to a network organisation, and the need-to-know access that
//! organisation has while its referral stands. Sending needs the beneficiary's data-sharing
//! consent for that organisation, unless a district coordinator overrides with a reason.

use actix_web::http::{StatusCode, header};
use actix_web::{HttpResponse, get, post, web};
use chrono::{DateTime, NaiveDate, Utc};
use domain::Vocabulary;
use domain::access::{Capability, TokenScope, sees_full_case};
use domain::audit::AuditAction;
use domain::beneficiaries::{Beneficiary, PermitKind};
use domain::cases::{Case, CaseStatus};
use domain::consents::sharing_allowed;
use domain::legal::{Authority, ProcedureKind, ProcedureStatus};
use domain::notes::Confidentiality;
use domain::organizations::OrganizationKind;
use domain::referrals::{PartnerView, Referral, ReferralStatus, Side, next_statuses, partner_view, side_may};
use domain::screening::Need;
use domain::services::ServiceCategory;
use domain::users::Role;
use domain::validation::check_label;
use persistence::referrals::{self as store, Direction, NewReferral, ReferralEvent};
use persistence::{
    DbConnection, PageRequest, audit, beneficiaries, cases as case_store, consents, legal, network, notes,
    organizations,
};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;
use validator::Validate;

use crate::audit::{Via, audited};
use crate::auth::Caller;
use crate::cases::{IndicatorDto, require_full_view, visible_case};
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

/// How a caller stands to a referral.
enum Access {
    Sender,
    Receiver(PartnerView),
}

fn view(referral: Referral, access: &Access, events: Vec<ReferralEvent>, own_organization: Uuid) -> ReferralView {
    let (case_id, events, override_reason) = match access {
        Access::Sender => (Some(referral.case_id), events, referral.consent_override_reason),
        Access::Receiver(partner) => (
            matches!(partner, PartnerView::Case { .. }).then_some(referral.case_id),
            events.into_iter().filter(|e| e.actor_organization_id == own_organization).collect(),
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

/// How the caller stands to a referral, or 404 when it may not know of it.
fn access(conn: &mut DbConnection, caller: &Caller, referral: &Referral) -> Result<Access, ApiError> {
    if caller.role == Role::Partner {
        if referral.to_organization_id != caller.organization_id {
            return Err(ApiError::not_found());
        }
        let receiver = organizations::find(conn, caller.organization_id)?;
        return match partner_view(referral.status, referral.joint_intake, receiver.kind) {
            PartnerView::Nothing => Err(ApiError::not_found()),
            other => Ok(Access::Receiver(other)),
        };
    }
    if sees_full_case(caller.role) && caller.districts.contains(&referral.district) {
        Ok(Access::Sender)
    } else {
        Err(ApiError::not_found())
    }
}

/// The case of a referral a partner holds accepted, with the referral; 404 otherwise.
pub fn partner_case(conn: &mut DbConnection, caller: &Caller, case_id: Uuid) -> Result<(Case, Referral), ApiError> {
    let referral = store::accepted_for(conn, case_id, caller.organization_id)?.ok_or_else(ApiError::not_found)?;
    Ok((case_store::find(conn, case_id)?, referral))
}

fn event(
    caller: &Caller,
    from: Option<ReferralStatus>,
    to: ReferralStatus,
    reason: Option<String>,
    now: DateTime<Utc>,
) -> ReferralEvent {
    ReferralEvent {
        from_status: from,
        to_status: to,
        reason,
        actor_id: caller.user_id,
        actor_role: caller.role,
        actor_organization_id: caller.organization_id,
        at: now,
    }
}

fn reason_field(field: &str, raw: Option<&str>) -> Result<Option<String>, ApiError> {
    Ok(raw.map(str::trim).filter(|r| !r.is_empty()).map(|r| check_label(field, r, 2000)).transpose()?)
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
        (status = 403, description = "The role does not refer cases", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 409, description = "The case is closed", body = crate::error::Problem, content_type = "application/problem+json"),
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
    caller.require(Capability::SendReferrals)?;
    let scope = caller.case_scope()?;
    let case_id = resource_id(&id)?;
    let ValidJson(input, digest) = body;
    let reason = reason_field("reason", Some(&input.reason))?
        .ok_or_else(|| ApiError::field("reason", "required", "say what the partner is asked to do"))?;
    let now = state.now();
    let actor = caller.clone();
    once(&state, &caller, &key, &digest, move |conn| {
        let case = visible_case(conn, &scope, case_id)?;
        if case.status == CaseStatus::Closed {
            return Err(
                ApiError::conflict("a closed case cannot be referred").with_extension("code", json!("case_closed"))
            );
        }
        let organization = match organizations::find(conn, input.to_organization_id) {
            Ok(organization) => organization,
            Err(persistence::Error::NotFound) => {
                return Err(ApiError::field(
                    "to_organization_id",
                    "unknown_organization",
                    "no organisation has this id",
                ));
            }
            Err(other) => return Err(other.into()),
        };
        if matches!(
            organization.kind,
            OrganizationKind::Region | OrganizationKind::Coordination | OrganizationKind::University
        ) {
            return Err(ApiError::field(
                "to_organization_id",
                "not_a_partner",
                "the programme's own bodies do not take referrals",
            ));
        }
        if let Some(service) = input.network_service_id {
            match network::find(conn, service) {
                Ok(found) if found.organization_id == organization.id => {}
                Ok(_) | Err(persistence::Error::NotFound) => {
                    return Err(ApiError::field(
                        "network_service_id",
                        "unknown_service",
                        "no service of that organisation has this id",
                    ));
                }
                Err(other) => return Err(other.into()),
            }
        }
        let new = NewReferral {
            case_id,
            district: case.district.clone(),
            to_organization_id: organization.id,
            network_service_id: input.network_service_id,
            category: input.category,
            reason,
            joint_intake: input.joint_intake,
            created_by: actor.user_id,
        };
        let referral = store::insert(conn, &new, &event(&actor, None, ReferralStatus::Proposed, None, now), now)?;
        audit::append(
            conn,
            vec![actor.audit(now, AuditAction::Create, &case.district, Some(case.beneficiary_id), Some(case_id))],
        )?;
        let events = store::events(conn, referral.id)?;
        let id = referral.id;
        Ok(Answer::json(StatusCode::CREATED, &view(referral.clone(), &Access::Sender, events, actor.organization_id))?
            .with_location(format!("/api/v1/referrals/{id}"))
            .with_etag(etag(referral.version)))
    })
    .await
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
        (status = 403, description = "The role does not see case details", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/cases/{id}/referrals")]
pub async fn case_referrals(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Capability::ReadCases)?;
    require_full_view(&caller)?;
    let scope = caller.case_scope()?;
    let case_id = resource_id(&id)?;
    let organization = caller.organization_id;
    let items = state
        .db(move |conn| {
            let case = visible_case(conn, &scope, case_id)?;
            let page = store::list(
                conn,
                &Direction::Outgoing(vec![case.district]),
                None,
                Some(case_id),
                &PageRequest { after: None, limit: 200 },
            )?;
            page.items
                .into_iter()
                .map(|r| {
                    let events = store::events(conn, r.id)?;
                    Ok(view(r, &Access::Sender, events, organization))
                })
                .collect::<Result<Vec<_>, ApiError>>()
        })
        .await?;
    Ok(HttpResponse::Ok().json(Paged { items, next_cursor: None }))
}

/// Referrals of one side: `incoming` to your organisation (partners), `outgoing` from your
/// districts (PUA teams).
#[utoipa::path(
    tag = "referrals",
    security(("bearer" = [])),
    params(ReferralQuery),
    responses(
        (status = 200, description = "Newest first", body = Paged<ReferralView>),
        (status = 403, description = "Not a side of referrals, or the token lacks referrals:read", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/referrals")]
pub async fn list_referrals(
    state: web::Data<AppState>,
    caller: Caller,
    query: ValidQuery<ReferralQuery>,
) -> Result<HttpResponse, ApiError> {
    let query = query.0;
    let partner = caller.role == Role::Partner;
    let direction =
        query.direction.unwrap_or(if partner { ReferralDirection::Incoming } else { ReferralDirection::Outgoing });
    let (direction, access_of) = match (direction, partner) {
        (ReferralDirection::Incoming, true) => {
            caller.require(Capability::AnswerReferrals)?;
            caller.require_scope(TokenScope::ReferralsRead)?;
            (Direction::Incoming(caller.organization_id), true)
        }
        (ReferralDirection::Outgoing, false) if sees_full_case(caller.role) => {
            (Direction::Outgoing(caller.districts.clone()), false)
        }
        _ => {
            return Err(
                ApiError::forbidden().with_detail("incoming referrals are for partners, outgoing for PUA teams")
            );
        }
    };
    let page = PageRequest { after: decode_id_cursor(query.cursor.as_deref())?, limit: page_limit(query.limit) };
    let status = query.status;
    let organization = caller.organization_id;
    let (items, has_more) = state
        .db(move |conn| {
            let page = store::list(conn, &direction, status, None, &page)?;
            let kind = if access_of { Some(organizations::find(conn, organization)?.kind) } else { None };
            let items = page
                .items
                .into_iter()
                .map(|r| {
                    let access = match kind {
                        Some(kind) => Access::Receiver(partner_view(r.status, r.joint_intake, kind)),
                        None => Access::Sender,
                    };
                    let events = store::events(conn, r.id)?;
                    Ok(view(r, &access, events, organization))
                })
                .collect::<Result<Vec<_>, ApiError>>()?;
            Ok((items, page.has_more))
        })
        .await?;
    let next_cursor =
        has_more.then(|| items.last().map(|r: &ReferralView| encode_cursor(&[r.id.to_string()]))).flatten();
    Ok(HttpResponse::Ok().json(Paged { items, next_cursor }))
}

/// Read a referral and its history.
#[utoipa::path(
    tag = "referrals",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Referral id")),
    responses(
        (status = 200, description = "The referral", body = ReferralView, headers(("ETag" = String, description = "Its version"))),
        (status = 403, description = "The role or token does not read referrals", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/referrals/{id}")]
pub async fn get_referral(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    require_referral_reader(&caller)?;
    let id = resource_id(&id)?;
    let organization = caller.organization_id;
    let referral = state
        .db(move |conn| {
            let referral = store::find(conn, id)?;
            let access = access(conn, &caller, &referral)?;
            let events = store::events(conn, id)?;
            Ok(view(referral, &access, events, organization))
        })
        .await?;
    Ok(HttpResponse::Ok().insert_header((header::ETAG, etag(referral.version))).json(referral))
}

fn require_referral_reader(caller: &Caller) -> Result<(), ApiError> {
    if caller.role == Role::Partner {
        caller.require(Capability::AnswerReferrals)?;
        caller.require_scope(TokenScope::ReferralsRead)
    } else {
        caller.require(Capability::ReadCases)?;
        require_full_view(caller)
    }
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
        (status = 403, description = "Not this side's move, or the token lacks referrals:write", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not reachable (`invalid_transition`), or no consent (`consent_missing`)", body = crate::error::Problem, content_type = "application/problem+json"),
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
    require_referral_reader(&caller)?;
    let id = resource_id(&id)?;
    let ValidJson(input, digest) = body;
    let reason = reason_field("reason", input.reason.as_deref())?;
    let override_reason = reason_field("consent_override_reason", input.consent_override_reason.as_deref())?;
    if reason.is_none()
        && matches!(input.to, ReferralStatus::Declined | ReferralStatus::Failed | ReferralStatus::Revoked)
    {
        return Err(ApiError::field("reason", "required", "say why"));
    }
    let now = state.now();
    let actor = caller.clone();
    once(&state, &caller, &key, &digest, move |conn| {
        let referral = store::find(conn, id)?;
        let access = access(conn, &actor, &referral)?;
        let side = match access {
            Access::Sender => {
                actor.require(Capability::SendReferrals)?;
                Side::Sender
            }
            Access::Receiver(_) => {
                actor.require_scope(TokenScope::ReferralsWrite)?;
                Side::Receiver
            }
        };
        if referral.version != if_match.0 {
            return Err(ApiError::precondition_failed());
        }
        let from = referral.status;
        if !next_statuses(from).contains(&input.to) {
            let reachable: Vec<&str> = next_statuses(from).iter().map(|s| s.code()).collect();
            return Err(ApiError::conflict(format!("a referral {from} cannot become {}", input.to))
                .with_extension("code", json!("invalid_transition"))
                .with_extension("reachable", json!(reachable)));
        }
        if !side_may(side, from, input.to) {
            return Err(ApiError::forbidden().with_detail("this move belongs to the other side of the referral"));
        }
        let case = case_store::find(conn, referral.case_id)?;
        let mut consent_override = None;
        if input.to == ReferralStatus::Sent {
            let given = consents::of_beneficiary(conn, case.beneficiary_id)?;
            if !sharing_allowed(&given, referral.to_organization_id, now.date_naive()) {
                match &override_reason {
                    Some(why) if actor.role == Role::DistrictCoordinator => {
                        consent_override = Some((actor.user_id, why.clone()))
                    }
                    Some(_) => {
                        return Err(
                            ApiError::forbidden().with_detail("only a district coordinator sends without consent")
                        );
                    }
                    None => {
                        return Err(ApiError::conflict(
                            "the beneficiary has not consented to sharing data with this organisation",
                        )
                        .with_extension("code", json!("consent_missing")));
                    }
                }
            }
        }
        let event_reason = match &consent_override {
            Some((_, why)) => Some(format!("sent without data-sharing consent: {why}")),
            None => reason.clone(),
        };
        let moved = store::move_to(
            conn,
            id,
            if_match.0,
            &event(&actor, Some(from), input.to, event_reason, now),
            consent_override.as_ref().map(|(by, why)| (*by, why.as_str())),
            now,
        )?;
        audit::append(
            conn,
            vec![actor.audit(now, AuditAction::Transition, &case.district, Some(case.beneficiary_id), Some(case.id))],
        )?;
        let access = if side == Side::Sender {
            Access::Sender
        } else {
            Access::Receiver(partner_view(
                moved.status,
                moved.joint_intake,
                organizations::find(conn, actor.organization_id)?.kind,
            ))
        };
        let events = store::events(conn, id)?;
        let version = moved.version;
        Ok(Answer::json(StatusCode::OK, &view(moved, &access, events, actor.organization_id))?.with_etag(etag(version)))
    })
    .await
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

fn referred_view(
    conn: &mut DbConnection,
    referral: &Referral,
    case: &Case,
    beneficiary: &Beneficiary,
    sensitive: bool,
) -> Result<ReferredCaseView, ApiError> {
    let data = &beneficiary.data;
    let joint_intake = if sensitive {
        Some(JointIntakeView {
            citizenships: data.citizenships.clone(),
            permit_kind: data.permit.kind,
            permit_expires_on: data.permit.expires_on,
            indicators: case
                .indicators
                .iter()
                .map(|n| IndicatorDto { indicator: n.indicator, noted_on: n.noted_on })
                .collect(),
            legal_procedures: legal::of_case(conn, case.id)?
                .into_iter()
                .map(|p| SharedProcedure {
                    kind: p.kind,
                    status: p.status,
                    authority: p.authority,
                    filed_on: p.filed_on,
                    next_deadline: p.next_deadline,
                })
                .collect(),
            notes: notes::of_case(conn, case.id, &[Confidentiality::Team])?
                .into_iter()
                .map(|n| SharedNote { body: n.body, created_at: n.created_at })
                .collect(),
        })
    } else {
        None
    };
    Ok(ReferredCaseView {
        referral_id: referral.id,
        case_id: case.id,
        district: case.district.as_str().to_string(),
        status: case.status,
        alias: data.alias.clone(),
        first_name: data.first_name.clone(),
        languages: data.languages.clone(),
        phone: data.phone.clone(),
        email: data.email.clone(),
        needs: case.needs.clone(),
        joint_intake,
    })
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
        (status = 403, description = "Only partners read referred cases, with referrals:read", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/referrals/{id}/case")]
pub async fn referred_case(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Capability::AnswerReferrals)?;
    caller.require_scope(TokenScope::ReferralsRead)?;
    let id = resource_id(&id)?;
    let now = state.now();
    let view = audited(&state, Via::Query, move |conn| {
        let referral = store::find(conn, id)?;
        let Access::Receiver(PartnerView::Case { sensitive }) = access(conn, &caller, &referral)? else {
            return Err(ApiError::not_found());
        };
        let case = case_store::find(conn, referral.case_id)?;
        let beneficiary = beneficiaries::find(conn, case.beneficiary_id)?;
        let view = referred_view(conn, &referral, &case, &beneficiary, sensitive)?;
        Ok((view, vec![caller.audit(now, AuditAction::Read, &case.district, Some(case.beneficiary_id), Some(case.id))]))
    })
    .await?;
    Ok(HttpResponse::Ok().json(view))
}
