//! The closed list of problems a client can receive. Each has a stable `code` (the member
//! clients switch on), its own `type` URI, an HTTP status and a title; the spec lists them all
//! and the extension members each carries.

use actix_web::http::StatusCode;
use domain::validation::Violation;

use crate::language::Language;
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

macro_rules! problems {
    ($(
        $(#[doc = $doc:literal])*
        $variant:ident => ($code:literal, $slug:literal, $status:ident),
    )*) => {
        /// The kind of a problem document (its `code`); the `type` is `urn:inlav:problem:` and
        /// the code in kebab case.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, ToSchema)]
        #[serde(rename_all = "snake_case")]
        pub enum ProblemCode {
            $($(#[doc = $doc])* $variant,)*
        }

        impl ProblemCode {
            pub const ALL: &'static [ProblemCode] = &[$(ProblemCode::$variant,)*];

            /// The stable snake_case code.
            pub fn code(self) -> &'static str {
                match self { $(ProblemCode::$variant => $code,)* }
            }

            /// The last part of the `type` URI.
            pub fn slug(self) -> &'static str {
                match self { $(ProblemCode::$variant => $slug,)* }
            }

            /// The status the problem is answered with (`http_error`: the one the HTTP layer chose).
            pub fn status(self) -> StatusCode {
                match self { $(ProblemCode::$variant => StatusCode::$status,)* }
            }


            /// What the problem means, for the spec.
            pub fn description(self) -> &'static str {
                match self { $(ProblemCode::$variant => concat!($($doc, " ",)*).trim_ascii(),)* }
            }
        }
    };
}

