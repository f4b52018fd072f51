//! The indicators report as answered in JSON, and the spec of it.

use chrono::NaiveDate;
use domain::Vocabulary;
use domain::reports::{self, Indicators as Published};
use serde::Serialize;
use utoipa::ToSchema;

use crate::schemas;

/// A count as published. For a reader who sees every district, `count` is `null` (and
/// `suppressed` true) when the count is from 1 to 4, or when it is withheld so that no such
/// count can be worked out, exactly or to within ±2, from the other cells of the answer and
/// their sums (complementary suppression).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, ToSchema)]
pub struct Figure {
    pub count: Option<i64>,
    pub suppressed: bool,
}

/// People by gender (`other` holds non-binary, undisclosed and not recorded), against the
/// targets of the periods that overlap the range (summed).
#[derive(Debug, Serialize, ToSchema)]
pub struct Flow {
    pub male: Figure,
    pub female: Figure,
    pub other: Figure,
    pub total: Figure,
    pub target_min: Option<i64>,
    pub target_max: Option<i64>,
    /// The exact total against the targets (`null` without targets): `below` the minimum,
    /// `within`, or `above` the maximum.
    #[schema(value_type = Option<schemas::TargetStatus>)]
    pub target_status: Option<String>,
    /// The total over the minimum target, rounded to 0.001 (1.0: the minimum is reached);
    /// `null` without targets, or when the total is withheld.
    pub target_share: Option<f64>,
}

/// A count for a code of a vocabulary.
#[derive(Debug, Serialize, ToSchema)]
pub struct CodeCount {
    pub code: String,
    #[serde(flatten)]
    pub figure: Figure,
}

