//! The research export: one pseudonymous row per case for the evaluators and the Region. It
//! holds no name, codice fiscale, contact, birth date, free text or employer; ids are keyed
//! hashes; rare citizenships are generalised; people who refused research use are left out.

use std::collections::{HashMap, HashSet};

use actix_web::web::Bytes;
use actix_web::{HttpRequest, HttpResponse, get, web};
use domain::Vocabulary;
use domain::access::Capability;
use domain::audit::AuditAction;
use domain::referrals::ReferralStatus;
use domain::reports::{age_band, exported_citizenship, pseudonym};
use domain::services::ServiceCategory;
use persistence::reports::{ExportCase, Range, export_batch};
use persistence::{DbConnection, read_snapshot};
use serde::Serialize;
use tokio::sync::{mpsc, oneshot};
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use crate::auth::Caller;
use crate::error::ApiError;
use crate::reports::{CSV, RangeQuery, asks_for, csv_field, parse_range_query};
use crate::state::AppState;

pub fn configure(config: &mut ServiceConfig) {
    config.service(export_cases);
}

pub const JSON_LINES: &str = "application/x-ndjson";
/// Cases read per query: bounded memory whatever the size of the export.
const BATCH: i64 = 500;

/// One case of the research export. The same case keeps its `case` pseudonym across exports as
/// long as the server's pseudonym key is kept.
#[derive(Debug, Serialize, ToSchema)]
pub struct ExportedCase {
    /// Keyed hash of the case id.
    pub case: String,
    /// Keyed hash of the person: links the cases of one person.
    pub person: String,
    pub district: String,
    /// Gender code, or `null` when not recorded.
    pub gender: Option<String>,
    /// Age band at interception (`under_18`, `18_24`, … `unknown`).
    pub age_band: String,
    /// ISO countries joined by `|`; `other` for countries of fewer than 5 people in the export;
    /// `stateless` or `unknown`.
    pub citizenship: String,
    pub channel: String,
    pub profile: Option<String>,
    pub needs: Vec<String>,
    pub status: String,
    /// `YYYY-MM`.
    pub intercepted_month: String,
    pub taken_in_charge_month: Option<String>,
    /// Services delivered, by category (categories with none are left out).
    pub services: HashMap<String, i64>,
    /// Referrals the partner answered, by current status (accepted, declined, completed, failed,
    /// revoked, sent).
    pub referrals: HashMap<String, i64>,
    /// Closure outcome, for closed cases.
    pub outcome: Option<String>,
}

fn exported(case: ExportCase, key: &[u8], people_with: &HashMap<String, HashSet<Uuid>>) -> ExportedCase {
    let band = age_band(case.birth_date, case.birth_year, case.intercepted_at.date());
    ExportedCase {
        case: pseudonym(key, "case", &case.case_id.to_string()),
        person: pseudonym(key, "person", &case.beneficiary_id.to_string()),
        district: case.district,
        gender: case.gender,
        age_band: band.code().to_string(),
        citizenship: exported_citizenship(case.citizenships.as_deref(), |country| {
            people_with.get(country).map_or(0, HashSet::len)
        }),
        channel: case.channel,
        profile: case.profile,
        needs: case.needs,
        status: case.status,
        intercepted_month: case.intercepted_at.format("%Y-%m").to_string(),
        taken_in_charge_month: case.taken_in_charge_at.map(|at| at.format("%Y-%m").to_string()),
        services: case.services,
        referrals: case.referrals,
        outcome: case.outcome,
    }
}

/// Referral statuses with a column in the CSV: every status but `proposed`, which the partner
/// never saw.
fn referral_columns() -> impl Iterator<Item = ReferralStatus> {
    ReferralStatus::ALL.iter().copied().filter(|s| *s != ReferralStatus::Proposed)
}

fn csv_header() -> String {
    let fixed = [
        "case",
        "person",
        "district",
        "gender",
        "age_band",
        "citizenship",
        "channel",
        "profile",
        "needs",
        "status",
        "intercepted_month",
        "taken_in_charge_month",
    ]
    .map(String::from);
    let columns: Vec<String> = fixed
        .into_iter()
        .chain(ServiceCategory::ALL.iter().map(|c| format!("services_{}", c.code())))
        .chain(referral_columns().map(|s| format!("referrals_{}", s.code())))
        .chain(std::iter::once("outcome".to_string()))
        .collect();
    columns.join(",") + "\r\n"
}

fn csv_line(row: &ExportedCase) -> String {
    let text = |value: &Option<String>| value.clone().unwrap_or_default();
    let fields: Vec<String> = [
        row.case.clone(),
        row.person.clone(),
        row.district.clone(),
        text(&row.gender),
        row.age_band.clone(),
        row.citizenship.clone(),
        row.channel.clone(),
        text(&row.profile),
        row.needs.join("|"),
        row.status.clone(),
        row.intercepted_month.clone(),
        text(&row.taken_in_charge_month),
    ]
    .into_iter()
    .chain(ServiceCategory::ALL.iter().map(|c| row.services.get(c.code()).copied().unwrap_or(0).to_string()))
    .chain(referral_columns().map(|s| row.referrals.get(s.code()).copied().unwrap_or(0).to_string()))
    .chain(std::iter::once(text(&row.outcome)))
    .collect();
    fields.iter().map(|f| csv_field(f)).collect::<Vec<_>>().join(",") + "\r\n"
}

