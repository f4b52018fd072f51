//! Referrals: a case sent to a network organisation, and the need-to-know access that
//! organisation has while its referral stands. Sending needs the beneficiary's data-sharing
//! consent for that organisation, unless a district coordinator overrides with a reason.

use chrono::{DateTime, Utc};
use domain::Vocabulary;
use domain::access::{Capability, TokenScope, sees_full_case};
use domain::audit::{AuditAction, ListedSubject};
use domain::beneficiaries::Beneficiary;
use domain::cases::{Case, CaseStatus, check_effective_at};
use domain::changes::{ChangeAction, referral_change};
use domain::consents::sharing_allowed;
use domain::legal::LegalProcedure;
use domain::notes::{Confidentiality, Note};
use domain::organizations::acts_as_partner;
use domain::referrals::{PartnerView, Referral, ReferralStatus, Side, next_statuses, partner_view, side_may};
use domain::services::ServiceCategory;
use domain::users::Role;
use domain::validation::check_label;
use persistence::changes as feed;
use persistence::referrals::{self as store, Direction, NewReferral, ReferralEvent};
use persistence::{
    ChangedSince, DbConnection, Page, PageRequest, audit, beneficiaries, cases, consents, legal, network, notes,
    organizations,
};
use uuid::Uuid;

use crate::access::{visible_case, writable_case};
use crate::actor::Actor;
use crate::audit::audited;
use crate::context::{Context, ReadVersion};
use crate::error::{Conflict, Error, Result};
use crate::idempotency::{Answered, Retryable, once};

/// How a caller stands to a referral.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Standing {
    /// The sending PUA: sees it all.
    Sender,
    /// The receiving partner: sees what its view allows, and only its own organisation's events.
    Receiver(PartnerView),
}

/// A referral as its reader may see it: with its history and how the reader stands to it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReferralRecord {
    pub referral: Referral,
    pub events: Vec<ReferralEvent>,
    pub standing: Standing,
    /// The reader's organisation (a receiver sees only its own events).
    pub reader_organization: Uuid,
}

/// A referral to propose.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Proposal {
    pub to_organization_id: Uuid,
    /// A service of that organisation, when the referral is to one.
    pub network_service_id: Option<Uuid>,
    pub category: ServiceCategory,
    /// What the partner is asked to do.
    pub reason: String,
    /// Presa in carico congiunta.
    pub joint_intake: bool,
}

/// A move of a referral.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Move {
    pub to: ReferralStatus,
    /// Required to decline, fail or revoke.
    pub reason: Option<String>,
    /// District coordinators: send without the data-sharing consent, for this reason.
    pub consent_override_reason: Option<String>,
    /// When the move happened, if before now (an answer recorded after the fact).
    pub effective_at: Option<DateTime<Utc>>,
}

/// Which referrals a list asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flow {
    /// Sent to the caller's organisation (partners).
    Incoming,
    /// Sent by the caller's districts (PUA teams).
    Outgoing,
}

/// What a partner sees of a case it holds accepted; with a joint intake with an
/// anti-trafficking organisation (`sensitive`), also its legal procedures and team notes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReferredCase {
    pub referral: Referral,
    pub case: Case,
    pub person: Beneficiary,
    pub joint_intake: Option<(Vec<LegalProcedure>, Vec<Note>)>,
}

const REASON_MAX_CHARS: usize = 2000;

fn reason_field(field: &str, raw: Option<&str>) -> Result<Option<String>> {
    Ok(raw.map(str::trim).filter(|r| !r.is_empty()).map(|r| check_label(field, r, REASON_MAX_CHARS)).transpose()?)
}

fn event(
    actor: &Actor,
    from: Option<ReferralStatus>,
    to: ReferralStatus,
    reason: Option<String>,
    now: DateTime<Utc>,
) -> ReferralEvent {
    ReferralEvent {
        from_status: from,
        to_status: to,
        reason,
        actor_id: actor.user_id,
        actor_role: actor.role,
        actor_organization_id: actor.organization_id,
        at: now,
    }
}

/// How the caller stands to a referral; not found when it may not know of it.
fn standing(conn: &mut DbConnection, actor: &Actor, referral: &Referral) -> Result<Standing> {
    if actor.role == Role::Partner {
        if referral.to_organization_id != actor.organization_id {
            return Err(Error::NotFound);
        }
        let receiver = organizations::find(conn, actor.organization_id)?;
        return match partner_view(referral.status, referral.joint_intake, receiver.kind) {
            PartnerView::Nothing => Err(Error::NotFound),
            other => Ok(Standing::Receiver(other)),
        };
    }
    if sees_full_case(actor.role) && actor.districts.contains(&referral.district) {
        Ok(Standing::Sender)
    } else {
        Err(Error::NotFound)
    }
}

