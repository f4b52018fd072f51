//! Beneficiaries: registration with duplicate detection, reading, changes, search. Every read
//! and change is audited; everything outside the caller's scope is not found.

use chrono::{DateTime, Utc};
use domain::access::{Capability, CaseScope, allows, sees_full_case};
use domain::audit::{AuditAction, AuditEntry, ListedSubject};
use domain::beneficiaries::{Beneficiary, BeneficiaryChanges, BeneficiaryData, BeneficiaryDraft, check};
use domain::changes::{ChangeAction, beneficiary_change};
use domain::districts::DistrictCode;
use domain::transfers::{MATCH_LIFETIME, check_reason};
use persistence::ChangedSince;
use persistence::beneficiaries::{self as store, BeneficiaryFilter};
use persistence::changes as feed;
use persistence::transfers::{self as transfer_store, DuplicateMatch};
use persistence::{DbConnection, Page, PageRequest, audit as audit_store};
use uuid::Uuid;

use crate::access::{registering_district, visible_beneficiary};
use crate::actor::Actor;
use crate::audit::audited;
use crate::context::Context;
use crate::context::ReadVersion;
use crate::error::{Conflict, DuplicateCandidate, Error, MatchElsewhere, Result};
use crate::idempotency::{Answered, Retryable, once};
use crate::random;
use crate::transfers::token_digest;

/// A person to register.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Registration {
    pub draft: BeneficiaryDraft,
    /// The registering district; may be left out by a caller who works in one district.
    pub district: Option<String>,
    /// Register even though possible duplicates exist.
    pub confirm_new: bool,
    /// Why this is a different person, when a possible duplicate is held by another district
    /// (required then, and audited).
    pub confirm_new_reason: Option<String>,
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
    let district = registering_district(ctx, actor, "district", registration.district.as_deref())?;
    let data = check(registration.draft, now.date_naive())?;
    let confirm = Confirm { new: registration.confirm_new, reason: registration.confirm_new_reason };
    let writer = actor.clone();
    let outcome = once(ctx, actor, now, retryable, move |conn| {
        let (beneficiary, registered) = register_in(conn, &writer, &district, &data, &confirm, now)?;
        audit_store::append(conn, registered)?;
        feed::record(conn, now, &[beneficiary_change(&beneficiary, ChangeAction::Created)])?;
        Ok(beneficiary)
    })
    .await;
    record_candidates_shown(ctx, actor, now, outcome).await
}

/// Whether to register despite possible duplicates, and why.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Confirm {
    pub new: bool,
    pub reason: Option<String>,
}

/// Registers a person in the transaction open on `conn` (see [`register`]); answers the person
/// and the audit entries of the registration, which the caller appends with its own entries,
/// then records the change (last: the audit head's lock is held from there to the commit).
///
/// A registration confirmed despite a possible duplicate held by another district needs a
/// reason, kept in an entry of its own: two records of one person would be counted twice.
pub(crate) fn register_in(
    conn: &mut DbConnection,
    actor: &Actor,
    district: &DistrictCode,
    data: &BeneficiaryData,
    confirm: &Confirm,
    now: DateTime<Utc>,
) -> Result<(Beneficiary, Vec<AuditEntry>)> {
    let matches = store::possible_duplicates(conn, data, None)?;
    let mut confirmed_because = None;
    if !matches.is_empty() {
        if !confirm.new {
            return Err(duplicates(conn, actor, &matches, now)?.into());
        }
        let visible = visible_matches(conn, actor, &matches)?;
        if !held_elsewhere(conn, actor, &matches, &visible)?.is_empty() {
            let reason = confirm.reason.as_deref().map(str::trim).filter(|r| !r.is_empty()).ok_or_else(|| {
                Error::field(
                    "confirm_new_reason",
                    "required",
                    "a record that may be the same person is held by another district: say why this is a \
                     different person, or ask for a transfer",
                )
            })?;
            confirmed_because = Some(check_reason("confirm_new_reason", Some(reason))?);
        }
    }
    let beneficiary = store::insert(conn, district, data, actor.user_id, now)?;
    let mut entries = vec![actor.audit(now, AuditAction::Create, district, Some(beneficiary.id), None)];
    if let Some(reason) = confirmed_because {
        let subject = (Some(beneficiary.id), None);
        entries.push(actor.audit_because(now, AuditAction::DuplicateConfirmed, district, subject, &reason));
    }
    Ok((beneficiary, entries))
}