/// Walks the cases of the range in batches, skipping those whose person refused research use.
fn each_exportable<E: From<persistence::Error>>(
    conn: &mut DbConnection,
    range: &Range,
    mut visit: impl FnMut(ExportCase) -> Result<(), E>,
) -> Result<(), E> {
    let mut after = None;
    loop {
        let batch = export_batch(conn, range, after, BATCH)?;
        let done = (batch.len() as i64) < BATCH;
        after = batch.last().map(|c| c.case_id);
        for case in batch.into_iter().filter(|c| !c.research_refused) {
            visit(case)?;
        }
        if done {
            return Ok(());
        }
    }
}

/// How the export stopped, once streaming began: the client went away, or storage failed.
enum Stop {
    ClientGone,
    Failed(ApiError),
}

impl From<ApiError> for Stop {
    fn from(error: ApiError) -> Stop {
        Stop::Failed(error)
    }
}

impl From<persistence::Error> for Stop {
    fn from(error: persistence::Error) -> Stop {
        Stop::Failed(error.into())
    }
}

/// The pseudonymous cases of the range: JSON lines (`application/x-ndjson`, the default) or CSV
/// (`Accept: text/csv` or `format=csv`). Each export is audited, one entry per district.
///
/// The rows come in case-id order, which says nothing about time. The body is streamed: a
/// failure after the first row ends the body early, so check the row count against a second
/// export when in doubt.
#[utoipa::path(
    tag = "exports",
    security(("bearer" = [])),
    params(RangeQuery),
    responses(
        (status = 200, description = "One line per case", content(
            (ExportedCase = "application/x-ndjson"),
            (String = "text/csv"),
        )),
        (status = 403, description = "Only the evaluators and the regional coordinator export", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/exports/cases")]
pub async fn export_cases(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    caller.require(Capability::ExportResearch)?;
    let request = parse_range_query(&state, &caller, req.query_string(), &["jsonl", "csv"])?;
    let format = request.format.as_deref();
    let csv = asks_for(&req, format, "csv", CSV);
    let range = request.range;
    let (from, to) = (range.from, range.to);

    let now = state.now();
    let entries: Vec<_> =
        range.districts.iter().map(|d| caller.audit(now, AuditAction::Export, d, None, None)).collect();
    state.writer().record(entries).await?;

    // Two passes over one snapshot: the first counts the people per country, the second writes.
    // Errors before the first byte still answer a problem; `ready` says which way it went.
    let (ready, is_ready) = oneshot::channel::<Result<(), ApiError>>();
    let (chunks, body) = mpsc::channel::<Result<Bytes, std::io::Error>>(16);
    let pool = state.pool().clone();
    let key = state.pseudonym_key().to_vec();
    let span = tracing::Span::current();
    tokio::task::spawn_blocking(move || {
        let _entered = span.enter();
        let mut ready = Some(ready);
        let outcome = (|| -> Result<(), Stop> {
            let mut conn = pool.get().map_err(persistence::Error::from)?;
            read_snapshot(&mut conn, |conn| {
                let mut people_with: HashMap<String, HashSet<Uuid>> = HashMap::new();
                each_exportable(conn, &range, |case| {
                    for country in case.citizenships.iter().flatten() {
                        people_with.entry(country.clone()).or_default().insert(case.beneficiary_id);
                    }
                    Ok::<_, Stop>(())
                })?;
                if let Some(ready) = ready.take() {
                    ready.send(Ok(())).map_err(|_| Stop::ClientGone)?;
                }
                let send = |text: String| chunks.blocking_send(Ok(Bytes::from(text))).map_err(|_| Stop::ClientGone);
                if csv {
                    send(csv_header())?;
                }
                each_exportable(conn, &range, |case| {
                    let row = exported(case, &key, &people_with);
                    let line = if csv {
                        csv_line(&row)
                    } else {
                        serde_json::to_string(&row).map_err(|_| ApiError::internal())? + "\n"
                    };
                    send(line)
                })
            })
        })();
        match outcome {
            Ok(()) | Err(Stop::ClientGone) => {}
            Err(Stop::Failed(error)) => match ready.take() {
                Some(ready) => {
                    let _ = ready.send(Err(error));
                }
                None => {
                    tracing::error!(status = %error.status(), "the export failed after it began; the body ends early");
                    let _ = chunks.blocking_send(Err(std::io::Error::other("the export failed")));
                }
            },
        }
    });
    match is_ready.await {
        Ok(Ok(())) => {}
        Ok(Err(error)) => return Err(error),
        Err(_) => return Err(ApiError::internal()),
    }
    let stream = futures_util::stream::unfold(body, |mut body| async move { body.recv().await.map(|c| (c, body)) });
    let (content_type, extension) = if csv { ("text/csv; charset=utf-8", "csv") } else { (JSON_LINES, "jsonl") };
    Ok(HttpResponse::Ok()
        .content_type(content_type)
        .insert_header((
            actix_web::http::header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"casi-{from}-{to}.{extension}\""),
        ))
        .streaming(stream))
}
