//! Transfers between districts: asked for by the receiving district from a match (or a codice
//! fiscale), answered by the coordinator of the district holding the record with the person's
//! consent. Acceptance moves the record, closes the open case where it was and opens one where
//! the person is now; the sending district keeps its cases as read-only history. Every step is
//! audited and on the change feed of both districts.

use chrono::{DateTime, Utc};
use domain::Vocabulary;
use domain::access::Capability;
use domain::audit::{AuditAction, ListedSubject};
use domain::cases::Channel;
use domain::changes::{ChangeAction, beneficiary_change, case_change, transfer_changes};
use domain::transfers::{
    Decider, EMERGENCY_ACCESS_LIFETIME, EmergencyAccess, Transfer, TransferDecision, TransferRefusal, TransferStatus,
    check_reason, decide, next_statuses, still_open, transfer_closure,
};
use persistence::cases::{self as case_store, NewCase};
use persistence::changes as feed;
use persistence::transfers::{self as store, NewTransfer, TransferFilter};
use persistence::{DbConnection, Page, PageRequest, audit, beneficiaries, users};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::access::registering_district;
use crate::actor::Actor;
use crate::audit::audited;
use crate::context::{Context, ReadVersion};
use crate::error::{Conflict, Error, Result};
use crate::idempotency::{Answered, Retryable, once};

/// The digest a match token is kept by: the token itself is never stored.
pub(crate) fn token_digest(token: &str) -> String {
    domain::to_hex(&Sha256::digest(token.trim().as_bytes()))
}

/// A transfer as asked for: the person named by a match token or a codice fiscale.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TransferAsk {
    pub match_token: Option<String>,
    pub codice_fiscale: Option<String>,
    /// The receiving district: one of the caller's; may be left out by a caller with one.
    pub to_district: Option<String>,
    pub reason: Option<String>,
}

/// Asks for the person a match named (or the one record with a codice fiscale) to be
/// transferred to the caller's district. The caller learns nothing more of the person.
pub async fn request(
    ctx: &Context,
    actor: &Actor,
    now: DateTime<Utc>,
    ask: TransferAsk,
    retryable: Retryable<Transfer>,
) -> Result<Answered> {
    actor.require(Capability::Transfers)?;
    let to_district = registering_district(ctx, actor, "to_district", ask.to_district.as_deref())?;
    let reason = check_reason("reason", ask.reason.as_deref())?;
    let named = match (ask.match_token, ask.codice_fiscale) {
        (Some(token), None) => Named::Token(token_digest(&token)),
        (None, Some(code)) => Named::CodiceFiscale(domain::beneficiaries::normalize_codice_fiscale(&code)),
        _ => return Err(Error::field("match_token", "one_of", "give either match_token or codice_fiscale")),
    };
    let writer = actor.clone();
    once(ctx, actor, now, retryable, move |conn| {
        let beneficiary_id = match &named {
            Named::Token(digest) => store::matched(conn, digest, writer.user_id, now)?.ok_or_else(|| {
                Error::field(
                    "match_token",
                    "unknown",
                    "no match of yours has this token, or it expired: register again",
                )
            })?,
            Named::CodiceFiscale(code) => beneficiaries::with_codice_fiscale(conn, code)?
                .ok_or_else(|| Error::field("codice_fiscale", "unknown", "no single record has this codice fiscale"))?,
        };
        let person = beneficiaries::find(conn, beneficiary_id)?;
        if writer.districts.contains(&person.district) {
            let field = match named {
                Named::Token(_) => "match_token",
                Named::CodiceFiscale(_) => "codice_fiscale",
            };
            return Err(Error::field(field, "already_yours", "the record is already held by your district"));
        }
        if store::open_for(conn, beneficiary_id)?.is_some() {
            return Err(Conflict::AlreadyExists {
                detail: "a transfer of this person is already waiting for an answer",
            }
            .into());
        }
        let new = NewTransfer {
            beneficiary_id,
            from_district: person.district.clone(),
            to_district: to_district.clone(),
            reason: reason.clone(),
            requested_by: writer.user_id,
        };
        let transfer = store::insert(conn, &new, now)?;
        let subject = (Some(beneficiary_id), None);
        audit::append(
            conn,
            vec![writer.audit_because(now, AuditAction::Transfer, &person.district, subject, &reason)],
        )?;
        feed::record(conn, now, &transfer_changes(&transfer, ChangeAction::Created))?;
        Ok(transfer)
    })
    .await
}

