//! Who asks: an authenticated user or partner system, what its role allows, the cases its scope
//! covers, and the audit entries its accesses write.

use chrono::{DateTime, Utc};
use domain::Vocabulary;
use domain::access::{Capability, CaseScope, TokenScope, allows, sees_full_case};
use domain::audit::{AuditAction, AuditEntry, AuditReason, ListedSubject};
use domain::districts::DistrictCode;
use domain::users::Role;
use uuid::Uuid;

use crate::error::{Error, Result};

/// The authenticated user of a request, and the request's id (for the audit trail).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    pub user_id: Uuid,
    pub role: Role,
    pub organization_id: Uuid,
    pub districts: Vec<DistrictCode>,
    pub request_id: Option<String>,
    /// `Some` for partner systems: what their token allows. Users have every right of their role.
    pub scopes: Option<Vec<TokenScope>>,
    /// The user's session the token belongs to (`None` for partner systems).
    pub session_id: Option<Uuid>,
}

impl Actor {
    /// The machine itself: the command line, run by whoever administers the host and holds
    /// the database. No user (the nil id, as in its audit entries), the role the work needs,
    /// the Region's organisation.
    pub fn machine(role: Role, organization_id: Uuid, request_id: &str) -> Actor {
        Actor {
            user_id: Uuid::nil(),
            role,
            organization_id,
            districts: Vec::new(),
            request_id: Some(request_id.to_string()),
            scopes: None,
            session_id: None,
        }
    }

    /// Refused unless the caller is a user, or a partner system holding the scope.
    pub fn require_scope(&self, scope: TokenScope) -> Result<()> {
        match &self.scopes {
            Some(scopes) if !scopes.contains(&scope) => {
                Err(Error::forbidden_because(format!("the token lacks the scope {}", scope.code())))
            }
            _ => Ok(()),
        }
    }

    /// Refused unless the caller's role has the capability.
    pub fn require(&self, capability: Capability) -> Result<()> {
        if allows(self.role, capability) { Ok(()) } else { Err(Error::forbidden()) }
    }

    /// Refused for roles that see only the interception view of a case.
    pub fn require_full_view(&self) -> Result<()> {
        if sees_full_case(self.role) { Ok(()) } else { Err(Error::forbidden()) }
    }

    /// The cases the caller may see; refused for roles that see none.
    pub fn case_scope(&self) -> Result<CaseScope> {
        CaseScope::of(self.role, self.user_id, &self.districts).ok_or_else(Error::forbidden)
    }

    /// An audit entry for an access by this caller.
    pub fn audit(
        &self,
        at: DateTime<Utc>,
        action: AuditAction,
        district: &DistrictCode,
        beneficiary_id: Option<Uuid>,
        case_id: Option<Uuid>,
    ) -> AuditEntry {
        AuditEntry { district: Some(district.clone()), beneficiary_id, case_id, ..self.access(at, action) }
    }

    /// An audit entry for a decision by this caller that needs a reason: setting a rule aside,
    /// disclosing or erasing data (the reason salted, see [`salted_reason`]).
    pub fn audit_because(
        &self,
        at: DateTime<Utc>,
        action: AuditAction,
        district: &DistrictCode,
        subject: (Option<Uuid>, Option<Uuid>),
        reason: &str,
    ) -> AuditEntry {
        let (beneficiary_id, case_id) = subject;
        AuditEntry { reason: Some(salted_reason(reason)), ..self.audit(at, action, district, beneficiary_id, case_id) }
    }

    /// The audit entries of a page of a list or search by this caller: one per district the
    /// page showed, naming the people (and the cases) it showed there.
    pub fn audit_page(
        &self,
        at: DateTime<Utc>,
        shown: impl IntoIterator<Item = (DistrictCode, ListedSubject)>,
    ) -> Vec<AuditEntry> {
        AuditEntry::for_page(&self.access(at, AuditAction::List), shown)
    }

    /// Who accessed, when and how, naming nobody yet.
    fn access(&self, at: DateTime<Utc>, action: AuditAction) -> AuditEntry {
        AuditEntry {
            at,
            actor_id: self.user_id,
            actor_role: self.role,
            action,
            district: None,
            beneficiary_id: None,
            case_id: None,
            listed: Vec::new(),
            request_id: self.request_id.clone(),
            reason: None,
        }
    }
}

/// A reason for an audit entry, salted here with fresh randomness so that its digest in the
/// chain cannot be matched against guessed texts once the text is erased.
pub(crate) fn salted_reason(text: &str) -> AuditReason {
    let mut salt = [0u8; 16];
    crate::random::fill(&mut salt);
    AuditReason::new(text, &salt)
}
