//! Authentication: login with e-mail and password, short-lived JWT access tokens, rotating
//! refresh tokens with reuse detection, logout, and the `Caller` of every protected request.

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{FromRequest, HttpMessage, HttpRequest, HttpResponse, post, web};
use chrono::{DateTime, Utc};
use domain::Vocabulary;
use domain::access::{Capability, CaseScope, TokenScope, allows};
use domain::audit::{AuditAction, AuditEntry, ListedSubject};
use domain::auth::{
    ACCESS_TOKEN_TTL, FAILURE_WINDOW, RefreshVerdict, judge_refresh, login_locked_until, new_session_expiry,
};
use domain::districts::DistrictCode;
use domain::users::{Role, User};
use domain::validation::Email;
use futures_util::future::LocalBoxFuture;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use persistence::auth as store;
use persistence::write_transaction;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;
use validator::Validate;

use crate::error::ApiError;
use crate::extract::ValidJson;
use crate::passwords;
use crate::secrets::random_token;
use crate::state::{AppState, blocking};
use crate::telemetry::RequestId;

const ISSUER: &str = "inlav";
const AUDIENCE: &str = "inlav-api";

pub fn configure(config: &mut ServiceConfig) {
    config.service(login).service(refresh).service(logout);
}

/// Signing and checking of access tokens (HS256).
#[derive(Clone)]
pub struct TokenKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
}

/// The claims of an access token.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Claims {
    pub iss: String,
    pub aud: String,
    /// The user id.
    pub sub: String,
    pub iat: i64,
    pub exp: i64,
    pub role: Role,
    /// The user's organisation.
    pub org: String,
    pub districts: Vec<String>,
    /// The user's token version when the token was issued; a later change of role,
    /// districts, organisation, password or status invalidates the token. For a partner
    /// system, its key version: rotation and revocation invalidate the token.
    pub ver: i32,
    /// Present for partner systems: the granted scopes, space-separated (RFC 8693 `scope`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
}

impl TokenKeys {
    pub fn new(secret: &[u8]) -> TokenKeys {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_issuer(&[ISSUER]);
        validation.set_audience(&[AUDIENCE]);
        validation.set_required_spec_claims(&["exp", "iat", "iss", "aud", "sub"]);
        // Expiry is checked against the application clock, not the library's.
        validation.validate_exp = false;
        TokenKeys { encoding: EncodingKey::from_secret(secret), decoding: DecodingKey::from_secret(secret), validation }
    }

    pub fn issue(&self, user: &User, token_version: i32, now: DateTime<Utc>) -> Result<String, ApiError> {
        let claims = Claims {
            iss: ISSUER.into(),
            aud: AUDIENCE.into(),
            sub: user.id.to_string(),
            iat: now.timestamp(),
            exp: (now + ACCESS_TOKEN_TTL).timestamp(),
            role: user.role,
            org: user.organization_id.to_string(),
            districts: user.districts.iter().map(|d| d.as_str().to_string()).collect(),
            ver: token_version,
            scope: None,
        };
        self.sign(&claims)
    }

    /// A token for a partner system: it acts as `partner` of its organisation, within its scopes.
    pub fn issue_for_system(
        &self,
        account_id: Uuid,
        organization_id: Uuid,
        key_version: i32,
        scopes: &[TokenScope],
        now: DateTime<Utc>,
    ) -> Result<String, ApiError> {
        let claims = Claims {
            iss: ISSUER.into(),
            aud: AUDIENCE.into(),
            sub: account_id.to_string(),
            iat: now.timestamp(),
            exp: (now + ACCESS_TOKEN_TTL).timestamp(),
            role: Role::Partner,
            org: organization_id.to_string(),
            districts: Vec::new(),
            ver: key_version,
            scope: Some(scopes.iter().map(|s| s.code()).collect::<Vec<_>>().join(" ")),
        };
        self.sign(&claims)
    }

    fn sign(&self, claims: &Claims) -> Result<String, ApiError> {
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), claims, &self.encoding).map_err(|err| {
            tracing::error!(%err, "cannot sign an access token");
            ApiError::internal()
        })
    }

    /// Checks signature, algorithm, issuer, audience and expiry.
    pub fn verify(&self, token: &str, now: DateTime<Utc>) -> Option<Claims> {
        let claims = jsonwebtoken::decode::<Claims>(token, &self.decoding, &self.validation).ok()?.claims;
        (claims.exp > now.timestamp()).then_some(claims)
    }
}

