//! User accounts: the caller's own, and account management by the admin (and by the command
//! line and the first start, which act with the machine's rights).

use chrono::{DateTime, Utc};
use domain::access::Capability;
use domain::changes::{ChangeAction, user_change};
use domain::districts::parse_district_list;
use domain::organizations::Organization;
use domain::users::{Role, User, check_display_name, check_password, check_role_districts, locks_out_self};
use domain::validation::{Email, Violations};
use persistence::changes as feed;
use persistence::users::{self as store, NewUser, UserChanges, UserFilter};
use persistence::{Page, PageRequest, organizations};
use uuid::Uuid;

use crate::actor::Actor;
use crate::context::{Context, ReadVersion};
use crate::error::{Conflict, Error, Result};
use crate::passwords;

/// An account to create.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAccount {
    pub email: String,
    pub display_name: String,
    pub role: Role,
    pub organization_id: Uuid,
    /// District codes; required for district roles, empty for the others.
    pub districts: Vec<String>,
    /// Generated (and answered once) when absent.
    pub password: Option<String>,
}

/// Changes to an account; absent fields stay.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AccountChanges {
    pub display_name: Option<String>,
    pub role: Option<Role>,
    pub organization_id: Option<Uuid>,
    pub districts: Option<Vec<String>>,
    pub active: Option<bool>,
    pub password: Option<String>,
}

/// What a user list asks for.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AccountQuery {
    pub role: Option<Role>,
    pub district: Option<String>,
    pub organization_id: Option<Uuid>,
    pub active: Option<bool>,
    pub q: Option<String>,
}

/// The admin creates an account; answers it and the password generated, if none was given.
pub async fn create(
    ctx: &Context,
    actor: &Actor,
    now: DateTime<Utc>,
    account: NewAccount,
) -> Result<(User, Option<String>)> {
    actor.require(Capability::ManageUsers)?;
    create_account(ctx, now, account).await
}

/// Creates an account with the machine's rights (the command line, the first start): checks
/// it, hashes the password and stores it.
pub async fn create_account(ctx: &Context, now: DateTime<Utc>, account: NewAccount) -> Result<(User, Option<String>)> {
    let mut violations = Violations::new();
    let email = violations.check(Email::parse("email", &account.email));
    let display_name = violations.check(check_display_name("display_name", &account.display_name));
    let districts = violations.take(parse_district_list("districts", &account.districts, ctx.known_districts()));
    if let Some(districts) = &districts {
        violations.take(check_role_districts(account.role, districts));
    }
    if let Some(password) = &account.password {
        violations.check(check_password("password", password));
    }
    let (Some(email), Some(display_name), Some(districts), true) =
        (email, display_name, districts, violations.is_empty())
    else {
        return Err(violations.into());
    };
    let generated = account.password.is_none().then(passwords::generate);
    let password = account.password.or_else(|| generated.clone()).unwrap_or_default();
    let password_hash = passwords::hash_off_thread(password).await?;
    let new = NewUser {
        email,
        display_name,
        password_hash,
        role: account.role,
        organization_id: account.organization_id,
        districts,
    };
    let user = ctx
        .db()
        .write(move |conn| {
            if !organizations::exists(conn, new.organization_id)? {
                return Err(Error::field("organization_id", "unknown_organization", "no organisation has this id"));
            }
            if store::find_by_email(conn, &new.email)?.is_some() {
                return Err(Conflict::AlreadyExists { detail: "a user with this e-mail already exists" }.into());
            }
            let user = store::insert(conn, &new, now)?;
            feed::record(conn, now, &[user_change(&user, ChangeAction::Created)])?;
            Ok(user)
        })
        .await?;
    tracing::info!(user_id = %user.id, role = %user.role, "user created");
    Ok((user, generated))
}

/// How many accounts exist (the first start creates an admin when none does).
pub async fn count(ctx: &Context) -> Result<i64> {
    Ok(ctx.db().read(store::count).await?)
}

/// How many active administrators there are: none leaves nobody to manage accounts.
pub async fn active_admins(ctx: &Context) -> Result<i64> {
    Ok(ctx.db().read(store::active_admins).await?)
}

