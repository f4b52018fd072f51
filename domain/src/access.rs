//! The access policy: which role may use which capability. Scopes (districts, organisation,
//! own interceptions) narrow what a permitted caller then sees.

use crate::users::Role;

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
}

pub fn allows(role: Role, capability: Capability) -> bool {
    use Capability::*;
    match capability {
        ManageUsers | ManageOrganizations => role == Role::Admin,
        ReadOrganizations | ReadReferenceData => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vocabulary::Vocabulary;

    #[test]
    fn only_the_admin_manages_accounts() {
        for role in Role::ALL.iter().copied() {
            assert_eq!(allows(role, Capability::ManageUsers), role == Role::Admin, "{role}");
            assert_eq!(allows(role, Capability::ManageOrganizations), role == Role::Admin, "{role}");
            assert!(allows(role, Capability::ReadReferenceData));
            assert!(allows(role, Capability::ReadOrganizations));
        }
    }
}
