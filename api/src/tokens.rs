//! Access tokens: JWTs signed with HS256, checked against the application clock.

use app::auth::Session;
use chrono::{DateTime, Utc};
use domain::Vocabulary;
use domain::access::TokenScope;
use domain::auth::{ACCESS_TOKEN_TTL, access_token_ttl};
use domain::users::Role;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::error::ApiError;

const ISSUER: &str = "inlav";
const AUDIENCE: &str = "inlav-api";

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
    /// A user's session (its refresh-token family): the token stops working when the session
    /// ends. Absent for partner systems, whose tokens end with their key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sid: Option<String>,
    /// Present for partner systems: the granted scopes, space-separated (RFC 8693 `scope`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
    /// Password change required: the token may only change the user's password.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub pcr: bool,
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

    /// The access token of a user's session; one that may only change the password when an
    /// administrator reset it.
    pub fn issue(&self, session: &Session, now: DateTime<Utc>) -> Result<String, ApiError> {
        let user = &session.user;
        let claims = Claims {
            iss: ISSUER.into(),
            aud: AUDIENCE.into(),
            sub: user.id.to_string(),
            iat: now.timestamp(),
            exp: (now + access_token_ttl(session.password_change_required)).timestamp(),
            role: user.role,
            org: user.organization_id.to_string(),
            districts: user.districts.iter().map(|d| d.as_str().to_string()).collect(),
            ver: session.token_version,
            sid: Some(session.session_id.to_string()),
            scope: None,
            pcr: session.password_change_required,
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
            sid: None,
            pcr: false,
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
