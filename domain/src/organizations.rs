//! Organisations (enti): the Region, ANCI, the university, municipal services, ETS partners,
//! anti-trafficking bodies and public services.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::districts::DistrictCode;
use crate::vocabulary;

/// An organisation (ente) of the programme or of a district's network.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Organization {
    pub id: Uuid,
    pub name: String,
    pub kind: OrganizationKind,
    /// Where it is based; work grants are tied to the funder's municipality.
    pub municipality: Option<String>,
    /// The districts it works in (sorted).
    pub districts: Vec<DistrictCode>,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// The key under which organisation names are unique: case and spacing do not distinguish.
pub fn name_key(name: &str) -> String {
    name.split_whitespace().collect::<Vec<_>>().join(" ").to_lowercase()
}

vocabulary! {
    /// What an organisation is within the programme.
    pub enum OrganizationKind as "organization_kinds" {
        Region => ("region", "Regione", "Region"),
        Coordination => ("coordination", "Coordinamento (ANCI)", "Coordination (ANCI)"),
        University => ("university", "Università (valutazione)", "University (evaluation)"),
        MunicipalService => ("municipal_service", "Servizio comunale", "Municipal service"),
        Ets => ("ets", "Ente del Terzo Settore (ETS)", "Third-sector organisation (ETS)"),
        AntiTrafficking => ("anti_trafficking", "Ente anti-tratta", "Anti-trafficking body"),
        PublicService => ("public_service", "Servizio pubblico", "Public service"),
    }
}

/// Whether an organisation of this kind may act as a partner (receive referrals through a
/// partner system): the programme's own bodies do not.
pub fn acts_as_partner(kind: OrganizationKind) -> bool {
    !matches!(kind, OrganizationKind::Region | OrganizationKind::Coordination | OrganizationKind::University)
}

pub const ORGANIZATION_NAME_MAX_CHARS: usize = 200;
pub const MUNICIPALITY_MAX_CHARS: usize = 120;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_differing_in_case_or_spacing_share_a_key() {
        assert_eq!(name_key("  Fondazione   AVSI "), "fondazione avsi");
        assert_eq!(name_key("UNIVERSITÀ Bicocca"), name_key("università bicocca"));
    }
}
