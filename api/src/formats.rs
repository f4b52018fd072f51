//! What reports and exports share at the HTTP edge: the range query (`district` may repeat,
//! `from`, `to`, `format`, `dialect`), the choice of format by `format` or `Accept`, and the CSV
//! dialects.

use actix_web::HttpRequest;
use actix_web::http::header;
use app::RangeRequest;
use chrono::NaiveDate;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use crate::error::ApiError;

pub const CSV: &str = "text/csv";
pub const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
pub const JSON_LINES: &str = "application/x-ndjson";

/// An XLSX workbook in the spec: a binary string, so that generated clients read a file (a
/// `Blob`), not an array of numbers.
pub struct Workbook;

impl utoipa::PartialSchema for Workbook {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::openapi::schema::{KnownFormat, ObjectBuilder, SchemaFormat, Type};
        ObjectBuilder::new()
            .schema_type(Type::String)
            .format(Some(SchemaFormat::KnownFormat(KnownFormat::Binary)))
            .description(Some("An XLSX workbook (Office Open XML spreadsheet)."))
            .into()
    }
}

impl utoipa::ToSchema for Workbook {
    fn name() -> std::borrow::Cow<'static, str> {
        std::borrow::Cow::Borrowed("Workbook")
    }
}

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
    /// How CSV is written: `rfc4180` (the default: comma, dot decimals, UTF-8) or `excel-it`
    /// (for Excel with Italian settings: a UTF-8 byte-order mark, `;`, decimal comma).
    #[param(value_type = Option<String>, pattern = "^(rfc4180|excel-it)$")]
    dialect: Option<String>,
}

/// The formats of the indicators report, named by `format`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)] // Documents the parameter; it is read by `parse_range_query`.
pub struct ReportFormatQuery {
    /// Overrides the `Accept` header.
    #[param(inline)]
    format: Option<ReportFormat>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, ToSchema, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum ReportFormat {
    Json,
    Csv,
    Xlsx,
}

/// The formats of the research export, named by `format`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)] // Documents the parameter; it is read by `parse_range_query`.
pub struct ExportFormatQuery {
    /// Overrides the `Accept` header.
    #[param(inline)]
    format: Option<ExportFormat>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, ToSchema, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum ExportFormat {
    Jsonl,
    Csv,
    Xlsx,
}

/// A range query, read: what is asked, the format named (one of those offered) and the CSV
/// dialect.
pub struct RangeQueryParts {
    pub request: RangeRequest,
    pub format: Option<String>,
    pub dialect: CsvDialect,
}

/// Reads `district` (which may repeat, as the usual query extractor cannot read), `from`, `to`
/// and `format` (one of `formats`).
pub fn parse_range_query(query: &str, formats: &[&str]) -> Result<RangeQueryParts, ApiError> {
    let mut request = RangeRequest::default();
    let mut format = None;
    let mut dialect = CsvDialect::default();
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
            "dialect" => {
                dialect = CsvDialect::named(&value)
                    .ok_or_else(|| ApiError::field("dialect", "unknown_dialect", "must be `rfc4180` or `excel-it`"))?
            }
            other => {
                let other: String = other.chars().filter(|c| !c.is_control()).take(64).collect();
                return Err(ApiError::field(other, "unknown_parameter", "not a parameter of this request"));
            }
        }
    }
    Ok(RangeQueryParts { request, format, dialect })
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

/// How a CSV body is written.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum CsvDialect {
    /// RFC 4180: comma, dot decimals, UTF-8 without a byte-order mark.
    #[default]
    Rfc4180,
    /// Excel with Italian settings opens a comma-separated file in one column and reads UTF-8
    /// only after a byte-order mark ("Attività" garbled): `;`, decimal comma, the mark.
    ExcelIt,
}

impl CsvDialect {
    fn named(name: &str) -> Option<CsvDialect> {
        match name {
            "rfc4180" => Some(CsvDialect::Rfc4180),
            "excel-it" => Some(CsvDialect::ExcelIt),
            _ => None,
        }
    }

    /// What the body starts with.
    pub fn preamble(self) -> &'static str {
        match self {
            CsvDialect::Rfc4180 => "",
            CsvDialect::ExcelIt => "\u{feff}",
        }
    }

    /// One record and its line end (CRLF), fields quoted where they must be.
    pub fn record<S: AsRef<[u8]>>(self, fields: impl IntoIterator<Item = S>) -> String {
        let delimiter = match self {
            CsvDialect::Rfc4180 => b',',
            CsvDialect::ExcelIt => b';',
        };
        let mut writer =
            csv::WriterBuilder::new().delimiter(delimiter).terminator(csv::Terminator::CRLF).from_writer(Vec::new());
        // Writing to memory fails only on a field csv cannot encode, which text cannot be.
        let written = writer.write_record(fields).and_then(|()| writer.flush().map_err(csv::Error::from));
        match (written, writer.into_inner()) {
            (Ok(()), Ok(bytes)) => String::from_utf8_lossy(&bytes).into_owned(),
            _ => "\r\n".to_string(),
        }
    }

    /// A decimal number as the dialect writes it: `0.778` or `0,778`.
    pub fn decimal(self, value: f64) -> String {
        match self {
            CsvDialect::Rfc4180 => value.to_string(),
            CsvDialect::ExcelIt => value.to_string().replace('.', ","),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_dialects_write_what_their_readers_expect() {
        let fields = ["Sezione", "Voce; con punto e virgola", "Totale, \"virgolette\""];
        assert_eq!(
            CsvDialect::Rfc4180.record(fields),
            "Sezione,Voce; con punto e virgola,\"Totale, \"\"virgolette\"\"\"\r\n"
        );
        assert_eq!(
            CsvDialect::ExcelIt.record(fields),
            "Sezione;\"Voce; con punto e virgola\";\"Totale, \"\"virgolette\"\"\"\r\n"
        );
        assert_eq!(CsvDialect::ExcelIt.record(["Attività", ""]), "Attività;\r\n");
        assert_eq!(
            (CsvDialect::Rfc4180.decimal(0.778), CsvDialect::ExcelIt.decimal(0.778)),
            ("0.778".into(), "0,778".into())
        );
        assert_eq!(CsvDialect::ExcelIt.preamble().as_bytes(), [0xEF, 0xBB, 0xBF]);
    }
}