/// The authenticated user of a request, and the request's id (for the audit trail).
#[derive(Debug, Clone)]
pub struct Caller {
    pub user_id: Uuid,
    pub role: Role,
    pub organization_id: Uuid,
    pub districts: Vec<DistrictCode>,
    pub request_id: Option<String>,
    /// `Some` for partner systems: what their token allows. Users have every right of their role.
    pub scopes: Option<Vec<TokenScope>>,
}

impl Caller {
    /// 403 unless the caller is a user, or a partner system holding the scope.
    pub fn require_scope(&self, scope: TokenScope) -> Result<(), ApiError> {
        match &self.scopes {
            Some(scopes) if !scopes.contains(&scope) => {
                Err(ApiError::forbidden().with_detail(format!("the token lacks the scope {}", scope.code())))
            }
            _ => Ok(()),
        }
    }

    /// 403 unless the caller's role has the capability.
    pub fn require(&self, capability: Capability) -> Result<(), ApiError> {
        if allows(self.role, capability) { Ok(()) } else { Err(ApiError::forbidden()) }
    }

    /// The cases the caller may see; 403 for roles that see none.
    pub fn case_scope(&self) -> Result<CaseScope, ApiError> {
        CaseScope::of(self.role, self.user_id, &self.districts).ok_or_else(ApiError::forbidden)
    }

    /// An audit entry for an access by this caller.
    pub fn audit(
        &self,
        at: DateTime<Utc>,
        action: AuditAction,
        district: &DistrictCode,
        beneficiary_id: Option<Uuid>,
        case_id: Option<Uuid>,
    ) -> AuditEntry {
        AuditEntry { district: Some(district.clone()), beneficiary_id, case_id, ..self.access(at, action) }
    }

    /// The audit entries of a page of a list or search by this caller: one per district the
    /// page showed, naming the people (and the cases) it showed there.
    pub fn audit_page(
        &self,
        at: DateTime<Utc>,
        shown: impl IntoIterator<Item = (DistrictCode, ListedSubject)>,
    ) -> Vec<AuditEntry> {
        AuditEntry::for_page(&self.access(at, AuditAction::List), shown)
    }

    /// Who accessed, when and how, naming nobody yet.
    fn access(&self, at: DateTime<Utc>, action: AuditAction) -> AuditEntry {
        AuditEntry {
            at,
            actor_id: self.user_id,
            actor_role: self.role,
            action,
            district: None,
            beneficiary_id: None,
            case_id: None,
            listed: Vec::new(),
            request_id: self.request_id.clone(),
        }
    }
}

impl FromRequest for Caller {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _payload: &mut Payload) -> Self::Future {
        let state = req.app_data::<web::Data<AppState>>().cloned();
        let token = bearer_token(req);
        let request_id = req.extensions().get::<RequestId>().map(|id| id.0.clone());
        Box::pin(async move {
            let state = state.ok_or_else(ApiError::internal)?;
            let token =
                token.ok_or_else(|| ApiError::unauthorized("send an access token: Authorization: Bearer <token>"))?;
            let invalid = || ApiError::unauthorized("the access token is invalid or expired");
            let claims = state.tokens().verify(&token, state.now()).ok_or_else(invalid)?;
            let user_id = Uuid::parse_str(&claims.sub).map_err(|_| invalid())?;
            let organization_id = Uuid::parse_str(&claims.org).map_err(|_| invalid())?;
            let scopes = match &claims.scope {
                Some(scope) => Some(
                    scope
                        .split_whitespace()
                        .map(TokenScope::parse)
                        .collect::<Result<Vec<_>, _>>()
                        .map_err(|_| invalid())?,
                ),
                None => None,
            };
            let system = scopes.is_some();
            let standing = state
                .lookup(move |conn| {
                    Ok(if system {
                        persistence::service_accounts::token_standing(conn, user_id)?
                    } else {
                        store::token_standing(conn, user_id)?
                    })
                })
                .await?;
            match standing {
                Some((true, version)) if version == claims.ver && (!system || claims.role == Role::Partner) => {
                    Ok(Caller {
                        user_id,
                        role: claims.role,
                        organization_id,
                        districts: claims.districts.into_iter().map(DistrictCode::from_trusted).collect(),
                        request_id,
                        scopes,
                    })
                }
                _ => Err(invalid()),
            }
        })
    }
}

