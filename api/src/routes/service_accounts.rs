//! Partner systems: the admin issues client credentials to an organisation; its software
//! exchanges them at `/api/v1/auth/token` (OAuth 2 client credentials) for a short-lived token
//! that acts as `partner` of that organisation within its scopes.

use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use app::ReadVersion;
use app::service_accounts::{self, GrantRefusal, Issued, NewSystem};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use chrono::{DateTime, Utc};
use domain::Vocabulary;
use domain::access::TokenScope;
use domain::auth::ACCESS_TOKEN_TTL;
use persistence::service_accounts::ServiceAccount;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;
use validator::Validate;

use crate::caller::Caller;
use crate::error::{ApiError, OAuthError};
use crate::extract::{IfMatch, Paged, ValidJson, etag, parse_json, resource_id};
use crate::schemas;
use crate::state::AppState;

pub fn configure(config: &mut ServiceConfig) {
    config
        .service(issue_token)
        .service(create_service_account)
        .service(list_service_accounts)
        .service(get_service_account)
        .service(rotate_service_account)
        .service(revoke_service_account);
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ServiceAccountView {
    pub id: Uuid,
    pub organization_id: Uuid,
    pub name: String,
    pub client_id: String,
    #[schema(value_type = Vec<schemas::TokenScope>)]
    pub scopes: Vec<TokenScope>,
    /// Moves on at every rotation and revocation; tokens carry it.
    pub key_version: i32,
    pub active: bool,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<ServiceAccount> for ServiceAccountView {
    fn from(a: ServiceAccount) -> Self {
        ServiceAccountView {
            id: a.id,
            organization_id: a.organization_id,
            name: a.name,
            client_id: a.client_id,
            scopes: a.scopes,
            key_version: a.key_version,
            active: a.active,
            version: a.version,
            created_at: a.created_at,
            updated_at: a.updated_at,
        }
    }
}

/// The account with its secret, shown this once.
#[derive(Debug, Serialize, ToSchema)]
pub struct IssuedCredentials {
    #[serde(flatten)]
    pub account: ServiceAccountView,
    /// Keep it safe: it is stored hashed and cannot be shown again.
    pub client_secret: String,
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateServiceAccount {
    /// A partner organisation (not the Region, ANCI or the university).
    pub organization_id: Uuid,
    #[schema(example = "Gestionale Cooperativa Farsi Prossimo")]
    pub name: String,
    #[schema(value_type = Vec<schemas::TokenScope>)]
    #[validate(length(min = 1, max = 3))]
    pub scopes: Vec<TokenScope>,
}

/// An OAuth 2 client-credentials request, as a form or as JSON. The client may instead
/// authenticate with HTTP Basic.
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct TokenRequest {
    #[schema(example = "client_credentials")]
    pub grant_type: String,
    pub client_id: Option<String>,
    pub client_secret: Option<String>,
    /// Space-separated scopes to narrow the token to; default: all the account holds.
    pub scope: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SystemToken {
    pub access_token: String,
    #[schema(example = "Bearer")]
    pub token_type: String,
    #[schema(example = 900)]
    pub expires_in: i64,
    /// The scopes granted, space-separated.
    #[schema(example = "referrals:read referrals:write services:write")]
    pub scope: String,
}

impl From<Issued> for IssuedCredentials {
    fn from(issued: Issued) -> Self {
        IssuedCredentials { account: issued.account.into(), client_secret: issued.client_secret }
    }
}

/// Register a partner system (admin). The secret is in the answer only.
#[utoipa::path(
    tag = "partner systems",
    security(("bearer" = [])),
    request_body = CreateServiceAccount,
    responses(
        (status = 201, description = "Created", body = IssuedCredentials, headers(("Location" = String, description = "The account"))),
        (status = 403, description = "Not an admin", body = crate::problem::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/service-accounts")]
pub async fn create_service_account(
    state: web::Data<AppState>,
    caller: Caller,
    body: ValidJson<CreateServiceAccount>,
) -> Result<HttpResponse, ApiError> {
    let input = body.0;
    let system = NewSystem { organization_id: input.organization_id, name: input.name, scopes: input.scopes };
    let issued = service_accounts::create(state.context(), &caller, state.now(), system).await?;
    Ok(HttpResponse::Created()
        .insert_header((header::LOCATION, format!("/api/v1/service-accounts/{}", issued.account.id)))
        .insert_header((header::ETAG, etag(issued.account.version)))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(IssuedCredentials::from(issued)))
}

/// Every partner system (admin).
#[utoipa::path(
    tag = "partner systems",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Newest first", body = Paged<ServiceAccountView>),
        (status = 403, description = "Not an admin", body = crate::problem::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/service-accounts")]
pub async fn list_service_accounts(state: web::Data<AppState>, caller: Caller) -> Result<HttpResponse, ApiError> {
    let accounts = service_accounts::list(state.context(), &caller).await?;
    Ok(HttpResponse::Ok()
        .json(Paged { items: accounts.into_iter().map(ServiceAccountView::from).collect(), next_cursor: None }))
}

/// A partner system (admin).
#[utoipa::path(
    tag = "partner systems",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Service account id")),
    responses(
        (status = 200, description = "The account", body = ServiceAccountView, headers(("ETag" = String, description = "Its version"))),
        (status = 403, description = "Not an admin", body = crate::problem::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/service-accounts/{id}")]
pub async fn get_service_account(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let account = service_accounts::read(state.context(), &caller, resource_id(&id)?).await?;
    Ok(HttpResponse::Ok().insert_header((header::ETAG, etag(account.version))).json(ServiceAccountView::from(account)))
}

/// Give a partner system a new secret (admin). The old secret and every token issued with it
/// stop working at once.
#[utoipa::path(
    tag = "partner systems",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Service account id"), ("If-Match" = String, Header, description = "The ETag read")),
    responses(
        (status = 200, description = "The new secret, shown this once", body = IssuedCredentials),
        (status = 403, description = "Not an admin", body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 409, description = "The account is revoked", body = crate::problem::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/service-accounts/{id}/rotate")]
pub async fn rotate_service_account(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
    if_match: IfMatch,
) -> Result<HttpResponse, ApiError> {
    let target = ReadVersion { id: resource_id(&id)?, version: if_match.0 };
    let issued = service_accounts::rotate(state.context(), &caller, state.now(), target).await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::ETAG, etag(issued.account.version)))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(IssuedCredentials::from(issued)))
}

/// Revoke a partner system for good (admin); its tokens stop at once.
#[utoipa::path(
    tag = "partner systems",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Service account id"), ("If-Match" = String, Header, description = "The ETag read")),
    responses(
        (status = 200, description = "Revoked", body = ServiceAccountView),
        (status = 403, description = "Not an admin", body = crate::problem::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/service-accounts/{id}/revoke")]
pub async fn revoke_service_account(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
    if_match: IfMatch,
) -> Result<HttpResponse, ApiError> {
    let target = ReadVersion { id: resource_id(&id)?, version: if_match.0 };
    let account = service_accounts::revoke(state.context(), &caller, state.now(), target).await?;
    Ok(HttpResponse::Ok().insert_header((header::ETAG, etag(account.version))).json(ServiceAccountView::from(account)))
}

/// Exchange a partner system's client credentials for an access token (OAuth 2
/// `client_credentials`, as a form or JSON body; HTTP Basic accepted). The token acts as
/// `partner` of the system's organisation within its scopes. Five failures within 15 minutes
/// lock the client id for a while (429).
#[utoipa::path(
    tag = "partner systems",
    request_body(content(
        (TokenRequest = "application/x-www-form-urlencoded"),
        (TokenRequest = "application/json"),
    )),
    responses(
        (status = 200, description = "A token", body = SystemToken),
        (status = 400, description = "A form that cannot be read (`invalid_request`), a grant type other than `client_credentials` (`unsupported_grant_type`) or a scope the client does not hold (`invalid_scope`)", body = crate::problem::OAuthProblem, content_type = "application/problem+json"),
        (status = 401, description = "Unknown client or wrong secret (`invalid_client`)", body = crate::problem::OAuthProblem, content_type = "application/problem+json"),
        (status = 415, description = "Neither a form nor JSON", body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 422, description = "A JSON body that does not fit `TokenRequest` (`invalid_request`)", body = crate::problem::OAuthProblem, content_type = "application/problem+json"),
        (status = 429, description = "Too many failures for this client id", body = crate::problem::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/auth/token")]
pub async fn issue_token(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let mut request = parse_token_request(&req, &body)?;
    if let Some((id, secret)) = basic_credentials(&req) {
        request.client_id = Some(id);
        request.client_secret = Some(secret);
    }
    if request.grant_type != "client_credentials" {
        return Err(ApiError::bad_request("only the client_credentials grant is supported")
            .with_oauth_error(OAuthError::UnsupportedGrantType));
    }
    let invalid_client =
        || ApiError::unauthorized("unknown client or wrong secret").with_oauth_error(OAuthError::InvalidClient);
    let invalid_scope = |why: &str| ApiError::bad_request(why).with_oauth_error(OAuthError::InvalidScope);
    let (Some(client_id), Some(secret)) = (
        request.client_id.filter(|c| !c.is_empty() && c.len() <= 128),
        request.client_secret.filter(|s| s.len() <= 512),
    ) else {
        return Err(invalid_client());
    };
    let wanted = match request.scope.as_deref().map(str::split_whitespace) {
        Some(words) => Some(
            words.map(TokenScope::parse).collect::<Result<Vec<_>, _>>().map_err(|_| invalid_scope("unknown scope"))?,
        ),
        None => None,
    };
    let now = state.now();
    let (account, scopes) = service_accounts::authenticate(state.context(), now, client_id, secret, wanted)
        .await
        .map_err(|refused| match refused {
            GrantRefusal::InvalidClient => invalid_client(),
            GrantRefusal::InvalidScope => invalid_scope("the client does not hold every scope asked for"),
            GrantRefusal::Throttled { retry_after_seconds } => ApiError::too_many_requests(retry_after_seconds),
            GrantRefusal::Failed(error) => error.into(),
        })?;
    let token =
        state.tokens().issue_for_system(account.id, account.organization_id, account.key_version, &scopes, now)?;
    Ok(HttpResponse::build(StatusCode::OK).insert_header((header::CACHE_CONTROL, "no-store")).json(SystemToken {
        access_token: token,
        token_type: "Bearer".into(),
        expires_in: ACCESS_TOKEN_TTL.num_seconds(),
        scope: scopes.iter().map(|s| s.code()).collect::<Vec<_>>().join(" "),
    }))
}

fn parse_token_request(req: &HttpRequest, body: &[u8]) -> Result<TokenRequest, ApiError> {
    let media = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    match media.as_str() {
        "application/x-www-form-urlencoded" => serde_urlencoded::from_bytes(body).map_err(|_| {
            ApiError::bad_request("the form could not be read").with_oauth_error(OAuthError::InvalidRequest)
        }),
        "application/json" => parse_json(body).map_err(|error| error.with_oauth_error(OAuthError::InvalidRequest)),
        _ => Err(ApiError::unsupported_media_type("send application/x-www-form-urlencoded or application/json")),
    }
}

/// `Authorization: Basic base64(client_id:client_secret)`.
fn basic_credentials(req: &HttpRequest) -> Option<(String, String)> {
    let value = req.headers().get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, encoded) = value.trim().split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = String::from_utf8(STANDARD.decode(encoded.trim()).ok()?).ok()?;
    let (id, secret) = decoded.split_once(':')?;
    Some((id.to_string(), secret.to_string()))
}
