//! Case notes: free text at a confidentiality level, each level read (and written) only by its
//! roles. Append-only: a correction is a new note that references the one it corrects.

use chrono::{DateTime, Utc};
use domain::Vocabulary;
use domain::access::Capability;
use domain::audit::AuditAction;
use domain::changes::note_change;
use domain::notes::{Confidentiality, NOTE_MAX_CHARS, Note, may_read};
use persistence::audit;
use persistence::changes as feed;
use persistence::notes::{self as store, NewNote};
use uuid::Uuid;

use crate::access::{visible_case, writable_case};
use crate::actor::Actor;
use crate::audit::audited;
use crate::context::Context;
use crate::error::{Error, Result};
use crate::idempotency::{Answered, Retryable, once};

/// A note to write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoteDraft {
    pub body: String,
    pub confidentiality: Confidentiality,
    /// The note this one corrects.
    pub corrects: Option<Uuid>,
}

/// Writes a note at a level the caller may read.
pub async fn write(
    ctx: &Context,
    actor: &Actor,
    now: DateTime<Utc>,
    case_id: Uuid,
    draft: NoteDraft,
    retryable: Retryable<Note>,
) -> Result<Answered> {
    actor.require(Capability::UseNotes)?;
    let scope = actor.case_scope()?;
    if !may_read(actor.role, draft.confidentiality) {
        return Err(Error::forbidden_because(format!(
            "your role does not write {} notes",
            draft.confidentiality.code()
        )));
    }
    let body = draft.body.trim().to_string();
    if body.is_empty() {
        return Err(Error::field("body", "required", "must not be empty"));
    }
    if body.chars().count() > NOTE_MAX_CHARS {
        return Err(Error::field("body", "too_long", format!("must be at most {NOTE_MAX_CHARS} characters")));
    }
    let writer = actor.clone();
    once(ctx, actor, now, retryable, move |conn| {
        let case = writable_case(conn, &scope, case_id)?;
        if let Some(corrected) = draft.corrects {
            let fits = match store::find(conn, corrected) {
                Ok(note) => note.case_id == case_id && may_read(writer.role, note.confidentiality),
                Err(persistence::Error::NotFound) => false,
                Err(other) => return Err(other.into()),
            };
            if !fits {
                return Err(Error::field("corrects", "unknown_note", "no note of this case you may read has this id"));
            }
        }
        let new = NewNote {
            case_id,
            body,
            confidentiality: draft.confidentiality,
            corrects: draft.corrects,
            author_id: writer.user_id,
            author_role: writer.role,
        };
        let note = store::insert(conn, &new, now)?;
        audit::append(
            conn,
            vec![writer.audit(now, AuditAction::Create, &case.district, Some(case.beneficiary_id), Some(case_id))],
        )?;
        feed::record(conn, now, &[note_change(&note, &case.district)])?;
        Ok(note)
    })
    .await
}

/// The notes of a case at the levels the caller may read, oldest first.
pub async fn list(ctx: &Context, actor: &Actor, now: DateTime<Utc>, case_id: Uuid) -> Result<Vec<Note>> {
    actor.require(Capability::UseNotes)?;
    let scope = actor.case_scope()?;
    let levels: Vec<Confidentiality> =
        Confidentiality::ALL.iter().copied().filter(|l| may_read(actor.role, *l)).collect();
    let actor = actor.clone();
    audited(
        ctx.db(),
        ctx.db().read(move |conn| {
            let case = visible_case(conn, &scope, case_id)?;
            let notes = store::of_case(conn, case_id, &levels)?;
            let entry = actor.audit(now, AuditAction::Read, &case.district, Some(case.beneficiary_id), Some(case_id));
            Ok((notes, vec![entry]))
        }),
    )
    .await
}