fn bearer_token(req: &HttpRequest) -> Option<String> {
    let value = req.headers().get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.trim().split_once(' ')?;
    (scheme.eq_ignore_ascii_case("bearer") && !token.trim().is_empty()).then(|| token.trim().to_string())
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    #[validate(length(min = 1, max = 254))]
    #[schema(example = "coordinatore@pua.example.org")]
    pub email: String,
    #[validate(length(min = 1, max = 1024))]
    pub password: String,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct TokenResponse {
    /// A JWT to send as `Authorization: Bearer <access_token>`.
    pub access_token: String,
    #[schema(example = "Bearer")]
    pub token_type: String,
    /// Seconds until the access token expires.
    #[schema(example = 900)]
    pub expires_in: i64,
    /// Exchange at `/api/v1/auth/refresh` for a new pair; it can be used once.
    pub refresh_token: String,
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RefreshRequest {
    #[validate(length(min = 1, max = 512))]
    pub refresh_token: String,
}

/// Log in with e-mail and password.
///
/// Wrong credentials answer 401 whether or not the address exists. After 5 failures within
/// 15 minutes the address answers 429 until the oldest of them is 15 minutes old.
#[utoipa::path(
    tag = "auth",
    request_body = LoginRequest,
    responses(
        (status = 200, description = "Logged in", body = TokenResponse),
        (status = 401, description = "Wrong e-mail or password, or the account is deactivated", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many failed logins for this address", body = crate::error::Problem, content_type = "application/problem+json",
            headers(("Retry-After" = i64, description = "Seconds to wait"))),
    )
)]
#[post("/auth/login")]
pub async fn login(state: web::Data<AppState>, body: ValidJson<LoginRequest>) -> Result<HttpResponse, ApiError> {
    let LoginRequest { email, password } = body.0;
    let wrong = || ApiError::unauthorized("wrong e-mail or password");
    // A string that is not an address cannot belong to an account: same answer as a wrong one.
    let Ok(email) = Email::parse("email", &email) else {
        return Err(wrong());
    };
    let now = state.now();
    let lookup_email = email.clone();
    let (failures, credentials) = state
        .db(move |conn| {
            let failures = store::login_failures_since(conn, lookup_email.as_str(), now - FAILURE_WINDOW)?;
            let credentials = store::credentials(conn, &lookup_email)?;
            Ok((failures, credentials))
        })
        .await?;
    if let Some(until) = login_locked_until(&failures, now) {
        return Err(ApiError::too_many_requests((until - now).num_seconds() + 1));
    }
    let stored_hash = credentials.as_ref().map(|c| c.password_hash.clone());
    let password_ok = blocking(move || passwords::verify(&password, stored_hash.as_deref())).await?;
    let account = credentials.filter(|c| password_ok && c.active);
    let Some(account) = account else {
        state
            .db(move |conn| {
                Ok(write_transaction(conn, |conn| {
                    store::record_login_failure(conn, email.as_str(), now, now - FAILURE_WINDOW)
                })?)
            })
            .await?;
        return Err(wrong());
    };
    let tokens = state.tokens().clone();
    let response = state
        .db(move |conn| {
            write_transaction(conn, |conn| {
                store::clear_login_failures(conn, email.as_str())?;
                start_session(conn, &tokens, account.user_id, now)
            })
        })
        .await?;
    Ok(no_store(HttpResponse::Ok()).json(response))
}