fn record(conn: &mut DbConnection, referral: Referral, standing: Standing, reader: Uuid) -> Result<ReferralRecord> {
    let events = store::events(conn, referral.id)?;
    Ok(ReferralRecord { referral, events, standing, reader_organization: reader })
}

/// Partners read with `referrals:read`; PUA teams as readers of cases in full.
fn require_reader(actor: &Actor) -> Result<()> {
    if actor.role == Role::Partner {
        actor.require(Capability::AnswerReferrals)?;
        actor.require_scope(TokenScope::ReferralsRead)
    } else {
        actor.require(Capability::ReadCases)?;
        actor.require_full_view()
    }
}

/// Proposes a referral of a case to a network organisation. It stays `proposed` until sent.
pub async fn propose(
    ctx: &Context,
    actor: &Actor,
    now: DateTime<Utc>,
    case_id: Uuid,
    proposal: Proposal,
    retryable: Retryable<ReferralRecord>,
) -> Result<Answered> {
    actor.require(Capability::SendReferrals)?;
    let scope = actor.case_scope()?;
    let reason = reason_field("reason", Some(&proposal.reason))?
        .ok_or_else(|| Error::field("reason", "required", "say what the partner is asked to do"))?;
    let writer = actor.clone();
    once(ctx, actor, now, retryable, move |conn| {
        let case = writable_case(conn, &scope, case_id)?;
        if case.status == CaseStatus::Closed {
            return Err(Conflict::CaseClosed { detail: "a closed case cannot be referred" }.into());
        }
        let organization = match organizations::find(conn, proposal.to_organization_id) {
            Ok(organization) => organization,
            Err(persistence::Error::NotFound) => {
                return Err(Error::field("to_organization_id", "unknown_organization", "no organisation has this id"));
            }
            Err(other) => return Err(other.into()),
        };
        if !acts_as_partner(organization.kind) {
            return Err(Error::field(
                "to_organization_id",
                "not_a_partner",
                "the programme's own bodies do not take referrals",
            ));
        }
        if let Some(service) = proposal.network_service_id {
            match network::find(conn, service) {
                Ok(found) if found.organization_id == organization.id => {}
                Ok(_) | Err(persistence::Error::NotFound) => {
                    return Err(Error::field(
                        "network_service_id",
                        "unknown_service",
                        "no service of that organisation has this id",
                    ));
                }
                Err(other) => return Err(other.into()),
            }
        }
        let new = NewReferral {
            case_id,
            district: case.district.clone(),
            to_organization_id: organization.id,
            network_service_id: proposal.network_service_id,
            category: proposal.category,
            reason,
            joint_intake: proposal.joint_intake,
            created_by: writer.user_id,
        };
        let referral = store::insert(conn, &new, &event(&writer, None, ReferralStatus::Proposed, None, now), now)?;
        audit::append(
            conn,
            vec![writer.audit(now, AuditAction::Create, &case.district, Some(case.beneficiary_id), Some(case_id))],
        )?;
        feed::record(conn, now, &[referral_change(&referral, ChangeAction::Created)])?;
        record(conn, referral, Standing::Sender, writer.organization_id)
    })
    .await
}

/// The referrals of a case the caller sees in full, newest first.
pub async fn of_case(ctx: &Context, actor: &Actor, case_id: Uuid) -> Result<Vec<ReferralRecord>> {
    actor.require(Capability::ReadCases)?;
    actor.require_full_view()?;
    let scope = actor.case_scope()?;
    let organization = actor.organization_id;
    ctx.db()
        .read(move |conn| {
            let case = visible_case(conn, &scope, case_id)?;
            let everything = PageRequest { after: None, limit: persistence::MAX_PAGE_SIZE };
            let page =
                store::list(conn, &Direction::Outgoing(vec![case.district]), None, Some(case_id), None, &everything)?;
            page.items.into_iter().map(|r| record(conn, r, Standing::Sender, organization)).collect()
        })
        .await
}

