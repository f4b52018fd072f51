//! Case notes: free text with a confidentiality level, append-only (a correction is a new note
//! that points at the one it corrects).

use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::users::Role;
use crate::vocabulary;

vocabulary! {
    pub enum Confidentiality as "note_confidentiality" {
        /// The PUA team of the case.
        Team => ("team", "Équipe", "Team"),
        /// Legal advisors and coordinators.
        Legal => ("legal", "Riservata legale", "Legal only"),
        /// Coordinators only.
        Coordinators => ("coordinators", "Solo coordinamento", "Coordinators only"),
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Note {
    pub id: Uuid,
    pub case_id: Uuid,
    pub body: String,
    pub confidentiality: Confidentiality,
    pub corrects: Option<Uuid>,
    pub author_id: Uuid,
    pub author_role: Role,
    pub created_at: DateTime<Utc>,
}

pub const NOTE_MAX_CHARS: usize = 8000;

/// Whether a role reads (and writes) notes of a level.
pub fn may_read(role: Role, level: Confidentiality) -> bool {
    match level {
        Confidentiality::Team => matches!(role, Role::DistrictCoordinator | Role::CaseWorker | Role::LegalAdvisor),
        Confidentiality::Legal => matches!(role, Role::DistrictCoordinator | Role::LegalAdvisor),
        Confidentiality::Coordinators => role == Role::DistrictCoordinator,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Vocabulary;

    #[test]
    fn each_level_is_read_only_by_its_roles() {
        let readers = |level| Role::ALL.iter().copied().filter(|r| may_read(*r, level)).collect::<Vec<_>>();
        assert_eq!(readers(Confidentiality::Team), [Role::DistrictCoordinator, Role::CaseWorker, Role::LegalAdvisor]);
        assert_eq!(readers(Confidentiality::Legal), [Role::DistrictCoordinator, Role::LegalAdvisor]);
        assert_eq!(readers(Confidentiality::Coordinators), [Role::DistrictCoordinator]);
    }
}
