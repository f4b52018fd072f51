//! Beneficiaries: registration with duplicate detection, reading, changes, search. Every read
//! and change is audited; everything outside the caller's scope is not found.

use chrono::{DateTime, Utc};
use domain::access::{Capability, CaseScope, sees_full_case};
use domain::audit::{AuditAction, AuditEntry, ListedSubject};
use domain::beneficiaries::{Beneficiary, BeneficiaryChanges, BeneficiaryData, BeneficiaryDraft, check};
use domain::changes::{ChangeAction, beneficiary_change};
use domain::districts::DistrictCode;
use persistence::ChangedSince;
use persistence::beneficiaries::{self as store, BeneficiaryFilter};
use persistence::changes as feed;
use persistence::{DbConnection, Page, PageRequest, audit as audit_store};
use uuid::Uuid;

use crate::access::{registering_district, visible_beneficiary};
use crate::actor::Actor;
use crate::audit::audited;
use crate::context::Context;
use crate::context::ReadVersion;
use crate::error::{Conflict, DuplicateCandidate, Error, Result};
use crate::idempotency::{Answered, Retryable, once};

/// A person to register.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Registration {
    pub draft: BeneficiaryDraft,
    /// The registering district; may be left out by a caller who works in one district.
    pub district: Option<String>,
    /// Register even though possible duplicates exist.
    pub confirm_new: bool,
}

/// What a search asks for.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Search {
    /// Part of the alias, first or last name; any case, accents ignored.
    pub q: Option<String>,
    pub codice_fiscale: Option<String>,
    pub birth_year: Option<i32>,
    /// ISO 3166-1 alpha-2.
    pub citizenship: Option<String>,
    /// Registered in, or with a case in, this district.
    pub district: Option<String>,
    /// Changed since an instant: the list then comes in the order of last change.
    pub changed_since: Option<ChangedSince>,
}

/// Registers a person, unless records that may be the same person exist and `confirm_new` is
/// not set: then [`Conflict::PossibleDuplicate`] with the candidates the caller may see (their
/// showing is audited) and a count of the others.
pub async fn register(
    ctx: &Context,
    actor: &Actor,
    now: DateTime<Utc>,
    registration: Registration,
    retryable: Retryable<Beneficiary>,
) -> Result<Answered> {
    actor.require(Capability::EditBeneficiaries)?;
    let district = registering_district(ctx, actor, registration.district.as_deref())?;
    let data = check(registration.draft, now.date_naive())?;
    let confirm_new = registration.confirm_new;
    let writer = actor.clone();
    let outcome = once(ctx, actor, now, retryable, move |conn| {
        let (beneficiary, registered) = register_in(conn, &writer, &district, &data, confirm_new, now)?;
        audit_store::append(conn, vec![registered])?;
        feed::record(conn, now, &[beneficiary_change(&beneficiary, ChangeAction::Created)])?;
        Ok(beneficiary)
    })
    .await;
    record_candidates_shown(ctx, actor, now, outcome).await
}

/// Registers a person in the transaction open on `conn` (see [`register`]); answers the person
/// and the audit entry of the registration, which the caller appends with its own entries,
/// then records the change (last: the audit head's lock is held from there to the commit).
pub(crate) fn register_in(
    conn: &mut DbConnection,
    actor: &Actor,
    district: &DistrictCode,
    data: &BeneficiaryData,
    confirm_new: bool,
    now: DateTime<Utc>,
) -> Result<(Beneficiary, AuditEntry)> {
    if !confirm_new {
        let matches = store::possible_duplicates(conn, data, None)?;
        if !matches.is_empty() {
            return Err(duplicates(conn, actor, &matches)?.into());
        }
    }
    let beneficiary = store::insert(conn, district, data, actor.user_id, now)?;
    let entry = actor.audit(now, AuditAction::Create, district, Some(beneficiary.id), None);
    Ok((beneficiary, entry))
}

