//! Users (operatori): roles, e-mail addresses, passwords, and how a role relates to districts.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::districts::DistrictCode;
use crate::validation::{Email, Violation, Violations, check_label};
use crate::vocabulary;

/// A person who logs in (operatore).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    pub id: Uuid,
    pub email: Email,
    pub display_name: String,
    pub role: Role,
    pub organization_id: Uuid,
    /// Sorted; empty unless the role works within districts.
    pub districts: Vec<DistrictCode>,
    pub active: bool,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

vocabulary! {
    /// What a user may do and see (ruolo). One role per user.
    pub enum Role as "roles" {
        /// Manages accounts and configuration; never sees personal data.
        Admin => ("admin", "Amministratore di sistema", "System administrator"),
        /// Region and ANCI: aggregated figures for every district, targets, pacts.
        RegionalCoordinator => ("regional_coordinator", "Coordinatore regionale", "Regional coordinator"),
        /// The university: aggregated figures and pseudonymised exports.
        Evaluator => ("evaluator", "Valutatore", "Evaluator"),
        /// Leads a district's PUA: every case of its districts.
        DistrictCoordinator => ("district_coordinator", "Coordinatore d'ambito", "District coordinator"),
        /// Job tutor and PUA operators: cases of its districts.
        CaseWorker => ("case_worker", "Tutor lavorativo / operatore PUA", "Case worker (job tutor)"),
        /// Legal advisor: cases of its districts, legal procedures and legal notes.
        LegalAdvisor => ("legal_advisor", "Consulente legale", "Legal advisor"),
        /// Network manager: the district's network services, territorial pacts and activities,
        /// and its referrals followed by status and date; no other personal data.
        NetworkManager => ("network_manager", "Network manager", "Network manager"),
        /// Street units, anti-trafficking desk, formal antennas: the interceptions it recorded.
        OutreachWorker => ("outreach_worker", "Operatore di outreach", "Outreach worker"),
        /// A partner organisation (ETS): what is referred to it, on a need-to-know basis.
        Partner => ("partner", "Ente partner (ETS)", "Partner organisation"),
    }
}

/// How a role's view of the data is bounded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RoleScope {
    /// Sees no personal data; figures for every district where its role allows figures.
    Programme,
    /// Bounded by the districts listed on the user (at least one).
    Districts,
    /// Bounded by the user's organisation (partners).
    Organization,
}

impl Role {
    pub fn scope(self) -> RoleScope {
        match self {
            Role::Admin | Role::RegionalCoordinator | Role::Evaluator => RoleScope::Programme,
            Role::DistrictCoordinator
            | Role::CaseWorker
            | Role::LegalAdvisor
            | Role::NetworkManager
            | Role::OutreachWorker => RoleScope::Districts,
            Role::Partner => RoleScope::Organization,
        }
    }
}

/// The smallest and largest accepted password lengths, in characters.
pub const PASSWORD_MIN_CHARS: usize = 12;
pub const PASSWORD_MAX_CHARS: usize = 256;
pub const DISPLAY_NAME_MAX_CHARS: usize = 120;

/// Checks a new password against the policy. It is never stored or echoed.
pub fn check_password(field: &str, password: &str) -> Result<(), Violation> {
    let chars = password.chars().count();
    if chars < PASSWORD_MIN_CHARS {
        return Err(Violation::new(field, "too_short", format!("must be at least {PASSWORD_MIN_CHARS} characters")));
    }
    if chars > PASSWORD_MAX_CHARS {
        return Err(Violation::new(field, "too_long", format!("must be at most {PASSWORD_MAX_CHARS} characters")));
    }
    if password.chars().any(char::is_control) {
        return Err(Violation::new(field, "invalid_character", "must not contain control characters"));
    }
    let mut distinct: Vec<char> = password.chars().collect();
    distinct.sort_unstable();
    distinct.dedup();
    if distinct.len() < 5 {
        return Err(Violation::new(field, "too_weak", "must use at least 5 different characters"));
    }
    Ok(())
}

/// A display name: trimmed, non-empty, bounded, printable.
pub fn check_display_name(field: &str, raw: &str) -> Result<String, Violation> {
    check_label(field, raw, DISPLAY_NAME_MAX_CHARS)
}

/// Whether a change of an account by `actor` would lock the actor out: nobody deactivates or
/// demotes their own account, so an administrator always remains.
pub fn locks_out_self(actor: Uuid, account: Uuid, active: Option<bool>, role: Option<Role>) -> bool {
    actor == account && (active == Some(false) || role.is_some_and(|role| role != Role::Admin))
}

/// A role's districts must fit its scope: district roles need at least one, other roles none.
pub fn check_role_districts(role: Role, districts: &[DistrictCode]) -> Result<(), Violations> {
    let mut violations = Violations::new();
    match role.scope() {
        RoleScope::Districts if districts.is_empty() => violations.add(
            "districts",
            "required",
            format!("the role {role} works within districts: give at least one"),
        ),
        RoleScope::Programme | RoleScope::Organization if !districts.is_empty() => violations.add(
            "districts",
            "not_allowed",
            format!("the role {role} is not bound to districts: leave the list empty"),
        ),
        _ => {}
    }
    violations.finish(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vocabulary::Vocabulary;

    #[test]
    fn password_policy() {
        assert!(check_password("password", "correct horse battery").is_ok());
        assert_eq!(check_password("password", "short1!").unwrap_err().code, "too_short");
        assert_eq!(check_password("password", "aaaaaaaaaaaaaaaa").unwrap_err().code, "too_weak");
        assert_eq!(check_password("password", &"ab1!Z".repeat(60)).unwrap_err().code, "too_long");
        assert_eq!(check_password("password", "abcdefghijk\u{0}l").unwrap_err().code, "invalid_character");
    }

    #[test]
    fn labels_are_trimmed_and_bounded() {
        assert_eq!(check_display_name("name", "  Anna  ").unwrap(), "Anna");
        assert_eq!(check_display_name("name", "   ").unwrap_err().code, "required");
        assert_eq!(check_display_name("name", &"x".repeat(121)).unwrap_err().code, "too_long");
        assert_eq!(check_display_name("name", "a\nb").unwrap_err().code, "invalid_character");
    }

    #[test]
    fn district_roles_need_districts_and_others_refuse_them() {
        let milano = vec![DistrictCode::parse("districts[0]", "milano").unwrap()];
        for role in Role::ALL.iter().copied() {
            let with = check_role_districts(role, &milano);
            let without = check_role_districts(role, &[]);
            match role.scope() {
                RoleScope::Districts => {
                    assert!(with.is_ok(), "{role}");
                    assert_eq!(without.unwrap_err().as_slice()[0].code, "required");
                }
                _ => {
                    assert!(without.is_ok(), "{role}");
                    assert_eq!(with.unwrap_err().as_slice()[0].code, "not_allowed");
                }
            }
        }
    }
}
