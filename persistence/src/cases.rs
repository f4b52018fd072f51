//! Cases, their needs and indicators, and their timeline of events.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use diesel::prelude::*;
use domain::Vocabulary;
use domain::access::CaseScope;
use domain::cases::{
    Case, CaseChanges, CaseEvent, CaseStatus, Channel, Closure, ClosureRequest, EligibilityOverride, EventKind,
    NewCaseEvent, NotedIndicator, Work,
};
use domain::districts::DistrictCode;
use domain::screening::{Contract, Need, Profile, Sector};
use domain::users::Role;
use uuid::Uuid;

use crate::db::{DbConnection, from_db_time, on_backend, to_db_time, write_transaction};
use crate::error::{Error, Result, decode, decode_id};
use crate::pagination::{ChangedSince, Page, PageRequest, like_contains};
use crate::reports::tallies;
use crate::schema::{beneficiaries, case_events, case_indicators, case_needs, cases};
use crate::sql::load_for_ids;

/// In the table's column order: an update answers `cases::all_columns` into it. `Default` only
/// to spell out a new case's row: every column it leaves empty.
#[derive(Queryable, Selectable, Default)]
#[diesel(table_name = cases)]
struct CaseRow {
    id: String,
    beneficiary_id: String,
    district_code: String,
    channel: String,
    intercepted_at: NaiveDateTime,
    intercepting_organization_id: String,
    recorded_by: String,
    status: String,
    status_since: NaiveDateTime,
    taken_in_charge_at: Option<NaiveDateTime>,
    profile: Option<String>,
    work_sector: Option<String>,
    work_contract: Option<String>,
    employer_name: Option<String>,
    case_worker_id: Option<String>,
    legal_advisor_id: Option<String>,
    override_by: Option<String>,
    override_reason: Option<String>,
    override_at: Option<NaiveDateTime>,
    outcome: Option<String>,
    closure_summary: Option<String>,
    closure_request_by: Option<String>,
    closure_request_effective_at: Option<NaiveDateTime>,
    closure_request_outcome: Option<String>,
    closure_request_summary: Option<String>,
    closure_request_reason: Option<String>,
    version: i32,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
    transferred_at: Option<NaiveDateTime>,
}

/// Column changes; `None` leaves a column, `Some(None)` clears it.
#[derive(AsChangeset, Default)]
#[diesel(table_name = cases)]
struct CaseChangeset {
    status: Option<&'static str>,
    status_since: Option<NaiveDateTime>,
    taken_in_charge_at: Option<Option<NaiveDateTime>>,
    profile: Option<Option<&'static str>>,
    work_sector: Option<Option<&'static str>>,
    work_contract: Option<Option<&'static str>>,
    employer_name: Option<Option<String>>,
    case_worker_id: Option<Option<String>>,
    legal_advisor_id: Option<Option<String>>,
    override_by: Option<Option<String>>,
    override_reason: Option<Option<String>>,
    override_at: Option<Option<NaiveDateTime>>,
    outcome: Option<Option<&'static str>>,
    closure_summary: Option<Option<String>>,
    closure_request_by: Option<Option<String>>,
    closure_request_effective_at: Option<Option<NaiveDateTime>>,
    closure_request_outcome: Option<Option<&'static str>>,
    closure_request_summary: Option<Option<String>>,
    closure_request_reason: Option<Option<String>>,
}

/// An interception to record.
#[derive(Debug, Clone)]
pub struct NewCase {
    pub beneficiary_id: Uuid,
    pub district: DistrictCode,
    pub channel: Channel,
    pub intercepted_at: DateTime<Utc>,
    pub intercepting_organization_id: Uuid,
    pub recorded_by: Uuid,
}

