//! The indicators report: what the districts tell the Region, per district and in total, as
//! JSON, CSV or XLSX. Roles that see every district get small counts withheld (`app::reports`).

mod table;
mod views;

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, get, web};
use app::reports;
use utoipa_actix_web::service_config::ServiceConfig;

use self::table::{table, to_csv, to_xlsx};
use self::views::IndicatorsReport;
use crate::caller::Caller;
use crate::error::ApiError;
use crate::extract::{client_has, content_etag};
use crate::formats::{CSV, CsvDialect, RangeQuery, ReportFormat, ReportFormatQuery, XLSX, asks_for, parse_range_query};
use crate::state::AppState;

pub fn configure(config: &mut ServiceConfig) {
    config.service(indicators);
}

/// The indicators of the districts asked for (default: all of yours), per district and in total.
///
/// JSON by default; `Accept: text/csv` or the XLSX media type (or `format=csv|xlsx`) give the
/// same report as a table: one row per figure with Italian labels, one column per district,
/// then the total. `dialect=excel-it` writes the CSV for Excel with Italian settings.
#[utoipa::path(
    tag = "reports",
    security(("bearer" = [])),
    params(RangeQuery, ReportFormatQuery),
    responses(
        // The table first: generators that decode one media type per answer (such as
        // openapi-python-client) then read every format as text instead of failing to decode
        // a CSV or an XLSX as JSON.
        (status = 200, description = "The report: JSON (`IndicatorsReport`) by default, or a table", content(
            (String = "text/csv"),
            (crate::formats::Workbook = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
            (IndicatorsReport = "application/json"),
        )),
        (status = 304, description = "The report is the one whose `ETag` the request's `If-None-Match` names"),
        (status = 403, description = "The role reads no reports, or a district is not yours", body = crate::problem::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/reports/indicators")]
pub async fn indicators(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let query = parse_range_query(req.query_string(), &["json", "csv", "xlsx"])?;
    let format = query.format.as_deref();
    let report = reports::indicators(state.context(), &caller, state.now(), query.request).await?;
    let (from, to) = (report.from, report.to);
    let file_name = format!("indicatori-{from}-{to}");
    let (chosen, content_type, extension) = if asks_for(&req, format, "csv", CSV) {
        (ReportFormat::Csv, "text/csv; charset=utf-8", "csv")
    } else if asks_for(&req, format, "xlsx", XLSX) {
        (ReportFormat::Xlsx, XLSX, "xlsx")
    } else {
        (ReportFormat::Json, "application/json", "json")
    };
    let body = document(&report, chosen, query.dialect).map_err(|err| {
        tracing::error!(error = %err, "cannot write the report");
        ApiError::internal()
    })?;
    // A dashboard that polls sends back the ETag it has: while the report is the same, the
    // answer is a 304 without the body.
    let etag = content_etag(&body);
    if client_has(&req, &etag) {
        return Ok(HttpResponse::NotModified().insert_header((header::ETAG, etag)).finish());
    }
    let mut answer = HttpResponse::Ok();
    answer.content_type(content_type).insert_header((header::ETAG, etag));
    if chosen != ReportFormat::Json {
        answer
            .insert_header((header::CONTENT_DISPOSITION, format!("attachment; filename=\"{file_name}.{extension}\"")));
    }
    Ok(answer.body(body))
}

/// The report as a document in `format`: what the API answers and the command line writes.
pub(crate) fn document(
    report: &reports::IndicatorsReport,
    format: ReportFormat,
    dialect: CsvDialect,
) -> Result<Vec<u8>, String> {
    let report = IndicatorsReport::from(report.clone());
    match format {
        ReportFormat::Json => serde_json::to_vec(&report).map_err(|err| err.to_string()),
        ReportFormat::Csv => Ok(to_csv(&report, &table(&report), dialect).into_bytes()),
        ReportFormat::Xlsx => to_xlsx(&report, &table(&report)).map_err(|err| err.to_string()),
    }
}
