//! The service taxonomy of the programme (Che cosa fa il PUA): what a PUA or a partner gives.

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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vocabulary::Vocabulary;

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