#[derive(Debug, Clone, Default)]
pub struct CaseFilter {
    pub district: Option<DistrictCode>,
    pub status: Option<CaseStatus>,
    pub channel: Option<Channel>,
    pub profile: Option<Profile>,
    pub need: Option<Need>,
    /// Assigned to this user, as case worker or legal advisor.
    pub assigned_to: Option<Uuid>,
    pub intercepted_from: Option<DateTime<Utc>>,
    /// Exclusive upper bound.
    pub intercepted_before: Option<DateTime<Utc>>,
    /// Part of the beneficiary's alias or names, or their codice fiscale.
    pub q: Option<String>,
    /// Changed since: the list then comes in the order of last change.
    pub changed_since: Option<ChangedSince>,
}

/// A case with the beneficiary's names, as lists show it.
#[derive(Debug, Clone)]
pub struct CaseListing {
    pub case: Case,
    pub alias: String,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
}

/// Cases are listed newest interception first; the key of a row.
pub type CaseKey = (DateTime<Utc>, Uuid);

pub fn insert(conn: &mut DbConnection, new: &NewCase, actor_role: Role, now: DateTime<Utc>) -> Result<Case> {
    let id = Uuid::now_v7();
    let at = to_db_time(now);
    let intercepted_at = to_db_time(new.intercepted_at);
    // The row as stored, written from here and answered from here: reading it back was one
    // more round trip on every interception.
    let row = CaseRow {
        id: id.to_string(),
        beneficiary_id: new.beneficiary_id.to_string(),
        district_code: new.district.as_str().to_string(),
        channel: new.channel.code().to_string(),
        intercepted_at,
        intercepting_organization_id: new.intercepting_organization_id.to_string(),
        recorded_by: new.recorded_by.to_string(),
        status: CaseStatus::Intercepted.code().to_string(),
        status_since: intercepted_at,
        version: 1,
        created_at: at,
        updated_at: at,
        ..CaseRow::default()
    };
    write_transaction(conn, |conn| -> Result<()> {
        diesel::insert_into(cases::table)
            .values((
                cases::id.eq(&row.id),
                cases::beneficiary_id.eq(&row.beneficiary_id),
                cases::district_code.eq(&row.district_code),
                cases::channel.eq(&row.channel),
                cases::intercepted_at.eq(row.intercepted_at),
                cases::intercepting_organization_id.eq(&row.intercepting_organization_id),
                cases::recorded_by.eq(&row.recorded_by),
                cases::status.eq(&row.status),
                cases::status_since.eq(row.status_since),
                cases::version.eq(row.version),
                cases::created_at.eq(row.created_at),
                cases::updated_at.eq(row.updated_at),
            ))
            .execute(conn)?;
        tallies::mark_instant(conn, new.district.as_str(), intercepted_at)?;
        // A second case makes the person one the report counts one by one.
        let another_case: bool = diesel::select(diesel::dsl::exists(
            cases::table.filter(cases::beneficiary_id.eq(&row.beneficiary_id)).filter(cases::id.ne(&row.id)),
        ))
        .get_result(conn)?;
        if another_case {
            crate::reports::recount_person(conn, new.beneficiary_id)?;
        }
        add_event(
            conn,
            &NewCaseEvent {
                case_id: id,
                kind: EventKind::Interception,
                from_status: None,
                to_status: Some(CaseStatus::Intercepted),
                effective_at: Some(new.intercepted_at),
                reason: None,
                details: Some(format!("channel {}", new.channel)),
                actor_id: new.recorded_by,
                actor_role,
                recorded_at: now,
            },
        )?;
        Ok(())
    })?;
    // A new case has no needs or indicators yet.
    into_case(row, &Sets::default())
}

pub fn find(conn: &mut DbConnection, id: Uuid) -> Result<Case> {
    let row = row(conn, id)?;
    let sets = Sets::load(conn, std::slice::from_ref(&row.id))?;
    into_case(row, &sets)
}

fn row(conn: &mut DbConnection, id: Uuid) -> Result<CaseRow> {
    let query = cases::table.find(id.to_string());
    Ok(on_backend!(conn, |inner| query.select(CaseRow::as_select()).first(inner))?)
}

