//! Work grants (borse lavoro). A grant is for a person taken in charge, resident in the
//! funder's municipality, without another grant in the same period; a refusal names the rules
//! broken. A district coordinator approves.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, get, post, web};
use chrono::{DateTime, NaiveDate, Utc};
use domain::Vocabulary;
use domain::access::Capability;
use domain::audit::AuditAction;
use domain::cases::Case;
use domain::validation::check_label;
use domain::work_grants::{GrantFacts, GrantStatus, WorkGrant, broken_rules, check_terms, may_move};
use persistence::work_grants::{self as store, NewGrant};
use persistence::{DbConnection, audit, beneficiaries, organizations};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;
use validator::Validate;

use crate::audit::{Via, audited};
use crate::auth::Caller;
use crate::cases::{require_full_view, visible_case};
use crate::error::ApiError;
use crate::extract::{IdempotencyKey, IfMatch, Paged, ValidJson, etag, resource_id};
use crate::idempotency::{Answer, once};
use crate::schemas;
use crate::state::AppState;

pub fn configure(config: &mut ServiceConfig) {
    config.service(propose_grant).service(list_grants).service(move_grant);
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GrantInput {
    /// The funding organisation (CeLav in Milan); its municipality must be the person's.
    pub funder_organization_id: Uuid,
    pub host_employer: String,
    pub start_on: NaiveDate,
    pub end_on: NaiveDate,
    #[schema(example = 50000)]
    pub monthly_amount_cents: i64,
    #[schema(example = 20)]
    pub hours_per_week: i32,
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GrantTransition {
    #[schema(value_type = schemas::GrantStatus)]
    pub to: GrantStatus,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct GrantView {
    pub id: Uuid,
    pub case_id: Uuid,
    pub funder_organization_id: Uuid,
    pub host_employer: String,
    pub start_on: NaiveDate,
    pub end_on: NaiveDate,
    pub monthly_amount_cents: i64,
    pub hours_per_week: i32,
    #[schema(value_type = schemas::GrantStatus)]
    pub status: GrantStatus,
    pub approved_by: Option<Uuid>,
    pub created_by: Uuid,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<WorkGrant> for GrantView {
    fn from(g: WorkGrant) -> Self {
        GrantView {
            id: g.id,
            case_id: g.case_id,
            funder_organization_id: g.funder_organization_id,
            host_employer: g.host_employer,
            start_on: g.start_on,
            end_on: g.end_on,
            monthly_amount_cents: g.monthly_amount_cents,
            hours_per_week: g.hours_per_week,
            status: g.status,
            approved_by: g.approved_by,
            created_by: g.created_by,
            version: g.version,
            created_at: g.created_at,
            updated_at: g.updated_at,
        }
    }
}

/// 409 naming the rules a grant breaks, if any.
fn check_rules(
    conn: &mut DbConnection,
    case: &Case,
    funder: Uuid,
    start_on: NaiveDate,
    end_on: NaiveDate,
    except: Option<Uuid>,
) -> Result<(), ApiError> {
    let beneficiary = beneficiaries::find(conn, case.beneficiary_id)?;
    let funder = match organizations::find(conn, funder) {
        Ok(funder) => funder,
        Err(persistence::Error::NotFound) => {
            return Err(ApiError::field(
                "funder_organization_id",
                "unknown_organization",
                "no organisation has this id",
            ));
        }
        Err(other) => return Err(other.into()),
    };
    let facts = GrantFacts {
        case_status: case.status,
        residence: beneficiary.data.municipality.as_deref(),
        funder_municipality: funder.municipality.as_deref(),
        start_on,
        end_on,
        other_grants: store::held_periods(conn, case.beneficiary_id, except)?,
    };
    let broken = broken_rules(&facts);
    if broken.is_empty() {
        return Ok(());
    }
    let rules: Vec<serde_json::Value> =
        broken.iter().map(|r| json!({"code": r.code(), "message": r.label_en()})).collect();
    Err(ApiError::conflict("the work grant breaks the programme's rules: see rules")
        .with_extension("code", json!("grant_not_eligible"))
        .with_extension("rules", json!(rules)))
}

/// Propose a work grant.
#[utoipa::path(
    tag = "work grants",
    security(("bearer" = [])),
    params(
        ("id" = Uuid, Path, description = "Case id"),
        ("Idempotency-Key" = Option<String>, Header, description = "Retry safely: the same key and body return the first answer"),
    ),
    request_body = GrantInput,
    responses(
        (status = 201, description = "Proposed", body = GrantView, headers(("Location" = String, description = "The grant"))),
        (status = 403, description = "The role does not manage work grants", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 409, description = "Rules broken (`rules`: case_not_in_charge, residence_unknown, funder_without_municipality, municipality_mismatch, overlapping_grant)", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/cases/{id}/work-grants")]
pub async fn propose_grant(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
    key: IdempotencyKey,
    body: ValidJson<GrantInput>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Capability::ManageWorkGrants)?;
    let scope = caller.case_scope()?;
    let case_id = resource_id(&id)?;
    let ValidJson(input, digest) = body;
    check_terms(input.start_on, input.end_on, input.monthly_amount_cents, input.hours_per_week)?;
    let host_employer = check_label("host_employer", &input.host_employer, 200)?;
    let now = state.now();
    let actor = caller.clone();
    once(&state, &caller, &key, &digest, move |conn| {
        let case = visible_case(conn, &scope, case_id)?;
        check_rules(conn, &case, input.funder_organization_id, input.start_on, input.end_on, None)?;
        let grant = store::insert(
            conn,
            &NewGrant {
                case_id,
                funder_organization_id: input.funder_organization_id,
                host_employer,
                start_on: input.start_on,
                end_on: input.end_on,
                monthly_amount_cents: input.monthly_amount_cents,
                hours_per_week: input.hours_per_week,
                created_by: actor.user_id,
            },
            now,
        )?;
        audit::append(
            conn,
            vec![actor.audit(now, AuditAction::Create, &case.district, Some(case.beneficiary_id), Some(case_id))],
        )?;
        Ok(Answer::json(StatusCode::CREATED, &GrantView::from(grant.clone()))?
            .with_location(format!("/api/v1/cases/{case_id}/work-grants/{}", grant.id))
            .with_etag(etag(grant.version)))
    })
    .await
}

/// The work grants of a case.
#[utoipa::path(
    tag = "work grants",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Case id")),
    responses(
        (status = 200, description = "By start date", body = Paged<GrantView>),
        (status = 403, description = "The role does not see case details", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/cases/{id}/work-grants")]
pub async fn list_grants(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Capability::ReadCases)?;
    require_full_view(&caller)?;
    let scope = caller.case_scope()?;
    let case_id = resource_id(&id)?;
    let now = state.now();
    let grants = audited(&state, Via::Query, move |conn| {
        let case = visible_case(conn, &scope, case_id)?;
        let grants = store::of_case(conn, case_id)?;
        Ok((
            grants,
            vec![caller.audit(now, AuditAction::Read, &case.district, Some(case.beneficiary_id), Some(case_id))],
        ))
    })
    .await?;
    Ok(HttpResponse::Ok().json(Paged { items: grants.into_iter().map(GrantView::from).collect(), next_cursor: None }))
}

/// Move a work grant: approve (district coordinators), start, complete or terminate. Approval
/// and start check the rules again. Requires `If-Match`.
#[utoipa::path(
    tag = "work grants",
    security(("bearer" = [])),
    params(
        ("id" = Uuid, Path, description = "Case id"),
        ("grant_id" = Uuid, Path, description = "Grant id"),
        ("If-Match" = String, Header, description = "The ETag read"),
        ("Idempotency-Key" = Option<String>, Header, description = "Retry safely: the same key and body return the first answer"),
    ),
    request_body = GrantTransition,
    responses(
        (status = 200, description = "Moved", body = GrantView, headers(("ETag" = String, description = "Its new version"))),
        (status = 403, description = "Only district coordinators approve", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not reachable, or rules broken", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/cases/{id}/work-grants/{grant_id}/transitions")]
pub async fn move_grant(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(String, String)>,
    if_match: IfMatch,
    key: IdempotencyKey,
    body: ValidJson<GrantTransition>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Capability::ManageWorkGrants)?;
    let scope = caller.case_scope()?;
    let (case_id, grant_id) = (resource_id(&path.0)?, resource_id(&path.1)?);
    let ValidJson(input, digest) = body;
    let now = state.now();
    let actor = caller.clone();
    once(&state, &caller, &key, &digest, move |conn| {
        let case = visible_case(conn, &scope, case_id)?;
        let grant = store::find(conn, grant_id)?;
        if grant.case_id != case_id {
            return Err(ApiError::not_found());
        }
        if grant.version != if_match.0 {
            return Err(ApiError::precondition_failed());
        }
        if let Err(why) = may_move(actor.role, grant.status, input.to) {
            return Err(if why.starts_with("not reachable") {
                ApiError::conflict(format!("a {} grant cannot become {}", grant.status, input.to))
                    .with_extension("code", json!("invalid_transition"))
            } else {
                ApiError::forbidden().with_detail(why)
            });
        }
        if matches!(input.to, GrantStatus::Approved | GrantStatus::Active) {
            check_rules(conn, &case, grant.funder_organization_id, grant.start_on, grant.end_on, Some(grant.id))?;
        }
        let approved_by = (input.to == GrantStatus::Approved).then_some(actor.user_id);
        let moved = store::move_to(conn, grant_id, if_match.0, input.to, approved_by, now)?;
        audit::append(
            conn,
            vec![actor.audit(now, AuditAction::Update, &case.district, Some(case.beneficiary_id), Some(case_id))],
        )?;
        let version = moved.version;
        Ok(Answer::json(StatusCode::OK, &GrantView::from(moved))?.with_etag(etag(version)))
    })
    .await
}
