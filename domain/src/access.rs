//! The access policy: which role may use which capability, and the scope that bounds the
//! personal data a permitted caller then sees. Least privilege: roles that work with
//! aggregates never reach personal data.

use uuid::Uuid;

use crate::districts::DistrictCode;
use crate::users::Role;
use crate::vocabulary;

vocabulary! {
    /// What a partner system's token may do. Partner users may do all of it.
    pub enum TokenScope as "token_scopes" {
        ReferralsRead => ("referrals:read", "Leggere gli invii ricevuti", "Read referrals received"),
        ReferralsWrite => ("referrals:write", "Rispondere agli invii e aggiornarli", "Answer and update referrals"),
        ServicesWrite => ("services:write", "Registrare gli interventi", "Record services delivered"),
        WebhooksWrite => ("webhooks:write", "Gestire i webhook della propria organizzazione", "Manage its organisation's webhooks"),
    }
}

/// Something a caller may ask the system to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Capability {
    /// Create, read and change user accounts.
    ManageUsers,
    /// Create and change organisations.
    ManageOrganizations,
    /// Read the organisation directory (holds no personal data).
    ReadOrganizations,
    /// Read districts and vocabularies.
    ReadReferenceData,
    /// Change a district's settings (closure approval, eligibility rule set).
    ManageDistricts,
    /// Read cases in scope (outreach workers: a reduced view of their own interceptions).
    ReadCases,
    /// Record an interception: a new case.
    RecordInterceptions,
    /// Change a case's screening data: profile, needs, work, indicators, assignment.
    EditCases,
    /// Move a case through its lifecycle (the state machine decides the details).
    TransitionCases,
    /// Override eligibility, approve closures, reopen.
    CoordinateCases,
    /// Read and search beneficiaries in scope.
    ReadBeneficiaries,
    /// Register and change beneficiaries, record and withdraw consents.
    EditBeneficiaries,
    /// Read the audit trail (the admin: all of it; coordinators: their districts).
    ReadAudit,
    /// Read who accessed a beneficiary's data.
    ReadAccessLog,
    /// Read the network's services.
    ReadNetwork,
    /// Create and change network services (coordinators: of their districts only).
    ManageNetwork,
    /// Record services delivered within a case.
    RecordServices,
    /// Propose, send and follow referrals of the district's cases.
    SendReferrals,
    /// Answer the referrals sent to one's organisation.
    AnswerReferrals,
    /// Follow the referrals of one's districts by status, date and organisation, with the
    /// case's alias: no reason, no notes.
    FollowReferrals,
    /// Create, rotate and revoke partner systems' credentials.
    ManageServiceAccounts,
    /// Work grants of cases in scope.
    ManageWorkGrants,
    /// Case notes (each level read by its roles).
    UseNotes,
    /// The alerts of one's scope.
    ReadAlerts,
    /// Record activities of one's districts.
    RecordActivities,
    /// Read activities: one's districts, or all for the Region and the evaluators.
    ReadActivities,
    /// Territorial pacts: the Region, the admin, and coordinators for their district.
    ManagePacts,
    /// Targets per district and period.
    ManageTargets,
    /// The indicators report: exact for one's districts, suppressed for all districts.
    ReadReports,
    /// The pseudonymised research export.
    ExportResearch,
    /// A person's rights over their data: a copy of all of it (subject access), erasure.
    HonourDataRights,
    /// Ask for a person of another district to be transferred to one's own, follow and withdraw
    /// the request; answer it (coordinators of the district holding the record, see
    /// `crate::transfers::decide`).
    Transfers,
    /// Read a person of another district for a day, for an urgent protection need.
    EmergencyAccess,
}

pub fn allows(role: Role, capability: Capability) -> bool {
    use Capability::*;
    use Role::*;
    match capability {
        ManageUsers | ManageOrganizations | ManageDistricts => role == Admin,
        ReadOrganizations | ReadReferenceData => true,
        ReadCases => matches!(role, DistrictCoordinator | CaseWorker | LegalAdvisor | OutreachWorker),
        RecordInterceptions => matches!(role, DistrictCoordinator | CaseWorker | OutreachWorker),
        EditCases | ReadBeneficiaries | EditBeneficiaries => {
            matches!(role, DistrictCoordinator | CaseWorker | LegalAdvisor)
        }
        TransitionCases => matches!(role, DistrictCoordinator | CaseWorker),
        CoordinateCases | ReadAccessLog | HonourDataRights | EmergencyAccess => role == DistrictCoordinator,
        Transfers => matches!(role, DistrictCoordinator | CaseWorker),
        ReadAudit => matches!(role, Admin | DistrictCoordinator),
        ReadNetwork => matches!(
            role,
            Admin | DistrictCoordinator | CaseWorker | LegalAdvisor | NetworkManager | OutreachWorker | Partner
        ),
        ManageNetwork => matches!(role, Admin | DistrictCoordinator | NetworkManager),
        RecordServices => matches!(role, DistrictCoordinator | CaseWorker | LegalAdvisor | Partner),
        SendReferrals | ManageWorkGrants => matches!(role, DistrictCoordinator | CaseWorker),
        AnswerReferrals => role == Partner,
        FollowReferrals => matches!(role, DistrictCoordinator | NetworkManager),
        ManageServiceAccounts => role == Admin,
        UseNotes | ReadAlerts => matches!(role, DistrictCoordinator | CaseWorker | LegalAdvisor),
        RecordActivities => {
            matches!(role, DistrictCoordinator | CaseWorker | LegalAdvisor | NetworkManager | OutreachWorker)
        }
        ReadActivities => matches!(
            role,
            DistrictCoordinator
                | CaseWorker
                | LegalAdvisor
                | NetworkManager
                | OutreachWorker
                | RegionalCoordinator
                | Evaluator
        ),
        ReadReports => {
            matches!(
                role,
                DistrictCoordinator | CaseWorker | LegalAdvisor | OutreachWorker | RegionalCoordinator | Evaluator
            )
        }
        ManagePacts => matches!(role, Admin | RegionalCoordinator | DistrictCoordinator | NetworkManager),
        ManageTargets => matches!(role, Admin | RegionalCoordinator),
        ExportResearch => matches!(role, RegionalCoordinator | Evaluator),
    }
}

