//! The audit trail: reads of personal data are answered only once their entries are durable;
//! the trail is read by the admin (all of it) and district coordinators (their districts), a
//! person's access log by coordinators; `inlav audit verify` walks the chain. No use case changes
//! or deletes an entry.

use std::cmp::Ordering;
use std::future::Future;

use chrono::{DateTime, Utc};
use domain::access::Capability;
use domain::audit::{AuditEntry, ChainBreak, ChainVerifier, ChainedEntry, Checkpoint};
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

/// An entry as one person's access log shows it (see `AuditEntry::as_seen_by`).
pub(crate) fn seen_by(mut stored: ChainedEntry, beneficiary_id: Uuid) -> ChainedEntry {
    stored.entry = stored.entry.as_seen_by(beneficiary_id);
    stored
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
    page.items = page.items.into_iter().map(|stored| seen_by(stored, beneficiary_id)).collect();
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

/// The chain's head now, to be signed into a checkpoint kept outside the database.
pub async fn checkpoint(db: &Database, now: DateTime<Utc>) -> std::result::Result<Checkpoint, Unverified> {
    let (entries, head_hash) = db.with_connection(store::head).await?;
    Ok(Checkpoint { entries, head_hash, at: now })
}

/// Walks the whole chain in batches and compares its end with the stored head and with every
/// checkpoint, and the index of the people named by pages with what the chain names.
pub async fn verify(db: &Database, checkpoints: Vec<Checkpoint>) -> std::result::Result<Verification, Unverified> {
    let broken = |broken: ChainBreak| format!("the audit chain is broken at entry {}: {}", broken.seq, broken.reason);
    db.with_connection(move |conn| {
        let mut verifier = ChainVerifier::default();
        loop {
            let (after, _) = verifier.last();
            let batch = store::scan(conn, after, 1000)?;
            let Some(last) = batch.last().map(|stored| stored.seq) else { break };
            for entry in &batch {
                verifier.check(entry).map_err(broken)?;
                for checkpoint in &checkpoints {
                    checkpoint.check(entry).map_err(broken)?;
                }
            }
            check_listed(&batch, store::listed_rows(conn, after, last)?)?;
        }
        let (last_seq, last_hash) = verifier.last();
        for checkpoint in &checkpoints {
            checkpoint.check_end(last_seq).map_err(broken)?;
        }
        let (head_seq, head_hash) = store::head(conn)?;
        if (head_seq, head_hash.as_str()) != (last_seq, last_hash) {
            return Err(Unverified(format!(
                "the audit chain ends at entry {last_seq} but its head records entry {head_seq}: entries were removed"
            )));
        }
        if let Some((seq, person)) = store::listed_row_after(conn, last_seq)? {
            return Err(Unverified(format!(
                "the index of the people named by pages lists {person} under entry {seq}, which the chain does not hold: \
                 it was added"
            )));
        }
        Ok(Verification { checked: verifier.checked(), head_seq })
    })
    .await
}

/// The pages' index is outside the chain: a row changed in it would hide a page from one
/// person's access log and show it in another's. Its rows for a batch of entries must be the
/// people those entries name, no more and no fewer.
fn check_listed(batch: &[ChainedEntry], mut indexed: Vec<(i64, String)>) -> std::result::Result<(), Unverified> {
    let mut named: Vec<(i64, String)> = batch
        .iter()
        .flat_map(|stored| stored.entry.people_listed().map(|person| (stored.seq, person.to_string())))
        .collect();
    named.sort();
    // Sorted here as `named` is, whatever the database's collation.
    indexed.sort();
    let (mut named, mut indexed) = (named.iter().peekable(), indexed.iter().peekable());
    loop {
        let next = match (named.peek(), indexed.peek()) {
            (None, None) => return Ok(()),
            (Some(a), Some(b)) => a.cmp(b),
            (Some(_), None) => Ordering::Less,
            (None, Some(_)) => Ordering::Greater,
        };
        match next {
            Ordering::Equal => {
                named.next();
                indexed.next();
            }
            Ordering::Less => {
                if let Some((seq, person)) = named.next() {
                    return Err(Unverified(format!(
                        "entry {seq} names {person} on a page but the index of the people named by pages lacks \
                         the row: it was removed or changed, and the page is missing from their access log"
                    )));
                }
            }
            Ordering::Greater => {
                if let Some((seq, person)) = indexed.next() {
                    return Err(Unverified(format!(
                        "the index of the people named by pages lists {person} under entry {seq}, which does \
                         not name them: it was added or changed"
                    )));
                }
            }
        }
    }
}