problems! {
    /// The request cannot be read: malformed JSON, an unreadable body, a bad header.
    BadRequest => ("bad_request", "bad-request", BAD_REQUEST),
    /// No valid credentials: missing, wrong, expired or revoked. Answered with `WWW-Authenticate`.
    Unauthorized => ("unauthorized", "unauthorized", UNAUTHORIZED),
    /// The role, or the partner system's scopes, do not allow this.
    Forbidden => ("forbidden", "forbidden", FORBIDDEN),
    /// An administrator reset the password: the login's token may only change it
    /// (`POST /api/v1/me/password`); refresh afterwards for a full token.
    PasswordChangeRequired => ("password_change_required", "password-change-required", FORBIDDEN),
    /// No such resource, or one outside the caller's scope: its existence is not confirmed.
    NotFound => ("not_found", "not-found", NOT_FOUND),
    /// The resource does not take this method; `Allow` lists those it takes.
    MethodNotAllowed => ("method_not_allowed", "method-not-allowed", METHOD_NOT_ALLOWED),
    /// The resource changed since the version named in `If-Match` was read.
    PreconditionFailed => ("precondition_failed", "precondition-failed", PRECONDITION_FAILED),
    /// An update sent without `If-Match`.
    PreconditionRequired => ("precondition_required", "precondition-required", PRECONDITION_REQUIRED),
    /// The body is larger than the service accepts (1 MiB).
    PayloadTooLarge => ("payload_too_large", "payload-too-large", PAYLOAD_TOO_LARGE),
    /// The body is not JSON in UTF-8.
    UnsupportedMediaType => ("unsupported_media_type", "unsupported-media-type", UNSUPPORTED_MEDIA_TYPE),
    /// A header, or all of them together, are larger than the service accepts.
    RequestHeaderFieldsTooLarge => ("request_header_fields_too_large", "request-header-fields-too-large", REQUEST_HEADER_FIELDS_TOO_LARGE),
    /// Fields break rules; `errors` lists every one of them.
    ValidationFailed => ("validation_failed", "validation-failed", UNPROCESSABLE_ENTITY),
    /// Records that may be the same person exist: `candidates` lists those the caller may see,
    /// `other_matches` counts the others. Send `confirm_new: true` to register anyway.
    PossibleDuplicate => ("possible_duplicate", "possible-duplicate", CONFLICT),
    /// The lifecycle does not lead there from the current status; `reachable` lists where it leads.
    InvalidTransition => ("invalid_transition", "invalid-transition", CONFLICT),
    /// Taking in charge needs what `preconditions` lists.
    PreconditionsFailed => ("preconditions_failed", "preconditions-failed", CONFLICT),
    /// A closed case cannot change; a district coordinator may reopen it.
    CaseClosed => ("case_closed", "case-closed", CONFLICT),
    /// No closure is waiting for approval.
    NoClosureRequest => ("no_closure_request", "no-closure-request", CONFLICT),
    /// The case moved after the closure was requested: ask for a new closure.
    ClosureRequestOutdated => ("closure_request_outdated", "closure-request-outdated", CONFLICT),
    /// Pathway and support services need the case taken in charge on the day they are given.
    CaseNotInCharge => ("case_not_in_charge", "case-not-in-charge", CONFLICT),
    /// The beneficiary has not consented to sharing data with the organisation.
    ConsentMissing => ("consent_missing", "consent-missing", CONFLICT),
    /// The work grant breaks the programme's rules, each listed in `rules`.
    GrantNotEligible => ("grant_not_eligible", "grant-not-eligible", CONFLICT),
    /// A record with this e-mail address or name already exists.
    AlreadyExists => ("already_exists", "already-exists", CONFLICT),
    /// An administrator cannot deactivate or demote their own account.
    OwnAccount => ("own_account", "own-account", CONFLICT),
    /// The consent was already withdrawn.
    ConsentAlreadyWithdrawn => ("consent_already_withdrawn", "consent-already-withdrawn", CONFLICT),
    /// The partner system's credentials are revoked for good.
    ServiceAccountRevoked => ("service_account_revoked", "service-account-revoked", CONFLICT),
    /// The webhook endpoint is disabled: enable it before testing or redelivering.
    WebhookDisabled => ("webhook_disabled", "webhook-disabled", CONFLICT),
    /// The organisation has as many webhook endpoints as it may.
    WebhookLimit => ("webhook_limit", "webhook-limit", CONFLICT),
    /// The period overlaps another period of the same district.
    PeriodOverlaps => ("period_overlaps", "period-overlaps", CONFLICT),
    /// A legal procedure of the person is planned, filed or pending: their data is held and
    /// cannot be erased until it is decided or withdrawn.
    LegalHold => ("legal_hold", "legal-hold", CONFLICT),
    /// The change conflicts with stored data (a uniqueness or reference rule).
    Conflict => ("conflict", "conflict", CONFLICT),
    /// Too many failed attempts for this account or client; `Retry-After` says when to try again.
    TooManyRequests => ("too_many_requests", "too-many-requests", TOO_MANY_REQUESTS),
    /// The server failed; the incident is logged under the response's `X-Request-Id`.
    Internal => ("internal", "internal", INTERNAL_SERVER_ERROR),
    /// The database is busy or unreachable; `Retry-After` says when to try again.
    Unavailable => ("unavailable", "unavailable", SERVICE_UNAVAILABLE),
    /// As many exports and reports over many districts run and wait as the instance allows;
    /// `Retry-After` says when to try again.
    LongReadsBusy => ("long_reads_busy", "long-reads-busy", SERVICE_UNAVAILABLE),
    /// The disk holding the database is full: nothing was written (an `Idempotency-Key` may be
    /// used again); writes work again once an operator frees space. `Retry-After` is a guess.
    StorageFull => ("storage_full", "storage-full", SERVICE_UNAVAILABLE),
    /// The database takes no writes (a read-only file or mount, a PostgreSQL standby): reads
    /// still work; `Retry-After` says when to try again.
    ReadOnly => ("read_only", "read-only", SERVICE_UNAVAILABLE),
    /// The database file is damaged, is not a database, or the disk failed: an operator must
    /// look (`inlav check`); `Retry-After` says when to try again.
    StorageError => ("storage_error", "storage-error", SERVICE_UNAVAILABLE),
    /// Another refusal of the HTTP layer (its status is the answer's).
    HttpError => ("http_error", "http-error", BAD_REQUEST),
}

impl ProblemCode {
    /// A short summary of the kind of problem, in `language`.
    pub fn title(self, language: Language) -> String {
        language.message(&format!("title-{}", self.code()), &[]).unwrap_or_else(|| self.code().to_string())
    }

