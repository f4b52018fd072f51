//! The `Caller` of every protected request: the bearer token checked (signature, expiry, and
//! that the account still stands at the token's version) and turned into the use cases' actor.

use std::ops::Deref;

use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpMessage, HttpRequest, web};
use app::Actor;
use app::auth::{self, Holder};
use domain::Vocabulary;
use domain::access::TokenScope;
use domain::districts::DistrictCode;
use domain::users::Role;
use futures_util::future::LocalBoxFuture;
use uuid::Uuid;

use crate::error::{ApiError, ProblemCode};
use crate::state::AppState;
use crate::telemetry::RequestId;

/// What a token that may only change the password reaches: the change itself, and who the
/// user is (a client shows the form with the user's name).
fn is_password_change(req: &HttpRequest) -> bool {
    matches!((req.method().as_str(), req.path()), ("POST", "/api/v1/me/password") | ("GET", "/api/v1/me"))
}

/// The authenticated user or partner system of a request.
#[derive(Debug, Clone)]
pub struct Caller(pub Actor);

impl Deref for Caller {
    type Target = Actor;

    fn deref(&self) -> &Actor {
        &self.0
    }
}

impl FromRequest for Caller {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _payload: &mut Payload) -> Self::Future {
        let state = req.app_data::<web::Data<AppState>>().cloned();
        let token = crate::bearer::bearer_token(req);
        let request_id = req.extensions().get::<RequestId>().map(|id| id.0.clone());
        let changes_password = is_password_change(req);
        Box::pin(async move {
            let state = state.ok_or_else(ApiError::internal)?;
            let token =
                token.ok_or_else(|| ApiError::unauthorized("send an access token: Authorization: Bearer <token>"))?;
            let invalid = || ApiError::unauthorized("the access token is invalid or expired");
            let claims = state.tokens().verify(&token, state.now()).ok_or_else(invalid)?;
            if claims.pcr && !changes_password {
                return Err(ApiError::of(ProblemCode::PasswordChangeRequired).with_catalogue_detail(Vec::new()));
            }
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
            let holder = match (&scopes, &claims.sid) {
                (Some(_), _) => Holder::System(user_id),
                (None, Some(sid)) => Holder::User { user_id, session_id: Uuid::parse_str(sid).map_err(|_| invalid())? },
                // A user's token names its session; one without was not issued by this version.
                (None, None) => return Err(invalid()),
            };
            let standing = auth::standing(state.context(), holder, state.now()).await?;
            let system = scopes.is_some();
            match standing {
                Some((true, version)) if version == claims.ver && (!system || claims.role == Role::Partner) => {
                    Ok(Caller(Actor {
                        user_id,
                        role: claims.role,
                        organization_id,
                        districts: claims.districts.into_iter().map(DistrictCode::from_trusted).collect(),
                        request_id,
                        scopes,
                        session_id: match holder {
                            Holder::User { session_id, .. } => Some(session_id),
                            Holder::System(_) => None,
                        },
                    }))
                }
                _ => Err(invalid()),
            }
        })
    }
}
