//! Legal procedures (pratiche legali): complaints, permits, disputes, income support. Their very
//! existence is sensitive: only legal advisors and coordinators see them.

use chrono::{DateTime, NaiveDate, Utc};
use uuid::Uuid;

use crate::users::Role;
use crate::validation::Violations;
use crate::vocabulary;

vocabulary! {
    pub enum ProcedureKind as "legal_procedure_kinds" {
        Complaint => ("complaint", "Denuncia", "Complaint"),
        PermitArt18 => ("permit_art18", "Permesso art. 18 TUI", "Art. 18 TUI permit"),
        PermitArt18ter => ("permit_art18ter", "Permesso art. 18-ter TUI", "Art. 18-ter TUI permit"),
        PermitRenewal => ("permit_renewal", "Rinnovo del permesso di soggiorno", "Permit renewal"),
        LabourDispute => ("labour_dispute", "Vertenza di lavoro", "Labour dispute"),
        AssegnoDiInclusione => ("assegno_di_inclusione", "Assegno di Inclusione", "Assegno di Inclusione (income support)"),
        Other => ("other", "Altro", "Other"),
    }
}

vocabulary! {
    pub enum ProcedureStatus as "legal_procedure_statuses" {
        Planned => ("planned", "Da avviare", "Planned"),
        Filed => ("filed", "Presentata", "Filed"),
        Pending => ("pending", "In attesa di decisione", "Pending"),
        Granted => ("granted", "Accolta", "Granted"),
        Rejected => ("rejected", "Respinta", "Rejected"),
        Withdrawn => ("withdrawn", "Ritirata", "Withdrawn"),
    }
}

vocabulary! {
    pub enum Authority as "legal_authorities" {
        Questura => ("questura", "Questura", "Police headquarters (Questura)"),
        Prefettura => ("prefettura", "Prefettura", "Prefecture"),
        LabourInspectorate => ("labour_inspectorate", "Ispettorato del lavoro", "Labour inspectorate"),
        Court => ("court", "Tribunale", "Court"),
        Inps => ("inps", "INPS", "INPS"),
        Municipality => ("municipality", "Comune", "Municipality"),
        Other => ("other", "Altro", "Other"),
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LegalProcedure {
    pub id: Uuid,
    pub case_id: Uuid,
    pub kind: ProcedureKind,
    pub status: ProcedureStatus,
    pub authority: Option<Authority>,
    pub filed_on: Option<NaiveDate>,
    pub decided_on: Option<NaiveDate>,
    pub next_deadline: Option<NaiveDate>,
    pub notes: Option<String>,
    pub created_by: Uuid,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// Who sees legal procedures. Everyone else gets 404, not 403.
pub fn sees_legal(role: Role) -> bool {
    matches!(role, Role::LegalAdvisor | Role::DistrictCoordinator)
}

/// The dates of a procedure must tell a possible story.
pub fn check_dates(
    status: ProcedureStatus,
    filed_on: Option<NaiveDate>,
    decided_on: Option<NaiveDate>,
    today: NaiveDate,
) -> Result<(), Violations> {
    let mut v = Violations::new();
    if filed_on.is_some_and(|d| d > today) {
        v.add("filed_on", "in_future", "must not be in the future");
    }
    if decided_on.is_some_and(|d| d > today) {
        v.add("decided_on", "in_future", "must not be in the future");
    }
    if let (Some(filed), Some(decided)) = (filed_on, decided_on)
        && decided < filed
    {
        v.add("decided_on", "before_filed", "must not be before filed_on");
    }
    let decided = matches!(status, ProcedureStatus::Granted | ProcedureStatus::Rejected);
    if decided_on.is_some() && !decided {
        v.add("decided_on", "not_allowed", "only a granted or rejected procedure has a decision date");
    }
    if status == ProcedureStatus::Planned && filed_on.is_some() {
        v.add("filed_on", "not_allowed", "a planned procedure is not filed yet");
    }
    v.finish(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn only_legal_advisors_and_coordinators_see_procedures() {
        assert!(sees_legal(Role::LegalAdvisor) && sees_legal(Role::DistrictCoordinator));
        for role in [
            Role::CaseWorker,
            Role::OutreachWorker,
            Role::Partner,
            Role::Admin,
            Role::Evaluator,
            Role::RegionalCoordinator,
        ] {
            assert!(!sees_legal(role));
        }
    }

    #[test]
    fn dates_tell_a_possible_story() {
        let today = day("2026-03-02");
        assert!(check_dates(ProcedureStatus::Granted, Some(day("2026-01-01")), Some(day("2026-02-01")), today).is_ok());
        let codes =
            |r: Result<(), Violations>| r.unwrap_err().into_vec().into_iter().map(|v| v.code).collect::<Vec<_>>();
        assert_eq!(
            codes(check_dates(ProcedureStatus::Granted, Some(day("2026-02-01")), Some(day("2026-01-01")), today)),
            ["before_filed"]
        );
        assert_eq!(codes(check_dates(ProcedureStatus::Pending, None, Some(day("2026-01-01")), today)), ["not_allowed"]);
        assert_eq!(
            codes(check_dates(ProcedureStatus::Planned, Some(day("2026-04-01")), None, today)),
            ["in_future", "not_allowed"]
        );
    }
}
