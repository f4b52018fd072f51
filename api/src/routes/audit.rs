//! The audit trail, for the admin (all of it) and district coordinators (their districts), and
//! a beneficiary's access log. No endpoint changes or deletes an entry.

use actix_web::{HttpResponse, get, web};
use app::audit;
use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use domain::audit::{AuditAction, ChainedEntry};
use domain::users::Role;
use persistence::audit::AuditFilter;
use persistence::{Page, PageRequest};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;
use validator::Validate;

use crate::caller::Caller;
use crate::error::ApiError;
use crate::extract::{Paged, ValidQuery, decode_cursor, encode_cursor, page_limit, resource_id};
use crate::schemas;
use crate::state::AppState;

pub fn configure(config: &mut ServiceConfig) {
    config.service(list_audit).service(access_log);
}

/// One access to personal data.
#[derive(Debug, Serialize, ToSchema)]
pub struct AuditEventView {
    /// Position in the chain.
    pub seq: i64,
    pub at: DateTime<Utc>,
    pub actor_id: Uuid,
    #[schema(value_type = schemas::Role)]
    pub actor_role: Role,
    #[schema(value_type = schemas::AuditAction)]
    pub action: AuditAction,
    pub district: Option<String>,
    pub beneficiary_id: Option<Uuid>,
    pub case_id: Option<Uuid>,
    /// The people a page of a list or search showed, when it showed more than one (then
    /// `beneficiary_id` and `case_id` are empty): one entry for the page. In a person's access
    /// log, only that person.
    pub listed: Vec<ListedView>,
    pub request_id: Option<String>,
    /// Why, for the decisions that need a reason: consent and eligibility overrides, legal
    /// notes disclosed, erasures, retention runs. Empty for other actions, and once the person
    /// was erased (the chain keeps its salted digest, so the entry still verifies).
    pub reason: Option<String>,
    /// SHA-256 of this entry (with everyone it names) and the previous entry's hash.
    pub hash: String,
}

/// A person a page showed, and the case it showed them by.
#[derive(Debug, Serialize, ToSchema)]
pub struct ListedView {
    pub beneficiary_id: Uuid,
    pub case_id: Option<Uuid>,
}

impl From<ChainedEntry> for AuditEventView {
    fn from(stored: ChainedEntry) -> Self {
        let entry = stored.entry;
        AuditEventView {
            seq: stored.seq,
            at: entry.at,
            actor_id: entry.actor_id,
            actor_role: entry.actor_role,
            action: entry.action,
            district: entry.district.map(|d| d.as_str().to_string()),
            beneficiary_id: entry.beneficiary_id,
            case_id: entry.case_id,
            listed: entry
                .listed
                .into_iter()
                .map(|subject| ListedView { beneficiary_id: subject.beneficiary_id, case_id: subject.case_id })
                .collect(),
            request_id: entry.request_id,
            reason: entry.reason.and_then(|reason| reason.stated).map(|stated| stated.text),
            hash: stored.hash,
        }
    }
}

#[derive(Debug, Deserialize, Validate, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct AuditQuery {
    pub actor_id: Option<Uuid>,
    pub beneficiary_id: Option<Uuid>,
    pub case_id: Option<Uuid>,
    #[param(value_type = Option<schemas::AuditAction>)]
    pub action: Option<AuditAction>,
    /// First day, inclusive.
    pub from: Option<NaiveDate>,
    /// Last day, inclusive.
    pub to: Option<NaiveDate>,
    #[validate(range(min = 1, max = 200))]
    pub limit: Option<i64>,
    #[validate(length(max = 512))]
    pub cursor: Option<String>,
}

#[derive(Debug, Deserialize, Validate, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    #[validate(range(min = 1, max = 200))]
    pub limit: Option<i64>,
    #[validate(length(max = 512))]
    pub cursor: Option<String>,
}

fn seq_cursor(raw: Option<&str>) -> Result<Option<i64>, ApiError> {
    raw.map(|raw| {
        decode_cursor(raw, 1)?[0]
            .parse::<i64>()
            .map_err(|_| ApiError::field("cursor", "invalid_cursor", "not a cursor returned by this list"))
    })
    .transpose()
}

fn day_start(day: NaiveDate) -> DateTime<Utc> {
    Utc.from_utc_datetime(&day.and_hms_opt(0, 0, 0).unwrap_or_default())
}

/// A page of entries as answered.
fn page_answer(page: Page<ChainedEntry>) -> HttpResponse {
    let next_cursor = page.has_more.then(|| page.items.last().map(|e| encode_cursor(&[e.seq.to_string()]))).flatten();
    let items = page.items.into_iter().map(AuditEventView::from).collect();
    HttpResponse::Ok().json(Paged { items, next_cursor })
}

/// The audit trail, newest first: everything for the admin, their districts for district
/// coordinators. Entries hold ids, never names.
#[utoipa::path(
    tag = "audit",
    security(("bearer" = [])),
    params(AuditQuery),
    responses(
        (status = 200, description = "A page of entries", body = Paged<AuditEventView>),
        (status = 403, description = "Only the admin and district coordinators read the trail", body = crate::problem::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/audit")]
pub async fn list_audit(
    state: web::Data<AppState>,
    caller: Caller,
    query: ValidQuery<AuditQuery>,
) -> Result<HttpResponse, ApiError> {
    let query = query.0;
    let filter = AuditFilter {
        districts: None,
        actor_id: query.actor_id,
        beneficiary_id: query.beneficiary_id,
        case_id: query.case_id,
        action: query.action,
        from: query.from.map(day_start),
        before: query.to.and_then(|d| d.succ_opt()).map(day_start),
    };
    let page = PageRequest { after: seq_cursor(query.cursor.as_deref())?, limit: page_limit(query.limit) };
    Ok(page_answer(audit::trail(state.context(), &caller, filter, page).await?))
}

/// Who read or changed a beneficiary's data, newest first (district coordinators).
#[utoipa::path(
    tag = "audit",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Beneficiary id"), PageQuery),
    responses(
        (status = 200, description = "A page of entries", body = Paged<AuditEventView>),
        (status = 403, description = "Only district coordinators read access logs", body = crate::problem::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/beneficiaries/{id}/access-log")]
pub async fn access_log(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
    query: ValidQuery<PageQuery>,
) -> Result<HttpResponse, ApiError> {
    let query = query.0;
    let page = PageRequest { after: seq_cursor(query.cursor.as_deref())?, limit: page_limit(query.limit) };
    Ok(page_answer(audit::access_log(state.context(), &caller, resource_id(&id)?, page).await?))
}