/// Referrals of one side, newest first: `Incoming` to the caller's organisation (partners),
/// `Outgoing` from the caller's districts (PUA teams); by default the caller's side.
pub async fn list(
    ctx: &Context,
    actor: &Actor,
    side: Option<Flow>,
    status: Option<ReferralStatus>,
    changed_since: Option<ChangedSince>,
    page: PageRequest<Uuid>,
) -> Result<Page<ReferralRecord>> {
    let partner = actor.role == Role::Partner;
    let side = side.unwrap_or(if partner { Flow::Incoming } else { Flow::Outgoing });
    let direction = match (side, partner) {
        (Flow::Incoming, true) => {
            actor.require(Capability::AnswerReferrals)?;
            actor.require_scope(TokenScope::ReferralsRead)?;
            Direction::Incoming(actor.organization_id)
        }
        (Flow::Outgoing, false) if sees_full_case(actor.role) => Direction::Outgoing(actor.districts.clone()),
        _ => return Err(Error::forbidden_because("incoming referrals are for partners, outgoing for PUA teams")),
    };
    let organization = actor.organization_id;
    ctx.db()
        .read(move |conn| {
            let page = store::list(conn, &direction, status, None, changed_since, &page)?;
            let kind = if partner { Some(organizations::find(conn, organization)?.kind) } else { None };
            let items = page
                .items
                .into_iter()
                .map(|r| {
                    let standing = match kind {
                        Some(kind) => Standing::Receiver(partner_view(r.status, r.joint_intake, kind)),
                        None => Standing::Sender,
                    };
                    record(conn, r, standing, organization)
                })
                .collect::<Result<Vec<_>>>()?;
            Ok(Page { items, has_more: page.has_more })
        })
        .await
}

/// A referral as the district's network manager follows it: the organisation, the status and
/// its dates, the case and the person's alias; not the reason, the notes of its steps or a
/// consent override, which may tell about the person.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FollowedReferral {
    pub referral: Referral,
    pub beneficiary_alias: String,
    /// Each step: from, to, when, by which organisation.
    pub steps: Vec<(Option<ReferralStatus>, ReferralStatus, DateTime<Utc>, Uuid)>,
}

/// The referrals sent by the caller's districts, newest first, as a network manager follows
/// them. The page is audited as a list naming the people it shows.
pub async fn follow(
    ctx: &Context,
    actor: &Actor,
    now: DateTime<Utc>,
    status: Option<ReferralStatus>,
    page: PageRequest<Uuid>,
) -> Result<Page<FollowedReferral>> {
    actor.require(Capability::FollowReferrals)?;
    let direction = Direction::Outgoing(actor.districts.clone());
    let actor = actor.clone();
    audited(
        ctx.db(),
        ctx.db().read(move |conn| {
            let page = store::list(conn, &direction, status, None, None, &page)?;
            let case_ids: Vec<Uuid> = page.items.iter().map(|r| r.case_id).collect();
            let subjects = store::case_subjects(conn, &case_ids)?;
            let referral_ids: Vec<Uuid> = page.items.iter().map(|r| r.id).collect();
            let mut histories = store::events_of(conn, &referral_ids)?;
            let mut shown = Vec::new();
            let mut items = Vec::new();
            for referral in page.items {
                let (beneficiary_id, alias) = subjects.get(&referral.case_id).cloned().ok_or(Error::NotFound)?;
                shown.push((
                    referral.district.clone(),
                    ListedSubject { beneficiary_id, case_id: Some(referral.case_id) },
                ));
                let steps = histories
                    .remove(&referral.id)
                    .unwrap_or_default()
                    .into_iter()
                    .map(|e| (e.from_status, e.to_status, e.at, e.actor_organization_id))
                    .collect();
                items.push(FollowedReferral { referral, beneficiary_alias: alias, steps });
            }
            Ok((Page { items, has_more: page.has_more }, actor.audit_page(now, shown)))
        }),
    )
    .await
}

/// One referral and its history.
pub async fn read(ctx: &Context, actor: &Actor, id: Uuid) -> Result<ReferralRecord> {
    require_reader(actor)?;
    let actor = actor.clone();
    ctx.db()
        .read(move |conn| {
            let referral = store::find(conn, id)?;
            let standing = standing(conn, &actor, &referral)?;
            record(conn, referral, standing, actor.organization_id)
        })
        .await
}

