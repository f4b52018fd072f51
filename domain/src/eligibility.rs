//! Eligibility (requisiti di accesso), explainable: each criterion is met, not met or unknown,
//! with the reason; unknown never silently counts as no. The assessment names the rule set
//! that made it, because a district may adopt another (the Milan experience asks to look at
//! exploitation regardless of nationality).

use chrono::NaiveDate;

use crate::beneficiaries::{Minor, Permit, PermitKind, minor_on};
use crate::districts::RuleSet;
use crate::iso::is_eu_eea_ch;
use crate::screening::{Contract, Profile};
use crate::vocabulary;

vocabulary! {
    pub enum Criterion as "eligibility_criteria" {
        ThirdCountryNational => ("third_country_national", "Cittadino di Paese terzo (o apolide)", "Third-country national (or stateless)"),
        LabourVulnerability => ("labour_vulnerability", "Vittima o potenziale vittima di sfruttamento, o lavoro irregolare", "Victim or potential victim of exploitation, or irregular work"),
        RegularStay => ("regular_stay", "Regolarmente soggiornante", "Regular stay"),
    }
}

vocabulary! {
    pub enum CriterionStatus as "criterion_statuses" {
        Met => ("met", "Soddisfatto", "Met"),
        NotMet => ("not_met", "Non soddisfatto", "Not met"),
        Unknown => ("unknown", "Da verificare", "To verify"),
    }
}

vocabulary! {
    pub enum Verdict as "eligibility_verdicts" {
        Eligible => ("eligible", "Ammissibile", "Eligible"),
        NotEligible => ("not_eligible", "Non ammissibile", "Not eligible"),
        Undetermined => ("undetermined", "Da verificare", "Undetermined"),
    }
}

vocabulary! {
    pub enum Warning as "eligibility_warnings" {
        Minor => ("minor", "Minore: serve un tutore", "Minor: a guardian is needed"),
        PossiblyMinor => ("possibly_minor", "Forse minore: verificare la data di nascita", "Possibly a minor: check the date of birth"),
        GuardianMissing => ("guardian_missing", "Minore senza tutore registrato", "Minor without a recorded guardian"),
        PermitExpiringSoon => ("permit_expiring_soon", "Permesso in scadenza entro 60 giorni", "Permit expiring within 60 days"),
    }
}

/// Days before expiry from which a permit is flagged.
pub const PERMIT_WARNING_DAYS: i64 = 60;