/// The caller's own account and organisation.
pub async fn me(ctx: &Context, actor: &Actor) -> Result<(User, Organization)> {
    let id = actor.user_id;
    ctx.db()
        .read(move |conn| {
            let user = store::find(conn, id)?;
            let organization = organizations::find(conn, user.organization_id)?;
            Ok((user, organization))
        })
        .await
}

/// Accounts (admin), oldest first.
pub async fn list(ctx: &Context, actor: &Actor, query: AccountQuery, page: PageRequest<Uuid>) -> Result<Page<User>> {
    actor.require(Capability::ManageUsers)?;
    let filter = UserFilter {
        role: query.role,
        district: query.district.as_deref().map(|code| ctx.district("district", code)).transpose()?,
        organization_id: query.organization_id,
        active: query.active,
        q: query.q,
    };
    Ok(ctx.db().read(move |conn| store::list(conn, &filter, &page)).await?)
}

/// One account (admin).
pub async fn read(ctx: &Context, actor: &Actor, id: Uuid) -> Result<User> {
    actor.require(Capability::ManageUsers)?;
    Ok(ctx.db().read(move |conn| store::find(conn, id)).await?)
}

/// An account by its id or e-mail address (the command line names them either way).
pub async fn find(ctx: &Context, id_or_email: &str) -> Result<Option<User>> {
    let wanted = id_or_email.trim().to_string();
    Ok(ctx
        .db()
        .read(move |conn| match Uuid::parse_str(&wanted) {
            Ok(id) => persistence::error::optional(store::find(conn, id)),
            Err(_) => match Email::parse("email", &wanted) {
                Ok(email) => store::find_by_email(conn, &email),
                Err(_) => Ok(None),
            },
        })
        .await?)
}

/// Changes an account read at `target.version` (admin): deactivate, change role, districts or
/// organisation, reset the password. Any of these ends the user's sessions. Nobody deactivates
/// or demotes their own account.
pub async fn update(
    ctx: &Context,
    actor: &Actor,
    now: DateTime<Utc>,
    target: ReadVersion,
    changes: AccountChanges,
) -> Result<User> {
    actor.require(Capability::ManageUsers)?;
    let ReadVersion { id, version } = target;
    let current = ctx.db().read(move |conn| store::find(conn, id)).await?;
    if current.version != version {
        return Err(Error::Stale);
    }
    if locks_out_self(actor.user_id, id, changes.active, changes.role) {
        return Err(Conflict::OwnAccount.into());
    }
    let mut violations = Violations::new();
    let display_name =
        changes.display_name.as_deref().and_then(|name| violations.check(check_display_name("display_name", name)));
    let districts = changes
        .districts
        .as_deref()
        .and_then(|raw| violations.take(parse_district_list("districts", raw, ctx.known_districts())));
    let role = changes.role.unwrap_or(current.role);
    violations.take(check_role_districts(role, districts.as_deref().unwrap_or(&current.districts)));
    if let Some(password) = &changes.password {
        violations.check(check_password("password", password));
    }
    if !violations.is_empty() {
        return Err(violations.into());
    }
    let password_hash = match changes.password {
        Some(password) => Some(passwords::hash_off_thread(password).await?),
        None => None,
    };
    let stored = UserChanges {
        display_name,
        role: changes.role,
        organization_id: changes.organization_id,
        districts,
        active: changes.active,
        // A password the administrator set is known to two people: the next login may only
        // replace it.
        must_change_password: password_hash.is_some().then_some(true),
        password_hash,
    };
    let user = ctx
        .db()
        .write(move |conn| {
            if let Some(organization_id) = stored.organization_id
                && !organizations::exists(conn, organization_id)?
            {
                return Err(Error::field("organization_id", "unknown_organization", "no organisation has this id"));
            }
            let user = store::update(conn, id, version, &stored, now)?;
            feed::record(conn, now, &[user_change(&user, ChangeAction::Updated)])?;
            Ok(user)
        })
        .await?;
    tracing::info!(user_id = %user.id, "user changed");
    Ok(user)
}
