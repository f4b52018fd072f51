//! The audit trail: reads of personal data are answered only once their entries are durable;
//! the trail is read by the admin (all of it) and district coordinators (their districts), a
//! person's access log by coordinators; `inlav audit verify` walks the chain. No use case changes
//! or deletes an entry.

use std::future::Future;

use domain::access::Capability;
use domain::audit::{AuditEntry, ChainVerifier, ChainedEntry};
use domain::users::Role;
use persistence::audit::{self as store, AuditFilter};
use persistence::{Database, Page, PageRequest};
use uuid::Uuid;

use crate::access::visible_beneficiary;
use crate::actor::Actor;
use crate::context::Context;
use crate::error::Result;

/// Awaits a read of personal data that answers the data and its audit entries, and has the
/// entries committed before answering: when the trail cannot be written, nothing is returned.
/// How the read reaches the database is the caller's choice (`db.lookup` or `db.read`).
pub(crate) async fn audited<T>(db: &Database, read: impl Future<Output = Result<(T, Vec<AuditEntry>)>>) -> Result<T> {
    let (value, entries) = read.await?;
    db.record(entries).await?;
    Ok(value)
}

/// The entries a caller asks for, newest first; `filter.districts` is set here from the caller.
pub async fn trail(
    ctx: &Context,
    actor: &Actor,
    mut filter: AuditFilter,
    page: PageRequest<i64>,
) -> Result<Page<ChainedEntry>> {
    actor.require(Capability::ReadAudit)?;
    filter.districts = (actor.role != Role::Admin).then(|| actor.districts.clone());
    Ok(ctx.db().read(move |conn| store::list(conn, &filter, &page)).await?)
}

/// Who read or changed a person's data, newest first. A page of a list names only them, so
/// that one person's log does not tell who else was on the page.
pub async fn access_log(
    ctx: &Context,
    actor: &Actor,
    beneficiary_id: Uuid,
    page: PageRequest<i64>,
) -> Result<Page<ChainedEntry>> {
    actor.require(Capability::ReadAccessLog)?;
    let scope = actor.case_scope()?;
    let filter = AuditFilter { beneficiary_id: Some(beneficiary_id), ..AuditFilter::default() };
    let mut page = ctx
        .db()
        .read(move |conn| {
            visible_beneficiary(conn, &scope, beneficiary_id)?;
            Ok::<_, crate::Error>(store::list(conn, &filter, &page)?)
        })
        .await?;
    page.items = page
        .items
        .into_iter()
        .map(|mut stored| {
            stored.entry = stored.entry.as_seen_by(beneficiary_id);
            stored
        })
        .collect();
    Ok(page)
}

/// What `inlav audit verify` found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verification {
    pub checked: u64,
    pub head_seq: i64,
}

/// Why the trail does not verify, or could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unverified(pub String);

impl From<persistence::Error> for Unverified {
    fn from(error: persistence::Error) -> Self {
        Unverified(error.to_string())
    }
}

impl From<String> for Unverified {
    fn from(message: String) -> Self {
        Unverified(message)
    }
}

/// Walks the whole chain in batches and compares its end with the stored head, and the index
/// of the people named by pages with what the chain names.
pub async fn verify(db: &Database) -> std::result::Result<Verification, Unverified> {
    db.with_connection(|conn| {
        let mut verifier = ChainVerifier::default();
        let mut people_listed = 0;
        loop {
            let (after, _) = verifier.last();
            let batch = store::scan(conn, after, 1000)?;
            if batch.is_empty() {
                break;
            }
            for entry in &batch {
                verifier.check(entry).map_err(|broken| {
                    format!("the audit chain is broken at entry {}: {}", broken.seq, broken.reason)
                })?;
                people_listed += entry.entry.people_listed().count() as i64;
            }
        }
        let (head_seq, head_hash) = store::head(conn)?;
        let (last_seq, last_hash) = verifier.last();
        if (head_seq, head_hash.as_str()) != (last_seq, last_hash) {
            return Err(Unverified(format!(
                "the audit chain ends at entry {last_seq} but its head records entry {head_seq}: entries were removed"
            )));
        }
        // The pages' index is outside the chain: a row removed from it would hide a page from
        // someone's access log, so its size must be what the chain names.
        let indexed = store::listed_rows_up_to(conn, last_seq)?;
        if indexed != people_listed {
            return Err(Unverified(format!(
                "the index of the people named by pages holds {indexed} rows but the chain names {people_listed}: \
                 it was changed"
            )));
        }
        Ok(Verification { checked: verifier.checked(), head_seq })
    })
    .await
}
