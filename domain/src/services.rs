//! The service taxonomy of the programme (Che cosa fa il PUA): what a PUA or a partner gives.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use uuid::Uuid;

use crate::users::Role;
use crate::vocabulary;

vocabulary! {
    /// The four families of services; they decide when a service may be recorded.
    pub enum ServiceCategoryGroup as "service_category_groups" {
        Prevention => ("prevention", "Prevenzione e sensibilizzazione", "Prevention and awareness"),
        Orientation => ("orientation", "Orientamento ai servizi", "Orientation to services"),
        Pathway => ("pathway", "Percorsi", "Pathways"),
        Support => ("support", "Sostegno", "Support"),
    }
}

vocabulary! {
    /// A service category (categoria di intervento).
    pub enum ServiceCategory as "service_categories" {
        PreventionIrregularWork => ("prevention_irregular_work", "Prevenzione: lavoro irregolare e sfruttamento", "Prevention: irregular work and exploitation"),
        PreventionHealthSafety => ("prevention_health_safety", "Prevenzione: sicurezza e salute sul lavoro", "Prevention: health and safety at work"),
        OrientationItalianLanguage => ("orientation_italian_language", "Orientamento: lingua italiana", "Orientation: Italian language"),
        OrientationHealth => ("orientation_health", "Orientamento: salute", "Orientation: health"),
        OrientationWork => ("orientation_work", "Orientamento: lavoro", "Orientation: work"),
        OrientationLegal => ("orientation_legal", "Orientamento: legale", "Orientation: legal"),
        OrientationHousing => ("orientation_housing", "Orientamento: abitazione", "Orientation: housing"),
        Training => ("training", "Attivazione di percorsi di formazione", "Training pathway"),
        JobPlacement => ("job_placement", "Orientamento all'inserimento lavorativo / bilancio delle competenze", "Job placement and skills assessment"),
        ProtectionReferral => ("protection_referral", "Protezione / referral verso servizi di fuoriuscita dalla tratta", "Protection referral to anti-trafficking exit services"),
        LegalAdvice => ("legal_advice", "Consulenza legale", "Legal advice"),
        Documents => ("documents", "Supporto documentale", "Documents"),
        WorkGrant => ("work_grant", "Borsa lavoro", "Work grant"),
        IncomeSupport => ("income_support", "Sostegno al reddito", "Income support"),
    }
}

impl ServiceCategory {
    pub fn group(self) -> ServiceCategoryGroup {
        use ServiceCategory::*;
        match self {
            PreventionIrregularWork | PreventionHealthSafety => ServiceCategoryGroup::Prevention,
            OrientationItalianLanguage
            | OrientationHealth
            | OrientationWork
            | OrientationLegal
            | OrientationHousing => ServiceCategoryGroup::Orientation,
            Training | JobPlacement | ProtectionReferral | LegalAdvice => ServiceCategoryGroup::Pathway,
            Documents | WorkGrant | IncomeSupport => ServiceCategoryGroup::Support,
        }
    }
}

vocabulary! {
    pub enum ServiceOutcome as "service_outcomes" {
        Completed => ("completed", "Concluso", "Completed"),
        InProgress => ("in_progress", "In corso", "In progress"),
        Interrupted => ("interrupted", "Interrotto", "Interrupted"),
        NoShow => ("no_show", "Persona assente", "Did not show up"),
    }
}

/// A service given within a case (intervento / prestazione).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceDelivery {
    pub id: Uuid,
    pub case_id: Uuid,
    pub category: ServiceCategory,
    pub delivered_on: NaiveDate,
    pub duration_minutes: Option<i32>,
    /// The organisation that gave it.
    pub delivered_by: Uuid,
    /// The operator who gave it, when a user of the system.
    pub operator_id: Option<Uuid>,
    pub notes: Option<String>,
    pub outcome: Option<ServiceOutcome>,
    /// Who recorded it (a user or a partner system).
    pub recorded_by: Uuid,
    pub recorded_by_role: Role,
    pub recorded_at: DateTime<Utc>,
    pub version: i32,
    pub updated_at: DateTime<Utc>,
}

/// How long the author may still change or delete a record.
pub const EDIT_WINDOW: Duration = Duration::days(7);

impl ServiceCategoryGroup {
    /// Prevention and orientation may be given from the first contact; pathways and support
    /// only to someone taken in charge.
    pub fn needs_taking_in_charge(self) -> bool {
        matches!(self, ServiceCategoryGroup::Pathway | ServiceCategoryGroup::Support)
    }
}

/// Who may change or delete a recorded service: the author for seven days, then only
/// district coordinators.
pub fn may_amend(role: Role, is_author: bool, recorded_at: DateTime<Utc>, now: DateTime<Utc>) -> bool {
    role == Role::DistrictCoordinator || (is_author && now - recorded_at <= EDIT_WINDOW)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vocabulary::Vocabulary;

    #[test]
    fn pathways_and_support_need_taking_in_charge() {
        assert!(!ServiceCategory::PreventionHealthSafety.group().needs_taking_in_charge());
        assert!(!ServiceCategory::OrientationHousing.group().needs_taking_in_charge());
        assert!(ServiceCategory::JobPlacement.group().needs_taking_in_charge());
        assert!(ServiceCategory::WorkGrant.group().needs_taking_in_charge());
    }

    #[test]
    fn the_author_amends_for_seven_days_then_only_coordinators() {
        let recorded = DateTime::parse_from_rfc3339("2026-03-01T10:00:00Z").unwrap().with_timezone(&Utc);
        assert!(may_amend(Role::CaseWorker, true, recorded, recorded + Duration::days(7)));
        assert!(!may_amend(Role::CaseWorker, true, recorded, recorded + Duration::days(7) + Duration::seconds(1)));
        assert!(!may_amend(Role::CaseWorker, false, recorded, recorded));
        assert!(may_amend(Role::DistrictCoordinator, false, recorded, recorded + Duration::days(300)));
    }

    #[test]
    fn every_group_has_categories_and_codes_carry_their_family() {
        for group in ServiceCategoryGroup::ALL {
            assert!(ServiceCategory::ALL.iter().any(|c| c.group() == *group), "{group}");
        }
        for category in ServiceCategory::ALL {
            let code = category.code();
            match category.group() {
                ServiceCategoryGroup::Prevention => assert!(code.starts_with("prevention_")),
                ServiceCategoryGroup::Orientation => assert!(code.starts_with("orientation_")),
                _ => assert!(!code.starts_with("prevention_") && !code.starts_with("orientation_")),
            }
        }
    }
}
