//! Erasure and retention: a district coordinator erases a person on request (GDPR art. 17), and
//! the retention pass anonymises the people whose district's retention period has passed since
//! their last case closed (art. 5(1)(e)). Both keep the statistical facts, so that every report
//! is unchanged, and neither touches a person while a legal procedure of theirs is undecided.

use chrono::{DateTime, Utc};
use domain::access::Capability;
use domain::audit::{AuditAction, AuditEntry};
use domain::beneficiaries::Beneficiary;
use domain::changes::{ChangeAction, beneficiary_change};
use domain::erasure::{erased_person, retention_passed, under_legal_hold};
use domain::reports::{Tz, local_day};
use domain::users::Role;
use persistence::changes as feed;
use persistence::erasure::{self as store, RetentionFacts};
use persistence::{DbConnection, audit, beneficiaries, cases, legal};
use uuid::Uuid;

use crate::access::visible_beneficiary;
use crate::actor::{Actor, salted_reason};
use crate::context::{Context, ReadVersion};
use crate::error::{Conflict, Error, Result};
use domain::validation::check_label;

/// The longest reason an erasure takes.
const REASON_MAX_CHARS: usize = 500;

/// Erases the person read at `target.version`, for `reason` (kept in the audit trail).
pub async fn erase(
    ctx: &Context,
    actor: &Actor,
    now: DateTime<Utc>,
    target: ReadVersion,
    reason: &str,
) -> Result<Beneficiary> {
    actor.require(Capability::HonourDataRights)?;
    let scope = actor.case_scope()?;
    let reason = match reason.trim() {
        "" => return Err(Error::field("reason", "required", "say why the person is erased")),
        reason => check_label("reason", reason, REASON_MAX_CHARS)?,
    };
    let ReadVersion { id, version } = target;
    let (zone, writer) = (ctx.zone(), actor.clone());
    let erased = ctx
        .db()
        .write(move |conn| {
            let person = visible_beneficiary(conn, &scope, id)?;
            if person.version != version {
                return Err(Error::Stale);
            }
            let entry = writer.audit_because(now, AuditAction::Erasure, &person.district, (Some(id), None), &reason);
            erase_in(conn, person, now, zone, entry)?.ok_or_else(|| Conflict::LegalHold.into())
        })
        .await?;
    scrub(ctx).await;
    Ok(erased)
}

/// Erases `person` in the caller's transaction and appends `entry`; `None` (and nothing done)
/// under a legal hold.
fn erase_in(
    conn: &mut DbConnection,
    person: Beneficiary,
    now: DateTime<Utc>,
    zone: Tz,
    entry: AuditEntry,
) -> Result<Option<Beneficiary>> {
    let cases = cases::of_beneficiary(conn, person.id)?;
    let mut statuses = Vec::new();
    for case in &cases {
        statuses.extend(legal::of_case(conn, case.id)?.into_iter().map(|procedure| procedure.status));
    }
    if under_legal_hold(statuses) {
        return Ok(None);
    }
    let days: Vec<_> = cases.iter().map(|case| local_day(case.intercepted_at.naive_utc(), zone)).collect();
    let data = erased_person(&person.data, &days);
    let erased = beneficiaries::update(conn, person.id, person.version, &data, now)?;
    let case_ids: Vec<Uuid> = cases.iter().map(|case| case.id).collect();
    store::erase_free_texts(conn, person.id, &case_ids)?;
    store::mark_erased(conn, person.id, now)?;
    audit::append(conn, vec![entry])?;
    feed::record(conn, now, &[beneficiary_change(&erased, ChangeAction::Updated)])?;
    Ok(Some(beneficiaries::find(conn, person.id)?))
}

/// Leaves no old version of the erased rows in the database's files (see
/// `persistence::erasure::leave_no_trace`); a failure is logged, and the next erasure or
/// retention pass tries again.
async fn scrub(ctx: &Context) {
    log_scrub(ctx.db().with_connection(store::leave_no_trace).await);
}

