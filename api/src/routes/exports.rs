//! The research export: one pseudonymous row per case for the evaluators and the Region, as JSON
//! lines or CSV, streamed as `app::exports` reads it. It holds no name, codice fiscale, contact,
//! birth date, free text or employer; ids are keyed hashes; rare citizenships are generalised;
//! people who refused research use are left out.

use std::collections::HashMap;

use actix_web::web::Bytes;
use actix_web::{HttpRequest, HttpResponse, get, web};
use app::exports::{self, Export};
use domain::Vocabulary;
use domain::exports::{ExportRow, referral_columns};
use domain::services::ServiceCategory;
use futures_util::StreamExt;
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;

use crate::caller::Caller;
use crate::error::ApiError;
use crate::formats::{CSV, CsvDialect, JSON_LINES, RangeQuery, asks_for, parse_range_query};
use crate::state::AppState;

pub fn configure(config: &mut ServiceConfig) {
    config.service(export_cases);
}

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

impl From<ExportRow> for ExportedCase {
    fn from(row: ExportRow) -> Self {
        ExportedCase {
            case: row.case,
            person: row.person,
            district: row.district,
            gender: row.gender,
            age_band: row.age_band,
            citizenship: row.citizenship,
            channel: row.channel,
            profile: row.profile,
            needs: row.needs,
            status: row.status,
            intercepted_month: row.intercepted_month,
            taken_in_charge_month: row.taken_in_charge_month,
            services: row.services,
            referrals: row.referrals,
            outcome: row.outcome,
        }
    }
}

fn csv_header(dialect: CsvDialect) -> String {
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
    dialect.preamble().to_string() + &dialect.record(columns)
}

fn csv_line(row: &ExportedCase, dialect: CsvDialect) -> String {
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
    dialect.record(fields)
}

/// A row as one line of the body: CSV in `dialect`, or a JSON line.
fn line(row: ExportRow, csv: Option<CsvDialect>) -> Result<Bytes, std::io::Error> {
    let row = ExportedCase::from(row);
    let text = match csv {
        Some(dialect) => csv_line(&row, dialect),
        None => serde_json::to_string(&row).map_err(std::io::Error::other)? + "\n",
    };
    Ok(Bytes::from(text))
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
        (status = 403, description = "Only the evaluators and the regional coordinator export", body = crate::problem::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/exports/cases")]
pub async fn export_cases(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let query = parse_range_query(req.query_string(), &["jsonl", "csv"])?;
    let csv = asks_for(&req, query.format.as_deref(), "csv", CSV).then_some(query.dialect);
    let Export { range, mut rows } = exports::cases(state.context(), &caller, state.now(), query.request).await?;
    let (from, to) = (range.from, range.to);
    // A failure before the first row still answers a problem; after it, the body ends early.
    let first = match rows.recv().await {
        Some(Ok(row)) => Some(row),
        Some(Err(error)) => return Err(error.into()),
        None => None,
    };
    let head: Vec<Result<Bytes, std::io::Error>> = csv
        .map(|dialect| Ok(Bytes::from(csv_header(dialect))))
        .into_iter()
        .chain(first.map(|row| line(row, csv)))
        .collect();
    let rest = futures_util::stream::unfold(rows, move |mut rows| async move {
        let next = match rows.recv().await? {
            Ok(row) => line(row, csv),
            Err(error) => {
                let error = ApiError::from(error);
                tracing::error!(status = %error.status(), "the export failed after it began; the body ends early");
                Err(std::io::Error::other("the export failed"))
            }
        };
        Some((next, rows))
    });
    let (content_type, extension) =
        if csv.is_some() { ("text/csv; charset=utf-8", "csv") } else { (JSON_LINES, "jsonl") };
    Ok(HttpResponse::Ok()
        .content_type(content_type)
        .insert_header((
            actix_web::http::header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"casi-{from}-{to}.{extension}\""),
        ))
        .streaming(futures_util::stream::iter(head).chain(rest)))
}
