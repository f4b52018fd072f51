//! The network (la Rete): services that organisations offer, described with Open Referral HSDS
//! field names where one exists.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::beneficiaries::check_phone;
use crate::districts::{DistrictCode, parse_district_list};
use crate::iso::parse_language;
use crate::services::ServiceCategory;
use crate::users::Role;
use crate::validation::{Email, Violations, check_label};
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

/// A service as submitted, before validation. Writes send every field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceDraft {
    pub organization_id: Uuid,
    pub name: String,
    pub description: Option<String>,
    pub categories: Vec<ServiceCategory>,
    /// District codes, as given.
    pub service_areas: Vec<String>,
    pub languages: Vec<String>,
    pub eligibility_description: Option<String>,
    pub required_documents: Vec<String>,
    pub address: Address,
    pub email: Option<String>,
    pub url: Option<String>,
    pub phone: Option<String>,
    pub schedule_description: Option<String>,
    pub status: NetworkServiceStatus,
}

/// What is recorded of a service, validated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceData {
    pub organization_id: Uuid,
    pub name: String,
    pub description: Option<String>,
    pub categories: Vec<ServiceCategory>,
    pub service_areas: Vec<DistrictCode>,
    pub languages: Vec<String>,
    pub eligibility_description: Option<String>,
    pub required_documents: Vec<String>,
    pub address: Address,
    pub email: Option<String>,
    pub url: Option<String>,
    pub phone: Option<String>,
    pub schedule_description: Option<String>,
    pub status: NetworkServiceStatus,
}

impl From<NetworkService> for ServiceData {
    fn from(s: NetworkService) -> Self {
        ServiceData {
            organization_id: s.organization_id,
            name: s.name,
            description: s.description,
            categories: s.categories,
            service_areas: s.service_areas,
            languages: s.languages,
            eligibility_description: s.eligibility_description,
            required_documents: s.required_documents,
            address: s.address,
            email: s.email,
            url: s.url,
            phone: s.phone,
            schedule_description: s.schedule_description,
            status: s.status,
        }
    }
}

/// Checks a service: bounded, printable texts, known districts and languages, an e-mail
/// address, a web address, a phone number.
pub fn check_service(draft: ServiceDraft, known_districts: &[DistrictCode]) -> Result<ServiceData, Violations> {
    let mut v = Violations::new();
    let name = v.check(check_label("name", &draft.name, 200));
    let optional = |v: &mut Violations, field: &str, value: Option<String>, max: usize| {
        value.filter(|s| !s.trim().is_empty()).and_then(|s| v.check(check_label(field, &s, max)))
    };
    let description = draft.description.filter(|d| !d.trim().is_empty()).map(|d| d.trim().to_string());
    if description.as_ref().is_some_and(|d| d.chars().count() > 4000) {
        v.add("description", "too_long", "must be at most 4000 characters");
    }
    let mut categories = draft.categories;
    categories.sort();
    categories.dedup();
    let areas = v.take(parse_district_list("service_areas", &draft.service_areas, known_districts));
    let mut languages: Vec<String> = draft
        .languages
        .iter()
        .enumerate()
        .filter_map(|(i, l)| v.check(parse_language(&format!("languages[{i}]"), l)))
        .collect();
    languages.sort();
    languages.dedup();
    let eligibility_description = optional(&mut v, "eligibility_description", draft.eligibility_description, 2000);
    let required_documents: Vec<String> = draft
        .required_documents
        .iter()
        .enumerate()
        .filter_map(|(i, d)| v.check(check_label(&format!("required_documents[{i}]"), d, 200)))
        .collect();
    let address = Address {
        address_1: optional(&mut v, "address.address_1", draft.address.address_1, 200),
        city: optional(&mut v, "address.city", draft.address.city, 120),
        postal_code: optional(&mut v, "address.postal_code", draft.address.postal_code, 20),
    };
    let email = draft
        .email
        .filter(|e| !e.trim().is_empty())
        .and_then(|e| v.check(Email::parse("email", &e)))
        .map(Email::into_string);
    let url = optional(&mut v, "url", draft.url, 500);
    if url.as_ref().is_some_and(|u| !(u.starts_with("https://") || u.starts_with("http://"))) {
        v.add("url", "invalid_url", "must start with https:// or http://");
    }
    let phone = draft.phone.filter(|p| !p.trim().is_empty()).and_then(|p| v.check(check_phone("phone", &p)));
    let schedule_description = optional(&mut v, "schedule_description", draft.schedule_description, 500);
    let (Some(name), Some(service_areas), true) = (name, areas, v.is_empty()) else {
        return Err(v);
    };
    Ok(ServiceData {
        organization_id: draft.organization_id,
        name,
        description,
        categories,
        service_areas,
        languages,
        eligibility_description,
        required_documents,
        address,
        email,
        url,
        phone,
        schedule_description,
        status: draft.status,
    })
}

/// The admin manages every service; a district coordinator those that serve only its districts.
pub fn may_manage(role: Role, own_districts: &[DistrictCode], service_areas: &[DistrictCode]) -> bool {
    match role {
        Role::Admin => true,
        Role::DistrictCoordinator | Role::NetworkManager => {
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
