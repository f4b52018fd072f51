//! Every error leaves as RFC 9457 `application/problem+json`, with a stable `type`, and never
//! with an internal cause: those go to the log, under the request id.

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpResponse, ResponseError};
use domain::validation::{Violation, Violations};
use serde::Serialize;
use utoipa::ToSchema;

pub const PROBLEM_JSON: &str = "application/problem+json";

/// An RFC 9457 problem document.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Problem {
    /// A URI naming the kind of problem; stable, for clients to switch on.
    #[schema(example = "urn:inlav:problem:validation-failed")]
    #[serde(rename = "type")]
    pub problem_type: String,
    /// A short summary of the kind of problem.
    pub title: String,
    /// The HTTP status code.
    pub status: u16,
    /// What went wrong with this request.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// Field-level errors of a request that failed validation.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    #[schema(nullable = false)]
    pub errors: Vec<FieldError>,
}

/// One invalid field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct FieldError {
    /// The field, as a JSON path (`districts[1]`, `organization_id`); empty for the whole body.
    pub field: String,
    /// A stable code, e.g. `required`, `too_long`, `unknown_field`, `invalid_type`.
    pub code: String,
    /// A sentence for a person.
    pub message: String,
}

impl From<Violation> for FieldError {
    fn from(violation: Violation) -> Self {
        FieldError { field: violation.field, code: violation.code.to_string(), message: violation.message }
    }
}

/// An error answer. Build one with the constructors; each picks the status and `type`.
/// Boxed, so that `Result<_, ApiError>` stays small on every path.
#[derive(Debug, Clone)]
pub struct ApiError(Box<Details>);

#[derive(Debug, Clone)]
struct Details {
    status: StatusCode,
    slug: &'static str,
    title: &'static str,
    detail: Option<String>,
    errors: Vec<FieldError>,
    headers: Vec<(header::HeaderName, String)>,
    /// Extra members of the problem document (e.g. failed preconditions).
    extensions: serde_json::Map<String, serde_json::Value>,
}

impl ApiError {
    fn new(status: StatusCode, slug: &'static str, title: &'static str) -> ApiError {
        ApiError(Box::new(Details {
            status,
            slug,
            title,
            detail: None,
            errors: Vec::new(),
            headers: Vec::new(),
            extensions: serde_json::Map::new(),
        }))
    }

    pub fn with_detail(mut self, detail: impl Into<String>) -> ApiError {
        self.0.detail = Some(detail.into());
        self
    }

    pub fn with_header(mut self, name: header::HeaderName, value: impl Into<String>) -> ApiError {
        self.0.headers.push((name, value.into()));
        self
    }

    pub fn with_extension(mut self, name: &str, value: serde_json::Value) -> ApiError {
        self.0.extensions.insert(name.to_string(), value);
        self
    }

    pub fn status(&self) -> StatusCode {
        self.0.status
    }

    pub fn errors(&self) -> &[FieldError] {
        &self.0.errors
    }

