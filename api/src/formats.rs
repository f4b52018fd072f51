//! What reports and exports share at the HTTP edge: the range query (`district` may repeat,
//! `from`, `to`, `format`), the choice of format by `format` or `Accept`, and CSV fields.

use actix_web::HttpRequest;
use actix_web::http::header;
use app::RangeRequest;
use chrono::NaiveDate;
use serde::Deserialize;
use utoipa::IntoParams;

use crate::error::ApiError;

pub const CSV: &str = "text/csv";
pub const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
pub const JSON_LINES: &str = "application/x-ndjson";

/// The districts and days of a report or an export, as asked.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)] // Documents the parameters; they are read by `parse_range_query`.
pub struct RangeQuery {
    /// A district code; repeat it for several. Default: all of your districts (all twelve for
    /// the Region and evaluators).
    #[param(value_type = Option<Vec<String>>, style = Form, explode)]
    district: Option<Vec<String>>,
    /// First day, inclusive. Default: 1 January of `to`'s year.
    from: Option<NaiveDate>,
    /// Last day, inclusive. Default: today.
    to: Option<NaiveDate>,
    /// Overrides the `Accept` header: `json`, `csv` or `xlsx` (exports: `jsonl` or `csv`).
    format: Option<String>,
}

/// A range query, read: what is asked, and the format named (one of those offered).
pub struct RangeQueryParts {
    pub request: RangeRequest,
    pub format: Option<String>,
}

/// Reads `district` (which may repeat, as the usual query extractor cannot read), `from`, `to`
/// and `format` (one of `formats`).
pub fn parse_range_query(query: &str, formats: &[&str]) -> Result<RangeQueryParts, ApiError> {
    let mut request = RangeRequest::default();
    let mut format = None;
    for (name, value) in form_urlencoded::parse(query.as_bytes()) {
        let day = |value: &str| {
            NaiveDate::parse_from_str(value, "%Y-%m-%d")
                .map_err(|_| ApiError::field(name.to_string(), "invalid_date", "must be a date such as 2026-03-31"))
        };
        match name.as_ref() {
            "district" => request.districts.push(value.to_string()),
            "from" => request.from = Some(day(&value)?),
            "to" => request.to = Some(day(&value)?),
            "format" if formats.contains(&value.as_ref()) => format = Some(value.to_string()),
            "format" => {
                let value: String = value.chars().filter(|c| !c.is_control()).take(32).collect();
                let message = format!("`{value}` is not one of {}", formats.join(", "));
                return Err(ApiError::field("format", "unknown_format", message));
            }
            other => {
                let other: String = other.chars().filter(|c| !c.is_control()).take(64).collect();
                return Err(ApiError::field(other, "unknown_parameter", "not a parameter of this request"));
            }
        }
    }
    Ok(RangeQueryParts { request, format })
}

/// Whether the request asks for `media_type`, by `format` or by `Accept`.
pub fn asks_for(req: &HttpRequest, format: Option<&str>, name: &str, media_type: &str) -> bool {
    match format {
        Some(format) => format == name,
        None => req
            .headers()
            .get(header::ACCEPT)
            .and_then(|accept| accept.to_str().ok())
            .is_some_and(|accept| accept.split(',').any(|part| part.trim().starts_with(media_type))),
    }
}

/// A CSV field (RFC 4180): quoted when it holds a comma, a quote or a line break.
pub fn csv_field(text: &str) -> String {
    if text.contains([',', '"', '\n', '\r']) { format!("\"{}\"", text.replace('"', "\"\"")) } else { text.to_string() }
}
