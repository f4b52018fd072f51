//! Authentication: login with e-mail and password, short-lived JWT access tokens, rotating
//! refresh tokens with reuse detection, logout. The `Caller` of protected requests is `crate::caller`.

use actix_web::http::header;
use actix_web::{HttpResponse, post, web};
use app::auth::{self, Session};
use chrono::{DateTime, Utc};
use domain::auth::access_token_ttl;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;
use validator::Validate;

use crate::error::ApiError;
use crate::extract::ValidJson;
use crate::state::AppState;

pub fn configure(config: &mut ServiceConfig) {
    config.service(login).service(refresh).service(logout);
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
    /// An administrator reset the password: this access token (valid 5 minutes) may only
    /// change it at `POST /api/v1/me/password`; refresh afterwards for a full one.
    pub password_change_required: bool,
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
        (status = 401, description = "Wrong e-mail or password, or the account is deactivated", body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many failed logins for this address", body = crate::problem::Problem, content_type = "application/problem+json",
            headers(("Retry-After" = i64, description = "Seconds to wait"))),
    )
)]
#[post("/auth/login")]
pub async fn login(state: web::Data<AppState>, body: ValidJson<LoginRequest>) -> Result<HttpResponse, ApiError> {
    let LoginRequest { email, password } = body.0;
    let now = state.now();
    let session = auth::login(state.context(), now, &email, password).await?;
    Ok(no_store(HttpResponse::Ok()).json(token_response(&state, session, now)?))
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
        (status = 401, description = "Unknown, used, revoked or expired refresh token, or deactivated account", body = crate::problem::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/auth/refresh")]
pub async fn refresh(state: web::Data<AppState>, body: ValidJson<RefreshRequest>) -> Result<HttpResponse, ApiError> {
    let now = state.now();
    let session = auth::refresh(state.context(), now, &body.0.refresh_token).await?;
    Ok(no_store(HttpResponse::Ok()).json(token_response(&state, session, now)?))
}

/// End the session of a refresh token. Answers 204 whether or not the token was known.
#[utoipa::path(
    tag = "auth",
    request_body = RefreshRequest,
    responses((status = 204, description = "The session is ended"))
)]
#[post("/auth/logout")]
pub async fn logout(state: web::Data<AppState>, body: ValidJson<RefreshRequest>) -> Result<HttpResponse, ApiError> {
    auth::logout(state.context(), state.now(), &body.0.refresh_token).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// A session's token pair: the access token signed here, the refresh token as issued.
fn token_response(state: &AppState, session: Session, now: DateTime<Utc>) -> Result<TokenResponse, ApiError> {
    Ok(TokenResponse {
        access_token: state.tokens().issue(&session, now)?,
        token_type: "Bearer".into(),
        expires_in: access_token_ttl(session.password_change_required).num_seconds(),
        password_change_required: session.password_change_required,
        refresh_token: session.refresh_token,
    })
}

/// Token answers must not be cached by browsers or proxies.
pub(crate) fn no_store(mut builder: actix_web::HttpResponseBuilder) -> actix_web::HttpResponseBuilder {
    builder.insert_header((header::CACHE_CONTROL, "no-store"));
    builder
}