/// The cases of a beneficiary, oldest interception first.
pub fn of_beneficiary(conn: &mut DbConnection, beneficiary_id: Uuid) -> Result<Vec<Case>> {
    let rows = cases::table
        .filter(cases::beneficiary_id.eq(beneficiary_id.to_string()))
        .select(CaseRow::as_select())
        .order(cases::intercepted_at.asc())
        .load::<CaseRow>(conn)?;
    let ids: Vec<String> = rows.iter().map(|r| r.id.clone()).collect();
    let sets = Sets::load(conn, &ids)?;
    rows.into_iter().map(|row| into_case(row, &sets)).collect()
}

/// Marks the case as its district's history: the person's record moved to another district
/// at `at`. Answers the case as marked.
pub fn mark_transferred(conn: &mut DbConnection, id: Uuid, at: DateTime<Utc>) -> Result<Case> {
    let marked = diesel::update(cases::table.filter(cases::id.eq(id.to_string())))
        .set((
            cases::transferred_at.eq(Some(to_db_time(at))),
            cases::version.eq(cases::version + 1),
            cases::updated_at.eq(to_db_time(at)),
        ))
        .execute(conn)?;
    if marked == 0 {
        return Err(Error::NotFound);
    }
    find(conn, id)
}

/// Applies `changes` if the stored version is still `expected_version`.
pub fn update(
    conn: &mut DbConnection,
    id: Uuid,
    expected_version: i32,
    changes: &CaseChanges,
    now: DateTime<Utc>,
) -> Result<Case> {
    let time = |at: &DateTime<Utc>| to_db_time(*at);
    let changeset = CaseChangeset {
        status: changes.status.map(|(status, _)| status.code()),
        status_since: changes.status.map(|(_, at)| time(&at)),
        taken_in_charge_at: changes.taken_in_charge_at.map(|at| at.as_ref().map(time)),
        profile: changes.profile.map(|p| p.map(Profile::code)),
        work_sector: changes.sector.map(|s| s.map(Sector::code)),
        work_contract: changes.contract.map(|c| c.map(Contract::code)),
        employer_name: changes.employer_name.clone(),
        case_worker_id: changes.case_worker_id.map(|id| id.map(|id| id.to_string())),
        legal_advisor_id: changes.legal_advisor_id.map(|id| id.map(|id| id.to_string())),
        override_by: changes.eligibility_override.as_ref().map(|o| o.as_ref().map(|o| o.by.to_string())),
        override_reason: changes.eligibility_override.as_ref().map(|o| o.as_ref().map(|o| o.reason.clone())),
        override_at: changes.eligibility_override.as_ref().map(|o| o.as_ref().map(|o| time(&o.at))),
        outcome: changes.closure.as_ref().map(|c| c.as_ref().map(|c| c.outcome.code())),
        closure_summary: changes.closure.as_ref().map(|c| c.as_ref().map(|c| c.summary.clone())),
        closure_request_by: changes.closure_request.as_ref().map(|r| r.as_ref().map(|r| r.by.to_string())),
        closure_request_effective_at: changes
            .closure_request
            .as_ref()
            .map(|r| r.as_ref().map(|r| time(&r.effective_at))),
        closure_request_outcome: changes.closure_request.as_ref().map(|r| r.as_ref().map(|r| r.outcome.code())),
        closure_request_summary: changes.closure_request.as_ref().map(|r| r.as_ref().map(|r| r.summary.clone())),
        closure_request_reason: changes.closure_request.as_ref().map(|r| r.as_ref().and_then(|r| r.reason.clone())),
    };
    write_transaction(conn, |conn| {
        let target = cases::table.filter(cases::id.eq(id.to_string())).filter(cases::version.eq(expected_version));
        // The days the case counts on before and after the change (a closure moves its outcome).
        let interception_figures = changes.profile.is_some() || changes.needs.is_some();
        tallies::mark_case(conn, id, interception_figures)?;
        // The row as changed comes back with the change: no second read, for the markers or
        // the answer.
        let updated: Option<CaseRow> = diesel::update(target)
            .set((changeset, cases::version.eq(expected_version + 1), cases::updated_at.eq(to_db_time(now))))
            .returning(cases::all_columns)
            .get_result(conn)
            .optional()?;
        let Some(row) = updated else {
            let exists: i64 = cases::table.filter(cases::id.eq(id.to_string())).count().get_result(conn)?;
            return Err(if exists == 0 { Error::NotFound } else { Error::StaleVersion });
        };
        tallies::mark_case_columns(
            conn,
            &tallies::CaseColumns {
                district: &row.district_code,
                intercepted_at: row.intercepted_at,
                status: &row.status,
                status_since: row.status_since,
            },
            false,
        )?;
        let key = id.to_string();
        if let Some(needs) = &changes.needs {
            diesel::delete(case_needs::table.filter(case_needs::case_id.eq(&key))).execute(conn)?;
            // One row at a time: multi-row inserts do not compile through the multi-backend connection.
            for need in needs {
                diesel::insert_into(case_needs::table)
                    .values((case_needs::case_id.eq(&key), case_needs::need.eq(need.code())))
                    .execute(conn)?;
            }
        }
        if let Some(indicators) = &changes.indicators {
            diesel::delete(case_indicators::table.filter(case_indicators::case_id.eq(&key))).execute(conn)?;
            for noted in indicators {
                diesel::insert_into(case_indicators::table)
                    .values((
                        case_indicators::case_id.eq(&key),
                        case_indicators::indicator.eq(noted.indicator.code()),
                        case_indicators::noted_on.eq(noted.noted_on),
                    ))
                    .execute(conn)?;
            }
        }
        let sets = Sets::load(conn, std::slice::from_ref(&row.id))?;
        into_case(row, &sets)
    })
}

