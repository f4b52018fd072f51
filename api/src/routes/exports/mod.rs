//! The research export: one pseudonymous row per case for the evaluators and the Region, as JSON
//! lines or CSV (streamed as `app::exports` reads it) or XLSX. It holds no name, codice fiscale,
//! contact, birth date, free text or employer; ids are keyed hashes; what may identify a person
//! is generalised until every row is shared by 5 people, and the `InLav-Anonymity` header says
//! how; people who refused research use are left out.

use std::collections::HashMap;

use actix_web::web::Bytes;
use actix_web::{HttpRequest, HttpResponse, get, web};
use app::exports::{self, Export};
use domain::Vocabulary;
use domain::exports::{AnonymitySummary, ExportRow, referral_columns};
use domain::services::ServiceCategory;
use futures_util::StreamExt;
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;

use crate::caller::Caller;
use crate::error::ApiError;
use crate::formats::{
    CSV, CsvDialect, ExportFormat, ExportFormatQuery, JSON_LINES, RangeQuery, XLSX, asks_for, parse_range_query,
};
use crate::state::AppState;

mod xlsx;

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
    /// District code, or `other` where the row's own would make it too rare.
    pub district: String,
    /// Gender code, `null` when not recorded, `*` when withheld.
    pub gender: Option<String>,
    /// Age band at interception (`under_18`, `18_24`, … `55_plus`, `unknown`); with
    /// `age_band=wide` in `InLav-Anonymity`, `under_18`, `18_34`, `35_54`, `55_plus`; `*` when
    /// withheld.
    pub age_band: String,
    /// ISO countries joined by `|`, or their UN sub-regions (`northern-africa`) or regions
    /// (`africa`) as `InLav-Anonymity` says; `stateless`, `unknown`; `*` when withheld.
    pub citizenship: String,
    /// Channel code, `*` when withheld.
    pub channel: String,
    /// Profile code, `null` when not assessed, `*` when withheld.
    pub profile: Option<String>,
    pub needs: Vec<String>,
    pub status: String,
    /// Month of interception on the Italian calendar: `YYYY-MM`, `YYYY-Qn` or `YYYY` as
    /// `InLav-Anonymity` says; `*` when withheld.
    pub intercepted_month: String,
    /// Written as finely as `intercepted_month`.
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

/// The columns of the CSV and XLSX, in order.
fn columns() -> Vec<String> {
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
    fixed
        .into_iter()
        .chain(ServiceCategory::ALL.iter().map(|c| format!("services_{}", c.code())))
        .chain(referral_columns().map(|s| format!("referrals_{}", s.code())))
        .chain(std::iter::once("outcome".to_string()))
        .collect()
}

/// A field of a row in the CSV or XLSX.
enum Field {
    Text(String),
    Count(i64),
}

impl Field {
    fn into_text(self) -> String {
        match self {
            Field::Text(text) => text,
            Field::Count(n) => n.to_string(),
        }
    }
}

/// The fields of a row, in the order of [`columns`].
fn fields(row: &ExportedCase) -> Vec<Field> {
    let text = |value: &Option<String>| Field::Text(value.clone().unwrap_or_default());
    [
        Field::Text(row.case.clone()),
        Field::Text(row.person.clone()),
        Field::Text(row.district.clone()),
        text(&row.gender),
        Field::Text(row.age_band.clone()),
        Field::Text(row.citizenship.clone()),
        Field::Text(row.channel.clone()),
        text(&row.profile),
        Field::Text(row.needs.join("|")),
        Field::Text(row.status.clone()),
        Field::Text(row.intercepted_month.clone()),
        text(&row.taken_in_charge_month),
    ]
    .into_iter()
    .chain(ServiceCategory::ALL.iter().map(|c| Field::Count(row.services.get(c.code()).copied().unwrap_or(0))))
    .chain(referral_columns().map(|s| Field::Count(row.referrals.get(s.code()).copied().unwrap_or(0))))
    .chain(std::iter::once(text(&row.outcome)))
    .collect()
}

fn csv_header(dialect: CsvDialect) -> String {
    dialect.preamble().to_string() + &dialect.record(columns())
}

