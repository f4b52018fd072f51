//! Every error leaves as RFC 9457 `application/problem+json`, of one of the kinds of
//! [`ProblemCode`], and never with an internal cause: those go to the log, under the request id.

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpResponse, ResponseError};
use app::{Conflict, Error as AppError};
use domain::Vocabulary;
use domain::validation::{Violation, Violations};

use crate::language::Language;
use crate::limits::MAX_BODY_BYTES;
pub use crate::problem::{
    CodedMessage, DuplicateCandidate, FieldError, MatchElsewhere, OAuthError, Problem, ProblemCode,
};

pub const PROBLEM_JSON: &str = "application/problem+json";

/// An error answer: a problem document, its status and its headers. Build one with the
/// constructors or from a use case's refusal. Boxed, so that `Result<_, ApiError>` stays small.
#[derive(Debug, Clone)]
pub struct ApiError(Box<Details>);

#[derive(Debug, Clone)]
struct Details {
    status: StatusCode,
    /// The document in English; [`ApiError::problem_in`] gives it in another language.
    problem: Problem,
    headers: Vec<(header::HeaderName, String)>,
    /// When the detail is the catalogue's for the kind of problem: the values it names.
    /// Otherwise the detail is the use case's own English sentence.
    catalogue_detail: Option<Vec<(&'static str, String)>>,
}

impl ApiError {
    /// A problem of kind `code`, answered with its status.
    pub fn of(code: ProblemCode) -> ApiError {
        ApiError::with_status(code, code.status())
    }

    fn with_status(code: ProblemCode, status: StatusCode) -> ApiError {
        ApiError(Box::new(Details {
            status,
            problem: Problem {
                problem_type: code.type_uri(),
                code,
                title: code.title(Language::En),
                status: status.as_u16(),
                detail: None,
                errors: Vec::new(),
                candidates: None,
                other_matches: None,
                elsewhere: None,
                reachable: None,
                preconditions: None,
                rules: None,
                error: None,
                error_description: None,
            },
            headers: Vec::new(),
            catalogue_detail: None,
        }))
    }

    /// A detail of the use case's own (in English).
    pub fn with_detail(mut self, detail: impl Into<String>) -> ApiError {
        self.0.problem.detail = Some(detail.into());
        self.0.catalogue_detail = None;
        self
    }

