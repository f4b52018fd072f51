//! Work grants (borse lavoro): paid work placements funded by a municipality (CeLav in Milan)
//! for people resident there and taken in charge.

use chrono::{DateTime, NaiveDate, Utc};
use uuid::Uuid;

use crate::beneficiaries::fold;
use crate::cases::CaseStatus;
use crate::users::Role;
use crate::validation::Violations;
use crate::vocabulary;

vocabulary! {
    pub enum GrantStatus as "work_grant_statuses" {
        Proposed => ("proposed", "Proposta", "Proposed"),
        Approved => ("approved", "Approvata", "Approved"),
        Active => ("active", "In corso", "Active"),
        Completed => ("completed", "Conclusa", "Completed"),
        Terminated => ("terminated", "Interrotta", "Terminated"),
    }
}

vocabulary! {
    /// A rule a grant must meet; a refusal names the ones it breaks.
    pub enum GrantRule as "work_grant_rules" {
        CaseNotInCharge => ("case_not_in_charge", "Il percorso non è in carico", "The case is not taken in charge"),
        ResidenceUnknown => ("residence_unknown", "Comune di residenza non registrato", "Municipality of residence not recorded"),
        FunderWithoutMunicipality => ("funder_without_municipality", "L'ente finanziatore non ha un comune", "The funder has no municipality"),
        MunicipalityMismatch => ("municipality_mismatch", "Non residente nel comune del finanziatore", "Not resident in the funder's municipality"),
        OverlappingGrant => ("overlapping_grant", "Un'altra borsa copre lo stesso periodo", "Another grant covers the same period"),
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkGrant {
    pub id: Uuid,
    pub case_id: Uuid,
    pub funder_organization_id: Uuid,
    pub host_employer: String,
    pub start_on: NaiveDate,
    pub end_on: NaiveDate,
    pub monthly_amount_cents: i64,
    pub hours_per_week: i32,
    pub status: GrantStatus,
    pub approved_by: Option<Uuid>,
    pub created_by: Uuid,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl GrantStatus {
    /// Grants that hold a period: another may not overlap them.
    pub fn holds_period(self) -> bool {
        matches!(self, GrantStatus::Proposed | GrantStatus::Approved | GrantStatus::Active)
    }
}

/// What the eligibility of a grant depends on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GrantFacts<'a> {
    pub case_status: CaseStatus,
    pub residence: Option<&'a str>,
    pub funder_municipality: Option<&'a str>,
    pub start_on: NaiveDate,
    pub end_on: NaiveDate,
    /// The person's other grants that hold a period: `(start, end)`.
    pub other_grants: Vec<(NaiveDate, NaiveDate)>,
}

/// The rules a grant breaks (empty: eligible).
pub fn broken_rules(facts: &GrantFacts<'_>) -> Vec<GrantRule> {
    let mut broken = Vec::new();
    if facts.case_status != CaseStatus::TakenInCharge {
        broken.push(GrantRule::CaseNotInCharge);
    }
    match (facts.residence, facts.funder_municipality) {
        (None, _) => broken.push(GrantRule::ResidenceUnknown),
        (_, None) => broken.push(GrantRule::FunderWithoutMunicipality),
        (Some(residence), Some(funder)) if fold(residence) != fold(funder) => {
            broken.push(GrantRule::MunicipalityMismatch)
        }
        _ => {}
    }
    if facts.other_grants.iter().any(|(start, end)| *start <= facts.end_on && facts.start_on <= *end) {
        broken.push(GrantRule::OverlappingGrant);
    }
    broken
}

/// The statuses reachable from a status.
pub fn next_statuses(from: GrantStatus) -> &'static [GrantStatus] {
    use GrantStatus::*;
    match from {
        Proposed => &[Approved, Terminated],
        Approved => &[Active, Terminated],
        Active => &[Completed, Terminated],
        Completed | Terminated => &[],
    }
}

/// Why a grant cannot be moved.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MoveRefusal {
    /// The status is not reachable from the current one.
    NotReachable,
    /// The role may not make this move; says why.
    Forbidden(&'static str),
}

/// Whether `role` may move a grant from `from` to `to`: approval is the coordinator's.
pub fn may_move(role: Role, from: GrantStatus, to: GrantStatus) -> Result<(), MoveRefusal> {
    if !next_statuses(from).contains(&to) {
        return Err(MoveRefusal::NotReachable);
    }
    match (role, to) {
        (Role::DistrictCoordinator, _) => Ok(()),
        (Role::CaseWorker, GrantStatus::Approved) => {
            Err(MoveRefusal::Forbidden("only a district coordinator approves a work grant"))
        }
        (Role::CaseWorker, _) => Ok(()),
        _ => Err(MoveRefusal::Forbidden("only case workers and district coordinators manage work grants")),
    }
}

/// Amounts, hours and dates of a grant.
pub fn check_terms(
    start_on: NaiveDate,
    end_on: NaiveDate,
    monthly_amount_cents: i64,
    hours_per_week: i32,
) -> Result<(), Violations> {
    let mut v = Violations::new();
    if end_on < start_on {
        v.add("end_on", "before_start", "must not be before start_on");
    }
    if !(1..=1_000_000).contains(&monthly_amount_cents) {
        v.add("monthly_amount_cents", "out_of_range", "must be from 1 to 1000000 (10,000 euro)");
    }
    if !(1..=48).contains(&hours_per_week) {
        v.add("hours_per_week", "out_of_range", "must be from 1 to 48");
    }
    v.finish(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn facts() -> GrantFacts<'static> {
        GrantFacts {
            case_status: CaseStatus::TakenInCharge,
            residence: Some("Milano"),
            funder_municipality: Some("MILANO"),
            start_on: day("2026-04-01"),
            end_on: day("2026-09-30"),
            other_grants: vec![],
        }
    }

    #[test]
    fn a_resident_taken_in_charge_without_other_grants_is_eligible() {
        assert_eq!(broken_rules(&facts()), vec![]);
    }

    #[test]
    fn each_rule_is_named() {
        assert_eq!(
            broken_rules(&GrantFacts { case_status: CaseStatus::Screening, ..facts() }),
            [GrantRule::CaseNotInCharge]
        );
        assert_eq!(
            broken_rules(&GrantFacts { residence: Some("Sesto San Giovanni"), ..facts() }),
            [GrantRule::MunicipalityMismatch]
        );
        assert_eq!(broken_rules(&GrantFacts { residence: None, ..facts() }), [GrantRule::ResidenceUnknown]);
        assert_eq!(
            broken_rules(&GrantFacts { funder_municipality: None, ..facts() }),
            [GrantRule::FunderWithoutMunicipality]
        );
        let overlapping = GrantFacts { other_grants: vec![(day("2026-09-30"), day("2026-12-31"))], ..facts() };
        assert_eq!(broken_rules(&overlapping), [GrantRule::OverlappingGrant]);
        let after = GrantFacts { other_grants: vec![(day("2026-10-01"), day("2026-12-31"))], ..facts() };
        assert_eq!(broken_rules(&after), vec![]);
    }

    #[test]
    fn only_coordinators_approve() {
        assert!(may_move(Role::DistrictCoordinator, GrantStatus::Proposed, GrantStatus::Approved).is_ok());
        assert!(may_move(Role::CaseWorker, GrantStatus::Proposed, GrantStatus::Approved).is_err());
        assert!(may_move(Role::CaseWorker, GrantStatus::Approved, GrantStatus::Active).is_ok());
        assert!(may_move(Role::DistrictCoordinator, GrantStatus::Proposed, GrantStatus::Active).is_err());
        assert!(may_move(Role::LegalAdvisor, GrantStatus::Active, GrantStatus::Completed).is_err());
    }
}
