//! Cases: interception, screening data, the lifecycle, eligibility and risk. The domain's state
//! machine decides every transition; this module gathers its facts and records the outcome.

use actix_web::http::{StatusCode, header};
use actix_web::{HttpResponse, get, patch, post, web};
use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use domain::Vocabulary;
use domain::access::{Capability, CaseScope, sees_full_case};
use domain::audit::{AuditAction, ListedSubject};
use domain::beneficiaries::{Beneficiary, Minor, minor_on};
use domain::cases::{
    Case, CaseEvent, CaseStatus, Channel, Closure, ClosureRequest, EligibilityOverride, EventKind, IntakeFacts,
    NotedIndicator, Outcome, Plan, Precondition, Refusal, TransitionContext, TransitionRequest, check_effective_at,
    plan_transition,
};
use domain::consents::privacy_notice_given;
use domain::districts::{District, parse_known_district};
use domain::eligibility::{self, Assessment, Facts};
use domain::exploitation::{self, Indicator};
use domain::screening::{Contract, Need, Profile, Sector};
use domain::users::Role;
use domain::validation::Violations;
use domain::validation::check_label;
use persistence::cases::{self as store, CaseChanges, CaseFilter, NewCase, NewCaseEvent};
use persistence::{DbConnection, PageRequest, audit, beneficiaries, consents, districts, organizations, users};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;
use validator::Validate;

use crate::audit::{Via, audited};
use crate::auth::Caller;
use crate::beneficiaries::{BeneficiaryInput, register, registering_district, validate};
use crate::error::ApiError;
use crate::extract::{
    IdempotencyKey, IfMatch, Paged, ValidJson, ValidQuery, decode_cursor, encode_cursor, etag, page_limit, resource_id,
};
use crate::idempotency::{Answer, once};
use crate::schemas;
use crate::state::AppState;

pub fn configure(config: &mut ServiceConfig) {
    config
        .service(create_case)
        .service(list_cases)
        .service(get_case)
        .service(update_case)
        .service(transition_case)
        .service(case_events)
        .service(case_eligibility)
        .service(case_risk)
        .service(override_eligibility)
        .service(decide_closure);
}

// ---------- views ----------

