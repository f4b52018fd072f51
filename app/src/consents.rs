//! Consents: the privacy notice, data sharing with a named organisation, research use. Each is
//! recorded, read and withdrawn through the person it belongs to, and audited as a change or a
//! read of their data.

use chrono::{DateTime, NaiveDate, Utc};
use domain::access::Capability;
use domain::audit::AuditAction;
use domain::consents::{Consent, ConsentKind, ConsentMethod, check_new, check_withdrawal};
use domain::iso::parse_language;
use domain::validation::check_label;
use persistence::consents::{self as store, NewConsent};
use persistence::{audit, organizations};
use uuid::Uuid;

use crate::access::visible_beneficiary;
use crate::actor::Actor;
use crate::audit::audited;
use crate::context::Context;
use crate::error::{Conflict, Error, Result};
use crate::idempotency::{Answered, Retryable, once};

/// A consent to record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsentRecord {
    pub kind: ConsentKind,
    /// The organisation data may be shared with; data sharing only.
    pub organization_id: Option<Uuid>,
    /// `false` records a refusal (of research use).
    pub granted: bool,
    pub given_on: NaiveDate,
    pub method: ConsentMethod,
    /// ISO 639-1 language the notice or request was given in.
    pub language: String,
}

/// A withdrawal: the day (default: today) and why.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Withdrawal {
    pub withdrawn_on: Option<NaiveDate>,
    pub reason: Option<String>,
}

/// The longest reason of a withdrawal.
const REASON_MAX_CHARS: usize = 2000;

/// Records a consent of a person the caller may see.
pub async fn record(
    ctx: &Context,
    actor: &Actor,
    now: DateTime<Utc>,
    beneficiary_id: Uuid,
    consent: ConsentRecord,
    retryable: Retryable<Consent>,
) -> Result<Answered> {
    actor.require(Capability::EditBeneficiaries)?;
    let scope = actor.case_scope()?;
    let language = parse_language("language", &consent.language)?;
    check_new(consent.kind, consent.organization_id, consent.granted, consent.given_on, now.date_naive())?;
    let writer = actor.clone();
    once(ctx, actor, now, retryable, move |conn| {
        let person = visible_beneficiary(conn, &scope, beneficiary_id)?;
        if let Some(organization) = consent.organization_id
            && !organizations::exists(conn, organization)?
        {
            return Err(Error::field("organization_id", "unknown_organization", "no organisation has this id"));
        }
        let new = NewConsent {
            beneficiary_id,
            kind: consent.kind,
            organization_id: consent.organization_id,
            granted: consent.granted,
            given_on: consent.given_on,
            method: consent.method,
            language,
            recorded_by: writer.user_id,
        };
        let recorded = store::insert(conn, &new, now)?;
        audit::append(
            conn,
            vec![writer.audit(now, AuditAction::Create, &person.district, Some(beneficiary_id), None)],
        )?;
        Ok(recorded)
    })
    .await
}

/// The consents of a person the caller may see, oldest first.
pub async fn list(ctx: &Context, actor: &Actor, now: DateTime<Utc>, beneficiary_id: Uuid) -> Result<Vec<Consent>> {
    actor.require(Capability::ReadBeneficiaries)?;
    let scope = actor.case_scope()?;
    let actor = actor.clone();
    audited(
        ctx.db(),
        ctx.db().read(move |conn| {
            let person = visible_beneficiary(conn, &scope, beneficiary_id)?;
            let consents = store::of_beneficiary(conn, beneficiary_id)?;
            let entry = actor.audit(now, AuditAction::Read, &person.district, Some(beneficiary_id), None);
            Ok((consents, vec![entry]))
        }),
    )
    .await
}

/// Withdraws a consent. It stays on record, with the day and who recorded the withdrawal.
pub async fn withdraw(
    ctx: &Context,
    actor: &Actor,
    now: DateTime<Utc>,
    consent_id: Uuid,
    withdrawal: Withdrawal,
    retryable: Retryable<Consent>,
) -> Result<Answered> {
    actor.require(Capability::EditBeneficiaries)?;
    let scope = actor.case_scope()?;
    let withdrawn_on = withdrawal.withdrawn_on.unwrap_or(now.date_naive());
    let reason = withdrawal
        .reason
        .as_deref()
        .map(str::trim)
        .filter(|r| !r.is_empty())
        .map(|r| check_label("reason", r, REASON_MAX_CHARS))
        .transpose()?;
    let writer = actor.clone();
    once(ctx, actor, now, retryable, move |conn| {
        let consent = store::find(conn, consent_id)?;
        let person = visible_beneficiary(conn, &scope, consent.beneficiary_id)?;
        if consent.withdrawn_on.is_some() {
            return Err(Conflict::ConsentAlreadyWithdrawn.into());
        }
        check_withdrawal(&consent, withdrawn_on, now.date_naive())?;
        let consent = store::withdraw(conn, consent_id, withdrawn_on, writer.user_id, reason.as_deref())?;
        audit::append(conn, vec![writer.audit(now, AuditAction::Update, &person.district, Some(person.id), None)])?;
        Ok(consent)
    })
    .await
}
