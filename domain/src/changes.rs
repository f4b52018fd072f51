//! The change feed: what changed (the kind of resource, its id, created, updated or deleted,
//! its version), never what it holds, and who may follow each change. Partner systems and
//! frontends follow it, then read the resource through its own endpoint, where need-to-know
//! applies again.

use uuid::Uuid;

use crate::access::TokenScope;
use crate::beneficiaries::Beneficiary;
use crate::cases::Case;
use crate::districts::DistrictCode;
use crate::notes::{Confidentiality, Note, may_read};
use crate::organizations::Organization;
use crate::referrals::{Referral, ReferralStatus};
use crate::services::ServiceDelivery;
use crate::transfers::Transfer;
use crate::users::{Role, User};
use crate::vocabulary;

vocabulary! {
    /// The kinds of resource the feed reports.
    pub enum ChangedResource as "changed_resources" {
        Case => ("case", "Caso", "Case"),
        Beneficiary => ("beneficiary", "Persona", "Beneficiary"),
        Referral => ("referral", "Invio", "Referral"),
        Service => ("service", "Intervento", "Service delivered"),
        Note => ("note", "Nota", "Note"),
        User => ("user", "Utente", "User"),
        Organization => ("organization", "Organizzazione", "Organisation"),
        Transfer => ("transfer", "Trasferimento", "Transfer"),
    }
}

vocabulary! {
    /// What happened to the resource.
    pub enum ChangeAction as "change_actions" {
        Created => ("created", "Creato", "Created"),
        Updated => ("updated", "Modificato", "Updated"),
        Deleted => ("deleted", "Eliminato", "Deleted"),
    }
}

/// One change, with what decides who may follow it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    pub resource: ChangedResource,
    pub id: Uuid,
    pub action: ChangeAction,
    /// The resource's version after the change, for resources that have one.
    pub version: Option<i32>,
    /// The district whose team follows it.
    pub district: Option<DistrictCode>,
    /// The partner organisation that follows it: a referral's recipient once it is sent, the
    /// organisation a service was delivered by.
    pub organization: Option<Uuid>,
    /// A note's level: only the roles that read the note follow it.
    pub confidentiality: Option<Confidentiality>,
}

impl Change {
    pub fn new(resource: ChangedResource, id: Uuid, action: ChangeAction) -> Change {
        Change { resource, id, action, version: None, district: None, organization: None, confidentiality: None }
    }

    pub fn version(self, version: i32) -> Change {
        Change { version: Some(version), ..self }
    }

    pub fn district(self, district: &DistrictCode) -> Change {
        Change { district: Some(district.clone()), ..self }
    }

    pub fn organization(self, organization: Option<Uuid>) -> Change {
        Change { organization, ..self }
    }

    pub fn confidentiality(self, level: Confidentiality) -> Change {
        Change { confidentiality: Some(level), ..self }
    }
}

/// A case created or changed: its district's team follows it.
pub fn case_change(case: &Case, action: ChangeAction) -> Change {
    Change::new(ChangedResource::Case, case.id, action).version(case.version).district(&case.district)
}

/// A person registered or changed.
pub fn beneficiary_change(person: &Beneficiary, action: ChangeAction) -> Change {
    Change::new(ChangedResource::Beneficiary, person.id, action).version(person.version).district(&person.district)
}

/// A referral proposed or moved. Its recipient follows it from the moment it is sent, as it
/// sees it in its incoming referrals: a proposal is the PUA's own business.
pub fn referral_change(referral: &Referral, action: ChangeAction) -> Change {
    let recipient = (referral.status != ReferralStatus::Proposed).then_some(referral.to_organization_id);
    Change::new(ChangedResource::Referral, referral.id, action)
        .version(referral.version)
        .district(&referral.district)
        .organization(recipient)
}

/// A service recorded (or deleted) in a case of `district`: the organisation that delivered
/// it follows it too.
pub fn service_change(service: &ServiceDelivery, district: &DistrictCode, action: ChangeAction) -> Change {
    Change::new(ChangedResource::Service, service.id, action)
        .version(service.version)
        .district(district)
        .organization(Some(service.delivered_by))
}

/// A note written in a case of `district`: followed by the roles that read its level.
pub fn note_change(note: &Note, district: &DistrictCode) -> Change {
    Change::new(ChangedResource::Note, note.id, ChangeAction::Created)
        .district(district)
        .confidentiality(note.confidentiality)
}

/// An account created or changed: the administrator follows it.
pub fn user_change(user: &User, action: ChangeAction) -> Change {
    Change::new(ChangedResource::User, user.id, action).version(user.version)
}

/// A transfer asked for or answered: the teams of both districts follow it.
pub fn transfer_changes(transfer: &Transfer, action: ChangeAction) -> [Change; 2] {
    let change = Change::new(ChangedResource::Transfer, transfer.id, action).version(transfer.version);
    [change.clone().district(&transfer.from_district), change.district(&transfer.to_district)]
}