    /// 400: the request cannot be read (malformed JSON, a bad cursor).
    pub fn bad_request(detail: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, "bad-request", "Malformed request").with_detail(detail)
    }

    /// 401, with the `WWW-Authenticate` challenge.
    pub fn unauthorized(detail: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::UNAUTHORIZED, "unauthorized", "Authentication required")
            .with_detail(detail)
            .with_header(header::WWW_AUTHENTICATE, "Bearer realm=\"inlav\"")
    }

    pub fn forbidden() -> ApiError {
        ApiError::new(StatusCode::FORBIDDEN, "forbidden", "Forbidden").with_detail("your role does not allow this")
    }

    /// 404, also for objects outside the caller's scope: their existence is not confirmed.
    pub fn not_found() -> ApiError {
        ApiError::new(StatusCode::NOT_FOUND, "not-found", "Not found").with_detail("no such resource")
    }

    pub fn method_not_allowed(allow: &str) -> ApiError {
        ApiError::new(StatusCode::METHOD_NOT_ALLOWED, "method-not-allowed", "Method not allowed")
            .with_detail(format!("this resource accepts: {allow}"))
            .with_header(header::ALLOW, allow)
    }

    pub fn conflict(detail: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::CONFLICT, "conflict", "Conflict with the current state").with_detail(detail)
    }

    /// 412: `If-Match` names a version that is no longer current.
    pub fn precondition_failed() -> ApiError {
        ApiError::new(StatusCode::PRECONDITION_FAILED, "precondition-failed", "Stale version")
            .with_detail("the resource changed since you read it: read it again and reapply your change")
    }

    /// 428: an update without `If-Match`.
    pub fn precondition_required() -> ApiError {
        ApiError::new(StatusCode::PRECONDITION_REQUIRED, "precondition-required", "If-Match required")
            .with_detail("send the ETag of the version you read in an If-Match header")
    }

    pub fn payload_too_large(limit: usize) -> ApiError {
        ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, "payload-too-large", "Request body too large")
            .with_detail(format!("the body may be at most {limit} bytes"))
    }

    pub fn header_fields_too_large(detail: impl Into<String>) -> ApiError {
        ApiError::new(
            StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
            "request-header-fields-too-large",
            "Request header fields too large",
        )
        .with_detail(detail)
    }

    pub fn unsupported_media_type(detail: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported-media-type", "Unsupported media type")
            .with_detail(detail)
    }

    /// 422 with field errors.
    pub fn validation(errors: Vec<FieldError>) -> ApiError {
        let mut error = ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "validation-failed", "Invalid request")
            .with_detail("one or more fields are invalid; see errors");
        error.0.errors = errors;
        error
    }

    pub fn field(field: impl Into<String>, code: &'static str, message: impl Into<String>) -> ApiError {
        ApiError::validation(vec![FieldError { field: field.into(), code: code.to_string(), message: message.into() }])
    }

    pub fn too_many_requests(retry_after_seconds: i64) -> ApiError {
        ApiError::new(StatusCode::TOO_MANY_REQUESTS, "too-many-requests", "Too many requests")
            .with_detail("too many attempts; try again later")
            .with_header(header::RETRY_AFTER, retry_after_seconds.max(1).to_string())
    }

    pub fn internal() -> ApiError {
        ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", "Internal error")
            .with_detail("the server failed to answer; the incident is logged under this response's X-Request-Id")
    }

    pub fn unavailable(detail: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "unavailable", "Service unavailable")
            .with_detail(detail)
            .with_header(header::RETRY_AFTER, "1")
    }

    /// The problem for a bare status, used where the framework answered without one.
    pub fn for_status(status: StatusCode) -> ApiError {
        match status {
            StatusCode::BAD_REQUEST => ApiError::bad_request("the request could not be read"),
            StatusCode::UNAUTHORIZED => ApiError::unauthorized("authentication required"),
            StatusCode::FORBIDDEN => ApiError::forbidden(),
            StatusCode::NOT_FOUND => ApiError::not_found(),
            StatusCode::PAYLOAD_TOO_LARGE => ApiError::payload_too_large(crate::extract::MAX_BODY_BYTES),
            StatusCode::SERVICE_UNAVAILABLE => ApiError::unavailable("the service cannot answer now"),
            status if status.is_server_error() => ApiError::internal(),
            status => ApiError::new(status, "http-error", "Request refused")
                .with_detail(status.canonical_reason().unwrap_or("the request was refused").to_lowercase()),
        }
    }

    pub fn problem(&self) -> Problem {
        Problem {
            problem_type: format!("urn:inlav:problem:{}", self.0.slug),
            title: self.0.title.to_string(),
            status: self.0.status.as_u16(),
            detail: self.0.detail.clone(),
            errors: self.0.errors.clone(),
        }
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.0.status.as_u16(), self.0.detail.as_deref().unwrap_or(self.0.title))
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.0.status
    }

    fn error_response(&self) -> HttpResponse {
        let mut body = match serde_json::to_value(self.problem()) {
            Ok(serde_json::Value::Object(map)) => map,
            _ => serde_json::Map::new(),
        };
        for (name, value) in &self.0.extensions {
            body.insert(name.clone(), value.clone());
        }
        let mut response = HttpResponse::build(self.0.status);
        response.insert_header((header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON)));
        for (name, value) in &self.0.headers {
            if let Ok(value) = HeaderValue::from_str(value) {
                response.insert_header((name.clone(), value));
            }
        }
        response.body(serde_json::Value::Object(body).to_string())
    }
}