    /// The catalogue's detail for the kind of problem, naming `args`.
    pub fn with_catalogue_detail(mut self, args: Vec<(&'static str, String)>) -> ApiError {
        self.0.problem.detail = Language::En.message(&format!("detail-{}", self.0.problem.code.code()), &args);
        self.0.catalogue_detail = Some(args);
        self
    }

    pub fn with_header(mut self, name: header::HeaderName, value: impl Into<String>) -> ApiError {
        self.0.headers.push((name, value.into()));
        self
    }

    /// The OAuth 2 error code of a refused token request.
    pub fn with_oauth_error(mut self, code: OAuthError) -> ApiError {
        self.0.problem.error = Some(code);
        self
    }

    pub fn status(&self) -> StatusCode {
        self.0.status
    }

    pub fn code(&self) -> ProblemCode {
        self.0.problem.code
    }

    pub fn errors(&self) -> &[FieldError] {
        &self.0.problem.errors
    }

    /// 400: the request cannot be read (malformed JSON, a bad header).
    pub fn bad_request(detail: impl Into<String>) -> ApiError {
        ApiError::of(ProblemCode::BadRequest).with_detail(detail)
    }

    /// 401, with the `WWW-Authenticate` challenge.
    pub fn unauthorized(detail: impl Into<String>) -> ApiError {
        ApiError::of(ProblemCode::Unauthorized)
            .with_detail(detail)
            .with_header(header::WWW_AUTHENTICATE, "Bearer realm=\"inlav\"")
    }

    pub fn forbidden() -> ApiError {
        ApiError::of(ProblemCode::Forbidden).with_catalogue_detail(Vec::new())
    }

    /// 404, also for objects outside the caller's scope: their existence is not confirmed.
    pub fn not_found() -> ApiError {
        ApiError::of(ProblemCode::NotFound).with_catalogue_detail(Vec::new())
    }

    pub fn method_not_allowed(allow: &str) -> ApiError {
        ApiError::of(ProblemCode::MethodNotAllowed)
            .with_catalogue_detail(vec![("allow", allow.to_string())])
            .with_header(header::ALLOW, allow)
    }

    /// 412: `If-Match` names a version that is no longer current.
    pub fn precondition_failed() -> ApiError {
        ApiError::of(ProblemCode::PreconditionFailed).with_catalogue_detail(Vec::new())
    }

    /// 428: an update without `If-Match`.
    pub fn precondition_required() -> ApiError {
        ApiError::of(ProblemCode::PreconditionRequired).with_catalogue_detail(Vec::new())
    }

    pub fn payload_too_large(limit: usize) -> ApiError {
        ApiError::of(ProblemCode::PayloadTooLarge).with_catalogue_detail(vec![("limit", limit.to_string())])
    }

    pub fn header_fields_too_large(detail: impl Into<String>) -> ApiError {
        ApiError::of(ProblemCode::RequestHeaderFieldsTooLarge).with_detail(detail)
    }

    pub fn unsupported_media_type(detail: impl Into<String>) -> ApiError {
        ApiError::of(ProblemCode::UnsupportedMediaType).with_detail(detail)
    }

    /// 422 with field errors.
    pub fn validation(errors: Vec<FieldError>) -> ApiError {
        let mut error = ApiError::of(ProblemCode::ValidationFailed).with_catalogue_detail(Vec::new());
        error.0.problem.errors = errors;
        error
    }

    pub fn field(field: impl Into<String>, code: &'static str, message: impl Into<String>) -> ApiError {
        ApiError::validation(vec![FieldError {
            field: field.into(),
            code: code.to_string(),
            message: message.into(),
            args: Vec::new(),
        }])
    }

    /// 429 after too many failed logins or token requests, with `Retry-After` and the policy
    /// in the `RateLimit-Policy` and `RateLimit` fields (draft-ietf-httpapi-ratelimit-headers):
    /// so many failures per window, none left, and when the quota comes back.
    pub fn too_many_requests(retry_after_seconds: i64) -> ApiError {
        use domain::auth::{FAILURE_WINDOW, MAX_FAILED_LOGINS};
        let seconds = retry_after_seconds.max(1);
        ApiError::of(ProblemCode::TooManyRequests)
            .with_catalogue_detail(Vec::new())
            .with_header(header::RETRY_AFTER, seconds.to_string())
            .with_header(
                header::HeaderName::from_static("ratelimit-policy"),
                format!("\"failures\";q={MAX_FAILED_LOGINS};w={}", FAILURE_WINDOW.num_seconds()),
            )
            .with_header(header::HeaderName::from_static("ratelimit"), format!("\"failures\";r=0;t={seconds}"))
    }

    pub fn internal() -> ApiError {
        ApiError::of(ProblemCode::Internal).with_catalogue_detail(Vec::new())
    }

    pub fn unavailable(detail: impl Into<String>) -> ApiError {
        ApiError::of(ProblemCode::Unavailable).with_detail(detail).with_header(header::RETRY_AFTER, "1")
    }

    /// The problem for a bare status, used where the framework answered without one.
    pub fn for_status(status: StatusCode) -> ApiError {
        match status {
            StatusCode::BAD_REQUEST => ApiError::bad_request("the request could not be read"),
            StatusCode::UNAUTHORIZED => ApiError::unauthorized("authentication required"),
            StatusCode::FORBIDDEN => ApiError::forbidden(),
            StatusCode::NOT_FOUND => ApiError::not_found(),
            StatusCode::PAYLOAD_TOO_LARGE => ApiError::payload_too_large(MAX_BODY_BYTES),
            StatusCode::SERVICE_UNAVAILABLE => ApiError::unavailable("the service cannot answer now"),
            status if status.is_server_error() => ApiError::internal(),
            status => ApiError::with_status(ProblemCode::HttpError, status).with_catalogue_detail(Vec::new()),
        }
    }

    pub fn problem(&self) -> &Problem {
        &self.0.problem
    }

    /// The problem document in `language`: title, detail, field messages and the sentences of
    /// preconditions and rules.
    pub fn problem_in(&self, language: Language) -> Problem {
        let mut problem = self.problem_in_language(language);
        if problem.error.is_some() {
            problem.error_description = problem.detail.clone();
        }
        problem
    }

    fn problem_in_language(&self, language: Language) -> Problem {
        let english = &self.0.problem;
        if language == Language::En {
            let mut problem = english.clone();
            for error in &mut problem.errors {
                error.message = error.message_in(language);
            }
            return problem;
        }
        let code = english.code;
        let detail_id = format!("detail-{}", code.code());
        let detail = match &self.0.catalogue_detail {
            Some(args) => language.message(&detail_id, args),
            // The use case's sentence is English: the catalogue's for the kind stands in for it.
            None => language.message(&detail_id, &[]),
        };
        let in_language = |list: &Option<Vec<CodedMessage>>| {
            list.as_ref().map(|items| items.iter().map(|item| item.in_language(language)).collect())
        };
        Problem {
            title: code.title(language),
            detail: detail.or_else(|| english.detail.clone()),
            errors: english
                .errors
                .iter()
                .map(|error| FieldError { message: error.message_in(language), ..error.clone() })
                .collect(),
            preconditions: in_language(&english.preconditions),
            rules: in_language(&english.rules),
            ..english.clone()
        }
    }

    /// The problem document in `language`, as the body of an answer.
    pub fn body_in(&self, language: Language) -> actix_web::body::BoxBody {
        // A document of strings and numbers always serialises; should it not, the status stands.
        actix_web::body::BoxBody::new(serde_json::to_string(&self.problem_in(language)).unwrap_or_default())
    }

    /// The answer in `language`, with `Content-Language`.
    pub fn response_in(&self, language: Language) -> HttpResponse {
        let mut response = HttpResponse::build(self.0.status);
        response.insert_header((header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON)));
        response.insert_header((header::CONTENT_LANGUAGE, HeaderValue::from_static(language.tag())));
        for (name, value) in &self.0.headers {
            if let Ok(value) = HeaderValue::from_str(value) {
                response.insert_header((name.clone(), value));
            }
        }
        // Its kind, for the middleware that follows the storage's health.
        response.extensions_mut().insert(self.0.problem.code);
        // A document of strings and numbers always serialises; should it not, the status stands.
        response.body(serde_json::to_string(&self.problem_in(language)).unwrap_or_default())
    }
}

impl ApiError {
    /// What went wrong in one sentence, without the status (for the command line).
    pub fn sentence(&self) -> String {
        let problem = &self.0.problem;
        problem.detail.clone().unwrap_or_else(|| problem.title.clone())
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let problem = &self.0.problem;
        write!(f, "{} {}", problem.status, problem.detail.as_deref().unwrap_or(&problem.title))
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.0.status
    }

