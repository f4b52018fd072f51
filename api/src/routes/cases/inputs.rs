//! What a request about cases carries, and how it becomes what the use cases take.

use app::cases::{CaseQuery, Interception};
use chrono::{DateTime, NaiveDate, Utc};
use domain::cases::{self, CaseStatus, Channel, Outcome, ScreeningUpdate, TransitionRequest};
use domain::screening::{Contract, Need, Profile, Sector};
use persistence::ChangedSince;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;
use validator::Validate;

use crate::routes::beneficiaries::inputs::BeneficiaryInput;
use crate::schemas;
use crate::views::IndicatorDto;

/// An interception: a new case, for a known beneficiary or one registered with it.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateCase {
    /// A beneficiary you may see. Give this or `beneficiary`.
    #[serde(default)]
    pub beneficiary_id: Option<Uuid>,
    /// A person to register with the interception. Give this or `beneficiary_id`.
    #[serde(default)]
    #[validate(nested)]
    pub beneficiary: Option<BeneficiaryInput>,
    /// One of your districts.
    #[schema(example = "milano")]
    pub district: String,
    #[schema(value_type = schemas::Channel)]
    pub channel: Channel,
    /// When the person was met; never in the future.
    pub intercepted_at: DateTime<Utc>,
    /// The organisation whose operator met the person. Default: yours.
    #[serde(default)]
    pub intercepting_organization_id: Option<Uuid>,
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WorkPatch {
    #[serde(default, deserialize_with = "crate::extract::present")]
    #[schema(value_type = Option<schemas::Sector>)]
    pub sector: Option<Option<Sector>>,
    #[serde(default, deserialize_with = "crate::extract::present")]
    #[schema(value_type = Option<schemas::Contract>)]
    pub contract: Option<Option<Contract>>,
    #[serde(default, deserialize_with = "crate::extract::present")]
    #[schema(value_type = Option<String>)]
    pub employer_name: Option<Option<String>>,
}

/// Screening data and assignment; absent fields stay, `null` clears. `needs` and
/// `indicators` replace the recorded sets.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateCase {
    #[serde(default, deserialize_with = "crate::extract::present")]
    #[schema(value_type = Option<schemas::Profile>)]
    pub profile: Option<Option<Profile>>,
    #[schema(value_type = Option<Vec<schemas::Need>>)]
    #[validate(length(max = 12))]
    pub needs: Option<Vec<Need>>,
    pub work: Option<WorkPatch>,
    #[validate(length(max = 15))]
    pub indicators: Option<Vec<IndicatorDto>>,
    /// A case worker or district coordinator of the case's district. A case worker may
    /// assign only themselves; a coordinator anyone.
    #[serde(default, deserialize_with = "crate::extract::present")]
    #[schema(value_type = Option<Uuid>)]
    pub case_worker_id: Option<Option<Uuid>>,
    /// A legal advisor of the case's district. A legal advisor may assign only themselves.
    #[serde(default, deserialize_with = "crate::extract::present")]
    #[schema(value_type = Option<Uuid>)]
    pub legal_advisor_id: Option<Option<Uuid>>,
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TransitionInput {
    #[schema(value_type = schemas::CaseStatus)]
    pub to: CaseStatus,
    /// When it took effect: never in the future, never before the previous event.
    pub effective_at: DateTime<Utc>,
    /// Required to suspend or reopen.
    #[serde(default)]
    pub reason: Option<String>,
    /// Closure only, required.
    #[serde(default)]
    #[schema(value_type = Option<schemas::Outcome>)]
    pub outcome: Option<Outcome>,
    /// Closure only, required.
    #[serde(default)]
    pub summary: Option<String>,
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OverrideInput {
    /// Why the person is taken in charge although the rules say otherwise.
    pub reason: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ClosureDecision {
    Approve,
    Reject,
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ClosureDecisionInput {
    pub decision: ClosureDecision,
    /// Required to reject.
    #[serde(default)]
    pub reason: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AssignedTo {
    Me,
}

#[derive(Debug, Deserialize, Validate, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct CaseListQuery {
    pub district: Option<String>,
    #[param(value_type = Option<schemas::CaseStatus>)]
    pub status: Option<CaseStatus>,
    #[param(value_type = Option<schemas::Channel>)]
    pub channel: Option<Channel>,
    #[param(value_type = Option<schemas::Profile>)]
    pub profile: Option<Profile>,
    #[param(value_type = Option<schemas::Need>)]
    pub need: Option<Need>,
    /// `me`: cases where you are the case worker or legal advisor.
    #[param(inline)]
    pub assigned_to: Option<AssignedTo>,
    /// First day of interception, inclusive.
    pub intercepted_from: Option<NaiveDate>,
    /// Last day of interception, inclusive.
    pub intercepted_to: Option<NaiveDate>,
    /// Part of the beneficiary's alias or names, or their codice fiscale.
    #[validate(length(max = 100))]
    pub q: Option<String>,
    /// Only what changed at or after this instant, in the order of last change (oldest first):
    /// for clients that sync deltas. Ask again from a little before your last sync, or follow
    /// `/changes` for an exact order.
    pub updated_since: Option<DateTime<Utc>>,
    #[validate(range(min = 1, max = 200))]
    pub limit: Option<i64>,
    #[validate(length(max = 512))]
    pub cursor: Option<String>,
}

impl From<CreateCase> for Interception {
    fn from(input: CreateCase) -> Self {
        Interception {
            beneficiary_id: input.beneficiary_id,
            beneficiary: input.beneficiary.map(BeneficiaryInput::registration),
            district: input.district,
            channel: input.channel,
            intercepted_at: input.intercepted_at,
            intercepting_organization_id: input.intercepting_organization_id,
        }
    }
}

impl From<UpdateCase> for ScreeningUpdate {
    fn from(input: UpdateCase) -> Self {
        let work = input.work.unwrap_or(WorkPatch { sector: None, contract: None, employer_name: None });
        ScreeningUpdate {
            profile: input.profile,
            needs: input.needs,
            sector: work.sector,
            contract: work.contract,
            employer_name: work.employer_name,
            indicators: input.indicators.map(|list| list.iter().map(Into::into).collect()),
            case_worker_id: input.case_worker_id,
            legal_advisor_id: input.legal_advisor_id,
        }
    }
}

impl From<TransitionInput> for TransitionRequest {
    fn from(input: TransitionInput) -> Self {
        TransitionRequest {
            to: input.to,
            effective_at: input.effective_at,
            reason: input.reason,
            outcome: input.outcome,
            summary: input.summary,
        }
    }
}

impl From<ClosureDecision> for cases::ClosureDecision {
    fn from(decision: ClosureDecision) -> Self {
        match decision {
            ClosureDecision::Approve => cases::ClosureDecision::Approve,
            ClosureDecision::Reject => cases::ClosureDecision::Reject,
        }
    }
}

impl CaseListQuery {
    /// What is asked for, with the read in the order of last change when asked.
    pub fn query(self, changed_since: Option<ChangedSince>) -> CaseQuery {
        let query = self;
        CaseQuery {
            district: query.district,
            status: query.status,
            channel: query.channel,
            profile: query.profile,
            need: query.need,
            assigned_to_me: query.assigned_to.is_some(),
            intercepted_from: query.intercepted_from,
            intercepted_to: query.intercepted_to,
            q: query.q,
            changed_since,
        }
    }
}