pub fn add_event(conn: &mut DbConnection, event: &NewCaseEvent) -> Result<()> {
    // Takings in charge are the report's figures dated by an event.
    if let (Some(CaseStatus::TakenInCharge), Some(at)) = (event.to_status, event.effective_at) {
        tallies::mark_case_instant(conn, event.case_id, at.naive_utc())?;
    }
    // A case taken in charge again makes its person one the report counts one by one.
    if event.from_status == Some(CaseStatus::Closed) && event.to_status == Some(CaseStatus::TakenInCharge) {
        let person: String = cases::table.find(event.case_id.to_string()).select(cases::beneficiary_id).first(conn)?;
        crate::reports::recount_person(conn, decode_id(&person)?)?;
    }
    diesel::insert_into(case_events::table)
        .values((
            case_events::id.eq(Uuid::now_v7().to_string()),
            case_events::case_id.eq(event.case_id.to_string()),
            case_events::kind.eq(event.kind.code()),
            case_events::from_status.eq(event.from_status.map(CaseStatus::code)),
            case_events::to_status.eq(event.to_status.map(CaseStatus::code)),
            case_events::effective_at.eq(event.effective_at.map(to_db_time)),
            case_events::reason.eq(&event.reason),
            case_events::details.eq(&event.details),
            case_events::actor_id.eq(event.actor_id.to_string()),
            case_events::actor_role.eq(event.actor_role.code()),
            case_events::recorded_at.eq(to_db_time(event.recorded_at)),
        ))
        .execute(conn)?;
    Ok(())
}

/// The statuses a case entered, with their effective dates, oldest first (the interception
/// first): what `domain::cases::in_charge_on` reads.
pub fn status_history(conn: &mut DbConnection, case_id: Uuid) -> Result<Vec<(DateTime<Utc>, CaseStatus)>> {
    let rows: Vec<(Option<NaiveDateTime>, Option<String>)> = case_events::table
        .filter(case_events::case_id.eq(case_id.to_string()))
        .filter(case_events::kind.eq_any([EventKind::Interception.code(), EventKind::Transition.code()]))
        .select((case_events::effective_at, case_events::to_status))
        .order((case_events::effective_at.asc(), case_events::recorded_at.asc()))
        .load(conn)?;
    rows.into_iter()
        .filter_map(|(at, status)| Some((at?, status?)))
        .map(|(at, status)| Ok((from_db_time(at), decode(&status)?)))
        .collect()
}