fn csv_line(row: &ExportedCase, dialect: CsvDialect) -> String {
    dialect.record(fields(row).into_iter().map(Field::into_text))
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

/// The header that says how the rows were anonymised, e.g. `k=5; rows=1500; people=1480;
/// smallest_class=5; information_lost=0.214; intercepted_month=quarter; age_band=wide; citizenship=subregion;
/// channel=withheld; profile=kept; suppressed=profile:9,district:4`.
pub const ANONYMITY_HEADER: &str = "InLav-Anonymity";

pub(crate) fn anonymity_header(summary: &AnonymitySummary) -> String {
    let g = summary.generalisation;
    let suppressed: Vec<String> =
        summary.suppressed.iter().map(|(attribute, rows)| format!("{}:{rows}", attribute.code())).collect();
    let kept = |withheld: bool| if withheld { "withheld" } else { "kept" };
    format!(
        "k={}; rows={}; people={}; smallest_class={}; information_lost={:.3}; intercepted_month={}; age_band={}; \
         citizenship={}; channel={}; profile={}; suppressed={}",
        summary.k,
        summary.rows,
        summary.people,
        summary.smallest_class,
        summary.information_lost,
        g.month.code(),
        g.age_band.code(),
        g.citizenship.code(),
        kept(g.channel_withheld),
        kept(g.profile_withheld),
        if suppressed.is_empty() { "none".to_string() } else { suppressed.join(",") },
    )
}

/// The pseudonymous cases of the range: JSON lines (`application/x-ndjson`, the default), CSV
/// (`Accept: text/csv` or `format=csv`) or XLSX (its media type or `format=xlsx`). Each export
/// is audited, one entry per district.
///
/// Every row's quasi-identifiers (district, gender, age band, citizenship, month of
/// interception, channel, profile) are shared by at least 5 people of the export. Every row is
/// generalised alike (months to quarters or years, age bands wider, countries to UN sub-regions
/// or regions, channel or profile withheld), as little as leaves at most 5% of the rows rare;
/// those lose values one by one (`*`; a district becomes `other`, last). The `InLav-Anonymity`
/// header (and the XLSX's second sheet) says what was done.
///
/// The rows come in the order of their `case` pseudonym, which says nothing about time (case
/// ids are time-ordered: in their order a row's place would tell its date). JSON lines and CSV are
/// streamed: a failure after the first row ends the body early, so check the row count against
/// the header's `rows`. An XLSX holds at most 1,048,575 rows.
#[utoipa::path(
    tag = "exports",
    security(("bearer" = [])),
    params(RangeQuery, ExportFormatQuery),
    responses(
        (status = 200, description = "One line per case", content(
            (ExportedCase = "application/x-ndjson"),
            (String = "text/csv"),
            (crate::formats::Workbook = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        ), headers(
            ("InLav-Anonymity" = String, description = "How the rows were anonymised: `k`, `rows`, `people`, `smallest_class` (people), `information_lost` (0 to 1: each quasi-identifier value counts its level over the height of its hierarchy, a withheld value 1), the levels of `intercepted_month` (month, quarter, year), `age_band` (band, wide) and `citizenship` (country, subregion, region), whether `channel` and `profile` are `kept` or `withheld` from every row, and the rows whose value was withheld one by one, per attribute (`suppressed=profile:12,district:3`, or `none`)."),
        )),
        (status = 403, description = "Only the evaluators and the regional coordinator export", body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 422, description = "A bad parameter, or an XLSX of more rows than a sheet holds", body = crate::problem::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/exports/cases")]
pub async fn export_cases(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let query = parse_range_query(req.query_string(), &["jsonl", "csv", "xlsx"])?;
    let format = query.format.as_deref();
    let xlsx = asks_for(&req, format, "xlsx", XLSX);
    let csv = (!xlsx && asks_for(&req, format, "csv", CSV)).then_some(query.dialect);
    let mut export = exports::cases(state.context(), &caller, state.now(), query.request).await?;
    let (from, to) = (export.range.from, export.range.to);
    let anonymity = anonymity_header(&export.anonymity);
    if xlsx {
        let bytes = workbook(export).await?;
        return Ok(HttpResponse::Ok()
            .content_type(XLSX)
            .insert_header((ANONYMITY_HEADER, anonymity))
            .insert_header((
                actix_web::http::header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"casi-{from}-{to}.xlsx\""),
            ))
            .body(bytes));
    }
    // A failure before the first row still answers a problem; after it, the body ends early.
    let first = match export.next_row().await {
        Some(Ok(row)) => Some(row),
        Some(Err(error)) => return Err(error.into()),
        None => None,
    };
    let head: Vec<Result<Bytes, std::io::Error>> = csv
        .map(|dialect| Ok(Bytes::from(csv_header(dialect))))
        .into_iter()
        .chain(first.map(|row| line(row, csv)))
        .collect();
    let rest = futures_util::stream::unfold(export, move |mut export| async move {
        let next = match export.next_row().await? {
            Ok(row) => line(row, csv),
            Err(error) => {
                let error = ApiError::from(error);
                tracing::error!(status = %error.status(), "the export failed after it began; the body ends early");
                Err(std::io::Error::other("the export failed"))
            }
        };
        Some((next, export))
    });
    let (content_type, extension) =
        if csv.is_some() { ("text/csv; charset=utf-8", "csv") } else { (JSON_LINES, "jsonl") };
    Ok(HttpResponse::Ok()
        .content_type(content_type)
        .insert_header((ANONYMITY_HEADER, anonymity))
        .insert_header((
            actix_web::http::header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"casi-{from}-{to}.{extension}\""),
        ))
        .streaming(futures_util::stream::iter(head).chain(rest)))
}

/// Writes the whole export to `file` in `format` (the command line's `export cases`), calling
/// `written` after each row; answers the rows written.
pub(crate) async fn write_export(
    mut export: Export,
    format: ExportFormat,
    dialect: CsvDialect,
    file: &mut dyn std::io::Write,
    written: &dyn Fn(),
) -> Result<u64, String> {
    let io = |error: std::io::Error| error.to_string();
    if format == ExportFormat::Xlsx {
        let rows = export.anonymity.rows;
        if rows > XLSX_MAX_ROWS {
            return Err(format!("--format xlsx: {rows} rows do not fit in one XLSX sheet; ask for csv"));
        }
        let bytes = workbook(export).await.map_err(|error| error.sentence())?;
        file.write_all(&bytes).map_err(io)?;
        return Ok(rows as u64);
    }
    let csv = (format == ExportFormat::Csv).then_some(dialect);
    if let Some(dialect) = csv {
        file.write_all(csv_header(dialect).as_bytes()).map_err(io)?;
    }
    let mut rows = 0;
    while let Some(row) = export.next_row().await {
        let row = row.map_err(|error| format!("the export failed after {rows} rows: {error}"))?;
        file.write_all(&line(row, csv).map_err(io)?).map_err(io)?;
        rows += 1;
        written();
    }
    Ok(rows)
}

/// Rows a worksheet holds below its header.
const XLSX_MAX_ROWS: usize = 1_048_575;

/// The export as a workbook, written on a blocking thread as the rows arrive (a sheet in
/// constant memory), with how it was anonymised on a second sheet. Not streamed: a failure
/// answers a problem.
async fn workbook(mut export: Export) -> Result<Vec<u8>, ApiError> {
    if export.anonymity.rows > XLSX_MAX_ROWS {
        let message = format!("{} rows do not fit in one XLSX sheet; ask for CSV", export.anonymity.rows);
        return Err(ApiError::field("format", "too_many_rows", message));
    }
    let (rows, mut received) = tokio::sync::mpsc::channel::<ExportedCase>(256);
    let summary = export.anonymity.clone();
    let writer = actix_web::rt::task::spawn_blocking(move || xlsx::write(&mut received, &summary));
    while let Some(row) = export.next_row().await {
        if rows.send(ExportedCase::from(row?)).await.is_err() {
            break;
        }
    }
    drop(rows);
    let written = writer.await.map_err(|_| ApiError::internal())?;
    written.map_err(|error| {
        tracing::error!(%error, "cannot write the XLSX export");
        ApiError::internal()
    })
}