/// An organisation created or changed.
pub fn organization_change(organization: &Organization, action: ChangeAction) -> Change {
    Change::new(ChangedResource::Organization, organization.id, action).version(organization.version)
}

/// Which changes a caller follows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FeedAudience {
    /// The changes of these resources in these districts; notes only of the levels given.
    Districts { districts: Vec<DistrictCode>, resources: Vec<ChangedResource>, note_levels: Vec<Confidentiality> },
    /// The referrals to this organisation, and the services it delivered.
    Organization(Uuid),
    /// Accounts and organisations (the administrator).
    Accounts,
}

/// The feed a caller follows, or `None` when its role follows none. A partner system needs
/// the `referrals:read` scope.
pub fn feed_audience(
    role: Role,
    districts: &[DistrictCode],
    organization: Uuid,
    scopes: Option<&[TokenScope]>,
) -> Option<FeedAudience> {
    use ChangedResource as R;
    match role {
        Role::Admin => Some(FeedAudience::Accounts),
        Role::DistrictCoordinator | Role::CaseWorker | Role::LegalAdvisor => Some(FeedAudience::Districts {
            districts: districts.to_vec(),
            resources: if role == Role::LegalAdvisor {
                vec![R::Case, R::Beneficiary, R::Referral, R::Service, R::Note]
            } else {
                vec![R::Case, R::Beneficiary, R::Referral, R::Service, R::Note, R::Transfer]
            },
            note_levels: [Confidentiality::Team, Confidentiality::Legal, Confidentiality::Coordinators]
                .into_iter()
                .filter(|level| may_read(role, *level))
                .collect(),
        }),
        Role::NetworkManager => Some(FeedAudience::Districts {
            districts: districts.to_vec(),
            resources: vec![R::Referral],
            note_levels: Vec::new(),
        }),
        Role::Partner if scopes.is_none_or(|granted| granted.contains(&TokenScope::ReferralsRead)) => {
            Some(FeedAudience::Organization(organization))
        }
        Role::Partner | Role::RegionalCoordinator | Role::Evaluator | Role::OutreachWorker => None,
    }
}

impl FeedAudience {
    /// Whether this audience follows `change` (the store filters the same way in its query).
    pub fn follows(&self, change: &Change) -> bool {
        match self {
            FeedAudience::Accounts => matches!(change.resource, ChangedResource::User | ChangedResource::Organization),
            FeedAudience::Organization(organization) => {
                matches!(change.resource, ChangedResource::Referral | ChangedResource::Service)
                    && change.organization == Some(*organization)
            }
            FeedAudience::Districts { districts, resources, note_levels } => {
                change.district.as_ref().is_some_and(|d| districts.contains(d))
                    && resources.contains(&change.resource)
                    && change.confidentiality.is_none_or(|level| note_levels.contains(&level))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn milano() -> DistrictCode {
        DistrictCode::from_trusted("milano".into())
    }

    #[test]
    fn each_role_follows_its_own_changes() {
        let org = Uuid::from_u128(7);
        let note = |level| {
            Change::new(ChangedResource::Note, Uuid::nil(), ChangeAction::Created)
                .district(&milano())
                .confidentiality(level)
        };
        let worker = feed_audience(Role::CaseWorker, &[milano()], org, None).unwrap();
        assert!(worker.follows(&note(Confidentiality::Team)));
        assert!(!worker.follows(&note(Confidentiality::Legal)));
        let legal = feed_audience(Role::LegalAdvisor, &[milano()], org, None).unwrap();
        assert!(legal.follows(&note(Confidentiality::Legal)));

        let case = Change::new(ChangedResource::Case, Uuid::nil(), ChangeAction::Updated).district(&milano());
        assert!(worker.follows(&case));
        let bergamo = feed_audience(Role::CaseWorker, &[DistrictCode::from_trusted("bergamo".into())], org, None);
        assert!(!bergamo.unwrap().follows(&case));

        let referral = Change::new(ChangedResource::Referral, Uuid::nil(), ChangeAction::Updated).district(&milano());
        let manager = feed_audience(Role::NetworkManager, &[milano()], org, None).unwrap();
        assert!(manager.follows(&referral) && !manager.follows(&case));
        let partner = feed_audience(Role::Partner, &[], org, None).unwrap();
        assert!(!partner.follows(&referral), "a referral not yet sent names no organisation");
        assert!(partner.follows(&referral.clone().organization(Some(org))));
        assert!(!partner.follows(&case.clone().organization(Some(org))), "never a case");

        assert_eq!(feed_audience(Role::Partner, &[], org, Some(&[TokenScope::ServicesWrite])), None);
        for role in [Role::RegionalCoordinator, Role::Evaluator, Role::OutreachWorker] {
            assert_eq!(feed_audience(role, &[milano()], org, None), None, "{role}");
        }
        let admin = feed_audience(Role::Admin, &[], org, None).unwrap();
        assert!(admin.follows(&Change::new(ChangedResource::User, Uuid::nil(), ChangeAction::Created)));
        assert!(!admin.follows(&case));
    }
}
