//! Referrals (invii): a case sent to a network organisation, and the need-to-know access of
//! that organisation while the referral stands.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::districts::DistrictCode;
use crate::organizations::OrganizationKind;
use crate::services::ServiceCategory;
use crate::users::Role;
use crate::vocabulary;

vocabulary! {
    pub enum ReferralStatus as "referral_statuses" {
        Proposed => ("proposed", "Proposto", "Proposed"),
        Sent => ("sent", "Inviato", "Sent"),
        Accepted => ("accepted", "Accettato", "Accepted"),
        Declined => ("declined", "Rifiutato", "Declined"),
        Completed => ("completed", "Concluso", "Completed"),
        Failed => ("failed", "Non riuscito", "Failed"),
        Revoked => ("revoked", "Revocato", "Revoked"),
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Referral {
    pub id: Uuid,
    pub case_id: Uuid,
    /// The district of the case: the sending PUA.
    pub district: DistrictCode,
    pub to_organization_id: Uuid,
    pub network_service_id: Option<Uuid>,
    pub category: ServiceCategory,
    pub reason: String,
    /// Presa in carico congiunta.
    pub joint_intake: bool,
    pub status: ReferralStatus,
    /// A coordinator sent it without the data-sharing consent, for this reason.
    pub consent_override_reason: Option<String>,
    pub created_by: Uuid,
    pub created_at: DateTime<Utc>,
    pub sent_at: Option<DateTime<Utc>>,
    pub version: i32,
    pub updated_at: DateTime<Utc>,
}

/// Which side of a referral a caller is on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    /// The PUA team of the case's district.
    Sender,
    /// The organisation it was sent to.
    Receiver,
}

impl ReferralStatus {
    pub fn is_open(self) -> bool {
        matches!(self, ReferralStatus::Proposed | ReferralStatus::Sent | ReferralStatus::Accepted)
    }
}

/// The statuses reachable from a status.
pub fn next_statuses(from: ReferralStatus) -> &'static [ReferralStatus] {
    use ReferralStatus::*;
    match from {
        Proposed => &[Sent, Revoked],
        Sent => &[Accepted, Declined, Revoked],
        Accepted => &[Completed, Failed, Revoked],
        Declined | Completed | Failed | Revoked => &[],
    }
}

/// Who may move a referral. The sender proposes, sends and revokes, and may record the
/// receiver's answers on its behalf (many partners work on paper); the receiver answers and
/// moves its referral forward.
pub fn side_may(side: Side, from: ReferralStatus, to: ReferralStatus) -> bool {
    use ReferralStatus::*;
    match side {
        Side::Sender => next_statuses(from).contains(&to),
        Side::Receiver => {
            matches!((from, to), (Sent, Accepted) | (Sent, Declined) | (Accepted, Completed) | (Accepted, Failed))
        }
    }
}

/// Who on the sending side may move referrals; sending without consent is for coordinators.
pub fn sender_role(role: Role) -> bool {
    matches!(role, Role::DistrictCoordinator | Role::CaseWorker)
}

/// What the receiving organisation may see.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PartnerView {
    /// Not yet sent: nothing.
    Nothing,
    /// Sent: the referral itself, to decide.
    Header,
    /// Accepted: the case's minimum data; `sensitive` adds what a joint intake with an
    /// anti-trafficking body needs (indicators, citizenship, permit, legal procedures, notes).
    Case { sensitive: bool },
    /// Ended (declined, completed, failed, revoked): the referral and its own actions only.
    History,
}

pub fn partner_view(status: ReferralStatus, joint_intake: bool, receiver: OrganizationKind) -> PartnerView {
    match status {
        ReferralStatus::Proposed => PartnerView::Nothing,
        ReferralStatus::Sent => PartnerView::Header,
        ReferralStatus::Accepted => {
            PartnerView::Case { sensitive: joint_intake && receiver == OrganizationKind::AntiTrafficking }
        }
        ReferralStatus::Declined | ReferralStatus::Completed | ReferralStatus::Failed | ReferralStatus::Revoked => {
            PartnerView::History
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Vocabulary;

    #[test]
    fn every_transition_by_side() {
        use ReferralStatus::*;
        let sender_only = [(Proposed, Sent), (Proposed, Revoked), (Sent, Revoked), (Accepted, Revoked)];
        let both = [(Sent, Accepted), (Sent, Declined), (Accepted, Completed), (Accepted, Failed)];
        for from in ReferralStatus::ALL.iter().copied() {
            for to in ReferralStatus::ALL.iter().copied() {
                let sender = side_may(Side::Sender, from, to);
                let receiver = side_may(Side::Receiver, from, to);
                let pair = (from, to);
                assert_eq!(sender, sender_only.contains(&pair) || both.contains(&pair), "{from} -> {to}");
                assert_eq!(receiver, both.contains(&pair), "{from} -> {to}");
            }
        }
    }

    #[test]
    fn the_partner_sees_what_the_status_allows() {
        use ReferralStatus::*;
        let ets = OrganizationKind::Ets;
        let anti = OrganizationKind::AntiTrafficking;
        assert_eq!(partner_view(Proposed, false, ets), PartnerView::Nothing);
        assert_eq!(partner_view(Sent, true, anti), PartnerView::Header);
        assert_eq!(partner_view(Accepted, false, ets), PartnerView::Case { sensitive: false });
        assert_eq!(partner_view(Accepted, true, ets), PartnerView::Case { sensitive: false });
        assert_eq!(partner_view(Accepted, false, anti), PartnerView::Case { sensitive: false });
        assert_eq!(partner_view(Accepted, true, anti), PartnerView::Case { sensitive: true });
        for ended in [Declined, Completed, Failed, Revoked] {
            assert_eq!(partner_view(ended, true, anti), PartnerView::History);
            assert!(!ended.is_open());
        }
    }
}