/// The cases of these districts that are not closed.
pub fn open_in(conn: &mut DbConnection, districts: &[DistrictCode]) -> Result<Vec<Case>> {
    let rows = cases::table
        .filter(cases::district_code.eq_any(districts.iter().map(|d| d.as_str().to_string()).collect::<Vec<_>>()))
        .filter(cases::status.ne(CaseStatus::Closed.code()))
        .select(CaseRow::as_select())
        .load::<CaseRow>(conn)?;
    let ids: Vec<String> = rows.iter().map(|r| r.id.clone()).collect();
    let sets = Sets::load(conn, &ids)?;
    rows.into_iter().map(|row| into_case(row, &sets)).collect()
}

type EventRow = (
    String,
    String,
    String,
    Option<String>,
    Option<String>,
    Option<NaiveDateTime>,
    Option<String>,
    Option<String>,
    String,
    String,
    NaiveDateTime,
);

/// A case's timeline, in the order it was recorded.
pub fn events(conn: &mut DbConnection, case_id: Uuid) -> Result<Vec<CaseEvent>> {
    let rows: Vec<EventRow> = case_events::table
        .filter(case_events::case_id.eq(case_id.to_string()))
        .select((
            case_events::id,
            case_events::case_id,
            case_events::kind,
            case_events::from_status,
            case_events::to_status,
            case_events::effective_at,
            case_events::reason,
            case_events::details,
            case_events::actor_id,
            case_events::actor_role,
            case_events::recorded_at,
        ))
        .order((case_events::recorded_at.asc(), case_events::id.asc()))
        .load(conn)?;
    rows.into_iter()
        .map(|(id, case_id, kind, from, to, effective_at, reason, details, actor_id, actor_role, recorded_at)| {
            Ok(CaseEvent {
                id: decode_id(&id)?,
                case_id: decode_id(&case_id)?,
                kind: decode(&kind)?,
                from_status: from.as_deref().map(decode).transpose()?,
                to_status: to.as_deref().map(decode).transpose()?,
                effective_at: effective_at.map(from_db_time),
                reason,
                details,
                actor_id: decode_id(&actor_id)?,
                actor_role: decode(&actor_role)?,
                recorded_at: from_db_time(recorded_at),
            })
        })
        .collect()
}