/// People of a citizenship: an ISO 3166-1 alpha-2 code, `stateless` or `unknown`, with its
/// names.
#[derive(Debug, Serialize, ToSchema)]
pub struct CountryCount {
    pub code: String,
    /// The country's name in English ("Egypt").
    pub label_en: String,
    /// The country's name in Italian ("Egitto"), as the CSV and XLSX tables show it.
    pub label_it: String,
    #[serde(flatten)]
    pub figure: Figure,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ReferralFigures {
    pub by_status: Vec<CodeCount>,
    /// Accepted (then possibly completed or failed) among those answered. `null` with no
    /// answer, or when suppressed.
    pub acceptance_rate: Option<f64>,
    /// Completed among those accepted.
    pub completion_rate: Option<f64>,
    /// Rates over 1 to 4 referrals, or over a withheld count, are withheld too.
    pub rates_suppressed: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct LegalProcedureCount {
    #[schema(value_type = schemas::ProcedureKind)]
    pub kind: String,
    #[schema(value_type = schemas::ProcedureStatus)]
    pub status: String,
    #[serde(flatten)]
    pub figure: Figure,
}

/// Days from interception to taking in charge, over the cases first taken in charge in the range.
#[derive(Debug, Serialize, ToSchema)]
pub struct DaysToIntake {
    pub cases: Figure,
    pub median: Option<f64>,
    pub p90: Option<i64>,
    /// The statistics are withheld with a withheld `cases`.
    pub suppressed: bool,
}

/// Activities are not about people: never suppressed.
#[derive(Debug, Serialize, ToSchema)]
pub struct ActivityFigures {
    #[schema(value_type = schemas::ActivityKind)]
    pub kind: String,
    pub count: i64,
    pub participants: i64,
}

/// The figures of a district, or of the districts of the report together. Days are calendar
/// days in the service's time zone (Europe/Rome unless configured otherwise).
#[derive(Debug, Serialize, ToSchema)]
pub struct Indicators {
    /// People first contacted in the range: a person counts when their first interception by
    /// the district falls in it, once however many cases they have. In `total`, each person
    /// counts once, when their first interception by any district of the report falls in it.
    pub people_intercepted: Flow,
    /// People taken in charge in the range (from screening, or a closed case reopened), once
    /// each however often.
    pub people_taken_in_charge: Flow,
    /// Cases opened (interceptions) in the range: a person intercepted twice counts twice here.
    pub cases_opened: Figure,
    /// Citizenships of the people intercepted, most frequent first (ISO 3166-1 alpha-2, plus
    /// `stateless` and `unknown`); a person with two counts under both.
    pub countries: Vec<CountryCount>,
    /// The people intercepted, by the profile of their first case (`unknown` when not assessed).
    pub profiles: Vec<CodeCount>,
    /// The people intercepted, by the needs of their first case.
    pub needs: Vec<CodeCount>,
    /// The people intercepted, by the channel of their first case.
    pub channels: Vec<CodeCount>,
    /// Services delivered in the range.
    pub services_by_category: Vec<CodeCount>,
    /// Referrals proposed in the range, by their current status.
    pub referrals_by_status: ReferralFigures,
    /// Legal procedures opened in the range, by kind and current status.
    pub legal_procedures: Vec<LegalProcedureCount>,
    /// Work grants whose period overlaps the range, by status.
    pub work_grants: Vec<CodeCount>,
    /// Cases closed in the range (and still closed), by outcome.
    pub outcomes: Vec<CodeCount>,
    pub days_to_intake: DaysToIntake,
    /// People first contacted in the range who were under 18 then.
    pub minors: Figure,
    /// People whose record moved here from another district by a transfer accepted in the
    /// range (their cases count where they were opened; the person stays one person).
    pub transfers_in: Figure,
    /// People whose record moved from here to another district by a transfer accepted in the range.
    pub transfers_out: Figure,
    /// Activities held in the range, by kind.
    pub activities: Vec<ActivityFigures>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DistrictIndicators {
    pub district: String,
    pub name: String,
    #[serde(flatten)]
    pub indicators: Indicators,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct IndicatorsReport {
    pub from: NaiveDate,
    pub to: NaiveDate,
    /// Counts from 1 to 4 are withheld, with the complements that protect them (roles that see
    /// every district).
    pub small_counts_suppressed: bool,
    /// How many counts are withheld; `null` when the report is exact.
    pub withholding: Option<Withholding>,
    pub districts: Vec<DistrictIndicators>,
    /// Over the districts above, each person counted once, before withholding.
    pub total: Indicators,
}

/// What the protection of small counts costs in this answer.
#[derive(Debug, Serialize, ToSchema)]
pub struct Withholding {
    /// Counts in the answer (districts and total) that are not zero; zeros are published.
    pub counts: usize,
    /// Counts from 1 to 4, withheld for their own sake.
    pub small_counts: usize,
    /// Counts of 5 or more withheld so that no small count can be worked out from the others.
    pub complements: usize,
}

impl From<reports::Withholding> for Withholding {
    fn from(withholding: reports::Withholding) -> Self {
        Withholding {
            counts: withholding.counts,
            small_counts: withholding.small_counts,
            complements: withholding.complements,
        }
    }
}

impl From<reports::Figure> for Figure {
    fn from(figure: reports::Figure) -> Self {
        Figure { count: figure.count, suppressed: figure.suppressed }
    }
}

impl From<reports::Flow> for Flow {
    fn from(flow: reports::Flow) -> Self {
        Flow {
            male: flow.male.into(),
            female: flow.female.into(),
            other: flow.other.into(),
            total: flow.total.into(),
            target_min: flow.target_min,
            target_max: flow.target_max,
            target_status: flow.target_status.map(|status| status.code().to_string()),
            target_share: flow.target_share,
        }
    }
}

fn code_counts(list: Vec<reports::CodeCount>) -> Vec<CodeCount> {
    list.into_iter().map(|c| CodeCount { code: c.code, figure: c.figure.into() }).collect()
}

impl From<Published> for Indicators {
    fn from(published: Published) -> Self {
        Indicators {
            people_intercepted: published.people_intercepted.into(),
            people_taken_in_charge: published.people_taken_in_charge.into(),
            cases_opened: published.cases_opened.into(),
            countries: published
                .countries
                .into_iter()
                .map(|c| {
                    let (label_it, label_en) = reports::citizenship_names(&c.code).unwrap_or(("", ""));
                    let label = |name: &str| if name.is_empty() { c.code.clone() } else { name.to_string() };
                    CountryCount {
                        label_en: label(label_en),
                        label_it: label(label_it),
                        code: c.code,
                        figure: c.figure.into(),
                    }
                })
                .collect(),
            profiles: code_counts(published.profiles),
            needs: code_counts(published.needs),
            channels: code_counts(published.channels),
            services_by_category: code_counts(published.services_by_category),
            referrals_by_status: ReferralFigures {
                by_status: code_counts(published.referrals.by_status),
                acceptance_rate: published.referrals.acceptance_rate,
                completion_rate: published.referrals.completion_rate,
                rates_suppressed: published.referrals.rates_suppressed,
            },
            legal_procedures: published
                .legal_procedures
                .into_iter()
                .map(|l| LegalProcedureCount {
                    kind: l.kind.code().to_string(),
                    status: l.status.code().to_string(),
                    figure: l.figure.into(),
                })
                .collect(),
            work_grants: code_counts(published.work_grants),
            outcomes: code_counts(published.outcomes),
            days_to_intake: DaysToIntake {
                cases: published.days_to_intake.cases.into(),
                median: published.days_to_intake.median,
                p90: published.days_to_intake.p90,
                suppressed: published.days_to_intake.suppressed,
            },
            minors: published.minors.into(),
            transfers_in: published.transfers_in.into(),
            transfers_out: published.transfers_out.into(),
            activities: published
                .activities
                .into_iter()
                .map(|a| ActivityFigures {
                    kind: a.kind.code().to_string(),
                    count: a.count,
                    participants: a.participants,
                })
                .collect(),
        }
    }
}

impl From<app::reports::IndicatorsReport> for IndicatorsReport {
    fn from(report: app::reports::IndicatorsReport) -> Self {
        IndicatorsReport {
            from: report.from,
            to: report.to,
            small_counts_suppressed: report.small_counts_suppressed,
            withholding: report.withholding.map(Withholding::from),
            districts: report
                .districts
                .into_iter()
                .map(|d| DistrictIndicators {
                    district: d.district.as_str().to_string(),
                    name: d.name,
                    indicators: d.indicators.into(),
                })
                .collect(),
            total: report.total.into(),
        }
    }
}
