//! The domain's vocabularies as the API shows them: one registry drives both the OpenAPI
//! schemas (a string enum of codes per vocabulary) and the `/api/v1/vocabularies` payload, so
//! neither can drift from the domain.

use std::borrow::Cow;

use domain::Vocabulary;
use serde::Serialize;
use utoipa::ToSchema;
use utoipa::openapi::RefOr;
use utoipa::openapi::schema::{ObjectBuilder, Schema, Type};

/// A string schema listing the codes of a vocabulary.
pub fn code_schema<V: Vocabulary>(description: &str) -> Schema {
    Schema::Object(
        ObjectBuilder::new()
            .schema_type(Type::String)
            .enum_values(Some(V::codes()))
            .description(Some(format!("{description} Labels are served at /api/v1/vocabularies under `{}`.", V::NAME)))
            .build(),
    )
}

/// One code with its labels.
#[derive(Debug, Serialize, ToSchema)]
pub struct VocabularyEntry {
    pub code: &'static str,
    pub label_it: &'static str,
    pub label_en: &'static str,
    /// For codes that belong to a family (service categories): the family's code.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub group: Option<&'static str>,
}

fn entries<V: Vocabulary>(group: impl Fn(V) -> Option<&'static str>) -> Vec<VocabularyEntry> {
    V::ALL
        .iter()
        .map(|member| VocabularyEntry {
            code: member.code(),
            label_it: member.label_it(),
            label_en: member.label_en(),
            group: group(*member),
        })
        .collect()
}

macro_rules! vocabularies {
    ($( $(#[$doc:meta])* $field:ident: $name:ident => $vocabulary:ty $(, group = $group:expr)? ;)+) => {
        $(
            $(#[$doc])*
            pub struct $name;

            impl utoipa::PartialSchema for $name {
                fn schema() -> RefOr<Schema> {
                    RefOr::T(code_schema::<$vocabulary>(concat!(stringify!($name), " code.")))
                }
            }

            impl utoipa::ToSchema for $name {
                fn name() -> Cow<'static, str> {
                    Cow::Borrowed(stringify!($name))
                }
            }
        )+

        /// Every code list, each in presentation order.
        #[derive(Debug, Serialize, ToSchema)]
        pub struct Vocabularies {
            $( pub $field: Vec<VocabularyEntry>, )+
        }

        pub fn vocabularies() -> Vocabularies {
            Vocabularies {
                $( $field: entries::<$vocabulary>(vocabularies!(@group $($group)?)), )+
            }
        }
    };
    (@group $group:expr) => { $group };
    (@group) => { |_| None };
}

vocabularies! {
    /// A user's role.
    roles: Role => domain::users::Role;
    /// The kind of an organisation.
    organization_kinds: OrganizationKind => domain::organizations::OrganizationKind;
    /// A family of services.
    service_category_groups: ServiceCategoryGroup => domain::services::ServiceCategoryGroup;
    /// A service category.
    service_categories: ServiceCategory => domain::services::ServiceCategory,
        group = |c: domain::services::ServiceCategory| Some(c.group().code());
    genders: Gender => domain::beneficiaries::Gender;
    permit_kinds: PermitKind => domain::beneficiaries::PermitKind;
    document_kinds: DocumentKind => domain::beneficiaries::DocumentKind;
    document_statuses: DocumentStatus => domain::beneficiaries::DocumentStatus;
    consent_kinds: ConsentKind => domain::consents::ConsentKind;
    consent_methods: ConsentMethod => domain::consents::ConsentMethod;
    channels: Channel => domain::cases::Channel;
    case_statuses: CaseStatus => domain::cases::CaseStatus;
    profiles: Profile => domain::screening::Profile;
    needs: Need => domain::screening::Need;
    work_sectors: Sector => domain::screening::Sector;
    contract_types: Contract => domain::screening::Contract;
    closure_outcomes: Outcome => domain::cases::Outcome;
    transition_preconditions: Precondition => domain::cases::Precondition;
    case_event_kinds: EventKind => domain::cases::EventKind;
    exploitation_indicators: Indicator => domain::exploitation::Indicator;
    risk_levels: RiskLevel => domain::exploitation::RiskLevel;
    suggested_actions: SuggestedAction => domain::exploitation::SuggestedAction;
    eligibility_rule_sets: RuleSet => domain::districts::RuleSet;
    eligibility_criteria: Criterion => domain::eligibility::Criterion;
    criterion_statuses: CriterionStatus => domain::eligibility::CriterionStatus;
    eligibility_verdicts: Verdict => domain::eligibility::Verdict;
    eligibility_warnings: Warning => domain::eligibility::Warning;
    audit_actions: AuditAction => domain::audit::AuditAction;
    changed_resources: ChangedResource => domain::changes::ChangedResource;
    change_actions: ChangeAction => domain::changes::ChangeAction;
    webhook_events: WebhookEvent => domain::webhooks::WebhookEvent;
    webhook_disabled_reasons: WebhookDisabledReason => domain::webhooks::DisabledReason;
    delivery_statuses: DeliveryStatus => domain::webhooks::DeliveryStatus;
    attempt_outcomes: AttemptOutcome => domain::webhooks::AttemptOutcome;
    token_scopes: TokenScope => domain::access::TokenScope;
    network_service_statuses: NetworkServiceStatus => domain::network::NetworkServiceStatus;
    service_outcomes: ServiceOutcome => domain::services::ServiceOutcome;
    referral_statuses: ReferralStatus => domain::referrals::ReferralStatus;
    legal_procedure_kinds: ProcedureKind => domain::legal::ProcedureKind;
    legal_procedure_statuses: ProcedureStatus => domain::legal::ProcedureStatus;
    legal_authorities: Authority => domain::legal::Authority;
    work_grant_statuses: GrantStatus => domain::work_grants::GrantStatus;
    transfer_statuses: TransferStatus => domain::transfers::TransferStatus;
    work_grant_rules: GrantRule => domain::work_grants::GrantRule;
    note_confidentiality: Confidentiality => domain::notes::Confidentiality;
    alert_kinds: AlertKind => domain::alerts::AlertKind;
    activity_kinds: ActivityKind => domain::activities::ActivityKind;
    pact_statuses: PactStatus => domain::pacts::PactStatus;
    age_bands: AgeBand => domain::reports::AgeBand;
    /// A figure against its targets: below the minimum, within, above the maximum.
    target_statuses: TargetStatus => domain::reports::TargetStatus;
    /// The quasi-identifiers of the research export, as `InLav-Anonymity` names them.
    export_attributes: ExportAttribute => domain::exports::Attribute;
    export_month_levels: ExportMonthLevel => domain::exports::MonthLevel;
    export_age_levels: ExportAgeLevel => domain::exports::AgeLevel;
    export_citizenship_levels: ExportCitizenshipLevel => domain::exports::CitizenshipLevel;
}
