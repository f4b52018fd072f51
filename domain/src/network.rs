//! The network (la Rete): services that organisations offer, described with Open Referral HSDS
//! field names where one exists.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::districts::DistrictCode;
use crate::services::ServiceCategory;
use crate::users::Role;
use crate::vocabulary;

vocabulary! {
    /// HSDS `service.status`.
    pub enum NetworkServiceStatus as "network_service_statuses" {
        Active => ("active", "Attivo", "Active"),
        Inactive => ("inactive", "Non attivo", "Inactive"),
        TemporarilyClosed => ("temporarily_closed", "Temporaneamente chiuso", "Temporarily closed"),
    }
}

/// HSDS `address`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Address {
    pub address_1: Option<String>,
    pub city: Option<String>,
    pub postal_code: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NetworkService {
    pub id: Uuid,
    pub organization_id: Uuid,
    pub name: String,
    pub description: Option<String>,
    pub categories: Vec<ServiceCategory>,
    /// HSDS `service_areas`: the districts served.
    pub service_areas: Vec<DistrictCode>,
    /// ISO 639-1.
    pub languages: Vec<String>,
    pub eligibility_description: Option<String>,
    /// HSDS `required_documents[].document`.
    pub required_documents: Vec<String>,
    pub address: Address,
    pub email: Option<String>,
    pub url: Option<String>,
    /// HSDS `phones[].number`.
    pub phone: Option<String>,
    /// HSDS `schedules[].description`: opening hours as people say them.
    pub schedule_description: Option<String>,
    pub status: NetworkServiceStatus,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// The admin manages every service; a district coordinator those that serve only its districts.
pub fn may_manage(role: Role, own_districts: &[DistrictCode], service_areas: &[DistrictCode]) -> bool {
    match role {
        Role::Admin => true,
        Role::DistrictCoordinator => {
            !service_areas.is_empty() && service_areas.iter().all(|d| own_districts.contains(d))
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn coordinators_manage_services_within_their_districts() {
        let milano = DistrictCode::from_trusted("milano".into());
        let desio = DistrictCode::from_trusted("desio".into());
        let own = std::slice::from_ref(&milano);
        assert!(may_manage(Role::Admin, &[], std::slice::from_ref(&desio)));
        assert!(may_manage(Role::DistrictCoordinator, own, std::slice::from_ref(&milano)));
        assert!(!may_manage(Role::DistrictCoordinator, own, &[milano.clone(), desio.clone()]));
        assert!(!may_manage(Role::DistrictCoordinator, own, &[]));
        assert!(!may_manage(Role::CaseWorker, own, std::slice::from_ref(&milano)));
    }
}