/// Moves a referral read at `target.version`. The sending PUA sends and revokes (and may
/// record the partner's answers on its behalf); the partner accepts or declines, then completes
/// or fails. Sending needs the data-sharing consent, or a coordinator's reason to go without.
pub async fn transition(
    ctx: &Context,
    actor: &Actor,
    now: DateTime<Utc>,
    target: ReadVersion,
    change: Move,
    retryable: Retryable<ReferralRecord>,
) -> Result<Answered> {
    require_reader(actor)?;
    let reason = reason_field("reason", change.reason.as_deref())?;
    let override_reason = reason_field("consent_override_reason", change.consent_override_reason.as_deref())?;
    if reason.is_none()
        && matches!(change.to, ReferralStatus::Declined | ReferralStatus::Failed | ReferralStatus::Revoked)
    {
        return Err(Error::field("reason", "required", "say why"));
    }
    let ReadVersion { id, version } = target;
    let (to, effective_at) = (change.to, change.effective_at);
    let writer = actor.clone();
    once(ctx, actor, now, retryable, move |conn| {
        let referral = store::find(conn, id)?;
        let side = match standing(conn, &writer, &referral)? {
            Standing::Sender => {
                writer.require(Capability::SendReferrals)?;
                Side::Sender
            }
            Standing::Receiver(_) => {
                writer.require_scope(TokenScope::ReferralsWrite)?;
                Side::Receiver
            }
        };
        if referral.version != version {
            return Err(Error::Stale);
        }
        let from = referral.status;
        if !next_statuses(from).contains(&to) {
            return Err(Conflict::InvalidTransition {
                what: "referral",
                from: from.code(),
                to: to.code(),
                reachable: next_statuses(from).iter().map(|s| s.code()).collect(),
            }
            .into());
        }
        if !side_may(side, from, to) {
            return Err(Error::forbidden_because("this move belongs to the other side of the referral"));
        }
        // An answer received on paper is recorded when it happened, after the previous step.
        let happened = effective_at.unwrap_or(now);
        let previous = store::events(conn, id)?.last().map_or(referral.created_at, |event| event.at);
        check_effective_at("effective_at", happened, previous, now)?;
        let case = cases::find(conn, referral.case_id)?;
        let mut consent_override = None;
        if to == ReferralStatus::Sent {
            let given = consents::of_beneficiary(conn, case.beneficiary_id)?;
            if !sharing_allowed(&given, referral.to_organization_id, happened.date_naive()) {
                match &override_reason {
                    Some(why) if writer.role == Role::DistrictCoordinator => {
                        consent_override = Some((writer.user_id, why.clone()))
                    }
                    Some(_) => {
                        return Err(Error::forbidden_because("only a district coordinator sends without consent"));
                    }
                    None => return Err(Conflict::ConsentMissing.into()),
                }
            }
        }
        let event_reason = match &consent_override {
            Some((_, why)) => Some(format!("sent without data-sharing consent: {why}")),
            None => reason,
        };
        let moved = store::move_to(
            conn,
            id,
            version,
            &event(&writer, Some(from), to, event_reason, happened),
            consent_override.as_ref().map(|(by, why)| (*by, why.as_str())),
            now,
        )?;
        let subject = (Some(case.beneficiary_id), Some(case.id));
        let entry = match &consent_override {
            // The override is a decision of its own in the trail, its reason bound by the chain.
            Some((_, why)) => writer.audit_because(now, AuditAction::ConsentOverride, &case.district, subject, why),
            None => writer.audit(now, AuditAction::Transition, &case.district, subject.0, subject.1),
        };
        audit::append(conn, vec![entry])?;
        feed::record(conn, now, &[referral_change(&moved, ChangeAction::Updated)])?;
        let standing = match side {
            Side::Sender => Standing::Sender,
            Side::Receiver => Standing::Receiver(partner_view(
                moved.status,
                moved.joint_intake,
                organizations::find(conn, writer.organization_id)?.kind,
            )),
        };
        record(conn, moved, standing, writer.organization_id)
    })
    .await
}

/// The case of a referral the partner's organisation holds accepted, as far as it may see it.
/// Audited as a read of the case.
pub async fn referred_case(ctx: &Context, actor: &Actor, now: DateTime<Utc>, id: Uuid) -> Result<ReferredCase> {
    actor.require(Capability::AnswerReferrals)?;
    actor.require_scope(TokenScope::ReferralsRead)?;
    let actor = actor.clone();
    audited(
        ctx.db(),
        ctx.db().read(move |conn| {
            let referral = store::find(conn, id)?;
            let Standing::Receiver(PartnerView::Case { sensitive }) = standing(conn, &actor, &referral)? else {
                return Err(Error::NotFound);
            };
            let case = cases::find(conn, referral.case_id)?;
            let person = beneficiaries::find(conn, case.beneficiary_id)?;
            let joint_intake = if sensitive {
                Some((legal::of_case(conn, case.id)?, notes::of_case(conn, case.id, &[Confidentiality::Team])?))
            } else {
                None
            };
            let entry = actor.audit(now, AuditAction::Read, &case.district, Some(case.beneficiary_id), Some(case.id));
            Ok((ReferredCase { referral, case, person, joint_intake }, vec![entry]))
        }),
    )
    .await
}