/// Cases in scope matching the filter, newest interception first.
pub fn list(
    conn: &mut DbConnection,
    scope: &CaseScope,
    filter: &CaseFilter,
    page: &PageRequest<CaseKey>,
) -> Result<Page<CaseListing>> {
    let mut query = cases::table
        .inner_join(beneficiaries::table)
        .select((CaseRow::as_select(), beneficiaries::alias, beneficiaries::first_name, beneficiaries::last_name))
        .order((cases::intercepted_at.desc(), cases::id.desc()))
        .limit(page.fetch_size())
        .into_boxed();
    query = match scope {
        // One district, the usual case, as an equality: PostgreSQL then walks the
        // (district, status, intercepted_at) index in order instead of sorting the district.
        CaseScope::Districts(districts) if districts.len() == 1 => {
            query.filter(cases::district_code.eq(districts[0].as_str().to_string()))
        }
        CaseScope::Districts(districts) => query
            .filter(cases::district_code.eq_any(districts.iter().map(|d| d.as_str().to_string()).collect::<Vec<_>>())),
        CaseScope::RecordedBy(user) => query.filter(cases::recorded_by.eq(user.to_string())),
    };
    if let Some((at, id)) = page.after {
        let at = to_db_time(at);
        query = query
            .filter(cases::intercepted_at.lt(at).or(cases::intercepted_at.eq(at).and(cases::id.lt(id.to_string()))));
    }
    if let Some(changed) = filter.changed_since {
        let since = to_db_time(changed.since);
        query = query.filter(cases::updated_at.ge(since)).order((cases::updated_at.asc(), cases::id.asc()));
        if let Some((at, id)) = changed.after {
            let at = to_db_time(at);
            query =
                query.filter(cases::updated_at.gt(at).or(cases::updated_at.eq(at).and(cases::id.gt(id.to_string()))));
        }
    }
    if let Some(district) = &filter.district {
        query = query.filter(cases::district_code.eq(district.as_str().to_string()));
    }
    if let Some(status) = filter.status {
        query = query.filter(cases::status.eq(status.code()));
    }
    if let Some(channel) = filter.channel {
        query = query.filter(cases::channel.eq(channel.code()));
    }
    if let Some(profile) = filter.profile {
        query = query.filter(cases::profile.eq(profile.code()));
    }
    if let Some(need) = filter.need {
        query = query.filter(
            cases::id.eq_any(case_needs::table.filter(case_needs::need.eq(need.code())).select(case_needs::case_id)),
        );
    }
    if let Some(user) = filter.assigned_to {
        let user = user.to_string();
        query = query.filter(cases::case_worker_id.eq(user.clone()).or(cases::legal_advisor_id.eq(user)));
    }
    if let Some(from) = filter.intercepted_from {
        query = query.filter(cases::intercepted_at.ge(to_db_time(from)));
    }
    if let Some(before) = filter.intercepted_before {
        query = query.filter(cases::intercepted_at.lt(to_db_time(before)));
    }
    if let Some(q) = filter.q.as_deref().map(str::trim).filter(|q| !q.is_empty()) {
        let folded = domain::beneficiaries::fold(q);
        let code = domain::beneficiaries::normalize_codice_fiscale(q);
        query = query.filter(
            beneficiaries::search_key
                .like(like_contains(&folded))
                .escape('\\')
                .or(beneficiaries::codice_fiscale.eq(code)),
        );
    }
    let rows: Vec<(CaseRow, String, Option<String>, Option<String>)> = query.load(conn)?;
    let page = page.page(rows);
    let ids: Vec<String> = page.items.iter().map(|(row, ..)| row.id.clone()).collect();
    let sets = Sets::load(conn, &ids)?;
    let items = page
        .items
        .into_iter()
        .map(|(row, alias, first_name, last_name)| {
            Ok(CaseListing { case: into_case(row, &sets)?, alias, first_name, last_name })
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(Page { items, has_more: page.has_more })
}

/// Needs and indicators of a page of cases, one query each.
#[derive(Default)]
struct Sets {
    needs: HashMap<String, Vec<String>>,
    indicators: HashMap<String, Vec<(String, NaiveDate)>>,
}

impl Sets {
    fn load(conn: &mut DbConnection, ids: &[String]) -> Result<Sets> {
        let mut sets = Sets::default();
        if ids.is_empty() {
            return Ok(sets);
        }
        let needs: Vec<(String, String)> = load_for_ids!(conn, case_needs::table, case_needs::case_id, ids, |query| {
            query.select((case_needs::case_id, case_needs::need))
        })?;
        for (id, need) in needs {
            sets.needs.entry(id).or_default().push(need);
        }
        let indicators: Vec<(String, String, NaiveDate)> =
            load_for_ids!(conn, case_indicators::table, case_indicators::case_id, ids, |query| {
                query.select((case_indicators::case_id, case_indicators::indicator, case_indicators::noted_on))
            })?;
        for (id, indicator, noted_on) in indicators {
            sets.indicators.entry(id).or_default().push((indicator, noted_on));
        }
        Ok(sets)
    }
}

fn into_case(row: CaseRow, sets: &Sets) -> Result<Case> {
    let mut needs =
        sets.needs.get(&row.id).into_iter().flatten().map(|n| decode::<Need>(n)).collect::<Result<Vec<_>>>()?;
    needs.sort();
    let mut indicators = sets
        .indicators
        .get(&row.id)
        .into_iter()
        .flatten()
        .map(|(indicator, noted_on)| Ok(NotedIndicator { indicator: decode(indicator)?, noted_on: *noted_on }))
        .collect::<Result<Vec<_>>>()?;
    indicators.sort_by_key(|n| n.indicator);
    let optional_id = |id: Option<String>| id.as_deref().map(decode_id).transpose();
    let eligibility_override = match (row.override_by, row.override_reason, row.override_at) {
        (Some(by), Some(reason), Some(at)) => {
            Some(EligibilityOverride { by: decode_id(&by)?, reason, at: from_db_time(at) })
        }
        _ => None,
    };
    let closure = match (row.outcome, row.closure_summary) {
        (Some(outcome), Some(summary)) => Some(Closure { outcome: decode(&outcome)?, summary }),
        _ => None,
    };
    let closure_request = match (
        row.closure_request_by,
        row.closure_request_effective_at,
        row.closure_request_outcome,
        row.closure_request_summary,
    ) {
        (Some(by), Some(effective_at), Some(outcome), Some(summary)) => Some(ClosureRequest {
            by: decode_id(&by)?,
            effective_at: from_db_time(effective_at),
            outcome: decode(&outcome)?,
            summary,
            reason: row.closure_request_reason,
        }),
        _ => None,
    };
    Ok(Case {
        id: decode_id(&row.id)?,
        beneficiary_id: decode_id(&row.beneficiary_id)?,
        district: DistrictCode::from_trusted(row.district_code),
        channel: decode(&row.channel)?,
        intercepted_at: from_db_time(row.intercepted_at),
        intercepting_organization_id: decode_id(&row.intercepting_organization_id)?,
        recorded_by: decode_id(&row.recorded_by)?,
        status: decode(&row.status)?,
        status_since: from_db_time(row.status_since),
        taken_in_charge_at: row.taken_in_charge_at.map(from_db_time),
        profile: row.profile.as_deref().map(decode).transpose()?,
        needs,
        work: Work {
            sector: row.work_sector.as_deref().map(decode).transpose()?,
            contract: row.work_contract.as_deref().map(decode).transpose()?,
            employer_name: row.employer_name,
        },
        indicators,
        case_worker_id: optional_id(row.case_worker_id)?,
        legal_advisor_id: optional_id(row.legal_advisor_id)?,
        eligibility_override,
        closure,
        closure_request,
        version: row.version,
        created_at: from_db_time(row.created_at),
        updated_at: from_db_time(row.updated_at),
        transferred_at: row.transferred_at.map(from_db_time),
    })
}

/// The sort key of a case, for the next page's cursor.
pub fn key_of(case: &Case) -> CaseKey {
    (case.intercepted_at, case.id)
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use chrono::TimeZone;
    use diesel::SqliteConnection;
    use diesel::connection::{Connection, InstrumentationEvent};
    use domain::beneficiaries::{
        BeneficiaryData, DocumentEntry, DocumentKind, DocumentStatus, Gender, Guardian, Permit, PermitKind,
    };

    use super::*;
    use crate::beneficiaries;
    use crate::db::run_migrations;

    #[test]
    fn a_registration_and_an_interception_answer_what_a_read_finds_without_reading_back() {
        let mut conn = DbConnection::Sqlite(SqliteConnection::establish(":memory:").unwrap());
        run_migrations(&mut conn).unwrap();
        // The users and organisation the rows name are not what this test is about.
        diesel::sql_query("PRAGMA foreign_keys = OFF").execute(&mut conn).unwrap();
        let statements = Arc::new(Mutex::new(Vec::<String>::new()));
        let seen = Arc::clone(&statements);
        conn.set_instrumentation(move |event: InstrumentationEvent<'_>| {
            if let InstrumentationEvent::StartQuery { query, .. } = event {
                seen.lock().unwrap().push(query.to_string());
            }
        });
        let milano = DistrictCode::from_trusted("milano".to_string());
        let day = |d| NaiveDate::from_ymd_opt(2026, 11, d).unwrap();
        // Sets out of order (the answer must not depend on the order given) and a checklist with
        // missing documents, dated and not.
        let documents = DocumentKind::ALL
            .iter()
            .map(|&kind| match kind {
                DocumentKind::Spid => DocumentEntry { kind, status: DocumentStatus::Obtained, on: Some(day(3)) },
                DocumentKind::FamilyDoctor => DocumentEntry { kind, status: DocumentStatus::Missing, on: Some(day(2)) },
                _ => DocumentEntry { kind, status: DocumentStatus::Missing, on: None },
            })
            .collect();
        let data = BeneficiaryData {
            alias: "Amadou".to_string(),
            first_name: Some("Amadou".to_string()),
            last_name: None,
            gender: Some(Gender::Male),
            birth_date: None,
            birth_year: Some(1994),
            citizenships: Some(vec!["SN".to_string(), "ML".to_string()]),
            languages: vec!["wo".to_string(), "fr".to_string()],
            phone: None,
            email: None,
            municipality: Some("Milano".to_string()),
            arrival_year: Some(2021),
            permit: Permit { kind: Some(PermitKind::Work), number: None, expires_on: Some(day(30)) },
            codice_fiscale: None,
            guardian: Some(Guardian { name: "Awa".to_string(), relation: "sister".to_string(), contact: None }),
            documents,
        };
        // Sub-microsecond instants are stored truncated: the answer must be too.
        let now = Utc.with_ymd_and_hms(2026, 11, 26, 9, 30, 0).unwrap() + chrono::Duration::nanoseconds(123_456_789);
        let person = beneficiaries::insert(&mut conn, &milano, &data, Uuid::now_v7(), now).unwrap();
        let case = insert(
            &mut conn,
            &NewCase {
                beneficiary_id: person.id,
                district: milano.clone(),
                channel: Channel::StreetOutreach,
                intercepted_at: now - chrono::Duration::hours(2),
                intercepting_organization_id: Uuid::now_v7(),
                recorded_by: Uuid::now_v7(),
            },
            Role::OutreachWorker,
            now,
        )
        .unwrap();
        let written = std::mem::take(&mut *statements.lock().unwrap());
        // The only reads are the report's bookkeeping: whether the days are already marked
        // stale, and whether the person has another case.
        let reads: Vec<_> = written.iter().filter(|sql| sql.starts_with("SELECT")).collect();
        let bookkeeping =
            |sql: &&&String| sql.contains("FROM `report_stale_days`") || sql.contains("`cases`.`id` != ?");
        assert!(reads.iter().all(|sql| bookkeeping(&sql)), "read back: {reads:#?}");
        assert_eq!(beneficiaries::find(&mut conn, person.id).unwrap(), person);
        assert_eq!(find(&mut conn, case.id).unwrap(), case);
        // An update answers the row it wrote, column for column.
        let changes = CaseChanges {
            status: Some((CaseStatus::TakenInCharge, now)),
            taken_in_charge_at: Some(Some(now)),
            profile: Some(Some(Profile::ExploitationVictim)),
            needs: Some(vec![Need::ItalianLanguage, Need::Housing]),
            sector: Some(Some(Sector::Agriculture)),
            employer_name: Some(Some("Azienda agricola".to_string())),
            case_worker_id: Some(Some(Uuid::now_v7())),
            ..CaseChanges::default()
        };
        let updated = update(&mut conn, case.id, 1, &changes, now + chrono::Duration::minutes(5)).unwrap();
        assert_eq!((updated.status, updated.version), (CaseStatus::TakenInCharge, 2));
        assert_eq!(find(&mut conn, case.id).unwrap(), updated);
        assert!(matches!(update(&mut conn, case.id, 1, &changes, now), Err(Error::StaleVersion)));
    }
}
