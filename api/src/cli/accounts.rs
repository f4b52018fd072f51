//! Accounts from the command line: users, organisations and partner systems, managed with the
//! machine's rights (the administrator's use cases, acting as [`Actor::machine`]).

use std::io::{BufRead, Write};

use app::actor::Actor;
use app::organizations::{DirectoryQuery, NewEntry};
use app::service_accounts::NewSystem;
use app::users::{AccountChanges, AccountQuery, NewAccount};
use clap::Subcommand;
use domain::Vocabulary;
use domain::access::TokenScope;
use domain::organizations::OrganizationKind;
use domain::users::{Role, User};
use persistence::PageRequest;
use uuid::Uuid;

use super::{explain, open, output, read_password};
use crate::config::Config;
use crate::routes::organizations::OrganizationView;
use crate::routes::service_accounts::{IssuedCredentials, ServiceAccountView};
use crate::routes::users::{CreatedUser, UserView};
use crate::server::REGION_ORGANIZATION_ID;
use crate::state::AppState;

#[derive(Debug, Subcommand)]
pub(super) enum UserCommand {
    /// Create a user; prints the account as JSON. Without --password-stdin a password is
    /// generated and printed once.
    Create {
        #[arg(long)]
        email: String,
        /// Display name.
        #[arg(long)]
        name: String,
        /// One of: admin, regional_coordinator, evaluator, district_coordinator, case_worker,
        /// legal_advisor, outreach_worker, network_manager, partner.
        #[arg(long)]
        role: Role,
        /// Organisation id, or its exact name (case-insensitive).
        #[arg(long)]
        organization: String,
        /// District code; repeat, or separate with commas.
        #[arg(long = "district", value_delimiter = ',')]
        districts: Vec<String>,
        /// Read the password from the first line of standard input.
        #[arg(long)]
        password_stdin: bool,
    },
    /// List the accounts, oldest first.
    List {
        #[arg(long)]
        role: Option<Role>,
        /// Only those working in this district.
        #[arg(long)]
        district: Option<String>,
        /// Only active (true) or deactivated (false) accounts.
        #[arg(long)]
        active: Option<bool>,
        /// Part of the name or e-mail address.
        #[arg(long)]
        search: Option<String>,
        /// JSON (the API's shape) instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Show one account.
    Show {
        /// The account's e-mail address or id.
        user: String,
        #[arg(long)]
        json: bool,
    },
    /// Deactivate an account: its sessions end, it can no longer log in.
    Deactivate { user: String },
    /// Reactivate a deactivated account.
    Activate { user: String },
    /// Set a new password, to be changed at the next login; without --password-stdin one is
    /// generated and printed once. The account's sessions end.
    ResetPassword {
        user: String,
        #[arg(long)]
        password_stdin: bool,
    },
    /// Change an account's role (and its districts, which district roles need).
    SetRole {
        user: String,
        #[arg(long)]
        role: Role,
        /// District code; repeat, or separate with commas. Left as they are when absent.
        #[arg(long = "district", value_delimiter = ',')]
        districts: Vec<String>,
    },
}

#[derive(Debug, Subcommand)]
pub(super) enum OrgCommand {
    /// List the organisations, by name.
    List {
        /// One of: region, coordination, university, municipal_service, ets, anti_trafficking, public_service.
        #[arg(long)]
        kind: Option<OrganizationKind>,
        #[arg(long)]
        json: bool,
    },
    /// Register an organisation; prints it.
    Create {
        #[arg(long)]
        name: String,
        #[arg(long)]
        kind: OrganizationKind,
        #[arg(long)]
        municipality: Option<String>,
        /// District code it works in; repeat, or separate with commas.
        #[arg(long = "district", value_delimiter = ',')]
        districts: Vec<String>,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
pub(super) enum ServiceAccountCommand {
    /// Register a partner organisation's system; prints its client id and secret, once.
    Create {
        /// The partner organisation: its id or exact name.
        #[arg(long)]
        organization: String,
        /// What the system is, e.g. "Gestionale Cooperativa Farsi Prossimo".
        #[arg(long)]
        name: String,
        /// referrals:read, referrals:write, services:write or webhooks:write; repeat, or
        /// separate with commas.
        #[arg(long = "scope", value_delimiter = ',', required = true)]
        scopes: Vec<String>,
        /// The administrator who registers it (e-mail or id), recorded as its creator.
        #[arg(long = "by")]
        by: String,
    },
    /// List the partner systems, newest first.
    List {
        #[arg(long)]
        json: bool,
    },
    /// Give a system a new secret (printed once); the old one and its tokens stop at once.
    Rotate {
        /// The account's id or client id.
        account: String,
    },
    /// Revoke a system for good; its tokens stop at once.
    Revoke { account: String },
}

fn admin() -> Actor {
    Actor::machine(Role::Admin, REGION_ORGANIZATION_ID, "cli")
}

pub(super) async fn user(
    config: &Config,
    command: UserCommand,
    stdin: &mut dyn BufRead,
    out: &mut dyn Write,
) -> Result<(), String> {
    let state = open(config)?;
    let (ctx, actor, now) = (state.context(), admin(), state.now());
    match command {
        UserCommand::Create { email, name, role, organization, districts, password_stdin } => {
            let password = if password_stdin { Some(read_password(stdin)?) } else { None };
            let organization_id = organization_id(&state, &organization).await?;
            let account = NewAccount { email, display_name: name, role, organization_id, districts, password };
            let (user, generated_password) = app::users::create_account(ctx, now, account).await.map_err(explain)?;
            output::record(out, true, &CreatedUser { user: user.into(), generated_password })
        }
        UserCommand::List { role, district, active, search, json } => {
            let query = AccountQuery { role, district, organization_id: None, active, q: search };
            let mut users: Vec<UserView> = Vec::new();
            let mut after = None;
            loop {
                let page = PageRequest { after, limit: persistence::MAX_PAGE_SIZE };
                let found = app::users::list(ctx, &actor, query.clone(), page).await.map_err(explain)?;
                after = found.items.last().map(|user| user.id);
                users.extend(found.items.into_iter().map(UserView::from));
                if !found.has_more {
                    break;
                }
            }
            output::records(out, json, &users, &["email", "display_name", "role", "districts", "active", "id"])
        }
        UserCommand::Show { user, json } => output::record(out, json, &UserView::from(find_user(&state, &user).await?)),
        UserCommand::Deactivate { user } => {
            let changes = AccountChanges { active: Some(false), ..AccountChanges::default() };
            let user = change_user(&state, &user, changes).await?;
            writeln!(out, "{} deactivated; its sessions ended", user.email.as_str()).map_err(|e| e.to_string())
        }
        UserCommand::Activate { user } => {
            let changes = AccountChanges { active: Some(true), ..AccountChanges::default() };
            let user = change_user(&state, &user, changes).await?;
            writeln!(out, "{} activated", user.email.as_str()).map_err(|e| e.to_string())
        }
        UserCommand::ResetPassword { user, password_stdin } => {
            let given = if password_stdin { Some(read_password(stdin)?) } else { None };
            let password = given.clone().unwrap_or_else(app::passwords::generate);
            let changes = AccountChanges { password: Some(password.clone()), ..AccountChanges::default() };
            let user = change_user(&state, &user, changes).await?;
            let email = user.email.as_str();
            let line = match given {
                Some(_) => format!("{email}: password set; it must be changed at the next login"),
                None => format!("{email}: password {password} (shown once; it must be changed at the next login)"),
            };
            writeln!(out, "{line}").map_err(|e| e.to_string())
        }
        UserCommand::SetRole { user, role, districts } => {
            let districts = (!districts.is_empty()).then_some(districts);
            let changes = AccountChanges { role: Some(role), districts, ..AccountChanges::default() };
            let user = change_user(&state, &user, changes).await?;
            let shown: Vec<&str> = user.districts.iter().map(|d| d.as_str()).collect();
            writeln!(out, "{}: role {}, districts {}", user.email.as_str(), user.role, shown.join(","))
                .map_err(|e| e.to_string())
        }
    }
}

pub(super) async fn org(config: &Config, command: OrgCommand, out: &mut dyn Write) -> Result<(), String> {
    let state = open(config)?;
    let (ctx, actor) = (state.context(), admin());
    match command {
        OrgCommand::List { kind, json } => {
            let query = DirectoryQuery { kind, district: None, q: None };
            let mut found: Vec<OrganizationView> = Vec::new();
            let mut after = None;
            loop {
                let page = PageRequest { after, limit: persistence::MAX_PAGE_SIZE };
                let listed = app::organizations::list(ctx, &actor, query.clone(), page).await.map_err(explain)?;
                after = listed.items.last().map(persistence::organizations::key_of);
                found.extend(listed.items.into_iter().map(OrganizationView::from));
                if !listed.has_more {
                    break;
                }
            }
            output::records(out, json, &found, &["name", "kind", "municipality", "districts", "id"])
        }
        OrgCommand::Create { name, kind, municipality, districts, json } => {
            let entry = NewEntry { name, kind, municipality, districts };
            let created = app::organizations::create(ctx, &actor, state.now(), entry).await.map_err(explain)?;
            output::record(out, json, &OrganizationView::from(created))
        }
    }
}

pub(super) async fn service_account(
    config: &Config,
    command: ServiceAccountCommand,
    out: &mut dyn Write,
) -> Result<(), String> {
    let state = open(config)?;
    let (ctx, now) = (state.context(), state.now());
    match command {
        ServiceAccountCommand::Create { organization, name, scopes, by } => {
            let creator = find_user(&state, &by).await?;
            if creator.role != Role::Admin || !creator.active {
                return Err(format!("--by: {} is not an active administrator", creator.email.as_str()));
            }
            let scopes = scopes
                .iter()
                .map(|scope| TokenScope::parse(scope.trim()).map_err(|_| format!("--scope: `{scope}` is not a scope")))
                .collect::<Result<Vec<_>, _>>()?;
            let organization_id = organization_id(&state, &organization).await?;
            let actor = Actor { user_id: creator.id, ..admin() };
            let issued = app::service_accounts::create(ctx, &actor, now, NewSystem { organization_id, name, scopes })
                .await
                .map_err(explain)?;
            output::record(out, true, &IssuedCredentials::from(issued))
        }
        ServiceAccountCommand::List { json } => {
            let accounts = app::service_accounts::list(ctx, &admin()).await.map_err(explain)?;
            let views: Vec<ServiceAccountView> = accounts.into_iter().map(ServiceAccountView::from).collect();
            output::records(out, json, &views, &["name", "client_id", "scopes", "active", "organization_id", "id"])
        }
        ServiceAccountCommand::Rotate { account } => {
            let target = find_service_account(&state, &account).await?;
            let issued = app::service_accounts::rotate(ctx, &admin(), now, target).await.map_err(explain)?;
            output::record(out, true, &IssuedCredentials::from(issued))
        }
        ServiceAccountCommand::Revoke { account } => {
            let target = find_service_account(&state, &account).await?;
            let revoked = app::service_accounts::revoke(ctx, &admin(), now, target).await.map_err(explain)?;
            writeln!(out, "{} ({}) revoked", revoked.name, revoked.client_id).map_err(|e| e.to_string())
        }
    }
}

/// An organisation named by id or exact name.
pub(super) async fn organization_id(state: &AppState, organization: &str) -> Result<Uuid, String> {
    app::organizations::find(state.context(), organization)
        .await
        .map_err(explain)?
        .map(|found| found.id)
        .ok_or_else(|| format!("--organization: no organisation has the id or name `{organization}`"))
}

async fn find_user(state: &AppState, user: &str) -> Result<User, String> {
    app::users::find(state.context(), user)
        .await
        .map_err(explain)?
        .ok_or_else(|| format!("no user has the e-mail address or id `{user}`"))
}

/// Changes an account as it is now.
async fn change_user(state: &AppState, user: &str, changes: AccountChanges) -> Result<User, String> {
    let current = find_user(state, user).await?;
    let target = app::context::ReadVersion { id: current.id, version: current.version };
    app::users::update(state.context(), &admin(), state.now(), target, changes).await.map_err(explain)
}

/// A partner system named by id or client id, as it is now.
async fn find_service_account(state: &AppState, account: &str) -> Result<app::context::ReadVersion, String> {
    let accounts = app::service_accounts::list(state.context(), &admin()).await.map_err(explain)?;
    let wanted = account.trim();
    accounts
        .into_iter()
        .find(|a| a.client_id == wanted || a.id.to_string() == wanted)
        .map(|a| app::context::ReadVersion { id: a.id, version: a.version })
        .ok_or_else(|| format!("no partner system has the id or client id `{account}`"))
}