/// The possible duplicates among `matches` that the caller may see, and a count of the others.
fn duplicates(conn: &mut DbConnection, actor: &Actor, matches: &[Uuid]) -> Result<Conflict> {
    let visible = match CaseScope::of(actor.role, actor.user_id, &actor.districts) {
        Some(scope) if sees_full_case(actor.role) => store::visible_ids(conn, matches, &scope)?,
        _ => Vec::new(),
    };
    let mut candidates = Vec::with_capacity(visible.len());
    for id in &visible {
        let found = store::find(conn, *id)?;
        candidates.push(DuplicateCandidate {
            id: found.id,
            district: found.district.as_str().to_string(),
            alias: found.data.alias,
            first_name: found.data.first_name,
            last_name: found.data.last_name,
            birth_year: found.data.birth_year,
            citizenships: found.data.citizenships,
        });
    }
    Ok(Conflict::PossibleDuplicate { candidates, other_matches: matches.len() - visible.len() })
}

/// The candidates of a possible duplicate are a read of their data: their showing is audited,
/// outside the refused write (which left nothing behind), before the refusal is answered.
pub(crate) async fn record_candidates_shown<T>(
    ctx: &Context,
    actor: &Actor,
    now: DateTime<Utc>,
    outcome: Result<T>,
) -> Result<T> {
    if let Err(Error::Conflict(Conflict::PossibleDuplicate { candidates, .. })) = &outcome {
        let shown = candidates.iter().map(|c| {
            (DistrictCode::from_trusted(c.district.clone()), ListedSubject { beneficiary_id: c.id, case_id: None })
        });
        ctx.db().record(actor.audit_page(now, shown)).await?;
    }
    outcome
}

/// The beneficiaries the caller may see, newest first.
pub async fn search(
    ctx: &Context,
    actor: &Actor,
    now: DateTime<Utc>,
    search: Search,
    page: PageRequest<Uuid>,
) -> Result<Page<Beneficiary>> {
    actor.require(Capability::ReadBeneficiaries)?;
    let scope = actor.case_scope()?;
    let filter = BeneficiaryFilter {
        q: search.q,
        codice_fiscale: search
            .codice_fiscale
            .map(|c| c.chars().filter(|c| !c.is_whitespace()).collect::<String>().to_ascii_uppercase()),
        birth_year: search.birth_year,
        citizenship: search.citizenship.as_deref().map(|c| domain::iso::parse_country("citizenship", c)).transpose()?,
        district: search.district.as_deref().map(|d| ctx.district("district", d)).transpose()?,
        changed_since: search.changed_since,
    };
    let actor = actor.clone();
    audited(
        ctx.db(),
        ctx.db().read(move |conn| {
            let page = store::search(conn, &scope, &filter, &page)?;
            let entries = actor.audit_page(
                now,
                page.items.iter().map(|b| (b.district.clone(), ListedSubject { beneficiary_id: b.id, case_id: None })),
            );
            Ok((page, entries))
        }),
    )
    .await
}

/// One beneficiary.
pub async fn read(ctx: &Context, actor: &Actor, now: DateTime<Utc>, id: Uuid) -> Result<Beneficiary> {
    actor.require(Capability::ReadBeneficiaries)?;
    let scope = actor.case_scope()?;
    let actor = actor.clone();
    audited(
        ctx.db(),
        ctx.db().lookup(move |conn| {
            let beneficiary = visible_beneficiary(conn, &scope, id)?;
            let entry = actor.audit(now, AuditAction::Read, &beneficiary.district, Some(id), None);
            Ok((beneficiary, vec![entry]))
        }),
    )
    .await
}

/// Changes a beneficiary read at `version`; the changed record is checked as a whole.
pub async fn update(
    ctx: &Context,
    actor: &Actor,
    now: DateTime<Utc>,
    target: ReadVersion,
    changes: BeneficiaryChanges,
) -> Result<Beneficiary> {
    let ReadVersion { id, version } = target;
    actor.require(Capability::EditBeneficiaries)?;
    let scope = actor.case_scope()?;
    let actor = actor.clone();
    ctx.db()
        .write(move |conn| {
            let current = visible_beneficiary(conn, &scope, id)?;
            if current.version != version {
                return Err(Error::Stale);
            }
            let data = check(changes.apply(current.data), now.date_naive())?;
            let updated = store::update(conn, id, version, &data, now)?;
            audit_store::append(conn, vec![actor.audit(now, AuditAction::Update, &updated.district, Some(id), None)])?;
            feed::record(conn, now, &[beneficiary_change(&updated, ChangeAction::Updated)])?;
            Ok(updated)
        })
        .await
}
