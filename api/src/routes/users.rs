//! User accounts: the caller's own profile, and account management by the admin.

use actix_web::http::header;
use actix_web::{HttpResponse, get, patch, post, web};
use app::ReadVersion;
use app::users::{self, AccountChanges, AccountQuery, NewAccount};
use chrono::{DateTime, Utc};
use domain::organizations::OrganizationKind;
use domain::users::{Role, User};
use persistence::PageRequest;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;
use validator::Validate;

use crate::caller::Caller;
use crate::error::ApiError;
use crate::extract::{
    IfMatch, Paged, ValidJson, ValidQuery, decode_id_cursor, encode_cursor, etag, page_limit, resource_id,
};
use crate::schemas;
use crate::state::AppState;

pub fn configure(config: &mut ServiceConfig) {
    config
        .service(me)
        .service(change_own_password)
        .service(create_user)
        .service(list_users)
        .service(get_user)
        .service(update_user);
}

/// A user account. Never carries the password or its hash.
#[derive(Debug, Serialize, ToSchema)]
pub struct UserView {
    pub id: Uuid,
    pub email: String,
    pub display_name: String,
    #[schema(value_type = schemas::Role)]
    pub role: Role,
    pub organization_id: Uuid,
    /// District codes; empty for roles not bound to districts.
    pub districts: Vec<String>,
    pub active: bool,
    /// Send as `If-Match: "<version>"` to change the account.
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<User> for UserView {
    fn from(user: User) -> Self {
        UserView {
            id: user.id,
            email: user.email.into_string(),
            display_name: user.display_name,
            role: user.role,
            organization_id: user.organization_id,
            districts: user.districts.iter().map(|d| d.as_str().to_string()).collect(),
            active: user.active,
            version: user.version,
            created_at: user.created_at,
            updated_at: user.updated_at,
        }
    }
}

/// The caller's own account and organisation.
#[derive(Debug, Serialize, ToSchema)]
pub struct MeView {
    #[serde(flatten)]
    pub user: UserView,
    pub organization: OrganizationSummary,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct OrganizationSummary {
    pub id: Uuid,
    pub name: String,
    #[schema(value_type = schemas::OrganizationKind)]
    pub kind: OrganizationKind,
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateUser {
    #[schema(example = "anna.bianchi@pua-milano.example.org")]
    pub email: String,
    #[schema(example = "Anna Bianchi")]
    pub display_name: String,
    #[schema(value_type = schemas::Role)]
    pub role: Role,
    pub organization_id: Uuid,
    /// District codes; required for district roles, empty for the others.
    #[serde(default)]
    #[validate(length(max = 50))]
    pub districts: Vec<String>,
    /// At least 12 characters. Leave out to have one generated and returned once.
    #[serde(default)]
    pub password: Option<String>,
}

impl From<CreateUser> for NewAccount {
    fn from(body: CreateUser) -> Self {
        NewAccount {
            email: body.email,
            display_name: body.display_name,
            role: body.role,
            organization_id: body.organization_id,
            districts: body.districts,
            password: body.password,
        }
    }
}

/// The created account; `generated_password` is present, once, when none was given.
#[derive(Debug, Serialize, ToSchema)]
pub struct CreatedUser {
    #[serde(flatten)]
    pub user: UserView,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub generated_password: Option<String>,
}

/// Changes to an account; absent fields stay as they are. Changing role, districts,
/// organisation, password or `active` ends the user's sessions.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateUser {
    pub display_name: Option<String>,
    #[schema(value_type = Option<schemas::Role>)]
    pub role: Option<Role>,
    pub organization_id: Option<Uuid>,
    #[validate(length(max = 50))]
    pub districts: Option<Vec<String>>,
    /// `false` deactivates the account: no login, no refresh, tokens stop working.
    pub active: Option<bool>,
    /// A new password (reset by the admin).
    pub password: Option<String>,
}

#[derive(Debug, Deserialize, Validate, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct UserListQuery {
    #[param(value_type = Option<schemas::Role>)]
    pub role: Option<Role>,
    /// A district code.
    pub district: Option<String>,
    pub organization_id: Option<Uuid>,
    pub active: Option<bool>,
    /// Part of the e-mail or display name, any case.
    #[validate(length(max = 100))]
    pub q: Option<String>,
    /// Page size, 1 to 200 (default 50).
    #[validate(range(min = 1, max = 200))]
    pub limit: Option<i64>,
    /// `next_cursor` of the previous page.
    #[validate(length(max = 512))]
    pub cursor: Option<String>,
}

/// The caller's own account.
#[utoipa::path(
    tag = "users",
    security(("bearer" = [])),
    responses((status = 200, description = "The caller's account", body = MeView))
)]
#[get("/me")]
pub async fn me(state: web::Data<AppState>, caller: Caller) -> Result<HttpResponse, ApiError> {
    let (user, organization) = users::me(state.context(), &caller).await?;
    Ok(HttpResponse::Ok().json(MeView {
        user: user.into(),
        organization: OrganizationSummary { id: organization.id, name: organization.name, kind: organization.kind },
    }))
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordChange {
    #[validate(length(max = 1024))]
    pub current_password: String,
    /// At least 12 characters.
    #[validate(length(max = 1024))]
    pub new_password: String,
}

/// Change your own password, giving the current one. The session you are in goes on; every
/// other session of yours ends (their access tokens stop at once). A wrong current password
/// counts as a failed login: after 5 within 15 minutes, 429 with `Retry-After`.
#[utoipa::path(
    tag = "users",
    security(("bearer" = [])),
    request_body = PasswordChange,
    responses(
        (status = 204, description = "Changed"),
        (status = 403, description = "A partner system's token: it has no password", body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 422, description = "The current password is wrong (`current_password`: `wrong_password`), or the new one too short", body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many wrong current passwords", body = crate::problem::Problem, content_type = "application/problem+json",
            headers(("Retry-After" = i64, description = "Seconds until the next attempt"))),
    )
)]
#[post("/me/password")]
pub async fn change_own_password(
    state: web::Data<AppState>,
    caller: Caller,
    body: ValidJson<PasswordChange>,
) -> Result<HttpResponse, ApiError> {
    let body = body.0;
    app::auth::change_own_password(state.context(), &caller, state.now(), body.current_password, body.new_password)
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Create a user (admin).
#[utoipa::path(
    tag = "users",
    security(("bearer" = [])),
    request_body = CreateUser,
    responses(
        (status = 201, description = "Created", body = CreatedUser,
            headers(("Location" = String, description = "The new user"), ("ETag" = String, description = "Its version"))),
        (status = 403, description = "Not an admin", body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 409, description = "The e-mail is taken", body = crate::problem::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/users")]
pub async fn create_user(
    state: web::Data<AppState>,
    caller: Caller,
    body: ValidJson<CreateUser>,
) -> Result<HttpResponse, ApiError> {
    let (user, generated_password) = users::create(state.context(), &caller, state.now(), body.0.into()).await?;
    Ok(HttpResponse::Created()
        .insert_header((header::LOCATION, format!("/api/v1/users/{}", user.id)))
        .insert_header((header::ETAG, etag(user.version)))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(CreatedUser { user: user.into(), generated_password }))
}

/// List users (admin), oldest first.
#[utoipa::path(
    tag = "users",
    security(("bearer" = [])),
    params(UserListQuery),
    responses(
        (status = 200, description = "A page of users", body = Paged<UserView>),
        (status = 403, description = "Not an admin", body = crate::problem::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/users")]
pub async fn list_users(
    state: web::Data<AppState>,
    caller: Caller,
    query: ValidQuery<UserListQuery>,
) -> Result<HttpResponse, ApiError> {
    let query = query.0;
    let page = PageRequest { after: decode_id_cursor(query.cursor.as_deref())?, limit: page_limit(query.limit) };
    let filter = AccountQuery {
        role: query.role,
        district: query.district,
        organization_id: query.organization_id,
        active: query.active,
        q: query.q,
    };
    let page = users::list(state.context(), &caller, filter, page).await?;
    let next_cursor =
        page.has_more.then(|| page.items.last().map(|user| encode_cursor(&[user.id.to_string()]))).flatten();
    Ok(HttpResponse::Ok().json(Paged { items: page.items.into_iter().map(UserView::from).collect(), next_cursor }))
}

/// Read a user (admin).
#[utoipa::path(
    tag = "users",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "User id")),
    responses(
        (status = 200, description = "The user", body = UserView, headers(("ETag" = String, description = "Its version"))),
        (status = 403, description = "Not an admin", body = crate::problem::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/users/{id}")]
pub async fn get_user(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let user = users::read(state.context(), &caller, resource_id(&id)?).await?;
    Ok(HttpResponse::Ok().insert_header((header::ETAG, etag(user.version))).json(UserView::from(user)))
}

/// Change a user (admin): deactivate, change role or districts, reset the password.
///
/// Requires `If-Match` with the version read. The admin cannot deactivate or demote their own
/// account, so the system always keeps an admin.
#[utoipa::path(
    tag = "users",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "User id"), ("If-Match" = String, Header, description = "The ETag read")),
    request_body = UpdateUser,
    responses(
        (status = 200, description = "The changed user", body = UserView, headers(("ETag" = String, description = "Its new version"))),
        (status = 403, description = "Not an admin", body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 409, description = "The change would lock the admin out", body = crate::problem::Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/users/{id}")]
pub async fn update_user(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
    if_match: IfMatch,
    body: ValidJson<UpdateUser>,
) -> Result<HttpResponse, ApiError> {
    let target = ReadVersion { id: resource_id(&id)?, version: if_match.0 };
    let body = body.0;
    let changes = AccountChanges {
        display_name: body.display_name,
        role: body.role,
        organization_id: body.organization_id,
        districts: body.districts,
        active: body.active,
        password: body.password,
    };
    let user = users::update(state.context(), &caller, state.now(), target, changes).await?;
    Ok(HttpResponse::Ok().insert_header((header::ETAG, etag(user.version))).json(UserView::from(user)))
}
