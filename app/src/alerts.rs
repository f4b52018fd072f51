//! Alerts for the caller's districts: permits expiring, referrals unanswered, cases idle, legal
//! deadlines near (legal advisors and coordinators), minors without a guardian. Each alert
//! names a person, so the list is audited as a read of each.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use domain::Vocabulary;
use domain::access::Capability;
use domain::alerts::{AlertKind, DEADLINE_WINDOW_DAYS, case_idle, deadline_near, permit_expiring, referral_unanswered};
use domain::audit::AuditAction;
use domain::beneficiaries::{Minor, minor_on};
use domain::cases::CaseStatus;
use domain::legal::sees_legal;
use domain::transfers::EMERGENCY_ACCESS_LIFETIME;
use domain::users::Role;
use persistence::{beneficiaries, cases, legal, notes, referrals, services, transfers};
use uuid::Uuid;

use crate::actor::Actor;
use crate::audit::audited;
use crate::context::Context;
use crate::error::Result;

/// Something that needs attention on a case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Alert {
    pub kind: AlertKind,
    /// `None` for an alert about the person rather than one of their cases.
    pub case_id: Option<Uuid>,
    pub beneficiary_id: Uuid,
    /// The person's alias, to find the case at a glance.
    pub alias: String,
    pub district: String,
    pub referral_id: Option<Uuid>,
    pub legal_procedure_id: Option<Uuid>,
    /// The date the alert is about: the permit's expiry, the deadline, the day a referral was
    /// sent, or the last activity.
    pub date: Option<NaiveDate>,
    pub message: String,
}

/// What needs attention in the caller's districts, today, by kind.
pub async fn list(ctx: &Context, actor: &Actor, now: DateTime<Utc>) -> Result<Vec<Alert>> {
    actor.require(Capability::ReadAlerts)?;
    let today = now.date_naive();
    let legal_too = sees_legal(actor.role);
    let actor = actor.clone();
    audited(
        ctx.db(),
        ctx.db().read(move |conn| {
            let open = cases::open_in(conn, &actor.districts)?;
            let people: HashMap<Uuid, _> =
                beneficiaries::find_many(conn, &open.iter().map(|c| c.beneficiary_id).collect::<Vec<_>>())?
                    .into_iter()
                    .map(|b| (b.id, b))
                    .collect();
            let mut alerts = Vec::new();
            let mut push = |kind: AlertKind,
                            case: &domain::cases::Case,
                            referral_id,
                            legal_procedure_id,
                            date,
                            message: String| {
                if let Some(person) = people.get(&case.beneficiary_id) {
                    alerts.push(Alert {
                        kind,
                        case_id: Some(case.id),
                        beneficiary_id: case.beneficiary_id,
                        alias: person.data.alias.clone(),
                        district: case.district.as_str().to_string(),
                        referral_id,
                        legal_procedure_id,
                        date,
                        message,
                    });
                }
            };

            for case in &open {
                let Some(person) = people.get(&case.beneficiary_id) else { continue };
                if let Some(expiry) = person.data.permit.expires_on.filter(|e| permit_expiring(*e, today)) {
                    push(
                        AlertKind::PermitExpiring,
                        case,
                        None,
                        None,
                        Some(expiry),
                        format!("the residence permit expires on {expiry}"),
                    );
                }
                if person.data.guardian.is_none()
                    && minor_on(person.data.birth_date, person.data.birth_year, case.intercepted_at.date_naive())
                        == Minor::Yes
                {
                    push(
                        AlertKind::MinorWithoutGuardian,
                        case,
                        None,
                        None,
                        None,
                        "a minor without a recorded guardian".into(),
                    );
                }
            }

            let by_id: HashMap<Uuid, &domain::cases::Case> = open.iter().map(|c| (c.id, c)).collect();
            for referral in referrals::unanswered(
                conn,
                &actor.districts,
                now - chrono::Duration::days(domain::alerts::REFERRAL_SILENCE_DAYS),
            )? {
                if let (Some(case), Some(sent_at)) = (by_id.get(&referral.case_id), referral.sent_at)
                    && referral_unanswered(sent_at, now)
                {
                    push(
                        AlertKind::ReferralUnanswered,
                        case,
                        Some(referral.id),
                        None,
                        Some(sent_at.date_naive()),
                        format!("sent on {} and not answered", sent_at.date_naive()),
                    );
                }
            }

            let in_charge: Vec<&domain::cases::Case> =
                open.iter().filter(|c| c.status == CaseStatus::TakenInCharge).collect();
            let ids: Vec<Uuid> = in_charge.iter().map(|c| c.id).collect();
            let last_service = services::last_recorded(conn, &ids)?;
            let last_note = notes::last_written(conn, &ids)?;
            for case in in_charge {
                let since = case.taken_in_charge_at.unwrap_or(case.status_since);
                let last = [Some(since), last_service.get(&case.id).copied(), last_note.get(&case.id).copied()]
                    .into_iter()
                    .flatten()
                    .max()
                    .unwrap_or(since);
                if case_idle(last, now) {
                    push(
                        AlertKind::CaseIdle,
                        case,
                        None,
                        None,
                        Some(last.date_naive()),
                        format!("no service or note since {}", last.date_naive()),
                    );
                }
            }

            if legal_too {
                let ids: Vec<Uuid> = open.iter().map(|c| c.id).collect();
                for procedure in
                    legal::deadlines(conn, &ids, today, today + chrono::Duration::days(DEADLINE_WINDOW_DAYS))?
                {
                    if let (Some(case), Some(deadline)) = (by_id.get(&procedure.case_id), procedure.next_deadline)
                        && deadline_near(deadline, today)
                    {
                        push(
                            AlertKind::LegalDeadline,
                            case,
                            None,
                            Some(procedure.id),
                            Some(deadline),
                            format!("{} deadline on {deadline}", procedure.kind.label_en()),
                        );
                    }
                }
            }
            if actor.role == Role::DistrictCoordinator {
                let opened = transfers::emergency_accesses_to(conn, &actor.districts, now - EMERGENCY_ACCESS_LIFETIME)?;
                let live: Vec<_> = opened.into_iter().filter(|access| access.expires_at > now).collect();
                let people = beneficiaries::find_many(conn, &live.iter().map(|a| a.beneficiary_id).collect::<Vec<_>>())?;
                for access in live {
                    let Some(person) = people.iter().find(|p| p.id == access.beneficiary_id) else { continue };
                    alerts.push(Alert {
                        kind: AlertKind::EmergencyAccess,
                        case_id: None,
                        beneficiary_id: access.beneficiary_id,
                        alias: person.data.alias.clone(),
                        district: access.owner_district.as_str().to_string(),
                        referral_id: None,
                        legal_procedure_id: None,
                        date: Some(access.opened_at.date_naive()),
                        message: format!(
                            "a coordinator of {} opened this person's record, read-only, until {} (the reason is in the audit trail)",
                            access.opened_for,
                            access.expires_at.format("%Y-%m-%d %H:%M UTC")
                        ),
                    });
                }
            }
            alerts.sort_by_key(|a| (a.kind, a.date));
            let entries = alerts
                .iter()
                .map(|a| {
                    let district = domain::districts::DistrictCode::from_trusted(a.district.clone());
                    actor.audit(now, AuditAction::List, &district, Some(a.beneficiary_id), a.case_id)
                })
                .collect();
            Ok((alerts, entries))
        }),
    )
    .await
}
