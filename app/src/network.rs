//! The network's services (la Rete): read by every case role and partners; managed by the
//! admin, and by district coordinators for services that serve only their districts.

use chrono::{DateTime, Utc};
use domain::access::Capability;
use domain::iso::parse_language;
use domain::network::{NetworkService, NetworkServiceStatus, ServiceDraft, check_service, may_manage};
use domain::services::ServiceCategory;
use persistence::network::{self as store, ServiceFilter};
use persistence::{DbConnection, Page, PageRequest, organizations};
use uuid::Uuid;

use crate::actor::Actor;
use crate::context::{Context, ReadVersion};
use crate::error::{Error, Result};

/// What a search of the network asks for.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ServiceQuery {
    pub category: Option<ServiceCategory>,
    pub district: Option<String>,
    /// ISO 639-1.
    pub language: Option<String>,
    pub organization_id: Option<Uuid>,
    pub status: Option<NetworkServiceStatus>,
    /// Part of the name or description.
    pub q: Option<String>,
}

/// A service listing's sort key: the name, then the id.
pub type ServiceKey = (String, Uuid);

fn refused_for_areas() -> Error {
    Error::forbidden_because("a district's team manages services that serve only its districts")
}

fn require_organization(conn: &mut DbConnection, id: Uuid) -> Result<()> {
    if organizations::exists(conn, id)? {
        Ok(())
    } else {
        Err(Error::field("organization_id", "unknown_organization", "no organisation has this id"))
    }
}

/// Adds a service to the network.
pub async fn create(ctx: &Context, actor: &Actor, now: DateTime<Utc>, draft: ServiceDraft) -> Result<NetworkService> {
    actor.require(Capability::ManageNetwork)?;
    let data = check_service(draft, ctx.known_districts())?;
    if !may_manage(actor.role, &actor.districts, &data.service_areas) {
        return Err(refused_for_areas());
    }
    ctx.db()
        .write(move |conn| {
            require_organization(conn, data.organization_id)?;
            Ok(store::insert(conn, &data, now)?)
        })
        .await
}

/// The network's services, by name.
pub async fn list(
    ctx: &Context,
    actor: &Actor,
    query: ServiceQuery,
    page: PageRequest<ServiceKey>,
) -> Result<Page<NetworkService>> {
    actor.require(Capability::ReadNetwork)?;
    let filter = ServiceFilter {
        category: query.category,
        district: query.district.as_deref().map(|d| ctx.district("district", d)).transpose()?,
        language: query.language.as_deref().map(|l| parse_language("language", l)).transpose()?,
        organization_id: query.organization_id,
        status: query.status,
        q: query.q,
    };
    Ok(ctx.db().read(move |conn| store::list(conn, &filter, &page)).await?)
}

/// One service.
pub async fn read(ctx: &Context, actor: &Actor, id: Uuid) -> Result<NetworkService> {
    actor.require(Capability::ReadNetwork)?;
    Ok(ctx.db().read(move |conn| store::find(conn, id)).await?)
}

/// Replaces a service's description. A coordinator changes only a service that serves its
/// districts alone, and keeps it so.
pub async fn update(
    ctx: &Context,
    actor: &Actor,
    now: DateTime<Utc>,
    target: ReadVersion,
    draft: ServiceDraft,
) -> Result<NetworkService> {
    actor.require(Capability::ManageNetwork)?;
    let data = check_service(draft, ctx.known_districts())?;
    if !may_manage(actor.role, &actor.districts, &data.service_areas) {
        return Err(refused_for_areas());
    }
    let (role, districts) = (actor.role, actor.districts.clone());
    ctx.db()
        .write(move |conn| {
            let current = store::find(conn, target.id)?;
            if !may_manage(role, &districts, &current.service_areas) {
                return Err(refused_for_areas());
            }
            require_organization(conn, data.organization_id)?;
            Ok(store::update(conn, target.id, target.version, &data, now)?)
        })
        .await
}