/// The matches the caller may not see (`visible` are those it may) that a district other than
/// the caller's holds.
fn held_elsewhere(
    conn: &mut DbConnection,
    actor: &Actor,
    matches: &[Uuid],
    visible: &[Uuid],
) -> Result<Vec<(Uuid, DistrictCode)>> {
    let hidden: Vec<Uuid> = matches.iter().filter(|id| !visible.contains(id)).copied().collect();
    let held = store::districts_of(conn, &hidden)?;
    Ok(held.into_iter().filter(|(_, district)| !actor.districts.contains(district)).collect())
}

/// The matches the caller may see in full.
fn visible_matches(conn: &mut DbConnection, actor: &Actor, matches: &[Uuid]) -> Result<Vec<Uuid>> {
    Ok(match CaseScope::of(actor.role, actor.user_id, &actor.districts) {
        Some(scope) if sees_full_case(actor.role) => store::visible_ids(conn, matches, &scope)?,
        _ => Vec::new(),
    })
}

/// The possible duplicates among `matches` that the caller may see, a count of the others,
/// and for a caller who may ask for transfers a match token for each one another district holds.
fn duplicates(conn: &mut DbConnection, actor: &Actor, matches: &[Uuid], now: DateTime<Utc>) -> Result<Conflict> {
    let visible = visible_matches(conn, actor, matches)?;
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
    let elsewhere = if allows(actor.role, Capability::Transfers) {
        let held = held_elsewhere(conn, actor, matches, &visible)?;
        held.into_iter()
            .map(|(id, district)| MatchElsewhere {
                district: district.as_str().to_string(),
                match_token: random::token(24),
                expires_at: now + MATCH_LIFETIME,
                beneficiary_id: id,
            })
            .collect()
    } else {
        Vec::new()
    };
    Ok(Conflict::PossibleDuplicate { candidates, other_matches: matches.len() - visible.len(), elsewhere })
}

/// The candidates of a possible duplicate are a read of their data: their showing is audited,
/// outside the refused write (which left nothing behind), before the refusal is answered. The
/// matches held elsewhere are kept (their tokens' digests) for the transfer they may lead to.
pub(crate) async fn record_candidates_shown<T>(
    ctx: &Context,
    actor: &Actor,
    now: DateTime<Utc>,
    outcome: Result<T>,
) -> Result<T> {
    if let Err(Error::Conflict(Conflict::PossibleDuplicate { candidates, elsewhere, .. })) = &outcome {
        let shown = candidates.iter().map(|c| {
            (DistrictCode::from_trusted(c.district.clone()), ListedSubject { beneficiary_id: c.id, case_id: None })
        });
        ctx.db().record(actor.audit_page(now, shown)).await?;
        if !elsewhere.is_empty() {
            let kept: Vec<DuplicateMatch> = elsewhere
                .iter()
                .map(|found| DuplicateMatch {
                    token_digest: token_digest(&found.match_token),
                    beneficiary_id: found.beneficiary_id,
                    district: DistrictCode::from_trusted(found.district.clone()),
                    matched_by: actor.user_id,
                    matched_at: now,
                    expires_at: found.expires_at,
                })
                .collect();
            ctx.db().write(move |conn| transfer_store::record_matches(conn, &kept, now)).await?;
        }
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
        codice_fiscale: search.codice_fiscale.as_deref().map(domain::beneficiaries::normalize_codice_fiscale),
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

/// One beneficiary: one the caller's scope covers, or one a coordinator holds emergency access
/// to (then the read's entry names the access's reason).
pub async fn read(ctx: &Context, actor: &Actor, now: DateTime<Utc>, id: Uuid) -> Result<Beneficiary> {
    actor.require(Capability::ReadBeneficiaries)?;
    let scope = actor.case_scope()?;
    let emergency = allows(actor.role, Capability::EmergencyAccess);
    let actor = actor.clone();
    audited(
        ctx.db(),
        ctx.db().lookup(move |conn| match visible_beneficiary(conn, &scope, id) {
            Ok(beneficiary) => {
                let entry = actor.audit(now, AuditAction::Read, &beneficiary.district, Some(id), None);
                Ok((beneficiary, vec![entry]))
            }
            Err(Error::NotFound) if emergency => {
                let access =
                    transfer_store::live_emergency_access(conn, actor.user_id, id, now)?.ok_or(Error::NotFound)?;
                let beneficiary = store::find(conn, id)?;
                let reason = format!("emergency access: {}", access.reason);
                let entry =
                    actor.audit_because(now, AuditAction::Read, &beneficiary.district, (Some(id), None), &reason);
                Ok((beneficiary, vec![entry]))
            }
            Err(other) => Err(other),
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
