//! How a case is shown: in full to the PUA team, as an interception to outreach workers, with
//! its timeline, eligibility and risk.

use app::cases::{CaseRecord, EligibilityReport, RiskReport};
use chrono::{DateTime, NaiveDate, Utc};
use domain::Vocabulary;
use domain::access::sees_full_case;
use domain::cases::{Case, CaseEvent, CaseStatus, Channel, EligibilityOverride, EventKind, Outcome};
use domain::eligibility;
use domain::exploitation;
use domain::screening::{Contract, Need, Profile, Sector};
use domain::users::Role;
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::schemas;
use crate::views::IndicatorDto;

/// Who the case is about, as lists and case views show it.
#[derive(Debug, Serialize, ToSchema)]
pub struct BeneficiaryHeader {
    pub id: Uuid,
    pub alias: String,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct WorkView {
    #[schema(value_type = Option<schemas::Sector>)]
    pub sector: Option<Sector>,
    #[schema(value_type = Option<schemas::Contract>)]
    pub contract: Option<Contract>,
    pub employer_name: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct OverrideView {
    pub by: Uuid,
    pub reason: String,
    pub at: DateTime<Utc>,
}

impl From<EligibilityOverride> for OverrideView {
    fn from(o: EligibilityOverride) -> Self {
        OverrideView { by: o.by, reason: o.reason, at: o.at }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ClosureView {
    #[schema(value_type = schemas::Outcome)]
    pub outcome: Outcome,
    pub summary: String,
}

/// A closure waiting for the coordinator's approval.
#[derive(Debug, Serialize, ToSchema)]
pub struct ClosureRequestView {
    pub by: Uuid,
    pub effective_at: DateTime<Utc>,
    #[schema(value_type = schemas::Outcome)]
    pub outcome: Outcome,
    pub summary: String,
    pub reason: Option<String>,
}

/// A case as the PUA team sees it.
#[derive(Debug, Serialize, ToSchema)]
pub struct CaseView {
    #[schema(inline)]
    pub view: FullTag,
    pub id: Uuid,
    pub beneficiary: BeneficiaryHeader,
    pub district: String,
    #[schema(value_type = schemas::Channel)]
    pub channel: Channel,
    pub intercepted_at: DateTime<Utc>,
    pub intercepting_organization_id: Uuid,
    pub recorded_by: Uuid,
    #[schema(value_type = schemas::CaseStatus)]
    pub status: CaseStatus,
    /// When the current status took effect.
    pub status_since: DateTime<Utc>,
    pub taken_in_charge_at: Option<DateTime<Utc>>,
    #[schema(value_type = Option<schemas::Profile>)]
    pub profile: Option<Profile>,
    #[schema(value_type = Vec<schemas::Need>)]
    pub needs: Vec<Need>,
    pub work: WorkView,
    pub indicators: Vec<IndicatorDto>,
    pub case_worker_id: Option<Uuid>,
    pub legal_advisor_id: Option<Uuid>,
    pub eligibility_override: Option<OverrideView>,
    pub closure: Option<ClosureView>,
    pub closure_request: Option<ClosureRequestView>,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// What an outreach worker sees of an interception it recorded.
#[derive(Debug, Serialize, ToSchema)]
pub struct InterceptionView {
    #[schema(inline)]
    pub view: InterceptionTag,
    pub id: Uuid,
    pub alias: String,
    #[schema(value_type = schemas::Channel)]
    pub channel: Channel,
    #[schema(value_type = schemas::CaseStatus)]
    pub status: CaseStatus,
    pub intercepted_at: DateTime<Utc>,
}

/// `view` of the full view of a case: always `full`.
#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum FullTag {
    Full,
}

/// `view` of the interception view of a case: always `interception`.
#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum InterceptionTag {
    Interception,
}

/// A case: the full view for the PUA team, the interception view for outreach workers; `view`
/// says which (`full` or `interception`), so that a client tells them apart without guessing.
#[derive(Debug, Serialize, ToSchema)]
#[serde(untagged)]
#[schema(discriminator(property_name = "view", mapping(
    ("full" = "#/components/schemas/CaseView"),
    ("interception" = "#/components/schemas/InterceptionView")
)))]
pub enum CaseRead {
    Full(Box<CaseView>),
    Interception(InterceptionView),
}