impl From<Violations> for ApiError {
    fn from(violations: Violations) -> Self {
        ApiError::validation(violations.into_vec().into_iter().map(FieldError::from).collect())
    }
}

impl From<Violation> for ApiError {
    fn from(violation: Violation) -> Self {
        ApiError::validation(vec![violation.into()])
    }
}

impl From<persistence::Error> for ApiError {
    fn from(error: persistence::Error) -> Self {
        use persistence::Error as E;
        match error {
            E::NotFound => ApiError::not_found(),
            E::StaleVersion => ApiError::precondition_failed(),
            E::Conflict(cause) => {
                tracing::info!(%cause, "write refused by a constraint");
                ApiError::conflict("the change conflicts with stored data")
            }
            E::Refused(why) => ApiError::conflict(why),
            E::Busy => ApiError::unavailable("the database is busy; retry shortly"),
            E::Unavailable(cause) => {
                tracing::warn!(%cause, "database unavailable");
                ApiError::unavailable("the database is unavailable; retry shortly")
            }
            E::Corrupt(cause) => {
                tracing::error!(%cause, "stored data does not fit the domain");
                ApiError::internal()
            }
            E::Query(cause) => {
                tracing::error!(%cause, "database query failed");
                ApiError::internal()
            }
        }
    }
}

impl From<validator::ValidationErrors> for ApiError {
    fn from(errors: validator::ValidationErrors) -> Self {
        let mut fields = Vec::new();
        collect_validation_errors("", &errors, &mut fields);
        ApiError::validation(fields)
    }
}

fn collect_validation_errors(prefix: &str, errors: &validator::ValidationErrors, out: &mut Vec<FieldError>) {
    use validator::ValidationErrorsKind;
    let mut entries: Vec<_> = errors.errors().iter().collect();
    entries.sort_by(|a, b| a.0.cmp(b.0));
    for (name, kind) in entries {
        let path = if prefix.is_empty() { name.to_string() } else { format!("{prefix}.{name}") };
        match kind {
            ValidationErrorsKind::Field(list) => {
                for error in list {
                    out.push(FieldError {
                        field: path.clone(),
                        code: error.code.to_string(),
                        message: error.message.as_ref().map(ToString::to_string).unwrap_or_else(|| describe(error)),
                    });
                }
            }
            ValidationErrorsKind::Struct(inner) => collect_validation_errors(&path, inner, out),
            ValidationErrorsKind::List(items) => {
                for (index, inner) in items {
                    collect_validation_errors(&format!("{path}[{index}]"), inner, out);
                }
            }
        }
    }
}

/// A message for a validator error that carries none, from its parameters.
fn describe(error: &validator::ValidationError) -> String {
    let param = |name: &str| error.params.get(name).map(ToString::to_string);
    match error.code.as_ref() {
        "length" => match (param("min"), param("max")) {
            (Some(min), Some(max)) => format!("must have from {min} to {max} characters or items"),
            (Some(min), None) => format!("must have at least {min} characters or items"),
            (None, Some(max)) => format!("must have at most {max} characters or items"),
            _ => "has the wrong length".into(),
        },
        "range" => match (param("min"), param("max")) {
            (Some(min), Some(max)) => format!("must be from {min} to {max}"),
            (Some(min), None) => format!("must be at least {min}"),
            (None, Some(max)) => format!("must be at most {max}"),
            _ => "is out of range".into(),
        },
        other => format!("is invalid ({other})"),
    }
}