fn log_scrub(outcome: std::result::Result<bool, persistence::Error>) {
    match outcome {
        Ok(true) => {}
        Ok(false) => tracing::warn!("erased rows' old pages wait in the write-ahead log for a reader to finish"),
        Err(err) => tracing::warn!(%err, "erased rows' old versions could not be cleared from the files"),
    }
}

/// What a retention pass found and did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RetentionReport {
    /// The people past their district's retention period (listed by a dry run).
    pub due: Vec<Uuid>,
    /// How many of them were anonymised.
    pub anonymised: usize,
    /// How many are held by an undecided legal procedure.
    pub held: usize,
    /// The pass did not run: another instance was running one.
    pub skipped: bool,
}

/// Who the retention pass acts as in the audit trail: the service itself.
pub const RETENTION_ACTOR: Uuid = Uuid::nil();

/// Anonymises the people whose district's retention period has passed on `now`'s day, unless a
/// legal procedure holds them; `dry_run` only lists them. On PostgreSQL one instance runs a pass
/// at a time: another finds it running and skips.
pub async fn run_retention(ctx: &Context, now: DateTime<Utc>, dry_run: bool) -> Result<RetentionReport> {
    let zone = ctx.zone();
    let today = local_day(now.naive_utc(), zone);
    let report = ctx
        .db()
        .with_connection(move |conn| {
            let pass = store::alone(conn, |conn| -> Result<RetentionReport> {
                let due: Vec<RetentionFacts> = store::retention_facts(conn)?
                    .into_iter()
                    .filter(|facts| {
                        let last = facts.last_closed_at.unwrap_or(facts.registered_at);
                        retention_passed(
                            facts.any_open_case,
                            local_day(last.naive_utc(), zone),
                            facts.retention_years,
                            today,
                        )
                    })
                    .collect();
                let mut report = RetentionReport {
                    due: due.iter().map(|facts| facts.beneficiary_id).collect(),
                    ..Default::default()
                };
                if dry_run {
                    return Ok(report);
                }
                for facts in &due {
                    let reason = format!(
                        "retention: {} years after the last case closed ({})",
                        facts.retention_years, facts.district
                    );
                    let erased = persistence::db::write_transaction(conn, |conn| {
                        let person = beneficiaries::find(conn, facts.beneficiary_id)?;
                        let entry = system_entry(now, AuditAction::Erasure, &person, &reason);
                        erase_in(conn, person, now, zone, entry)
                    })?;
                    match erased {
                        Some(_) => report.anonymised += 1,
                        None => report.held += 1,
                    }
                }
                let summary = format!("{} anonymised, {} held by a legal procedure", report.anonymised, report.held);
                persistence::db::write_transaction(conn, |conn| {
                    audit::append(
                        conn,
                        vec![AuditEntry { action: AuditAction::RetentionRun, ..retention_entry(now, &summary) }],
                    )
                })?;
                if report.anonymised > 0 {
                    log_scrub(store::leave_no_trace(conn));
                }
                Ok(report)
            })?;
            Ok::<_, Error>(pass.unwrap_or(RetentionReport { skipped: true, ..Default::default() }))
        })
        .await?;
    Ok(report)
}

/// An entry of the retention pass about `person`.
fn system_entry(now: DateTime<Utc>, action: AuditAction, person: &Beneficiary, reason: &str) -> AuditEntry {
    AuditEntry {
        action,
        district: Some(person.district.clone()),
        beneficiary_id: Some(person.id),
        ..retention_entry(now, reason)
    }
}

/// An entry by the retention pass, naming nobody yet, with its reason salted.
fn retention_entry(now: DateTime<Utc>, reason: &str) -> AuditEntry {
    AuditEntry {
        at: now,
        actor_id: RETENTION_ACTOR,
        actor_role: Role::Admin,
        action: AuditAction::RetentionRun,
        district: None,
        beneficiary_id: None,
        case_id: None,
        listed: Vec::new(),
        request_id: None,
        reason: Some(salted_reason(reason)),
    }
}
