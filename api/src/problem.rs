//! The closed list of problems a client can receive. Each has a stable `code` (the member
//! clients switch on), its own `type` URI, an HTTP status and a title; the spec lists them all
//! and the extension members each carries.

use actix_web::http::StatusCode;
use domain::validation::Violation;
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

macro_rules! problems {
    ($(
        $(#[doc = $doc:literal])*
        $variant:ident => ($code:literal, $slug:literal, $status:ident, $title:literal),
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

            pub fn title(self) -> &'static str {
                match self { $(ProblemCode::$variant => $title,)* }
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
    BadRequest => ("bad_request", "bad-request", BAD_REQUEST, "Malformed request"),
    /// No valid credentials: missing, wrong, expired or revoked. Answered with `WWW-Authenticate`.
    Unauthorized => ("unauthorized", "unauthorized", UNAUTHORIZED, "Authentication required"),
    /// The role, or the partner system's scopes, do not allow this.
    Forbidden => ("forbidden", "forbidden", FORBIDDEN, "Forbidden"),
    /// No such resource, or one outside the caller's scope: its existence is not confirmed.
    NotFound => ("not_found", "not-found", NOT_FOUND, "Not found"),
    /// The resource does not take this method; `Allow` lists those it takes.
    MethodNotAllowed => ("method_not_allowed", "method-not-allowed", METHOD_NOT_ALLOWED, "Method not allowed"),
    /// The resource changed since the version named in `If-Match` was read.
    PreconditionFailed => ("precondition_failed", "precondition-failed", PRECONDITION_FAILED, "Stale version"),
    /// An update sent without `If-Match`.
    PreconditionRequired => ("precondition_required", "precondition-required", PRECONDITION_REQUIRED, "If-Match required"),
    /// The body is larger than the service accepts (1 MiB).
    PayloadTooLarge => ("payload_too_large", "payload-too-large", PAYLOAD_TOO_LARGE, "Request body too large"),
    /// The body is not JSON in UTF-8.
    UnsupportedMediaType => ("unsupported_media_type", "unsupported-media-type", UNSUPPORTED_MEDIA_TYPE, "Unsupported media type"),
    /// A header, or all of them together, are larger than the service accepts.
    RequestHeaderFieldsTooLarge => ("request_header_fields_too_large", "request-header-fields-too-large", REQUEST_HEADER_FIELDS_TOO_LARGE, "Request header fields too large"),
    /// Fields break rules; `errors` lists every one of them.
    ValidationFailed => ("validation_failed", "validation-failed", UNPROCESSABLE_ENTITY, "Invalid request"),
    /// Records that may be the same person exist: `candidates` lists those the caller may see,
    /// `other_matches` counts the others. Send `confirm_new: true` to register anyway.
    PossibleDuplicate => ("possible_duplicate", "possible-duplicate", CONFLICT, "Possible duplicate"),
    /// The lifecycle does not lead there from the current status; `reachable` lists where it leads.
    InvalidTransition => ("invalid_transition", "invalid-transition", CONFLICT, "Transition not allowed"),
    /// Taking in charge needs what `preconditions` lists.
    PreconditionsFailed => ("preconditions_failed", "preconditions-failed", CONFLICT, "Preconditions not met"),
    /// A closed case cannot change; a district coordinator may reopen it.
    CaseClosed => ("case_closed", "case-closed", CONFLICT, "The case is closed"),
    /// No closure is waiting for approval.
    NoClosureRequest => ("no_closure_request", "no-closure-request", CONFLICT, "No closure request"),
    /// The case moved after the closure was requested: ask for a new closure.
    ClosureRequestOutdated => ("closure_request_outdated", "closure-request-outdated", CONFLICT, "Closure request outdated"),
    /// Pathway and support services need the case taken in charge on the day they are given.
    CaseNotInCharge => ("case_not_in_charge", "case-not-in-charge", CONFLICT, "The case is not in charge"),
    /// The beneficiary has not consented to sharing data with the organisation.
    ConsentMissing => ("consent_missing", "consent-missing", CONFLICT, "Consent missing"),
    /// The work grant breaks the programme's rules, each listed in `rules`.
    GrantNotEligible => ("grant_not_eligible", "grant-not-eligible", CONFLICT, "Work grant not eligible"),
    /// A record with this e-mail address or name already exists.
    AlreadyExists => ("already_exists", "already-exists", CONFLICT, "Already exists"),
    /// An administrator cannot deactivate or demote their own account.
    OwnAccount => ("own_account", "own-account", CONFLICT, "Your own account"),
    /// The consent was already withdrawn.
    ConsentAlreadyWithdrawn => ("consent_already_withdrawn", "consent-already-withdrawn", CONFLICT, "Consent already withdrawn"),
    /// The partner system's credentials are revoked for good.
    ServiceAccountRevoked => ("service_account_revoked", "service-account-revoked", CONFLICT, "Service account revoked"),
    /// The period overlaps another period of the same district.
    PeriodOverlaps => ("period_overlaps", "period-overlaps", CONFLICT, "Overlapping period"),
    /// A legal procedure of the person is planned, filed or pending: their data is held and
    /// cannot be erased until it is decided or withdrawn.
    LegalHold => ("legal_hold", "legal-hold", CONFLICT, "Held for a legal procedure"),
    /// The change conflicts with stored data (a uniqueness or reference rule).
    Conflict => ("conflict", "conflict", CONFLICT, "Conflict with the current state"),
    /// Too many failed attempts for this account or client; `Retry-After` says when to try again.
    TooManyRequests => ("too_many_requests", "too-many-requests", TOO_MANY_REQUESTS, "Too many requests"),
    /// The server failed; the incident is logged under the response's `X-Request-Id`.
    Internal => ("internal", "internal", INTERNAL_SERVER_ERROR, "Internal error"),
    /// The database is busy or unreachable; `Retry-After` says when to try again.
    Unavailable => ("unavailable", "unavailable", SERVICE_UNAVAILABLE, "Service unavailable"),
    /// As many exports and reports over many districts run and wait as the instance allows;
    /// `Retry-After` says when to try again.
    LongReadsBusy => ("long_reads_busy", "long-reads-busy", SERVICE_UNAVAILABLE, "Too many exports and reports"),
    /// Another refusal of the HTTP layer (its status is the answer's).
    HttpError => ("http_error", "http-error", BAD_REQUEST, "Request refused"),
}

impl ProblemCode {
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
    /// `/auth/token` only: the OAuth 2 error code (RFC 6749 §5.2), e.g. `invalid_client`.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false, example = "invalid_client")]
    pub error: Option<String>,
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

/// A code and a sentence for a person.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct CodedMessage {
    pub code: String,
    pub message: String,
}

#[cfg(test)]
mod tests {
    use super::*;

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
        }
    }
}