/// Exchange a refresh token for a new access token and refresh token.
///
/// Each refresh token works once. Presenting one that was already used revokes the whole
/// session: it may have been stolen.
#[utoipa::path(
    tag = "auth",
    request_body = RefreshRequest,
    responses(
        (status = 200, description = "A new token pair", body = TokenResponse),
        (status = 401, description = "Unknown, used, revoked or expired refresh token, or deactivated account", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/auth/refresh")]
pub async fn refresh(state: web::Data<AppState>, body: ValidJson<RefreshRequest>) -> Result<HttpResponse, ApiError> {
    let token_hash = hash_refresh_token(&body.0.refresh_token);
    let now = state.now();
    let tokens = state.tokens().clone();
    let outcome = state
        .db(move |conn| {
            write_transaction(conn, |conn| {
                let Some(stored) = store::find_refresh_token(conn, &token_hash)? else {
                    return Ok(Err("unknown refresh token"));
                };
                match judge_refresh(stored.state, now) {
                    RefreshVerdict::Reused => {
                        tracing::warn!(user_id = %stored.user_id, family = %stored.family_id, "refresh token reused: session revoked");
                        store::revoke_family(conn, stored.family_id, now)?;
                        Ok(Err("refresh token already used"))
                    }
                    RefreshVerdict::Revoked => Ok(Err("session revoked")),
                    RefreshVerdict::Expired => Ok(Err("session expired")),
                    RefreshVerdict::Rotate { new_expires_at } => {
                        let active = store::token_standing(conn, stored.user_id)?.is_some_and(|(active, _)| active);
                        if !active || !store::mark_refresh_token_used(conn, stored.id, now)? {
                            store::revoke_family(conn, stored.family_id, now)?;
                            return Ok(Err("session revoked"));
                        }
                        let token = random_token(32);
                        store::insert_refresh_token(
                            conn,
                            &store::NewRefreshToken {
                                user_id: stored.user_id,
                                family_id: stored.family_id,
                                token_hash: hash_refresh_token(&token),
                                issued_at: now,
                                expires_at: new_expires_at,
                                session_expires_at: stored.state.session_expires_at,
                            },
                        )?;
                        let access_token = access_token_for(conn, &tokens, stored.user_id, now)?;
                        Ok(Ok(token_response(access_token, token)))
                    }
                }
            })
        })
        .await?;
    match outcome {
        Ok(response) => Ok(no_store(HttpResponse::Ok()).json(response)),
        Err(reason) => {
            tracing::info!(reason, "refresh refused");
            Err(ApiError::unauthorized("the refresh token is invalid or expired: log in again"))
        }
    }
}

/// End the session of a refresh token. Answers 204 whether or not the token was known.
#[utoipa::path(
    tag = "auth",
    request_body = RefreshRequest,
    responses((status = 204, description = "The session is ended"))
)]
#[post("/auth/logout")]
pub async fn logout(state: web::Data<AppState>, body: ValidJson<RefreshRequest>) -> Result<HttpResponse, ApiError> {
    let token_hash = hash_refresh_token(&body.0.refresh_token);
    let now = state.now();
    state
        .db(move |conn| {
            if let Some(stored) = store::find_refresh_token(conn, &token_hash)? {
                store::revoke_family(conn, stored.family_id, now)?;
            }
            Ok(())
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Opens a session: a new refresh-token family and an access token.
fn start_session(
    conn: &mut persistence::DbConnection,
    tokens: &TokenKeys,
    user_id: Uuid,
    now: DateTime<Utc>,
) -> Result<TokenResponse, ApiError> {
    let (expires_at, session_expires_at) = new_session_expiry(now);
    let refresh_token = random_token(32);
    store::insert_refresh_token(
        conn,
        &store::NewRefreshToken {
            user_id,
            family_id: Uuid::now_v7(),
            token_hash: hash_refresh_token(&refresh_token),
            issued_at: now,
            expires_at,
            session_expires_at,
        },
    )?;
    let access_token = access_token_for(conn, tokens, user_id, now)?;
    Ok(token_response(access_token, refresh_token))
}

fn access_token_for(
    conn: &mut persistence::DbConnection,
    tokens: &TokenKeys,
    user_id: Uuid,
    now: DateTime<Utc>,
) -> Result<String, ApiError> {
    let user = persistence::users::find(conn, user_id)?;
    let (_, token_version) = store::token_standing(conn, user_id)?.ok_or_else(ApiError::not_found)?;
    tokens.issue(&user, token_version, now)
}

fn token_response(access_token: String, refresh_token: String) -> TokenResponse {
    TokenResponse {
        access_token,
        token_type: "Bearer".into(),
        expires_in: ACCESS_TOKEN_TTL.num_seconds(),
        refresh_token,
    }
}

/// Refresh tokens are stored as SHA-256 hashes: a copy of the table opens no session.
fn hash_refresh_token(token: &str) -> String {
    crate::extract::sha256_hex(token.as_bytes())
}

/// Token answers must not be cached by browsers or proxies.
fn no_store(mut builder: actix_web::HttpResponseBuilder) -> actix_web::HttpResponseBuilder {
    builder.insert_header((header::CACHE_CONTROL, "no-store"));
    builder
}