/// Which cases (and through them, which beneficiaries) a caller may see.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CaseScope {
    /// Every case of these districts.
    Districts(Vec<DistrictCode>),
    /// Only the interceptions this user recorded (outreach workers).
    RecordedBy(Uuid),
}

impl CaseScope {
    /// The scope of a caller's role, or `None` when the role sees no case at all.
    pub fn of(role: Role, user_id: Uuid, districts: &[DistrictCode]) -> Option<CaseScope> {
        match role {
            Role::DistrictCoordinator | Role::CaseWorker | Role::LegalAdvisor => {
                Some(CaseScope::Districts(districts.to_vec()))
            }
            Role::OutreachWorker => Some(CaseScope::RecordedBy(user_id)),
            Role::Admin | Role::RegionalCoordinator | Role::Evaluator | Role::NetworkManager | Role::Partner => None,
        }
    }

    pub fn covers(&self, district: &DistrictCode, recorded_by: Uuid) -> bool {
        match self {
            CaseScope::Districts(districts) => districts.contains(district),
            CaseScope::RecordedBy(user) => *user == recorded_by,
        }
    }
}

/// Whether a role reads figures of every district (with small counts suppressed) rather than
/// of its own districts (exact).
pub fn sees_all_districts(role: Role) -> bool {
    matches!(role, Role::RegionalCoordinator | Role::Evaluator)
}

/// Whether a role sees the whole case, or only the outreach view (alias, channel, status).
pub fn sees_full_case(role: Role) -> bool {
    matches!(role, Role::DistrictCoordinator | Role::CaseWorker | Role::LegalAdvisor)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Vocabulary;

    #[test]
    fn only_the_admin_manages_accounts() {
        for role in Role::ALL.iter().copied() {
            assert_eq!(allows(role, Capability::ManageUsers), role == Role::Admin, "{role}");
            assert_eq!(allows(role, Capability::ManageOrganizations), role == Role::Admin, "{role}");
            assert!(allows(role, Capability::ReadReferenceData));
            assert!(allows(role, Capability::ReadOrganizations));
        }
    }

    #[test]
    fn the_network_manager_works_the_network_and_reaches_no_case() {
        use Capability::*;
        let role = Role::NetworkManager;
        for allowed in [ReadNetwork, ManageNetwork, ManagePacts, RecordActivities, ReadActivities, FollowReferrals] {
            assert!(allows(role, allowed), "{allowed:?}");
        }
        for refused in [ReadReports, ExportResearch, ReadAlerts, UseNotes, ReadAudit, SendReferrals, RecordServices] {
            assert!(!allows(role, refused), "{refused:?}");
        }
        assert_eq!(role.scope(), crate::users::RoleScope::Districts);
    }

    #[test]
    fn aggregate_roles_never_reach_personal_data() {
        use Capability::*;
        for role in [Role::Admin, Role::RegionalCoordinator, Role::Evaluator, Role::NetworkManager] {
            for capability in [
                ReadCases,
                RecordInterceptions,
                EditCases,
                TransitionCases,
                CoordinateCases,
                ReadBeneficiaries,
                EditBeneficiaries,
                ReadAccessLog,
                Transfers,
                EmergencyAccess,
            ] {
                assert!(!allows(role, capability), "{role} {capability:?}");
            }
            assert_eq!(CaseScope::of(role, Uuid::nil(), &[]), None);
        }
    }

    #[test]
    fn outreach_workers_record_and_see_only_their_interceptions() {
        let me = Uuid::from_u128(1);
        let milano = DistrictCode::from_trusted("milano".into());
        assert!(allows(Role::OutreachWorker, Capability::RecordInterceptions));
        assert!(!allows(Role::OutreachWorker, Capability::ReadBeneficiaries));
        assert!(!sees_full_case(Role::OutreachWorker));
        let scope = CaseScope::of(Role::OutreachWorker, me, std::slice::from_ref(&milano)).unwrap();
        assert!(scope.covers(&milano, me));
        assert!(!scope.covers(&milano, Uuid::from_u128(2)));
    }

    #[test]
    fn district_roles_see_their_districts() {
        let milano = DistrictCode::from_trusted("milano".into());
        let lecco = DistrictCode::from_trusted("lecco".into());
        let scope = CaseScope::of(Role::CaseWorker, Uuid::nil(), std::slice::from_ref(&milano)).unwrap();
        assert!(scope.covers(&milano, Uuid::from_u128(9)));
        assert!(!scope.covers(&lecco, Uuid::nil()));
        assert!(allows(Role::DistrictCoordinator, Capability::CoordinateCases));
        assert!(!allows(Role::CaseWorker, Capability::CoordinateCases));
        assert!(!allows(Role::LegalAdvisor, Capability::TransitionCases));
    }
}