/// Who the case is about, as lists and case views show it.
#[derive(Debug, Serialize, ToSchema)]
pub struct BeneficiaryHeader {
    pub id: Uuid,
    pub alias: String,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct IndicatorDto {
    #[schema(value_type = schemas::Indicator)]
    pub indicator: Indicator,
    /// When it was noted.
    pub noted_on: NaiveDate,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct WorkView {
    #[schema(value_type = Option<schemas::Sector>)]
    pub sector: Option<Sector>,
    #[schema(value_type = Option<schemas::Contract>)]
    pub contract: Option<Contract>,
    pub employer_name: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct OverrideView {
    pub by: Uuid,
    pub reason: String,
    pub at: DateTime<Utc>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ClosureView {
    #[schema(value_type = schemas::Outcome)]
    pub outcome: Outcome,
    pub summary: String,
}

/// A closure waiting for the coordinator's approval.
#[derive(Debug, Serialize, ToSchema)]
pub struct ClosureRequestView {
    pub by: Uuid,
    pub effective_at: DateTime<Utc>,
    #[schema(value_type = schemas::Outcome)]
    pub outcome: Outcome,
    pub summary: String,
    pub reason: Option<String>,
}

/// A case as the PUA team sees it.
#[derive(Debug, Serialize, ToSchema)]
pub struct CaseView {
    pub id: Uuid,
    pub beneficiary: BeneficiaryHeader,
    pub district: String,
    #[schema(value_type = schemas::Channel)]
    pub channel: Channel,
    pub intercepted_at: DateTime<Utc>,
    pub intercepting_organization_id: Uuid,
    pub recorded_by: Uuid,
    #[schema(value_type = schemas::CaseStatus)]
    pub status: CaseStatus,
    /// When the current status took effect.
    pub status_since: DateTime<Utc>,
    pub taken_in_charge_at: Option<DateTime<Utc>>,
    #[schema(value_type = Option<schemas::Profile>)]
    pub profile: Option<Profile>,
    #[schema(value_type = Vec<schemas::Need>)]
    pub needs: Vec<Need>,
    pub work: WorkView,
    pub indicators: Vec<IndicatorDto>,
    pub case_worker_id: Option<Uuid>,
    pub legal_advisor_id: Option<Uuid>,
    pub eligibility_override: Option<OverrideView>,
    pub closure: Option<ClosureView>,
    pub closure_request: Option<ClosureRequestView>,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// What an outreach worker sees of an interception it recorded.
#[derive(Debug, Serialize, ToSchema)]
pub struct InterceptionView {
    pub id: Uuid,
    pub alias: String,
    #[schema(value_type = schemas::Channel)]
    pub channel: Channel,
    #[schema(value_type = schemas::CaseStatus)]
    pub status: CaseStatus,
    pub intercepted_at: DateTime<Utc>,
}

/// A case: the full view for the PUA team, the interception view for outreach workers.
#[derive(Debug, Serialize, ToSchema)]
#[serde(untagged)]
pub enum CaseRead {
    Full(Box<CaseView>),
    Interception(InterceptionView),
}

impl CaseRead {
    fn new(role: Role, case: Case, alias: String, first_name: Option<String>, last_name: Option<String>) -> CaseRead {
        if !sees_full_case(role) {
            return CaseRead::Interception(InterceptionView {
                id: case.id,
                alias,
                channel: case.channel,
                status: case.status,
                intercepted_at: case.intercepted_at,
            });
        }
        CaseRead::Full(Box::new(CaseView {
            id: case.id,
            beneficiary: BeneficiaryHeader { id: case.beneficiary_id, alias, first_name, last_name },
            district: case.district.as_str().to_string(),
            channel: case.channel,
            intercepted_at: case.intercepted_at,
            intercepting_organization_id: case.intercepting_organization_id,
            recorded_by: case.recorded_by,
            status: case.status,
            status_since: case.status_since,
            taken_in_charge_at: case.taken_in_charge_at,
            profile: case.profile,
            needs: case.needs,
            work: WorkView {
                sector: case.work.sector,
                contract: case.work.contract,
                employer_name: case.work.employer_name,
            },
            indicators: case
                .indicators
                .iter()
                .map(|n| IndicatorDto { indicator: n.indicator, noted_on: n.noted_on })
                .collect(),
            case_worker_id: case.case_worker_id,
            legal_advisor_id: case.legal_advisor_id,
            eligibility_override: case.eligibility_override.map(|o| OverrideView {
                by: o.by,
                reason: o.reason,
                at: o.at,
            }),
            closure: case.closure.map(|c| ClosureView { outcome: c.outcome, summary: c.summary }),
            closure_request: case.closure_request.map(|r| ClosureRequestView {
                by: r.by,
                effective_at: r.effective_at,
                outcome: r.outcome,
                summary: r.summary,
                reason: r.reason,
            }),
            version: case.version,
            created_at: case.created_at,
            updated_at: case.updated_at,
        }))
    }

    fn of(role: Role, case: Case, beneficiary: &Beneficiary) -> CaseRead {
        let data = &beneficiary.data;
        CaseRead::new(role, case, data.alias.clone(), data.first_name.clone(), data.last_name.clone())
    }
}

// ---------- inputs ----------

/// An interception: a new case, for a known beneficiary or one registered with it.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateCase {
    /// A beneficiary you may see. Give this or `beneficiary`.
    #[serde(default)]
    pub beneficiary_id: Option<Uuid>,
    /// A person to register with the interception. Give this or `beneficiary_id`.
    #[serde(default)]
    #[validate(nested)]
    pub beneficiary: Option<BeneficiaryInput>,
    /// One of your districts.
    #[schema(example = "milano")]
    pub district: String,
    #[schema(value_type = schemas::Channel)]
    pub channel: Channel,
    /// When the person was met; never in the future.
    pub intercepted_at: DateTime<Utc>,
    /// The organisation whose operator met the person. Default: yours.
    #[serde(default)]
    pub intercepting_organization_id: Option<Uuid>,
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WorkPatch {
    #[serde(default, deserialize_with = "crate::extract::present")]
    #[schema(value_type = Option<schemas::Sector>)]
    pub sector: Option<Option<Sector>>,
    #[serde(default, deserialize_with = "crate::extract::present")]
    #[schema(value_type = Option<schemas::Contract>)]
    pub contract: Option<Option<Contract>>,
    #[serde(default, deserialize_with = "crate::extract::present")]
    #[schema(value_type = Option<String>)]
    pub employer_name: Option<Option<String>>,
}

/// Screening data and assignment; absent fields stay, `null` clears. `needs` and
/// `indicators` replace the recorded sets.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateCase {
    #[serde(default, deserialize_with = "crate::extract::present")]
    #[schema(value_type = Option<schemas::Profile>)]
    pub profile: Option<Option<Profile>>,
    #[schema(value_type = Option<Vec<schemas::Need>>)]
    #[validate(length(max = 12))]
    pub needs: Option<Vec<Need>>,
    pub work: Option<WorkPatch>,
    #[validate(length(max = 15))]
    pub indicators: Option<Vec<IndicatorDto>>,
    /// A case worker or district coordinator of the case's district. A case worker may
    /// assign only themselves; a coordinator anyone.
    #[serde(default, deserialize_with = "crate::extract::present")]
    #[schema(value_type = Option<Uuid>)]
    pub case_worker_id: Option<Option<Uuid>>,
    /// A legal advisor of the case's district. A legal advisor may assign only themselves.
    #[serde(default, deserialize_with = "crate::extract::present")]
    #[schema(value_type = Option<Uuid>)]
    pub legal_advisor_id: Option<Option<Uuid>>,
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TransitionInput {
    #[schema(value_type = schemas::CaseStatus)]
    pub to: CaseStatus,
    /// When it took effect: never in the future, never before the previous event.
    pub effective_at: DateTime<Utc>,
    /// Required to suspend or reopen.
    #[serde(default)]
    pub reason: Option<String>,
    /// Closure only, required.
    #[serde(default)]
    #[schema(value_type = Option<schemas::Outcome>)]
    pub outcome: Option<Outcome>,
    /// Closure only, required.
    #[serde(default)]
    pub summary: Option<String>,
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OverrideInput {
    /// Why the person is taken in charge although the rules say otherwise.
    pub reason: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ClosureDecision {
    Approve,
    Reject,
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ClosureDecisionInput {
    pub decision: ClosureDecision,
    /// Required to reject.
    #[serde(default)]
    pub reason: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AssignedTo {
    Me,
}

#[derive(Debug, Deserialize, Validate, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct CaseListQuery {
    pub district: Option<String>,
    #[param(value_type = Option<schemas::CaseStatus>)]
    pub status: Option<CaseStatus>,
    #[param(value_type = Option<schemas::Channel>)]
    pub channel: Option<Channel>,
    #[param(value_type = Option<schemas::Profile>)]
    pub profile: Option<Profile>,
    #[param(value_type = Option<schemas::Need>)]
    pub need: Option<Need>,
    /// `me`: cases where you are the case worker or legal advisor.
    #[param(inline)]
    pub assigned_to: Option<AssignedTo>,
    /// First day of interception, inclusive.
    pub intercepted_from: Option<NaiveDate>,
    /// Last day of interception, inclusive.
    pub intercepted_to: Option<NaiveDate>,
    /// Part of the beneficiary's alias or names, or their codice fiscale.
    #[validate(length(max = 100))]
    pub q: Option<String>,
    #[validate(range(min = 1, max = 200))]
    pub limit: Option<i64>,
    #[validate(length(max = 512))]
    pub cursor: Option<String>,
}

// ---------- shared steps ----------

/// Interceptions are recorded after the fact, but not from before the programme's records.
const EARLIEST_INTERCEPTION: NaiveDate = match NaiveDate::from_ymd_opt(2000, 1, 1) {
    Some(day) => day,
    None => NaiveDate::MIN,
};

/// A case the caller may see, or 404.
pub(crate) fn visible_case(conn: &mut DbConnection, scope: &CaseScope, id: Uuid) -> Result<Case, ApiError> {
    let case = store::find(conn, id)?;
    if scope.covers(&case.district, case.recorded_by) { Ok(case) } else { Err(ApiError::not_found()) }
}

/// 403 for roles that see only the interception view.
pub(crate) fn require_full_view(caller: &Caller) -> Result<(), ApiError> {
    if sees_full_case(caller.role) { Ok(()) } else { Err(ApiError::forbidden()) }
}

fn start_of(day: NaiveDate) -> DateTime<Utc> {
    Utc.from_utc_datetime(&day.and_hms_opt(0, 0, 0).unwrap_or_default())
}

/// The eligibility of a case under the rule set of its district (`district`, read by the
/// caller, which needs it for more), judged on `today`.
fn assess(district: &District, case: &Case, beneficiary: &Beneficiary, today: NaiveDate) -> Assessment {
    let data = &beneficiary.data;
    eligibility::assess(
        district.settings.eligibility_rule_set,
        &Facts {
            citizenships: data.citizenships.clone(),
            contract: case.work.contract,
            profile: case.profile,
            indicator_count: case.indicators.len(),
            permit: data.permit.clone(),
            birth_date: data.birth_date,
            birth_year: data.birth_year,
            has_guardian: data.guardian.is_some(),
            intercepted_on: case.intercepted_at.date_naive(),
            today,
        },
    )
}

fn event(case: &Case, caller: &Caller, kind: EventKind, now: DateTime<Utc>) -> NewCaseEvent {
    NewCaseEvent {
        case_id: case.id,
        kind,
        from_status: None,
        to_status: None,
        effective_at: None,
        reason: None,
        details: None,
        actor_id: caller.user_id,
        actor_role: caller.role,
        recorded_at: now,
    }
}

fn reason_text(field: &str, raw: Option<&str>) -> Result<Option<String>, ApiError> {
    Ok(raw
        .map(str::trim)
        .filter(|r| !r.is_empty())
        .map(|r| check_label(field, r, domain::cases::REASON_MAX_CHARS))
        .transpose()?)
}

fn case_answer(status: StatusCode, role: Role, case: Case, beneficiary: &Beneficiary) -> Result<Answer, ApiError> {
    let version = case.version;
    let id = case.id;
    Ok(Answer::json(status, &CaseRead::of(role, case, beneficiary))?
        .with_etag(etag(version))
        .with_location(format!("/api/v1/cases/{id}")))
}

// ---------- handlers ----------

/// Record an interception: a new case, `intercepted`.
///
/// Give `beneficiary_id` for someone you may see, or `beneficiary` to register the person
/// (the same duplicate check as `POST /beneficiaries` applies).
#[utoipa::path(
    tag = "cases",
    security(("bearer" = [])),
    params(("Idempotency-Key" = Option<String>, Header, description = "Retry safely: the same key and body return the first answer")),
    request_body = CreateCase,
    responses(
        (status = 201, description = "Recorded", body = CaseRead,
            headers(("Location" = String, description = "The new case"), ("ETag" = String, description = "Its version"))),
        (status = 403, description = "The role does not record interceptions", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 409, description = "Possible duplicates of the person to register", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/cases")]
pub async fn create_case(
    state: web::Data<AppState>,
    caller: Caller,
    key: IdempotencyKey,
    body: ValidJson<CreateCase>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Capability::RecordInterceptions)?;
    let scope = caller.case_scope()?;
    let ValidJson(input, digest) = body;
    let now = state.now();
    let district = registering_district(&state, &caller, Some(&input.district))?;
    let mut violations = Violations::new();
    if input.intercepted_at > now {
        violations.add("intercepted_at", "in_future", "must not be in the future");
    } else if input.intercepted_at < start_of(EARLIEST_INTERCEPTION) {
        violations.add("intercepted_at", "too_old", format!("must not be before {EARLIEST_INTERCEPTION}"));
    }
    let inline = match (&input.beneficiary_id, &input.beneficiary) {
        (Some(_), None) => None,
        (None, Some(person)) => {
            if person.district.as_deref().is_some_and(|d| d != input.district) {
                violations.add("beneficiary.district", "mismatch", "the person is registered in the case's district");
            }
            match validate(person, now.date_naive()) {
                Ok(data) => Some((data, person.confirm_new)),
                Err(error) => {
                    for field in error.errors() {
                        violations.add(format!("beneficiary.{}", field.field), "invalid", field.message.clone());
                    }
                    None
                }
            }
        }
        _ => {
            violations.add("beneficiary_id", "one_of", "give either beneficiary_id or beneficiary");
            None
        }
    };
    if !violations.is_empty() {
        return Err(violations.into());
    }
    let actor = caller.clone();
    once(&state, &caller, &key, &digest, move |conn| {
        let mut entries = Vec::with_capacity(2);
        let beneficiary = match inline {
            Some((data, confirm_new)) => {
                let (beneficiary, registered) = register(conn, &actor, &district, &data, confirm_new, now)?;
                entries.push(registered);
                beneficiary
            }
            None => {
                let id = input.beneficiary_id.ok_or_else(ApiError::internal)?;
                if !beneficiaries::is_visible(conn, id, &scope)? {
                    return Err(ApiError::field(
                        "beneficiary_id",
                        "unknown_beneficiary",
                        "no beneficiary you may see has this id",
                    ));
                }
                beneficiaries::find(conn, id)?
            }
        };
        let organization = input.intercepting_organization_id.unwrap_or(actor.organization_id);
        if !organizations::exists(conn, organization)? {
            return Err(ApiError::field(
                "intercepting_organization_id",
                "unknown_organization",
                "no organisation has this id",
            ));
        }
        let case = store::insert(
            conn,
            &NewCase {
                beneficiary_id: beneficiary.id,
                district: district.clone(),
                channel: input.channel,
                intercepted_at: input.intercepted_at,
                intercepting_organization_id: organization,
                recorded_by: actor.user_id,
            },
            actor.role,
            now,
        )?;
        entries.push(actor.audit(now, AuditAction::Create, &district, Some(beneficiary.id), Some(case.id)));
        audit::append(conn, entries)?;
        case_answer(StatusCode::CREATED, actor.role, case, &beneficiary)
    })
    .await
}

/// List the cases you may see, newest interception first.
#[utoipa::path(
    tag = "cases",
    security(("bearer" = [])),
    params(CaseListQuery),
    responses(
        (status = 200, description = "A page of cases", body = Paged<CaseRead>),
        (status = 403, description = "The role reads no personal data", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/cases")]
pub async fn list_cases(
    state: web::Data<AppState>,
    caller: Caller,
    query: ValidQuery<CaseListQuery>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Capability::ReadCases)?;
    let scope = caller.case_scope()?;
    let query = query.0;
    if let (Some(from), Some(to)) = (query.intercepted_from, query.intercepted_to)
        && to < from
    {
        return Err(ApiError::field("intercepted_to", "before_start", "must not be before intercepted_from"));
    }
    let after = match query.cursor.as_deref() {
        Some(raw) => {
            let key = decode_cursor(raw, 2)?;
            let invalid = || ApiError::field("cursor", "invalid_cursor", "not a cursor returned by this list");
            let at = DateTime::parse_from_rfc3339(&key[0]).map_err(|_| invalid())?.with_timezone(&Utc);
            Some((at, Uuid::parse_str(&key[1]).map_err(|_| invalid())?))
        }
        None => None,
    };
    let filter = CaseFilter {
        district: query
            .district
            .as_deref()
            .map(|d| parse_known_district("district", d, state.known_districts()))
            .transpose()?,
        status: query.status,
        channel: query.channel,
        profile: query.profile,
        need: query.need,
        assigned_to: query.assigned_to.map(|_| caller.user_id),
        intercepted_from: query.intercepted_from.map(start_of),
        intercepted_before: query.intercepted_to.and_then(|d| d.succ_opt()).map(start_of),
        q: query.q,
    };
    let page = PageRequest { after, limit: page_limit(query.limit) };
    let now = state.now();
    let role = caller.role;
    let page = audited(&state, Via::Query, move |conn| {
        let page = store::list(conn, &scope, &filter, &page)?;
        let entries = caller.audit_page(
            now,
            page.items.iter().map(|l| {
                (
                    l.case.district.clone(),
                    ListedSubject { beneficiary_id: l.case.beneficiary_id, case_id: Some(l.case.id) },
                )
            }),
        );
        Ok((page, entries))
    })
    .await?;
    let next_cursor = page
        .has_more
        .then(|| page.items.last().map(|l| encode_cursor(&[l.case.intercepted_at.to_rfc3339(), l.case.id.to_string()])))
        .flatten();
    let items =
        page.items.into_iter().map(|l| CaseRead::new(role, l.case, l.alias, l.first_name, l.last_name)).collect();
    Ok(HttpResponse::Ok().json(Paged { items, next_cursor }))
}

/// Read a case.
#[utoipa::path(
    tag = "cases",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Case id")),
    responses(
        (status = 200, description = "The case", body = CaseRead, headers(("ETag" = String, description = "Its version"))),
        (status = 403, description = "The role reads no personal data", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/cases/{id}")]
pub async fn get_case(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Capability::ReadCases)?;
    let scope = caller.case_scope()?;
    let id = resource_id(&id)?;
    let now = state.now();
    let role = caller.role;
    let (case, beneficiary) = audited(&state, Via::Lookup, move |conn| {
        let case = visible_case(conn, &scope, id)?;
        let beneficiary = beneficiaries::find(conn, case.beneficiary_id)?;
        let entry = caller.audit(now, AuditAction::Read, &case.district, Some(case.beneficiary_id), Some(id));
        Ok(((case, beneficiary), vec![entry]))
    })
    .await?;
    let version = case.version;
    Ok(HttpResponse::Ok().insert_header((header::ETAG, etag(version))).json(CaseRead::of(role, case, &beneficiary)))
}

/// Record screening data and assignments. Requires `If-Match`; closed cases cannot change.
#[utoipa::path(
    tag = "cases",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Case id"), ("If-Match" = String, Header, description = "The ETag read")),
    request_body = UpdateCase,
    responses(
        (status = 200, description = "The changed case", body = CaseRead, headers(("ETag" = String, description = "Its new version"))),
        (status = 403, description = "The role may not change this", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 409, description = "The case is closed", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/cases/{id}")]
pub async fn update_case(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
    if_match: IfMatch,
    body: ValidJson<UpdateCase>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Capability::EditCases)?;
    let scope = caller.case_scope()?;
    let id = resource_id(&id)?;
    let input = body.0;
    let now = state.now();
    let today = now.date_naive();

    let mut violations = Violations::new();
    let needs = input.needs.map(|mut needs| {
        needs.sort();
        needs.dedup();
        needs
    });
    let indicators = input.indicators.map(|list| {
        let mut noted: Vec<NotedIndicator> = Vec::new();
        for (index, dto) in list.iter().enumerate() {
            if dto.noted_on > today {
                violations.add(format!("indicators[{index}].noted_on"), "in_future", "must not be in the future");
            }
            if noted.iter().any(|n| n.indicator == dto.indicator) {
                violations.add(format!("indicators[{index}].indicator"), "duplicate", "listed twice");
            } else {
                noted.push(NotedIndicator { indicator: dto.indicator, noted_on: dto.noted_on });
            }
        }
        noted.sort_by_key(|n| n.indicator);
        noted
    });
    let work = input.work.unwrap_or(WorkPatch { sector: None, contract: None, employer_name: None });
    let employer_name = match work.employer_name {
        Some(Some(name)) if !name.trim().is_empty() => {
            violations.check(check_label("work.employer_name", &name, 200)).map(Some)
        }
        Some(_) => Some(None),
        None => None,
    };
    if !violations.is_empty() {
        return Err(violations.into());
    }
    let changes = CaseChanges {
        profile: input.profile,
        needs,
        sector: work.sector,
        contract: work.contract,
        employer_name,
        indicators,
        case_worker_id: input.case_worker_id,
        legal_advisor_id: input.legal_advisor_id,
        ..CaseChanges::default()
    };
    let role = caller.role;
    let (case, beneficiary) = state
        .write(move |conn| {
            let case = visible_case(conn, &scope, id)?;
            if case.version != if_match.0 {
                return Err(ApiError::precondition_failed());
            }
            if case.status == CaseStatus::Closed {
                return Err(ApiError::conflict("a closed case cannot change; a district coordinator may reopen it")
                    .with_extension("code", json!("case_closed")));
            }
            check_assignment(
                conn,
                &caller,
                &case,
                "case_worker_id",
                changes.case_worker_id,
                &[Role::CaseWorker, Role::DistrictCoordinator],
            )?;
            check_assignment(
                conn,
                &caller,
                &case,
                "legal_advisor_id",
                changes.legal_advisor_id,
                &[Role::LegalAdvisor],
            )?;
            let updated = store::update(conn, id, if_match.0, &changes, now)?;
            record_changes(conn, &caller, &case, &changes, now)?;
            let beneficiary = beneficiaries::find(conn, updated.beneficiary_id)?;
            audit::append(
                conn,
                vec![caller.audit(now, AuditAction::Update, &updated.district, Some(updated.beneficiary_id), Some(id))],
            )?;
            Ok((updated, beneficiary))
        })
        .await?;
    let version = case.version;
    Ok(HttpResponse::Ok().insert_header((header::ETAG, etag(version))).json(CaseRead::of(role, case, &beneficiary)))
}

/// An assignee must be an active user of the right role in the case's district. A
/// coordinator assigns anyone; others only themselves.
fn check_assignment(
    conn: &mut DbConnection,
    caller: &Caller,
    case: &Case,
    field: &str,
    change: Option<Option<Uuid>>,
    roles: &[Role],
) -> Result<(), ApiError> {
    let Some(change) = change else { return Ok(()) };
    let current = if field == "case_worker_id" { case.case_worker_id } else { case.legal_advisor_id };
    let touches_others =
        change.is_some_and(|id| id != caller.user_id) || current.is_some_and(|id| id != caller.user_id);
    if caller.role != Role::DistrictCoordinator && (touches_others || !roles.contains(&caller.role)) {
        return Err(ApiError::forbidden().with_detail("only a district coordinator assigns other people"));
    }
    let Some(assignee) = change else { return Ok(()) };
    let fits = match users::find(conn, assignee) {
        Ok(user) => user.active && roles.contains(&user.role) && user.districts.contains(&case.district),
        Err(persistence::Error::NotFound) => false,
        Err(other) => return Err(other.into()),
    };
    if fits {
        Ok(())
    } else {
        let roles: Vec<&str> = roles.iter().map(|r| r.code()).collect();
        Err(ApiError::field(
            field,
            "invalid_assignee",
            format!("must be an active {} of the case's district", roles.join(" or ")),
        ))
    }
}

/// Timeline entries for a change of screening data and assignments.
fn record_changes(
    conn: &mut DbConnection,
    caller: &Caller,
    case: &Case,
    changes: &CaseChanges,
    now: DateTime<Utc>,
) -> Result<(), ApiError> {
    let mut fields = Vec::new();
    for (name, changed) in [
        ("profile", changes.profile.is_some()),
        ("needs", changes.needs.is_some()),
        ("work.sector", changes.sector.is_some()),
        ("work.contract", changes.contract.is_some()),
        ("work.employer_name", changes.employer_name.is_some()),
        ("indicators", changes.indicators.is_some()),
    ] {
        if changed {
            fields.push(name);
        }
    }
    if !fields.is_empty() {
        store::add_event(
            conn,
            &NewCaseEvent { details: Some(fields.join(", ")), ..event(case, caller, EventKind::Update, now) },
        )?;
    }
    for (name, change) in [("case_worker", changes.case_worker_id), ("legal_advisor", changes.legal_advisor_id)] {
        if let Some(assignee) = change {
            let details = match assignee {
                Some(id) => format!("{name}: {id}"),
                None => format!("{name}: none"),
            };
            store::add_event(
                conn,
                &NewCaseEvent { details: Some(details), ..event(case, caller, EventKind::Assignment, now) },
            )?;
        }
    }
    Ok(())
}

/// Move a case through its lifecycle.
///
/// The domain's state machine decides. A transition the case cannot make answers 409 with
/// `code: invalid_transition` and the statuses it can reach; taking in charge without what it
/// needs answers 409 with `code: preconditions_failed` and `preconditions`
/// (`consent_missing`, `eligibility_not_met`, `eligibility_undetermined`, `no_need`,
/// `no_case_worker`, `guardian_missing`). Reopening is for district coordinators. Where the
/// district requires it, a case worker's closure waits for approval: 202 with
/// `closure_request` set.
#[utoipa::path(
    tag = "cases",
    security(("bearer" = [])),
    params(
        ("id" = Uuid, Path, description = "Case id"),
        ("If-Match" = String, Header, description = "The ETag read"),
        ("Idempotency-Key" = Option<String>, Header, description = "Retry safely: the same key and body return the first answer"),
    ),
    request_body = TransitionInput,
    responses(
        (status = 200, description = "Done", body = CaseRead, headers(("ETag" = String, description = "The case's new version"))),
        (status = 202, description = "Closure recorded for the coordinator's approval", body = CaseRead),
        (status = 403, description = "The role may not make this transition", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not reachable, or failed preconditions", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/cases/{id}/transitions")]
pub async fn transition_case(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
    if_match: IfMatch,
    key: IdempotencyKey,
    body: ValidJson<TransitionInput>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Capability::TransitionCases)?;
    let scope = caller.case_scope()?;
    let id = resource_id(&id)?;
    let ValidJson(input, digest) = body;
    let now = state.now();
    let actor = caller.clone();
    once(&state, &caller, &key, &digest, move |conn| {
        let case = visible_case(conn, &scope, id)?;
        if case.version != if_match.0 {
            return Err(ApiError::precondition_failed());
        }
        let beneficiary = beneficiaries::find(conn, case.beneficiary_id)?;
        let consents = consents::of_beneficiary(conn, case.beneficiary_id)?;
        let district = districts::find(conn, &case.district)?;
        let assessment = assess(&district, &case, &beneficiary, now.date_naive());
        let data = &beneficiary.data;
        let request = TransitionRequest {
            to: input.to,
            effective_at: input.effective_at,
            reason: input.reason.clone(),
            outcome: input.outcome,
            summary: input.summary.clone(),
        };
        let context = TransitionContext {
            role: actor.role,
            status: case.status,
            previous_effective_at: case.status_since,
            now,
            closure_requires_approval: district.settings.closure_requires_approval,
            intake: IntakeFacts {
                privacy_notice_given: privacy_notice_given(&consents, input.effective_at.date_naive()),
                verdict: assessment.verdict,
                eligibility_overridden: case.eligibility_override.is_some(),
                need_count: case.needs.len(),
                case_worker_assigned: case.case_worker_id.is_some(),
                minor_without_guardian: data.guardian.is_none()
                    && minor_on(data.birth_date, data.birth_year, case.intercepted_at.date_naive()) == Minor::Yes,
            },
        };
        let plan = plan_transition(&context, &request).map_err(refusal)?;
        let reason = reason_text("reason", input.reason.as_deref())?;
        let summary = input.summary.as_deref().map(str::trim).map(ToString::to_string);
        let (changes, answer_status, kind) = match plan {
            Plan::Apply => {
                let mut changes = CaseChanges {
                    status: Some((input.to, input.effective_at)),
                    closure_request: case.closure_request.as_ref().map(|_| None),
                    ..CaseChanges::default()
                };
                match input.to {
                    CaseStatus::TakenInCharge => {
                        changes.taken_in_charge_at = Some(Some(input.effective_at));
                        if case.status == CaseStatus::Closed {
                            changes.closure = Some(None);
                        }
                    }
                    CaseStatus::Closed => {
                        changes.closure =
                            Some(input.outcome.zip(summary).map(|(outcome, summary)| Closure { outcome, summary }));
                    }
                    _ => {}
                }
                (changes, StatusCode::OK, EventKind::Transition)
            }
            Plan::AwaitApproval => {
                let request = input.outcome.zip(summary).map(|(outcome, summary)| ClosureRequest {
                    by: actor.user_id,
                    effective_at: input.effective_at,
                    outcome,
                    summary,
                    reason: reason.clone(),
                });
                (
                    CaseChanges { closure_request: Some(request), ..CaseChanges::default() },
                    StatusCode::ACCEPTED,
                    EventKind::ClosureRequested,
                )
            }
        };
        let updated = store::update(conn, id, if_match.0, &changes, now)?;
        store::add_event(
            conn,
            &NewCaseEvent {
                from_status: Some(case.status),
                to_status: Some(input.to),
                effective_at: Some(input.effective_at),
                reason,
                details: input.outcome.map(|o| format!("outcome: {o}")),
                ..event(&case, &actor, kind, now)
            },
        )?;
        audit::append(
            conn,
            vec![actor.audit(now, AuditAction::Transition, &case.district, Some(case.beneficiary_id), Some(id))],
        )?;
        case_answer(answer_status, actor.role, updated, &beneficiary)
    })
    .await
}

/// The answer for a refused transition.
fn refusal(refusal: Refusal) -> ApiError {
    match refusal {
        Refusal::Forbidden(why) => ApiError::forbidden().with_detail(why),
        Refusal::Invalid(violations) => violations.into(),
        Refusal::NotReachable { from, to } => {
            let reachable: Vec<&str> = domain::cases::next_statuses(from).iter().map(|s| s.code()).collect();
            ApiError::conflict(format!("a case {from} cannot become {to}"))
                .with_extension("code", json!("invalid_transition"))
                .with_extension("reachable", json!(reachable))
        }
        Refusal::Preconditions(failed) => {
            let listed: Vec<serde_json::Value> =
                failed.iter().map(|p: &Precondition| json!({"code": p.code(), "message": p.label_en()})).collect();
            ApiError::conflict("the case cannot be taken in charge yet: see preconditions")
                .with_extension("code", json!("preconditions_failed"))
                .with_extension("preconditions", json!(listed))
        }
    }
}

/// A district coordinator decides that a case is taken in charge whatever the eligibility
/// rules say. A reason is required; it is kept on the case and in its timeline.
#[utoipa::path(
    tag = "cases",
    security(("bearer" = [])),
    params(
        ("id" = Uuid, Path, description = "Case id"),
        ("If-Match" = String, Header, description = "The ETag read"),
        ("Idempotency-Key" = Option<String>, Header, description = "Retry safely: the same key and body return the first answer"),
    ),
    request_body = OverrideInput,
    responses(
        (status = 200, description = "Recorded", body = CaseRead, headers(("ETag" = String, description = "The case's new version"))),
        (status = 403, description = "Only district coordinators override", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 409, description = "The case is closed", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/cases/{id}/eligibility-override")]
pub async fn override_eligibility(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
    if_match: IfMatch,
    key: IdempotencyKey,
    body: ValidJson<OverrideInput>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Capability::CoordinateCases)?;
    let scope = caller.case_scope()?;
    let id = resource_id(&id)?;
    let ValidJson(input, digest) = body;
    let reason = reason_text("reason", Some(&input.reason))?
        .ok_or_else(|| ApiError::field("reason", "required", "say why the rules are set aside"))?;
    let now = state.now();
    let actor = caller.clone();
    once(&state, &caller, &key, &digest, move |conn| {
        let case = visible_case(conn, &scope, id)?;
        if case.version != if_match.0 {
            return Err(ApiError::precondition_failed());
        }
        if case.status == CaseStatus::Closed {
            return Err(ApiError::conflict("a closed case cannot change").with_extension("code", json!("case_closed")));
        }
        let changes = CaseChanges {
            eligibility_override: Some(Some(EligibilityOverride {
                by: actor.user_id,
                reason: reason.clone(),
                at: now,
            })),
            ..CaseChanges::default()
        };
        let updated = store::update(conn, id, if_match.0, &changes, now)?;
        store::add_event(
            conn,
            &NewCaseEvent { reason: Some(reason), ..event(&case, &actor, EventKind::EligibilityOverride, now) },
        )?;
        audit::append(
            conn,
            vec![actor.audit(now, AuditAction::Update, &case.district, Some(case.beneficiary_id), Some(id))],
        )?;
        let beneficiary = beneficiaries::find(conn, case.beneficiary_id)?;
        case_answer(StatusCode::OK, actor.role, updated, &beneficiary)
    })
    .await
}

/// A district coordinator approves or rejects a closure a case worker requested.
#[utoipa::path(
    tag = "cases",
    security(("bearer" = [])),
    params(
        ("id" = Uuid, Path, description = "Case id"),
        ("If-Match" = String, Header, description = "The ETag read"),
        ("Idempotency-Key" = Option<String>, Header, description = "Retry safely: the same key and body return the first answer"),
    ),
    request_body = ClosureDecisionInput,
    responses(
        (status = 200, description = "Decided", body = CaseRead, headers(("ETag" = String, description = "The case's new version"))),
        (status = 403, description = "Only district coordinators approve closures", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 409, description = "No closure is waiting, or the case moved since", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/cases/{id}/closure-approval")]
pub async fn decide_closure(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
    if_match: IfMatch,
    key: IdempotencyKey,
    body: ValidJson<ClosureDecisionInput>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Capability::CoordinateCases)?;
    let scope = caller.case_scope()?;
    let id = resource_id(&id)?;
    let ValidJson(input, digest) = body;
    let reason = reason_text("reason", input.reason.as_deref())?;
    if input.decision == ClosureDecision::Reject && reason.is_none() {
        return Err(ApiError::field("reason", "required", "say why the closure is rejected"));
    }
    let now = state.now();
    let actor = caller.clone();
    once(&state, &caller, &key, &digest, move |conn| {
        let case = visible_case(conn, &scope, id)?;
        if case.version != if_match.0 {
            return Err(ApiError::precondition_failed());
        }
        let Some(request) = case.closure_request.clone() else {
            return Err(ApiError::conflict("no closure is waiting for approval")
                .with_extension("code", json!("no_closure_request")));
        };
        let (changes, new_event) = match input.decision {
            ClosureDecision::Approve => {
                if check_effective_at("effective_at", request.effective_at, case.status_since, now).is_err() {
                    return Err(ApiError::conflict(
                        "the case changed after the closure was requested: ask for a new closure",
                    )
                    .with_extension("code", json!("closure_request_outdated")));
                }
                let changes = CaseChanges {
                    status: Some((CaseStatus::Closed, request.effective_at)),
                    closure: Some(Some(Closure { outcome: request.outcome, summary: request.summary.clone() })),
                    closure_request: Some(None),
                    ..CaseChanges::default()
                };
                let new_event = NewCaseEvent {
                    from_status: Some(case.status),
                    to_status: Some(CaseStatus::Closed),
                    effective_at: Some(request.effective_at),
                    reason: reason.clone().or(request.reason.clone()),
                    details: Some(format!(
                        "outcome: {}; approved closure requested by {}",
                        request.outcome, request.by
                    )),
                    ..event(&case, &actor, EventKind::Transition, now)
                };
                (changes, new_event)
            }
            ClosureDecision::Reject => (
                CaseChanges { closure_request: Some(None), ..CaseChanges::default() },
                NewCaseEvent {
                    reason: reason.clone(),
                    details: Some(format!("requested by {}", request.by)),
                    ..event(&case, &actor, EventKind::ClosureRejected, now)
                },
            ),
        };
        let updated = store::update(conn, id, if_match.0, &changes, now)?;
        store::add_event(conn, &new_event)?;
        audit::append(
            conn,
            vec![actor.audit(now, AuditAction::Transition, &case.district, Some(case.beneficiary_id), Some(id))],
        )?;
        let beneficiary = beneficiaries::find(conn, case.beneficiary_id)?;
        case_answer(StatusCode::OK, actor.role, updated, &beneficiary)
    })
    .await
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CaseEventView {
    pub id: Uuid,
    #[schema(value_type = schemas::EventKind)]
    pub kind: EventKind,
    #[schema(value_type = Option<schemas::CaseStatus>)]
    pub from_status: Option<CaseStatus>,
    #[schema(value_type = Option<schemas::CaseStatus>)]
    pub to_status: Option<CaseStatus>,
    /// When it took effect (transitions), as the operator recorded it.
    pub effective_at: Option<DateTime<Utc>>,
    pub reason: Option<String>,
    /// What changed: field names, the assignee, the outcome.
    pub details: Option<String>,
    pub actor_id: Uuid,
    #[schema(value_type = schemas::Role)]
    pub actor_role: Role,
    /// When it was recorded.
    pub recorded_at: DateTime<Utc>,
}

impl From<CaseEvent> for CaseEventView {
    fn from(e: CaseEvent) -> Self {
        CaseEventView {
            id: e.id,
            kind: e.kind,
            from_status: e.from_status,
            to_status: e.to_status,
            effective_at: e.effective_at,
            reason: e.reason,
            details: e.details,
            actor_id: e.actor_id,
            actor_role: e.actor_role,
            recorded_at: e.recorded_at,
        }
    }
}

/// Runs a read of a case the caller sees in full, audited.
async fn read_case<T, F>(state: &AppState, caller: Caller, id: &str, read: F) -> Result<T, ApiError>
where
    F: FnOnce(&mut DbConnection, &Case, NaiveDate) -> Result<T, ApiError> + Send + 'static,
    T: Send + 'static,
{
    caller.require(Capability::ReadCases)?;
    require_full_view(&caller)?;
    let scope = caller.case_scope()?;
    let id = resource_id(id)?;
    let now = state.now();
    audited(state, Via::Query, move |conn| {
        let case = visible_case(conn, &scope, id)?;
        let result = read(conn, &case, now.date_naive())?;
        let entry = caller.audit(now, AuditAction::Read, &case.district, Some(case.beneficiary_id), Some(id));
        Ok((result, vec![entry]))
    })
    .await
}

/// The timeline of a case: interception, transitions, assignments and field changes.
#[utoipa::path(
    tag = "cases",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Case id")),
    responses(
        (status = 200, description = "Oldest first", body = Paged<CaseEventView>),
        (status = 403, description = "The role does not see case details", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/cases/{id}/events")]
pub async fn case_events(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let events = read_case(&state, caller, &id, |conn, case, _| Ok(store::events(conn, case.id)?)).await?;
    Ok(HttpResponse::Ok()
        .json(Paged { items: events.into_iter().map(CaseEventView::from).collect(), next_cursor: None }))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CriterionView {
    #[schema(value_type = schemas::Criterion)]
    pub criterion: eligibility::Criterion,
    #[schema(value_type = schemas::CriterionStatus)]
    pub status: eligibility::CriterionStatus,
    pub explanation: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct WarningView {
    #[schema(value_type = schemas::Warning)]
    pub code: eligibility::Warning,
    pub message: &'static str,
}

/// The eligibility of a case, criterion by criterion.
#[derive(Debug, Serialize, ToSchema)]
pub struct EligibilityView {
    /// The rule set of the case's district that made the assessment.
    #[schema(value_type = schemas::RuleSet)]
    pub rule_set: domain::districts::RuleSet,
    pub criteria: Vec<CriterionView>,
    #[schema(value_type = schemas::Verdict)]
    pub verdict: eligibility::Verdict,
    pub warnings: Vec<WarningView>,
    /// A coordinator's decision to take the person in charge whatever the verdict.
    pub eligibility_override: Option<OverrideView>,
    /// The day the assessment was made for.
    pub assessed_on: NaiveDate,
}

/// Eligibility: each criterion met, not met or unknown with the reason; the verdict; warnings
/// (minor, permit expiring within 60 days).
#[utoipa::path(
    tag = "cases",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Case id")),
    responses(
        (status = 200, description = "The assessment", body = EligibilityView),
        (status = 403, description = "The role does not see case details", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/cases/{id}/eligibility")]
pub async fn case_eligibility(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let view = read_case(&state, caller, &id, |conn, case, today| {
        let beneficiary = beneficiaries::find(conn, case.beneficiary_id)?;
        let district = districts::find(conn, &case.district)?;
        let assessment = assess(&district, case, &beneficiary, today);
        Ok(EligibilityView {
            rule_set: assessment.rule_set,
            criteria: assessment
                .criteria
                .into_iter()
                .map(|c| CriterionView { criterion: c.criterion, status: c.status, explanation: c.explanation })
                .collect(),
            verdict: assessment.verdict,
            warnings: assessment.warnings.into_iter().map(|w| WarningView { code: w, message: w.label_en() }).collect(),
            eligibility_override: case.eligibility_override.clone().map(|o| OverrideView {
                by: o.by,
                reason: o.reason,
                at: o.at,
            }),
            assessed_on: today,
        })
    })
    .await?;
    Ok(HttpResponse::Ok().json(view))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ActionView {
    #[schema(value_type = schemas::SuggestedAction)]
    pub code: exploitation::SuggestedAction,
    pub label_it: &'static str,
    pub label_en: &'static str,
}

/// The exploitation assessment of a case.
#[derive(Debug, Serialize, ToSchema)]
pub struct RiskView {
    #[schema(value_type = schemas::RiskLevel)]
    pub level: exploitation::RiskLevel,
    pub reasons: Vec<String>,
    pub actions: Vec<ActionView>,
    /// The indicators it was read from.
    pub indicators: Vec<IndicatorDto>,
}

/// The exploitation risk: a level (none, low, high, severe) and suggested actions, read
/// from the recorded indicators of art. 603-bis c.p. and of the ILO.
#[utoipa::path(
    tag = "cases",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Case id")),
    responses(
        (status = 200, description = "The assessment", body = RiskView),
        (status = 403, description = "The role does not see case details", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/cases/{id}/risk")]
pub async fn case_risk(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let view = read_case(&state, caller, &id, |_, case, _| {
        let indicators: Vec<Indicator> = case.indicators.iter().map(|n| n.indicator).collect();
        let assessment = exploitation::assess(&indicators);
        Ok(RiskView {
            level: assessment.level,
            reasons: assessment.reasons,
            actions: assessment
                .actions
                .into_iter()
                .map(|a| ActionView { code: a, label_it: a.label_it(), label_en: a.label_en() })
                .collect(),
            indicators: case
                .indicators
                .iter()
                .map(|n| IndicatorDto { indicator: n.indicator, noted_on: n.noted_on })
                .collect(),
        })
    })
    .await?;
    Ok(HttpResponse::Ok().json(view))
}
