//! Why a use case did not do what it was asked: one closed list of refusals, each of which the
//! HTTP layer answers as a problem of its own kind.

use domain::cases::Precondition;
use domain::validation::{Violation, Violations};
use uuid::Uuid;

/// A refusal, or a failure of storage.
#[derive(Debug, Clone)]
pub enum Error {
    /// No valid credentials: a wrong password, an expired or revoked token.
    Unauthenticated(String),
    /// The role or the token does not allow this; `None` for the role's plain refusal.
    Forbidden(Option<String>),
    /// Unknown, or outside the caller's scope: its existence is not confirmed.
    NotFound,
    /// Fields break rules: every one of them at once.
    Invalid(Violations),
    /// The resource changed since the caller read it.
    Stale,
    /// The request conflicts with the state of the data.
    Conflict(Conflict),
    /// Too many failed attempts for this account or client: wait this many seconds.
    TooManyAttempts { retry_after_seconds: i64 },
    /// Storage refused or failed (busy, unavailable, too many long reads, a fault).
    Storage(persistence::Error),
    /// A bug: something that cannot fail did (it is logged where it happened).
    Internal(String),
}

/// How a request conflicts with the state of the data. Each has a stable code.
#[derive(Debug, Clone, PartialEq)]
pub enum Conflict {
    /// Records that may be the same person exist: those the caller may see, how many others,
    /// and, for a caller who may ask for transfers, a token for each one held by another district.
    PossibleDuplicate { candidates: Vec<DuplicateCandidate>, other_matches: usize, elsewhere: Vec<MatchElsewhere> },
    /// The lifecycle of `what` (a case, a referral, a work grant) does not lead from `from` to `to`.
    InvalidTransition { what: &'static str, from: &'static str, to: &'static str, reachable: Vec<&'static str> },
    /// Taking in charge needs what is listed.
    PreconditionsFailed(Vec<Precondition>),
    /// A closed case cannot change (a coordinator may reopen it).
    CaseClosed { detail: &'static str },
    /// No closure is waiting for approval.
    NoClosureRequest,
    /// The case moved after the closure was requested.
    ClosureRequestOutdated,
    /// Pathway and support services need the case taken in charge on the day.
    CaseNotInCharge { group: &'static str },
    /// The beneficiary has not consented to sharing data with the organisation.
    ConsentMissing,
    /// A work grant breaks the programme's rules, each named.
    GrantNotEligible(Vec<domain::work_grants::GrantRule>),
    /// A record with this natural key (an e-mail, a name) already exists.
    AlreadyExists { detail: &'static str },
    /// An administrator may not deactivate or demote their own account.
    OwnAccount,
    /// The consent was already withdrawn.
    ConsentAlreadyWithdrawn,
    /// The partner system's credentials are revoked for good.
    ServiceAccountRevoked,
    /// A period overlaps another of the same district.
    PeriodOverlaps,
    /// Stored data refused the change (a uniqueness or reference rule).
    StoredData,
    /// A disabled webhook endpoint sends nothing: enable it first.
    WebhookDisabled,
    /// An organisation has as many webhook endpoints as it may.
    WebhookLimit,
    /// A legal procedure of the person is not decided yet: their data may be evidence.
    LegalHold,
}

/// A possible duplicate, as shown to a caller who may see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DuplicateCandidate {
    pub id: Uuid,
    pub alias: String,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub birth_year: Option<i32>,
    pub citizenships: Option<Vec<String>>,
    pub district: String,
}

/// A possible duplicate held by a district the caller does not see: the district and a
/// short-lived token that names the record, to ask for its transfer; nothing of the person.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MatchElsewhere {
    pub district: String,
    pub match_token: String,
    pub expires_at: chrono::DateTime<chrono::Utc>,
    /// Kept by the service with the token's digest; never shown.
    pub(crate) beneficiary_id: Uuid,
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Conflict {
    /// What went wrong, in a sentence for a person.
    pub fn detail(&self) -> String {
        match self {
            Conflict::PossibleDuplicate { candidates, other_matches, elsewhere } if !elsewhere.is_empty() => format!(
                "{} record(s) may be the same person, {} of them in another district: ask for its transfer \
                 (POST /api/v1/transfers with its match_token), or send \"confirm_new\": true with \
                 \"confirm_new_reason\" to register a different person",
                candidates.len() + other_matches,
                elsewhere.len()
            ),
            Conflict::PossibleDuplicate { candidates, other_matches, .. } => format!(
                "{} record(s) may be the same person: check them, or send \"confirm_new\": true to register anyway",
                candidates.len() + other_matches
            ),
            Conflict::InvalidTransition { what, from, to, .. } => format!("a {what} {from} cannot become {to}"),
            Conflict::PreconditionsFailed(_) => "the case cannot be taken in charge yet: see preconditions".into(),
            Conflict::CaseClosed { detail } | Conflict::AlreadyExists { detail } => (*detail).into(),
            Conflict::NoClosureRequest => "no closure is waiting for approval".into(),
            Conflict::ClosureRequestOutdated => {
                "the case changed after the closure was requested: ask for a new closure".into()
            }
            Conflict::CaseNotInCharge { group } => {
                format!("{group} services need the case taken in charge on the day they are given")
            }
            Conflict::ConsentMissing => {
                "the beneficiary has not consented to sharing data with this organisation".into()
            }
            Conflict::GrantNotEligible(_) => "the work grant breaks the programme's rules: see rules".into(),
            Conflict::OwnAccount => "you cannot deactivate or demote your own account".into(),
            Conflict::ConsentAlreadyWithdrawn => "the consent was already withdrawn".into(),
            Conflict::ServiceAccountRevoked => "the account is revoked".into(),
            Conflict::PeriodOverlaps => "the period overlaps another period of this district".into(),
            Conflict::StoredData => "the change conflicts with stored data".into(),
            Conflict::WebhookDisabled => "the endpoint is disabled: enable it (PATCH enabled=true) first".into(),
            Conflict::WebhookLimit => format!(
                "the organisation has {} endpoints, the most it may: delete one first",
                domain::webhooks::MAX_WEBHOOKS_PER_ORGANIZATION
            ),
            Conflict::LegalHold => "a legal procedure of the person is not decided yet: their data is held as \
                                    evidence and cannot be erased until it is (granted, rejected or withdrawn)"
                .into(),
        }
    }
}

impl Error {
    /// The plain refusal of a role.
    pub fn forbidden() -> Error {
        Error::Forbidden(None)
    }

    /// A refusal that says why.
    pub fn forbidden_because(why: impl Into<String>) -> Error {
        Error::Forbidden(Some(why.into()))
    }

    /// One invalid field.
    pub fn field(field: impl Into<String>, code: &'static str, message: impl Into<String>) -> Error {
        Error::Invalid(Violation::new(field, code, message).into())
    }
}

impl From<persistence::Error> for Error {
    fn from(error: persistence::Error) -> Self {
        use persistence::Error as E;
        match error {
            E::NotFound => Error::NotFound,
            E::StaleVersion => Error::Stale,
            E::Conflict(cause) => {
                tracing::info!(%cause, "write refused by a constraint");
                Error::Conflict(Conflict::StoredData)
            }
            other => Error::Storage(other),
        }
    }
}

impl From<Violations> for Error {
    fn from(violations: Violations) -> Self {
        Error::Invalid(violations)
    }
}

impl From<Violation> for Error {
    fn from(violation: Violation) -> Self {
        Error::Invalid(violation.into())
    }
}

impl From<Conflict> for Error {
    fn from(conflict: Conflict) -> Self {
        Error::Conflict(conflict)
    }
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Error::Unauthenticated(why) => write!(f, "unauthenticated: {why}"),
            Error::Forbidden(why) => write!(f, "forbidden: {}", why.as_deref().unwrap_or("the role does not allow it")),
            Error::NotFound => f.write_str("not found"),
            Error::Invalid(violations) => write!(f, "invalid: {violations}"),
            Error::Stale => f.write_str("stale version"),
            Error::Conflict(conflict) => f.write_str(&conflict.detail()),
            Error::TooManyAttempts { retry_after_seconds } => {
                write!(f, "too many attempts; retry in {retry_after_seconds} s")
            }
            Error::Storage(error) => write!(f, "storage: {error}"),
            Error::Internal(what) => write!(f, "internal: {what}"),
        }
    }
}

impl std::error::Error for Error {}