impl CaseRead {
    /// The case as `role` sees it, named as its person is.
    pub fn new(
        role: Role,
        case: Case,
        alias: String,
        first_name: Option<String>,
        last_name: Option<String>,
    ) -> CaseRead {
        if !sees_full_case(role) {
            return CaseRead::Interception(InterceptionView {
                view: InterceptionTag::Interception,
                id: case.id,
                alias,
                channel: case.channel,
                status: case.status,
                intercepted_at: case.intercepted_at,
            });
        }
        CaseRead::Full(Box::new(CaseView {
            view: FullTag::Full,
            id: case.id,
            beneficiary: BeneficiaryHeader { id: case.beneficiary_id, alias, first_name, last_name },
            district: case.district.as_str().to_string(),
            channel: case.channel,
            intercepted_at: case.intercepted_at,
            intercepting_organization_id: case.intercepting_organization_id,
            recorded_by: case.recorded_by,
            status: case.status,
            status_since: case.status_since,
            taken_in_charge_at: case.taken_in_charge_at,
            profile: case.profile,
            needs: case.needs,
            work: WorkView {
                sector: case.work.sector,
                contract: case.work.contract,
                employer_name: case.work.employer_name,
            },
            indicators: case.indicators.iter().map(IndicatorDto::from).collect(),
            case_worker_id: case.case_worker_id,
            legal_advisor_id: case.legal_advisor_id,
            eligibility_override: case.eligibility_override.map(OverrideView::from),
            closure: case.closure.map(|c| ClosureView { outcome: c.outcome, summary: c.summary }),
            closure_request: case.closure_request.map(|r| ClosureRequestView {
                by: r.by,
                effective_at: r.effective_at,
                outcome: r.outcome,
                summary: r.summary,
                reason: r.reason,
            }),
            version: case.version,
            created_at: case.created_at,
            updated_at: case.updated_at,
        }))
    }

    /// A case with its person, as `role` sees it.
    pub fn of(role: Role, record: CaseRecord) -> CaseRead {
        let data = record.person.data;
        CaseRead::new(role, record.case, data.alias, data.first_name, data.last_name)
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CaseEventView {
    pub id: Uuid,
    #[schema(value_type = schemas::EventKind)]
    pub kind: EventKind,
    #[schema(value_type = Option<schemas::CaseStatus>)]
    pub from_status: Option<CaseStatus>,
    #[schema(value_type = Option<schemas::CaseStatus>)]
    pub to_status: Option<CaseStatus>,
    /// When it took effect (transitions), as the operator recorded it.
    pub effective_at: Option<DateTime<Utc>>,
    pub reason: Option<String>,
    /// What changed: field names, the assignee, the outcome.
    pub details: Option<String>,
    pub actor_id: Uuid,
    #[schema(value_type = schemas::Role)]
    pub actor_role: Role,
    /// When it was recorded.
    pub recorded_at: DateTime<Utc>,
}

impl From<CaseEvent> for CaseEventView {
    fn from(e: CaseEvent) -> Self {
        CaseEventView {
            id: e.id,
            kind: e.kind,
            from_status: e.from_status,
            to_status: e.to_status,
            effective_at: e.effective_at,
            reason: e.reason,
            details: e.details,
            actor_id: e.actor_id,
            actor_role: e.actor_role,
            recorded_at: e.recorded_at,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CriterionView {
    #[schema(value_type = schemas::Criterion)]
    pub criterion: eligibility::Criterion,
    #[schema(value_type = schemas::CriterionStatus)]
    pub status: eligibility::CriterionStatus,
    pub explanation: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct WarningView {
    #[schema(value_type = schemas::Warning)]
    pub code: eligibility::Warning,
    pub message: &'static str,
}

/// The eligibility of a case, criterion by criterion.
#[derive(Debug, Serialize, ToSchema)]
pub struct EligibilityView {
    /// The rule set of the case's district that made the assessment.
    #[schema(value_type = schemas::RuleSet)]
    pub rule_set: domain::districts::RuleSet,
    pub criteria: Vec<CriterionView>,
    #[schema(value_type = schemas::Verdict)]
    pub verdict: eligibility::Verdict,
    pub warnings: Vec<WarningView>,
    /// A coordinator's decision to take the person in charge whatever the verdict.
    pub eligibility_override: Option<OverrideView>,
    /// The day the assessment was made for.
    pub assessed_on: NaiveDate,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ActionView {
    #[schema(value_type = schemas::SuggestedAction)]
    pub code: exploitation::SuggestedAction,
    pub label_it: &'static str,
    pub label_en: &'static str,
}

/// The exploitation assessment of a case.
#[derive(Debug, Serialize, ToSchema)]
pub struct RiskView {
    #[schema(value_type = schemas::RiskLevel)]
    pub level: exploitation::RiskLevel,
    pub reasons: Vec<String>,
    pub actions: Vec<ActionView>,
    /// The indicators it was read from.
    pub indicators: Vec<IndicatorDto>,
}

impl From<EligibilityReport> for EligibilityView {
    fn from(report: EligibilityReport) -> Self {
        let assessment = report.assessment;
        EligibilityView {
            rule_set: assessment.rule_set,
            criteria: assessment
                .criteria
                .into_iter()
                .map(|c| CriterionView { criterion: c.criterion, status: c.status, explanation: c.explanation })
                .collect(),
            verdict: assessment.verdict,
            warnings: assessment.warnings.into_iter().map(|w| WarningView { code: w, message: w.label_en() }).collect(),
            eligibility_override: report.eligibility_override.map(OverrideView::from),
            assessed_on: report.assessed_on,
        }
    }
}

impl From<RiskReport> for RiskView {
    fn from(report: RiskReport) -> Self {
        let assessment = report.assessment;
        RiskView {
            level: assessment.level,
            reasons: assessment.reasons,
            actions: assessment
                .actions
                .into_iter()
                .map(|a| ActionView { code: a, label_it: a.label_it(), label_en: a.label_en() })
                .collect(),
            indicators: report.indicators.iter().map(IndicatorDto::from).collect(),
        }
    }
}