/// How a transfer request names the person.
enum Named {
    Token(String),
    CodiceFiscale(String),
}

/// Whether the caller's districts are a side of the transfer.
fn is_party(actor: &Actor, transfer: &Transfer) -> bool {
    actor.districts.contains(&transfer.from_district) || actor.districts.contains(&transfer.to_district)
}

/// A transfer of the caller's districts, either side.
pub async fn read(ctx: &Context, actor: &Actor, now: DateTime<Utc>, id: Uuid) -> Result<Transfer> {
    actor.require(Capability::Transfers)?;
    let actor = actor.clone();
    audited(
        ctx.db(),
        ctx.db().lookup(move |conn| {
            let transfer = store::find(conn, id)?;
            if !is_party(&actor, &transfer) {
                return Err(Error::NotFound);
            }
            let entry =
                actor.audit(now, AuditAction::Read, &transfer.from_district, Some(transfer.beneficiary_id), None);
            Ok((transfer, vec![entry]))
        }),
    )
    .await
}

/// The transfers from or to the caller's districts, newest first.
pub async fn list(
    ctx: &Context,
    actor: &Actor,
    now: DateTime<Utc>,
    status: Option<TransferStatus>,
    page: PageRequest<Uuid>,
) -> Result<Page<Transfer>> {
    actor.require(Capability::Transfers)?;
    let filter = TransferFilter { districts: actor.districts.clone(), status };
    let actor = actor.clone();
    audited(
        ctx.db(),
        ctx.db().read(move |conn| {
            let page = store::list(conn, &filter, &page)?;
            let shown = page
                .items
                .iter()
                .map(|t| (t.from_district.clone(), ListedSubject { beneficiary_id: t.beneficiary_id, case_id: None }));
            let entries = actor.audit_page(now, shown);
            Ok((page, entries))
        }),
    )
    .await
}

/// Answers a transfer read at `target.version`: accepted (with the person's consent), declined
/// or withdrawn (see `domain::transfers::decide`).
pub async fn transition(
    ctx: &Context,
    actor: &Actor,
    now: DateTime<Utc>,
    target: ReadVersion,
    decision: TransferDecision,
    retryable: Retryable<Transfer>,
) -> Result<Answered> {
    actor.require(Capability::Transfers)?;
    let today = domain::reports::local_day(now.naive_utc(), ctx.zone());
    let writer = actor.clone();
    once(ctx, actor, now, retryable, move |conn| {
        let transfer = store::find(conn, target.id)?;
        if !is_party(&writer, &transfer) {
            return Err(Error::NotFound);
        }
        if transfer.version != target.version {
            return Err(Error::Stale);
        }
        let decider = Decider { role: writer.role, districts: &writer.districts };
        let decided = decide(&transfer, decider, decision, today).map_err(refusal)?;
        let moved = match decided.status {
            TransferStatus::Accepted => move_record(conn, &writer, &transfer, now)?,
            _ => Moved::default(),
        };
        let answered =
            store::record_decision(conn, transfer.id, transfer.version, &decided, writer.user_id, moved.opened, now)?;
        let subject = (Some(transfer.beneficiary_id), None);
        let mut entries = vec![match &decided.note {
            Some(note) => writer.audit_because(now, AuditAction::Transfer, &transfer.from_district, subject, note),
            None => writer.audit(now, AuditAction::Transfer, &transfer.from_district, subject.0, None),
        }];
        entries.extend(moved.entries);
        audit::append(conn, entries)?;
        let mut changes = moved.changes;
        changes.extend(transfer_changes(&answered, ChangeAction::Updated));
        feed::record(conn, now, &changes)?;
        Ok(answered)
    })
    .await
}

/// What moving a record wrote: the case opened in the receiving district, and the audit
/// entries and feed changes still to record.
#[derive(Default)]
struct Moved {
    opened: Option<Uuid>,
    entries: Vec<domain::audit::AuditEntry>,
    changes: Vec<domain::changes::Change>,
}

