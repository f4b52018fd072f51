//! Organisations: the programme's bodies, municipal services and partner ETS. The directory
//! holds no personal data: every logged-in user reads it, the admin changes it. Names are unique
//! (folded: case and spacing ignored).

use chrono::{DateTime, Utc};
use domain::access::Capability;
use domain::changes::{ChangeAction, organization_change};
use domain::districts::parse_district_list;
use domain::organizations::{MUNICIPALITY_MAX_CHARS, ORGANIZATION_NAME_MAX_CHARS, Organization, OrganizationKind};
use domain::validation::{Violation, Violations, check_label};
use persistence::changes as feed;
use persistence::organizations::{
    self as store, NewOrganization, OrganizationChanges, OrganizationFilter, OrganizationKey,
};
use persistence::{Page, PageRequest};
use uuid::Uuid;

use crate::actor::Actor;
use crate::context::{Context, ReadVersion};
use crate::error::{Conflict, Error, Result};

/// An organisation to register.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewEntry {
    pub name: String,
    pub kind: OrganizationKind,
    pub municipality: Option<String>,
    pub districts: Vec<String>,
}

/// Changes to an organisation; absent fields stay, `Some(None)` clears the municipality.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EntryChanges {
    pub name: Option<String>,
    pub kind: Option<OrganizationKind>,
    pub municipality: Option<Option<String>>,
    pub districts: Option<Vec<String>>,
}

/// What a directory listing asks for.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DirectoryQuery {
    pub kind: Option<OrganizationKind>,
    pub district: Option<String>,
    pub q: Option<String>,
}

fn check_name(raw: &str) -> std::result::Result<String, Violation> {
    check_label("name", raw, ORGANIZATION_NAME_MAX_CHARS)
}

fn check_municipality(raw: &str) -> std::result::Result<String, Violation> {
    check_label("municipality", raw, MUNICIPALITY_MAX_CHARS)
}

const NAME_TAKEN: Conflict = Conflict::AlreadyExists { detail: "an organisation with this name already exists" };

/// Registers an organisation (admin).
pub async fn create(ctx: &Context, actor: &Actor, now: DateTime<Utc>, entry: NewEntry) -> Result<Organization> {
    actor.require(Capability::ManageOrganizations)?;
    let mut violations = Violations::new();
    let name = violations.check(check_name(&entry.name));
    let municipality = entry.municipality.as_deref().map(|m| violations.check(check_municipality(m)));
    let districts = violations.take(parse_district_list("districts", &entry.districts, ctx.known_districts()));
    let (Some(name), Some(districts), true) = (name, districts, violations.is_empty()) else {
        return Err(violations.into());
    };
    let new = NewOrganization { name, kind: entry.kind, municipality: municipality.flatten(), districts };
    ctx.db()
        .write(move |conn| {
            if store::name_taken(conn, &new.name, None)? {
                return Err(NAME_TAKEN.into());
            }
            let organization = store::insert(conn, &new, now)?;
            feed::record(conn, now, &[organization_change(&organization, ChangeAction::Created)])?;
            Ok(organization)
        })
        .await
}

/// The organisation `id` given in `field`, which must be a partner: one that receives
/// referrals and may have systems and webhooks (not the Region, ANCI or the university).
pub(crate) fn partner_named(conn: &mut persistence::DbConnection, field: &str, id: Uuid) -> Result<Organization> {
    let organization = store::find(conn, id).map_err(|err| match err {
        persistence::Error::NotFound => Error::field(field, "unknown_organization", "no organisation has this id"),
        other => other.into(),
    })?;
    if !domain::organizations::acts_as_partner(organization.kind) {
        return Err(Error::field(field, "not_a_partner", "the programme's own bodies do not act as partners"));
    }
    Ok(organization)
}

/// The directory, by name.
pub async fn list(
    ctx: &Context,
    actor: &Actor,
    query: DirectoryQuery,
    page: PageRequest<OrganizationKey>,
) -> Result<Page<Organization>> {
    actor.require(Capability::ReadOrganizations)?;
    let district = query.district.as_deref().map(|code| ctx.district("district", code)).transpose()?;
    let filter = OrganizationFilter { kind: query.kind, district, q: query.q };
    Ok(ctx.db().read(move |conn| store::list(conn, &filter, &page)).await?)
}

/// One organisation.
pub async fn read(ctx: &Context, actor: &Actor, id: Uuid) -> Result<Organization> {
    actor.require(Capability::ReadOrganizations)?;
    Ok(ctx.db().read(move |conn| store::find(conn, id)).await?)
}

/// An organisation by its id or its exact name (the command line names them either way).
pub async fn find(ctx: &Context, id_or_name: &str) -> Result<Option<Organization>> {
    let wanted = id_or_name.to_string();
    Ok(ctx
        .db()
        .read(move |conn| match Uuid::parse_str(&wanted) {
            Ok(id) => persistence::error::optional(store::find(conn, id)),
            Err(_) => store::find_by_name(conn, &wanted),
        })
        .await?)
}

/// Changes an organisation read at `target.version` (admin).
pub async fn update(
    ctx: &Context,
    actor: &Actor,
    now: DateTime<Utc>,
    target: ReadVersion,
    changes: EntryChanges,
) -> Result<Organization> {
    actor.require(Capability::ManageOrganizations)?;
    let mut violations = Violations::new();
    let name = changes.name.as_deref().and_then(|name| violations.check(check_name(name)));
    let municipality = match changes.municipality {
        Some(Some(raw)) => violations.check(check_municipality(&raw)).map(Some),
        Some(None) => Some(None),
        None => None,
    };
    let districts = changes
        .districts
        .as_deref()
        .and_then(|raw| violations.take(parse_district_list("districts", raw, ctx.known_districts())));
    if !violations.is_empty() {
        return Err(violations.into());
    }
    let stored = OrganizationChanges { name, kind: changes.kind, municipality, districts };
    ctx.db()
        .write(move |conn| {
            if let Some(name) = &stored.name
                && store::name_taken(conn, name, Some(target.id))?
            {
                return Err(NAME_TAKEN.into());
            }
            let organization = store::update(conn, target.id, target.version, &stored, now)?;
            feed::record(conn, now, &[organization_change(&organization, ChangeAction::Updated)])?;
            Ok(organization)
        })
        .await
}