/// What the rules look at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Facts {
    /// `None`: unknown; `Some([])`: stateless.
    pub citizenships: Option<Vec<String>>,
    pub contract: Option<Contract>,
    pub profile: Option<Profile>,
    pub indicator_count: usize,
    pub permit: Permit,
    pub birth_date: Option<NaiveDate>,
    pub birth_year: Option<i32>,
    pub has_guardian: bool,
    pub intercepted_on: NaiveDate,
    /// The day of the assessment (permits are judged on it).
    pub today: NaiveDate,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CriterionResult {
    pub criterion: Criterion,
    pub status: CriterionStatus,
    pub explanation: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assessment {
    pub rule_set: RuleSet,
    pub criteria: Vec<CriterionResult>,
    pub verdict: Verdict,
    pub warnings: Vec<Warning>,
}

pub fn assess(rule_set: RuleSet, facts: &Facts) -> Assessment {
    let mut criteria = Vec::new();
    if rule_set == RuleSet::Inlav2023 {
        criteria.push(third_country_national(facts));
    }
    criteria.push(labour_vulnerability(facts));
    criteria.push(regular_stay(facts));
    let verdict = if criteria.iter().any(|c| c.status == CriterionStatus::NotMet) {
        Verdict::NotEligible
    } else if criteria.iter().all(|c| c.status == CriterionStatus::Met) {
        Verdict::Eligible
    } else {
        Verdict::Undetermined
    };
    Assessment { rule_set, criteria, verdict, warnings: warnings(facts) }
}

fn result(criterion: Criterion, status: CriterionStatus, explanation: impl Into<String>) -> CriterionResult {
    CriterionResult { criterion, status, explanation: explanation.into() }
}

fn third_country_national(facts: &Facts) -> CriterionResult {
    let criterion = Criterion::ThirdCountryNational;
    match facts.citizenships.as_deref() {
        None => result(criterion, CriterionStatus::Unknown, "citizenship not recorded"),
        Some([]) => result(criterion, CriterionStatus::Met, "stateless"),
        Some(list) => match list.iter().find(|c| is_eu_eea_ch(c)) {
            Some(free) => {
                result(criterion, CriterionStatus::NotMet, format!("citizen of {free} (EU, EEA or Switzerland)"))
            }
            None => result(criterion, CriterionStatus::Met, format!("citizen of {} only", list.join(", "))),
        },
    }
}

fn labour_vulnerability(facts: &Facts) -> CriterionResult {
    let criterion = Criterion::LabourVulnerability;
    if facts.indicator_count > 0 {
        return result(
            criterion,
            CriterionStatus::Met,
            format!("{} exploitation indicator(s) recorded", facts.indicator_count),
        );
    }
    match facts.profile {
        Some(Profile::ExploitationVictim) => {
            return result(criterion, CriterionStatus::Met, "victim of fraud or exploitation");
        }
        Some(Profile::GreyWork) => return result(criterion, CriterionStatus::Met, "in grey work"),
        _ => {}
    }
    match facts.contract {
        Some(Contract::Irregular) => result(criterion, CriterionStatus::Met, "irregular (undeclared) work"),
        Some(Contract::Grey) => result(criterion, CriterionStatus::Met, "grey work (partly declared)"),
        Some(Contract::Regular) => {
            result(criterion, CriterionStatus::NotMet, "regular work, and no exploitation indicator or fraud recorded")
        }
        Some(Contract::None) => {
            result(criterion, CriterionStatus::NotMet, "not working, and no exploitation indicator or fraud recorded")
        }
        None => {
            result(criterion, CriterionStatus::Unknown, "work situation not recorded and no exploitation indicator")
        }
    }
}

fn regular_stay(facts: &Facts) -> CriterionResult {
    let criterion = Criterion::RegularStay;
    let Some(kind) = facts.permit.kind else {
        return result(criterion, CriterionStatus::Unknown, "residence permit not recorded");
    };
    match kind {
        PermitKind::None => result(criterion, CriterionStatus::NotMet, "no residence permit"),
        PermitKind::Other => {
            result(criterion, CriterionStatus::Unknown, "permit of another kind: check whether it allows regular stay")
        }
        PermitKind::AwaitingRenewal => {
            result(criterion, CriterionStatus::Met, "renewal receipt: stay is regular while renewal is pending")
        }
        PermitKind::Art18 | PermitKind::Art18ter if facts.permit.expires_on.is_none() => {
            result(criterion, CriterionStatus::Met, "art. 18 / 18-ter protection procedure")
        }
        _ => match facts.permit.expires_on {
            None => result(criterion, CriterionStatus::Unknown, "permit expiry date not recorded"),
            Some(expiry) if expiry < facts.today => result(
                criterion,
                CriterionStatus::NotMet,
                format!("permit expired on {expiry} and no renewal receipt recorded"),
            ),
            Some(expiry) => result(criterion, CriterionStatus::Met, format!("valid permit until {expiry}")),
        },
    }
}

fn warnings(facts: &Facts) -> Vec<Warning> {
    let mut warnings = Vec::new();
    match minor_on(facts.birth_date, facts.birth_year, facts.intercepted_on) {
        Minor::Yes => {
            warnings.push(Warning::Minor);
            if !facts.has_guardian {
                warnings.push(Warning::GuardianMissing);
            }
        }
        Minor::Possibly => warnings.push(Warning::PossiblyMinor),
        Minor::No | Minor::Unknown => {}
    }
    if let Some(expiry) = facts.permit.expires_on
        && expiry >= facts.today
        && (expiry - facts.today).num_days() <= PERMIT_WARNING_DAYS
    {
        warnings.push(Warning::PermitExpiringSoon);
    }
    warnings
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn eligible() -> Facts {
        Facts {
            citizenships: Some(vec!["BD".into()]),
            contract: Some(Contract::Irregular),
            profile: None,
            indicator_count: 0,
            permit: Permit { kind: Some(PermitKind::Work), number: None, expires_on: Some(date("2027-01-01")) },
            birth_date: Some(date("1990-05-05")),
            birth_year: Some(1990),
            has_guardian: false,
            intercepted_on: date("2026-02-01"),
            today: date("2026-03-02"),
        }
    }

    fn status(facts: &Facts, criterion: Criterion) -> CriterionStatus {
        let assessment = assess(RuleSet::Inlav2023, facts);
        assessment.criteria.iter().find(|c| c.criterion == criterion).map(|c| c.status).unwrap()
    }

    #[test]
    fn all_criteria_met_is_eligible() {
        let assessment = assess(RuleSet::Inlav2023, &eligible());
        assert_eq!(assessment.verdict, Verdict::Eligible);
        assert_eq!(assessment.criteria.len(), 3);
        assert!(assessment.warnings.is_empty());
    }

    #[test]
    fn citizenship() {
        use Criterion::ThirdCountryNational as C;
        assert_eq!(status(&Facts { citizenships: None, ..eligible() }, C), CriterionStatus::Unknown);
        assert_eq!(status(&Facts { citizenships: Some(vec![]), ..eligible() }, C), CriterionStatus::Met);
        assert_eq!(status(&Facts { citizenships: Some(vec!["RO".into()]), ..eligible() }, C), CriterionStatus::NotMet);
        // Dual citizenship with an EU state: free movement, not a third-country national.
        assert_eq!(
            status(&Facts { citizenships: Some(vec!["AL".into(), "IT".into()]), ..eligible() }, C),
            CriterionStatus::NotMet
        );
        assert_eq!(status(&Facts { citizenships: Some(vec!["CH".into()]), ..eligible() }, C), CriterionStatus::NotMet);
    }

    #[test]
    fn labour_vulnerability() {
        use Criterion::LabourVulnerability as C;
        assert_eq!(status(&Facts { contract: Some(Contract::Grey), ..eligible() }, C), CriterionStatus::Met);
        assert_eq!(status(&Facts { contract: Some(Contract::Regular), ..eligible() }, C), CriterionStatus::NotMet);
        assert_eq!(status(&Facts { contract: Some(Contract::None), ..eligible() }, C), CriterionStatus::NotMet);
        assert_eq!(status(&Facts { contract: None, ..eligible() }, C), CriterionStatus::Unknown);
        let regular_but_exploited = Facts { contract: Some(Contract::Regular), indicator_count: 1, ..eligible() };
        assert_eq!(status(&regular_but_exploited, C), CriterionStatus::Met);
        let defrauded = Facts { contract: None, profile: Some(Profile::ExploitationVictim), ..eligible() };
        assert_eq!(status(&defrauded, C), CriterionStatus::Met);
        assert_eq!(
            status(&Facts { contract: None, profile: Some(Profile::RecentArrival), ..eligible() }, C),
            CriterionStatus::Unknown
        );
    }

    #[test]
    fn regular_stay() {
        use Criterion::RegularStay as C;
        let permit = |kind, expires: Option<&str>| Permit { kind, number: None, expires_on: expires.map(date) };
        assert_eq!(status(&Facts { permit: permit(None, None), ..eligible() }, C), CriterionStatus::Unknown);
        assert_eq!(
            status(&Facts { permit: permit(Some(PermitKind::None), None), ..eligible() }, C),
            CriterionStatus::NotMet
        );
        assert_eq!(
            status(&Facts { permit: permit(Some(PermitKind::Work), Some("2026-03-01")), ..eligible() }, C),
            CriterionStatus::NotMet
        );
        assert_eq!(
            status(&Facts { permit: permit(Some(PermitKind::Work), Some("2026-03-02")), ..eligible() }, C),
            CriterionStatus::Met
        );
        assert_eq!(
            status(&Facts { permit: permit(Some(PermitKind::Work), None), ..eligible() }, C),
            CriterionStatus::Unknown
        );
        assert_eq!(
            status(&Facts { permit: permit(Some(PermitKind::AwaitingRenewal), Some("2025-01-01")), ..eligible() }, C),
            CriterionStatus::Met
        );
        assert_eq!(
            status(&Facts { permit: permit(Some(PermitKind::Art18ter), None), ..eligible() }, C),
            CriterionStatus::Met
        );
        assert_eq!(
            status(&Facts { permit: permit(Some(PermitKind::Other), Some("2027-01-01")), ..eligible() }, C),
            CriterionStatus::Unknown
        );
    }

    #[test]
    fn unknown_is_undetermined_and_not_met_wins() {
        let unknown = assess(RuleSet::Inlav2023, &Facts { citizenships: None, ..eligible() });
        assert_eq!(unknown.verdict, Verdict::Undetermined);
        let refused =
            assess(RuleSet::Inlav2023, &Facts { citizenships: None, contract: Some(Contract::Regular), ..eligible() });
        assert_eq!(refused.verdict, Verdict::NotEligible);
    }

    #[test]
    fn the_open_rule_set_ignores_nationality() {
        let european = Facts { citizenships: Some(vec!["RO".into()]), ..eligible() };
        assert_eq!(assess(RuleSet::Inlav2023, &european).verdict, Verdict::NotEligible);
        let open = assess(RuleSet::Inlav2023AnyNationality, &european);
        assert_eq!(open.verdict, Verdict::Eligible);
        assert_eq!(open.criteria.len(), 2);
        assert_eq!(open.rule_set, RuleSet::Inlav2023AnyNationality);
    }

    #[test]
    fn warnings_for_minors_and_expiring_permits() {
        let minor = Facts { birth_date: Some(date("2010-01-01")), birth_year: Some(2010), ..eligible() };
        assert_eq!(assess(RuleSet::Inlav2023, &minor).warnings, [Warning::Minor, Warning::GuardianMissing]);
        let guarded = Facts { has_guardian: true, ..minor };
        assert_eq!(assess(RuleSet::Inlav2023, &guarded).warnings, [Warning::Minor]);
        let maybe = Facts { birth_date: None, birth_year: Some(2008), ..eligible() };
        assert_eq!(assess(RuleSet::Inlav2023, &maybe).warnings, [Warning::PossiblyMinor]);
        let expiring = Facts {
            permit: Permit { kind: Some(PermitKind::Work), number: None, expires_on: Some(date("2026-05-01")) },
            ..eligible()
        };
        assert_eq!(assess(RuleSet::Inlav2023, &expiring).warnings, [Warning::PermitExpiringSoon]);
        let later = Facts {
            permit: Permit { kind: Some(PermitKind::Work), number: None, expires_on: Some(date("2026-05-02")) },
            ..eligible()
        };
        assert!(assess(RuleSet::Inlav2023, &later).warnings.is_empty());
    }
}