/// Moves the person's record to the receiving district: the cases still open where it was are
/// closed as `transferred`, every case there becomes read-only history, and a case opens in the
/// receiving district when one was open.
fn move_record(conn: &mut DbConnection, actor: &Actor, transfer: &Transfer, now: DateTime<Utc>) -> Result<Moved> {
    let held = case_store::of_beneficiary(conn, transfer.beneficiary_id)?
        .into_iter()
        .filter(|case| case.district == transfer.from_district && case.transferred_at.is_none());
    let mut entries = Vec::new();
    let mut changes = Vec::new();
    let mut was_open = false;
    for case in held {
        if still_open(&case) {
            was_open = true;
            let (closure, event) = transfer_closure(&case, &transfer.to_district, (actor.user_id, actor.role), now);
            case_store::update(conn, case.id, case.version, &closure, now)?;
            case_store::add_event(conn, &event)?;
            entries.push(actor.audit(
                now,
                AuditAction::Transition,
                &case.district,
                Some(case.beneficiary_id),
                Some(case.id),
            ));
        }
        let kept = case_store::mark_transferred(conn, case.id, now)?;
        changes.push(case_change(&kept, ChangeAction::Updated));
    }
    let person = beneficiaries::move_to(conn, transfer.beneficiary_id, &transfer.to_district, now)?;
    changes.push(beneficiary_change(&person, ChangeAction::Updated));
    let opened = if was_open {
        // The case is the receiving district's: its requester recorded the meeting.
        let requester = users::find(conn, transfer.requested_by)?;
        let case = case_store::insert(
            conn,
            &NewCase {
                beneficiary_id: person.id,
                district: transfer.to_district.clone(),
                channel: Channel::ServiceReferral,
                intercepted_at: now,
                intercepting_organization_id: requester.organization_id,
                recorded_by: requester.id,
            },
            requester.role,
            now,
        )?;
        entries.push(actor.audit(now, AuditAction::Create, &case.district, Some(person.id), Some(case.id)));
        changes.push(case_change(&case, ChangeAction::Created));
        Some(case.id)
    } else {
        None
    };
    Ok(Moved { opened, entries, changes })
}

/// Opens a person of another district to a coordinator for [`EMERGENCY_ACCESS_LIFETIME`],
/// read-only, for an urgent protection need. Only a person the coordinator was shown as a
/// match (a refused registration, in the match's lifetime) can be opened: anything else is not
/// found. The reason is kept in the audit trail; the holding district's coordinators are alerted.
pub async fn open_emergency_access(
    ctx: &Context,
    actor: &Actor,
    now: DateTime<Utc>,
    beneficiary_id: Uuid,
    reason: Option<String>,
    retryable: Retryable<EmergencyAccess>,
) -> Result<Answered> {
    actor.require(Capability::EmergencyAccess)?;
    let reason = check_reason("reason", reason.as_deref())?;
    let scope = actor.case_scope()?;
    let opened_for = actor.districts.first().cloned().ok_or_else(Error::forbidden)?;
    let writer = actor.clone();
    once(ctx, actor, now, retryable, move |conn| {
        if beneficiaries::is_visible(conn, beneficiary_id, &scope)? {
            return Err(Conflict::AlreadyExists { detail: "the person is already one of your districts'" }.into());
        }
        if !store::has_live_match(conn, writer.user_id, beneficiary_id, now)? {
            return Err(Error::NotFound);
        }
        let person = beneficiaries::find(conn, beneficiary_id)?;
        let access = EmergencyAccess {
            id: Uuid::now_v7(),
            beneficiary_id,
            owner_district: person.district.clone(),
            opened_for,
            opened_by: writer.user_id,
            reason: reason.clone(),
            opened_at: now,
            expires_at: now + EMERGENCY_ACCESS_LIFETIME,
        };
        store::open_emergency_access(conn, &access)?;
        let subject = (Some(beneficiary_id), None);
        audit::append(
            conn,
            vec![writer.audit_because(now, AuditAction::EmergencyAccess, &person.district, subject, &reason)],
        )?;
        Ok(access)
    })
    .await
}

/// A refused decision, as the refusal it is.
fn refusal(refusal: TransferRefusal) -> Error {
    match refusal {
        TransferRefusal::Forbidden(why) => Error::forbidden_because(why),
        TransferRefusal::Invalid(violations) => violations.into(),
        TransferRefusal::NotReachable { from, to } => Conflict::InvalidTransition {
            what: "transfer",
            from: from.code(),
            to: to.code(),
            reachable: next_statuses(from).iter().map(|s| s.code()).collect(),
        }
        .into(),
    }
}