    /// In English; the problem layer answers it again in the caller's language.
    fn error_response(&self) -> HttpResponse {
        self.response_in(Language::En)
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

impl From<AppError> for ApiError {
    fn from(error: AppError) -> Self {
        match error {
            AppError::Unauthenticated(why) => ApiError::unauthorized(why),
            AppError::Forbidden(None) => ApiError::forbidden(),
            AppError::Forbidden(Some(why)) => ApiError::forbidden().with_detail(why),
            AppError::NotFound => ApiError::not_found(),
            AppError::Invalid(violations) => violations.into(),
            AppError::Stale => ApiError::precondition_failed(),
            AppError::Conflict(conflict) => conflict_problem(conflict),
            AppError::TooManyAttempts { retry_after_seconds } => ApiError::too_many_requests(retry_after_seconds),
            AppError::Storage(error) => error.into(),
            AppError::Internal(cause) => {
                tracing::error!(%cause, "a use case failed");
                ApiError::internal()
            }
        }
    }
}

/// Each conflict is a problem of its own kind, with the members it carries.
fn conflict_problem(conflict: Conflict) -> ApiError {
    let code = match &conflict {
        Conflict::PossibleDuplicate { .. } => ProblemCode::PossibleDuplicate,
        Conflict::InvalidTransition { .. } => ProblemCode::InvalidTransition,
        Conflict::PreconditionsFailed(_) => ProblemCode::PreconditionsFailed,
        Conflict::CaseClosed { .. } => ProblemCode::CaseClosed,
        Conflict::NoClosureRequest => ProblemCode::NoClosureRequest,
        Conflict::ClosureRequestOutdated => ProblemCode::ClosureRequestOutdated,
        Conflict::CaseNotInCharge { .. } => ProblemCode::CaseNotInCharge,
        Conflict::ConsentMissing => ProblemCode::ConsentMissing,
        Conflict::GrantNotEligible(_) => ProblemCode::GrantNotEligible,
        Conflict::AlreadyExists { .. } => ProblemCode::AlreadyExists,
        Conflict::OwnAccount => ProblemCode::OwnAccount,
        Conflict::ConsentAlreadyWithdrawn => ProblemCode::ConsentAlreadyWithdrawn,
        Conflict::ServiceAccountRevoked => ProblemCode::ServiceAccountRevoked,
        Conflict::WebhookDisabled => ProblemCode::WebhookDisabled,
        Conflict::WebhookLimit => ProblemCode::WebhookLimit,
        Conflict::PeriodOverlaps => ProblemCode::PeriodOverlaps,
        Conflict::StoredData => ProblemCode::Conflict,
        Conflict::LegalHold => ProblemCode::LegalHold,
    };
    let mut error = ApiError::of(code).with_detail(conflict.detail());
    let problem = &mut error.0.problem;
    match conflict {
        Conflict::PossibleDuplicate { candidates, other_matches, elsewhere } => {
            if !elsewhere.is_empty() {
                problem.elsewhere = Some(
                    elsewhere
                        .into_iter()
                        .map(|found| MatchElsewhere {
                            district: found.district,
                            match_token: found.match_token,
                            expires_at: found.expires_at,
                        })
                        .collect(),
                );
            }
            problem.candidates = Some(
                candidates
                    .into_iter()
                    .map(|c| DuplicateCandidate {
                        id: c.id,
                        alias: c.alias,
                        first_name: c.first_name,
                        last_name: c.last_name,
                        birth_year: c.birth_year,
                        citizenships: c.citizenships,
                        district: c.district,
                    })
                    .collect(),
            );
            problem.other_matches = Some(other_matches);
        }
        Conflict::InvalidTransition { reachable, .. } => {
            problem.reachable = Some(reachable.into_iter().map(String::from).collect());
        }
        Conflict::PreconditionsFailed(failed) => {
            problem.preconditions = Some(
                failed
                    .iter()
                    .map(|p| CodedMessage {
                        code: p.code().to_string(),
                        message: p.label_en().to_string(),
                        message_it: p.label_it().to_string(),
                    })
                    .collect(),
            );
        }
        Conflict::GrantNotEligible(broken) => {
            problem.rules = Some(
                broken
                    .into_iter()
                    .map(|rule| CodedMessage {
                        code: rule.code().to_string(),
                        message: rule.label_en().to_string(),
                        message_it: rule.label_it().to_string(),
                    })
                    .collect(),
            );
        }
        _ => {}
    }
    error
}

impl From<persistence::Error> for ApiError {
    fn from(error: persistence::Error) -> Self {
        use persistence::Error as E;
        match error {
            E::NotFound => ApiError::not_found(),
            E::StaleVersion => ApiError::precondition_failed(),
            E::Conflict(cause) => {
                tracing::info!(%cause, "write refused by a constraint");
                conflict_problem(Conflict::StoredData)
            }
            E::Busy => ApiError::unavailable("the database is busy; retry shortly"),
            E::LongReadsBusy { retry_after } => ApiError::of(ProblemCode::LongReadsBusy)
                .with_catalogue_detail(Vec::new())
                .with_header(header::RETRY_AFTER, retry_after.as_secs().max(1).to_string()),
            E::Unavailable(cause) => {
                tracing::warn!(%cause, "database unavailable");
                ApiError::unavailable("the database is unavailable; retry shortly")
            }
            // The fault is logged once per episode by `storage_health`, not once per request.
            E::StorageFull(cause) => {
                tracing::debug!(%cause, "storage full");
                ApiError::of(ProblemCode::StorageFull)
                    .with_catalogue_detail(Vec::new())
                    .with_header(header::RETRY_AFTER, "30")
            }
            E::ReadOnly(cause) => {
                tracing::debug!(%cause, "database read-only");
                ApiError::of(ProblemCode::ReadOnly)
                    .with_catalogue_detail(Vec::new())
                    .with_header(header::RETRY_AFTER, "30")
            }
            E::Damaged(cause) => {
                tracing::debug!(%cause, "storage failed");
                ApiError::of(ProblemCode::StorageError)
                    .with_catalogue_detail(Vec::new())
                    .with_header(header::RETRY_AFTER, "60")
            }
            E::Corrupt(cause) => {
                tracing::error!(%cause, "stored data does not fit the domain");
                ApiError::internal()
            }
            E::Cancelled => ApiError::unavailable("the work was cancelled"),
            E::Internal(cause) | E::Query(cause) => {
                tracing::error!(%cause, "database work failed");
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
                    let args = ["min", "max"]
                        .into_iter()
                        .filter_map(|name| error.params.get(name).map(|value| (name, value.to_string())))
                        .collect();
                    let mut field = FieldError::of(path.clone(), &error.code, args);
                    // A rule's own sentence, when it gave one, is its English message.
                    field.message = error.message.as_ref().map(ToString::to_string).unwrap_or_default();
                    out.push(field);
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