    /// The `type` URI.
    pub fn type_uri(self) -> String {
        format!("urn:inlav:problem:{}", self.slug())
    }
}

/// An RFC 9457 problem document. Besides the standard members it carries `code` (which kind
/// of problem) and, for some kinds, members of their own, listed below with the kinds that
/// carry them.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Problem {
    /// `urn:inlav:problem:` and the code in kebab case; stable, for clients to switch on.
    #[schema(example = "urn:inlav:problem:validation-failed")]
    #[serde(rename = "type")]
    pub problem_type: String,
    /// Which kind of problem; stable, for clients to switch on.
    pub code: ProblemCode,
    /// A short summary of the kind of problem.
    pub title: String,
    /// The HTTP status code.
    pub status: u16,
    /// What went wrong with this request.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub detail: Option<String>,
    /// `validation_failed`: every invalid field.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    #[schema(nullable = false)]
    pub errors: Vec<FieldError>,
    /// `possible_duplicate`: the records the caller may see that may be the same person.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub candidates: Option<Vec<DuplicateCandidate>>,
    /// `possible_duplicate`: how many more records match that the caller may not see.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub other_matches: Option<usize>,
    /// `possible_duplicate`, to a caller who may ask for transfers: the matches held by other
    /// districts, each with a token to ask for its transfer (`POST /api/v1/transfers`).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub elsewhere: Option<Vec<MatchElsewhere>>,
    /// `invalid_transition`: the statuses the resource can move to from its current one.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub reachable: Option<Vec<String>>,
    /// `preconditions_failed`: what taking in charge still needs.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub preconditions: Option<Vec<CodedMessage>>,
    /// `grant_not_eligible`: the programme's rules the work grant breaks.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub rules: Option<Vec<CodedMessage>>,
    /// `/auth/token` only: the OAuth 2 error code (RFC 6749 §5.2).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub error: Option<OAuthError>,
    /// `/auth/token` only: the `detail`, under the name OAuth 2 clients read (RFC 6749 §5.2).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub error_description: Option<String>,
}

/// The error codes of RFC 6749 §5.2, for a refused token request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum OAuthError {
    /// The request is malformed: a body that cannot be read, a missing or invalid parameter.
    InvalidRequest,
    /// Unknown client or wrong secret (answered 401).
    InvalidClient,
    /// The grant type is not `client_credentials`.
    UnsupportedGrantType,
    /// A scope asked for is unknown or not held by the client.
    InvalidScope,
}

/// A refused token request: a problem document that always carries the OAuth 2 `error`
/// and `error_description`, so OAuth 2 client libraries read it as RFC 6749 §5.2 says.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OAuthProblem {
    #[serde(flatten)]
    pub problem: Problem,
    pub error: OAuthError,
    pub error_description: String,
}

/// One invalid field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct FieldError {
    /// The field, as a JSON path (`districts[1]`, `organization_id`); empty for the whole body.
    pub field: String,
    /// A stable code, e.g. `required`, `too_long`, `unknown_field`, `invalid_type`.
    pub code: String,
    /// A sentence for a person, in the language of the answer.
    pub message: String,
    /// The values the catalogue's message for `code` names (`min`, `max`, `expected`...).
    #[serde(skip)]
    pub args: Vec<(&'static str, String)>,
}

