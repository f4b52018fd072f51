//! Legal procedures of a case. Only legal advisors and district coordinators know they exist:
//! for everyone else they are not found.

use chrono::{DateTime, NaiveDate, Utc};
use domain::audit::AuditAction;
use domain::cases::Case;
use domain::legal::{Authority, LegalProcedure, ProcedureKind, ProcedureStatus, check_dates, sees_legal};
use persistence::legal::{self as store, ProcedureData};
use persistence::{DbConnection, audit};
use uuid::Uuid;

use crate::access::visible_case;
use crate::actor::Actor;
use crate::audit::audited;
use crate::context::{Context, ReadVersion};
use crate::error::{Error, Result};
use crate::idempotency::{Answered, Retryable, once};

/// A legal procedure as recorded (every field; absent optional fields are cleared).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Procedure {
    pub kind: ProcedureKind,
    pub status: ProcedureStatus,
    pub authority: Option<Authority>,
    pub filed_on: Option<NaiveDate>,
    pub decided_on: Option<NaiveDate>,
    pub next_deadline: Option<NaiveDate>,
    pub notes: Option<String>,
}

const NOTES_MAX_CHARS: usize = 8000;

/// The case, when the caller may know its legal procedures.
fn legal_case(conn: &mut DbConnection, actor: &Actor, case_id: Uuid) -> Result<Case> {
    if !sees_legal(actor.role) {
        return Err(Error::NotFound);
    }
    visible_case(conn, &actor.case_scope()?, case_id)
}

fn procedure_of(conn: &mut DbConnection, case: &Case, id: Uuid) -> Result<LegalProcedure> {
    let procedure = store::find(conn, id)?;
    if procedure.case_id == case.id { Ok(procedure) } else { Err(Error::NotFound) }
}

fn check(procedure: Procedure, today: NaiveDate) -> Result<ProcedureData> {
    check_dates(procedure.status, procedure.filed_on, procedure.decided_on, today)?;
    let notes = procedure.notes.as_deref().map(str::trim).filter(|n| !n.is_empty()).map(ToString::to_string);
    if notes.as_ref().is_some_and(|n| n.chars().count() > NOTES_MAX_CHARS) {
        return Err(Error::field("notes", "too_long", format!("must be at most {NOTES_MAX_CHARS} characters")));
    }
    Ok(ProcedureData {
        kind: procedure.kind,
        status: procedure.status,
        authority: procedure.authority,
        filed_on: procedure.filed_on,
        decided_on: procedure.decided_on,
        next_deadline: procedure.next_deadline,
        notes,
    })
}

/// Opens a legal procedure for a case.
pub async fn open(
    ctx: &Context,
    actor: &Actor,
    now: DateTime<Utc>,
    case_id: Uuid,
    procedure: Procedure,
    retryable: Retryable<LegalProcedure>,
) -> Result<Answered> {
    let writer = actor.clone();
    once(ctx, actor, now, retryable, move |conn| {
        let case = legal_case(conn, &writer, case_id)?;
        let data = check(procedure, now.date_naive())?;
        let opened = store::insert(conn, case_id, &data, writer.user_id, now)?;
        audit::append(
            conn,
            vec![writer.audit(now, AuditAction::Create, &case.district, Some(case.beneficiary_id), Some(case_id))],
        )?;
        Ok(opened)
    })
    .await
}

/// The legal procedures of a case, oldest first.
pub async fn list(ctx: &Context, actor: &Actor, now: DateTime<Utc>, case_id: Uuid) -> Result<Vec<LegalProcedure>> {
    let actor = actor.clone();
    audited(
        ctx.db(),
        ctx.db().read(move |conn| {
            let case = legal_case(conn, &actor, case_id)?;
            let procedures = store::of_case(conn, case_id)?;
            let entry = actor.audit(now, AuditAction::Read, &case.district, Some(case.beneficiary_id), Some(case_id));
            Ok((procedures, vec![entry]))
        }),
    )
    .await
}

/// One legal procedure of a case.
pub async fn read(ctx: &Context, actor: &Actor, now: DateTime<Utc>, case_id: Uuid, id: Uuid) -> Result<LegalProcedure> {
    let actor = actor.clone();
    audited(
        ctx.db(),
        ctx.db().read(move |conn| {
            let case = legal_case(conn, &actor, case_id)?;
            let procedure = procedure_of(conn, &case, id)?;
            let entry = actor.audit(now, AuditAction::Read, &case.district, Some(case.beneficiary_id), Some(case_id));
            Ok((procedure, vec![entry]))
        }),
    )
    .await
}

/// Replaces the data of a legal procedure read at `target.version`.
pub async fn update(
    ctx: &Context,
    actor: &Actor,
    now: DateTime<Utc>,
    case_id: Uuid,
    target: ReadVersion,
    procedure: Procedure,
) -> Result<LegalProcedure> {
    let actor = actor.clone();
    ctx.db()
        .write(move |conn| {
            let case = legal_case(conn, &actor, case_id)?;
            procedure_of(conn, &case, target.id)?;
            let data = check(procedure, now.date_naive())?;
            let changed = store::update(conn, target.id, target.version, &data, now)?;
            audit::append(
                conn,
                vec![actor.audit(now, AuditAction::Update, &case.district, Some(case.beneficiary_id), Some(case_id))],
            )?;
            Ok(changed)
        })
        .await
}