impl FieldError {
    /// An error whose message, in every language, is the catalogue's for its code.
    pub fn of(field: impl Into<String>, code: &str, args: Vec<(&'static str, String)>) -> FieldError {
        let mut error = FieldError { field: field.into(), code: code.to_string(), message: String::new(), args };
        error.message = error.message_in(Language::En);
        error
    }

    /// The message in `language`: the catalogue's for the code, or the rule's own English one.
    pub fn message_in(&self, language: Language) -> String {
        if language == Language::En && !self.message.is_empty() {
            return self.message.clone();
        }
        // Selectors the message may switch on, when the rule gave no value for them.
        let given = |name: &str| self.args.iter().any(|(n, _)| *n == name);
        let bounds = match (given("min"), given("max")) {
            (true, true) => "both",
            (true, false) => "min",
            (false, true) => "max",
            (false, false) => "none",
        };
        let defaults = [("min", "none"), ("max", "none"), ("expected", "other"), ("allowed", "none")];
        let mut args = self.args.clone();
        args.extend(defaults.iter().filter(|(name, _)| !given(name)).map(|(name, value)| (*name, value.to_string())));
        args.push(("bounds", bounds.to_string()));
        let catalogue = |id: &str| language.message(id, &args);
        catalogue(&format!("field-{}", self.code))
            .or_else(|| (language == Language::En).then(|| self.message.clone()).filter(|m| !m.is_empty()))
            .or_else(|| catalogue("field-other"))
            .unwrap_or_else(|| self.code.clone())
    }
}

/// The `allowed` of an `unknown_code` error: the codes a client may send, when known.
pub fn allowed_values<S: AsRef<str>>(allowed: &[S]) -> Vec<(&'static str, String)> {
    let names: Vec<&str> = allowed.iter().map(AsRef::as_ref).collect();
    if names.is_empty() { Vec::new() } else { vec![("allowed", names.join(", "))] }
}

impl From<Violation> for FieldError {
    fn from(violation: Violation) -> Self {
        FieldError {
            field: violation.field,
            code: violation.code.to_string(),
            message: violation.message,
            args: Vec::new(),
        }
    }
}

/// A record that may be the same person, as shown to a caller who may see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct DuplicateCandidate {
    pub id: Uuid,
    pub alias: String,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub birth_year: Option<i32>,
    pub citizenships: Option<Vec<String>>,
    pub district: String,
}

/// A possible duplicate held by another district: where, and a token that names it for a
/// transfer request; nothing of the person.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct MatchElsewhere {
    pub district: String,
    /// Yours alone; give it as `match_token` to `POST /api/v1/transfers` before it expires.
    pub match_token: String,
    pub expires_at: chrono::DateTime<chrono::Utc>,
}

/// A code and a sentence for a person, in the language of the answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct CodedMessage {
    pub code: String,
    pub message: String,
    /// The sentence in Italian.
    #[serde(skip)]
    pub message_it: String,
}

impl CodedMessage {
    pub fn in_language(&self, language: Language) -> CodedMessage {
        let message = if language == Language::It { &self.message_it } else { &self.message };
        CodedMessage { code: self.code.clone(), message: message.clone(), message_it: self.message_it.clone() }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn field_messages_come_from_the_catalogue_in_both_languages() {
        let bounded = FieldError::of("name", "too_long", vec![("max", "120".into())]);
        assert_eq!(bounded.message_in(Language::En), "must be at most 120 characters");
        assert_eq!(bounded.message_in(Language::It), "deve avere al massimo 120 caratteri");
        let unbounded = FieldError::of("name", "too_long", vec![]);
        assert_eq!(unbounded.message_in(Language::It), "è troppo lungo");
        let range = FieldError::of("year", "range", vec![("min", "1900".into())]);
        assert_eq!(range.message_in(Language::It), "deve essere almeno 1900");
        // A rule's own English sentence is kept in English; Italian comes from the catalogue.
        let rule = FieldError::from(Violation::new("when", "in_future", "must not be after today"));
        assert_eq!(rule.message_in(Language::En), "must not be after today");
        assert_eq!(rule.message_in(Language::It), "non può essere nel futuro");
        let unknown = FieldError::of("x", "no_such_code", vec![]);
        assert_eq!(unknown.message_in(Language::It), "non è valido");
    }

    #[test]
    fn codes_and_types_are_unique_and_of_one_form() {
        let mut codes: Vec<&str> = ProblemCode::ALL.iter().map(|p| p.code()).collect();
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), ProblemCode::ALL.len());
        for problem in ProblemCode::ALL {
            assert_eq!(problem.slug(), problem.code().replace('_', "-"), "{problem:?}");
            assert_eq!(serde_json::to_value(problem).unwrap(), problem.code(), "{problem:?}");
            assert!(!problem.description().is_empty(), "{problem:?}");
            for language in Language::ALL {
                let title = language.message(&format!("title-{}", problem.code()), &[]);
                assert!(title.is_some_and(|t| !t.is_empty()), "{problem:?} {language:?}");
            }
        }
    }
}
