//! The indicators report: what the districts tell the Region, per district and in total, as
//! JSON, CSV or XLSX. Roles that see every district get small counts suppressed.

use std::collections::{BTreeMap, HashMap};

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, get, web};
use chrono::{Datelike, NaiveDate};
use domain::Vocabulary;
use domain::access::{Capability, sees_all_districts};
use domain::activities::ActivityKind;
use domain::beneficiaries::Gender;
use domain::cases::{Channel, Outcome};
use domain::districts::{DistrictCode, parse_known_district};
use domain::legal::{ProcedureKind, ProcedureStatus};
use domain::referrals::ReferralStatus;
use domain::reports::{Histogram, histogram_len, median, percentile, referral_rates, suppress};
use domain::screening::{Need, Profile};
use domain::services::ServiceCategory;
use domain::work_grants::GrantStatus;
use persistence::reports::tallies::Tallied;
use persistence::reports::{self as store, Counts, Range};
use rust_xlsxwriter::{Format, Workbook};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;

use crate::auth::Caller;
use crate::error::ApiError;
use crate::schemas;
use crate::state::AppState;

pub fn configure(config: &mut ServiceConfig) {
    config.service(indicators);
}

pub const CSV: &str = "text/csv";
pub const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
/// Shown instead of a suppressed count in CSV and XLSX.
const SUPPRESSED_CELL: &str = "<5";

/// The districts and days of a report or an export, as asked.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)] // Documents the parameters; they are read by `parse_range_query`.
pub struct RangeQuery {
    /// A district code; repeat it for several. Default: all of your districts (all twelve for
    /// the Region and evaluators).
    #[param(value_type = Option<Vec<String>>, style = Form, explode)]
    district: Option<Vec<String>>,
    /// First day, inclusive. Default: 1 January of `to`'s year.
    from: Option<NaiveDate>,
    /// Last day, inclusive. Default: today.
    to: Option<NaiveDate>,
    /// Overrides the `Accept` header: `json`, `csv` or `xlsx` (exports: `jsonl` or `csv`).
    format: Option<String>,
}

/// A range query, parsed: `district` may repeat, which the usual query extractor cannot read.
pub struct RangeRequest {
    pub range: Range,
    pub format: Option<String>,
}

/// Reads `district`, `from`, `to` and `format` (one of `formats`), and keeps the districts to
/// the caller's own unless the caller sees them all.
pub fn parse_range_query(
    state: &AppState,
    caller: &Caller,
    query: &str,
    formats: &[&str],
) -> Result<RangeRequest, ApiError> {
    let mut requested = Vec::new();
    let (mut from, mut to, mut format) = (None, None, None);
    for (name, value) in form_urlencoded::parse(query.as_bytes()) {
        let day = |value: &str| {
            NaiveDate::parse_from_str(value, "%Y-%m-%d")
                .map_err(|_| ApiError::field(name.to_string(), "invalid_date", "must be a date such as 2026-03-31"))
        };
        match name.as_ref() {
            "district" => {
                let district = parse_known_district("district", &value, state.known_districts())?;
                if !requested.contains(&district) {
                    requested.push(district);
                }
            }
            "from" => from = Some(day(&value)?),
            "to" => to = Some(day(&value)?),
            "format" if formats.contains(&value.as_ref()) => format = Some(value.to_string()),
            "format" => {
                let value: String = value.chars().filter(|c| !c.is_control()).take(32).collect();
                let message = format!("`{value}` is not one of {}", formats.join(", "));
                return Err(ApiError::field("format", "unknown_format", message));
            }
            other => {
                let other: String = other.chars().filter(|c| !c.is_control()).take(64).collect();
                return Err(ApiError::field(other, "unknown_parameter", "not a parameter of this request"));
            }
        }
    }
    let to = to.unwrap_or_else(|| state.now().date_naive());
    let from = from.unwrap_or_else(|| NaiveDate::from_ymd_opt(to.year(), 1, 1).unwrap_or(to));
    if from > to {
        return Err(ApiError::field("from", "after_to", "must not be after `to`"));
    }
    let districts = if sees_all_districts(caller.role) {
        if requested.is_empty() { state.known_districts().to_vec() } else { requested }
    } else if requested.is_empty() {
        caller.districts.clone()
    } else if let Some(other) = requested.iter().find(|d| !caller.districts.contains(d)) {
        return Err(ApiError::forbidden().with_detail(format!("`{other}` is not one of your districts")));
    } else {
        requested
    };
    Ok(RangeRequest { range: Range { districts, from, to }, format })
}

/// Whether the request asks for `media_type`, by `format` or by `Accept`.
pub fn asks_for(req: &HttpRequest, format: Option<&str>, name: &str, media_type: &str) -> bool {
    match format {
        Some(format) => format == name,
        None => req
            .headers()
            .get(header::ACCEPT)
            .and_then(|accept| accept.to_str().ok())
            .is_some_and(|accept| accept.split(',').any(|part| part.trim().starts_with(media_type))),
    }
}

/// A count as published. `count` is `null` when the count is from 1 to 4 and the reader sees
/// every district.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, ToSchema)]
pub struct Figure {
    pub count: Option<i64>,
    pub suppressed: bool,
}

impl Figure {
    fn of(count: i64, suppressing: bool) -> Figure {
        let count = if suppressing { suppress(count) } else { Some(count) };
        Figure { count, suppressed: count.is_none() }
    }
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
}

/// A count for a code of a vocabulary (or a country).
#[derive(Debug, Serialize, ToSchema)]
pub struct CodeCount {
    pub code: String,
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
    /// A rate over 1 to 4 referrals is suppressed like a count.
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
    /// Statistics over 1 to 4 people are suppressed.
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

#[derive(Debug, Serialize, ToSchema)]
pub struct Indicators {
    /// Cases whose interception falls in the range.
    pub intercepted: Flow,
    /// Cases taken in charge (from screening, or reopened) with an effective date in the range.
    pub taken_in_charge: Flow,
    /// Citizenships of the people intercepted, most frequent first (ISO 3166-1 alpha-2, plus
    /// `stateless` and `unknown`); a person with two counts under both.
    pub countries: Vec<CodeCount>,
    /// Profiles of the cases intercepted (`unknown` when not yet assessed).
    pub profiles: Vec<CodeCount>,
    /// Needs of the cases intercepted.
    pub needs: Vec<CodeCount>,
    /// Channels through which the cases intercepted arrived.
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
    /// People intercepted in the range who were under 18 then.
    pub minors: Figure,
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
    /// Counts from 1 to 4 in breakdowns by person are withheld (roles that see every district).
    pub small_counts_suppressed: bool,
    pub districts: Vec<DistrictIndicators>,
    /// Over the districts above: summed before suppression.
    pub total: Indicators,
}

/// Exact figures of one district (or of several, summed), before suppression.
#[derive(Debug, Default, Clone)]
struct Tallies {
    intercepted: HashMap<String, i64>,
    taken_in_charge: HashMap<String, i64>,
    countries: HashMap<String, i64>,
    profiles: HashMap<String, i64>,
    needs: HashMap<String, i64>,
    channels: HashMap<String, i64>,
    services: HashMap<String, i64>,
    referrals: HashMap<String, i64>,
    legal: HashMap<(String, String), i64>,
    work_grants: HashMap<String, i64>,
    outcomes: HashMap<String, i64>,
    intake_days: Histogram,
    minors: i64,
    activities: HashMap<String, (i64, i64)>,
    targets: Option<[i64; 4]>,
}

impl Tallies {
    fn add(&mut self, other: &Tallies) {
        fn merge<K: Clone + Eq + std::hash::Hash>(into: &mut HashMap<K, i64>, from: &HashMap<K, i64>) {
            for (key, n) in from {
                *into.entry(key.clone()).or_default() += n;
            }
        }
        merge(&mut self.intercepted, &other.intercepted);
        merge(&mut self.taken_in_charge, &other.taken_in_charge);
        merge(&mut self.countries, &other.countries);
        merge(&mut self.profiles, &other.profiles);
        merge(&mut self.needs, &other.needs);
        merge(&mut self.channels, &other.channels);
        merge(&mut self.services, &other.services);
        merge(&mut self.referrals, &other.referrals);
        merge(&mut self.legal, &other.legal);
        merge(&mut self.work_grants, &other.work_grants);
        merge(&mut self.outcomes, &other.outcomes);
        for (days, n) in &other.intake_days {
            *self.intake_days.entry(*days).or_default() += n;
        }
        self.minors += other.minors;
        for (kind, (n, participants)) in &other.activities {
            let entry = self.activities.entry(kind.clone()).or_default();
            entry.0 += n;
            entry.1 += participants;
        }
        if let Some(theirs) = other.targets {
            let ours = self.targets.get_or_insert([0; 4]);
            for (a, b) in ours.iter_mut().zip(theirs) {
                *a += b;
            }
        }
    }
}

/// The gender column a person is counted under.
fn gender_column(gender: Option<&str>) -> &'static str {
    match gender {
        Some(code) if code == Gender::Male.code() => "male",
        Some(code) if code == Gender::Female.code() => "female",
        _ => "other",
    }
}

/// Everything the report needs, read in one go.
struct Source {
    names: Vec<(DistrictCode, String)>,
    tallies: BTreeMap<String, Tallies>,
}

fn read_source(conn: &mut persistence::DbConnection, range: &Range) -> Result<Source, ApiError> {
    let mut tallies: BTreeMap<String, Tallies> =
        range.districts.iter().map(|d| (d.as_str().to_string(), Tallies::default())).collect();
    let mut spread = |counts: Counts, pick: fn(&mut Tallies) -> &mut HashMap<String, i64>, unknown: &str| {
        for (district, key, n) in counts {
            if let Some(t) = tallies.get_mut(&district) {
                *pick(t).entry(key.unwrap_or_else(|| unknown.to_string())).or_default() += n;
            }
        }
    };
    spread(store::work_grants_by_status(conn, range)?, |t| &mut t.work_grants, "unknown");
    store::tallies::refresh(conn, &range.districts)?;
    for tally in store::tallies::sum_range(conn, range)? {
        let Some(t) = tallies.get_mut(&tally.district) else { continue };
        let key = |unknown: &str| tally.item.clone().unwrap_or_else(|| unknown.to_string());
        let counts = match tally.figure {
            Tallied::Intercepted => &mut t.intercepted,
            Tallied::TakenInCharge => &mut t.taken_in_charge,
            Tallied::Country => &mut t.countries,
            Tallied::Profile => &mut t.profiles,
            Tallied::Channel => &mut t.channels,
            Tallied::Need => &mut t.needs,
            Tallied::Service => &mut t.services,
            Tallied::Referral => &mut t.referrals,
            Tallied::Outcome => &mut t.outcomes,
            Tallied::LegalProcedure => {
                let status = tally.detail.clone().unwrap_or_else(|| "unknown".to_string());
                *t.legal.entry((key("unknown"), status)).or_default() += tally.count;
                continue;
            }
            Tallied::DaysToIntake => {
                let days = tally.item.as_deref().and_then(|days| days.parse::<i64>().ok()).ok_or_else(|| {
                    tracing::error!(item = ?tally.item, "a tally of days to intake is not a number");
                    ApiError::internal()
                })?;
                *t.intake_days.entry(days).or_default() += tally.count;
                continue;
            }
            Tallied::Minor => {
                t.minors += tally.count;
                continue;
            }
        };
        let key = match tally.figure {
            Tallied::Intercepted | Tallied::TakenInCharge => gender_column(tally.item.as_deref()).to_string(),
            _ => key("unknown"),
        };
        *counts.entry(key).or_default() += tally.count;
    }
    for (district, gender, repeats) in store::tallies::taken_in_charge_repeats(conn, range)? {
        if let Some(t) = tallies.get_mut(&district) {
            *t.taken_in_charge.entry(gender_column(gender.as_deref()).to_string()).or_default() -= repeats;
        }
    }
    for (district, kind, n, participants) in store::activities_by_kind(conn, range)? {
        if let Some(t) = tallies.get_mut(&district) {
            t.activities.insert(kind, (n, participants));
        }
    }
    for targets in persistence::districts::targets(conn)? {
        let overlaps = targets.targets.period_from <= range.to && targets.targets.period_to >= range.from;
        if let Some(t) = tallies.get_mut(targets.district_code.as_str())
            && overlaps
        {
            let t = t.targets.get_or_insert([0; 4]);
            let values = [
                targets.targets.intercepted_min,
                targets.targets.intercepted_max,
                targets.targets.taken_in_charge_min,
                targets.targets.taken_in_charge_max,
            ];
            for (sum, value) in t.iter_mut().zip(values) {
                *sum += i64::from(value);
            }
        }
    }
    let names = persistence::districts::list(conn)?
        .into_iter()
        .filter(|d| range.districts.contains(&d.code))
        .map(|d| (d.code, d.name))
        .collect();
    Ok(Source { names, tallies })
}

/// Every code of a vocabulary in its order, then codes outside it (such as `unknown`).
fn vocabulary_counts<V: Vocabulary>(counts: &HashMap<String, i64>, suppressing: bool) -> Vec<CodeCount> {
    let mut codes: Vec<String> = V::ALL.iter().map(|v| v.code().to_string()).collect();
    let mut extra: Vec<&String> = counts.keys().filter(|k| !codes.contains(k)).collect();
    extra.sort();
    codes.extend(extra.into_iter().cloned());
    codes
        .into_iter()
        .map(|code| {
            let n = counts.get(&code).copied().unwrap_or(0);
            CodeCount { code, figure: Figure::of(n, suppressing) }
        })
        .collect()
}

fn flow(counts: &HashMap<String, i64>, targets: Option<(i64, i64)>, suppressing: bool) -> Flow {
    let of = |column: &str| counts.get(column).copied().unwrap_or(0);
    Flow {
        male: Figure::of(of("male"), suppressing),
        female: Figure::of(of("female"), suppressing),
        other: Figure::of(of("other"), suppressing),
        total: Figure::of(counts.values().sum(), suppressing),
        target_min: targets.map(|t| t.0),
        target_max: targets.map(|t| t.1),
    }
}

fn publish(t: &Tallies, suppressing: bool) -> Indicators {
    let mut countries: Vec<(&String, i64)> = t.countries.iter().map(|(c, n)| (c, *n)).collect();
    // Most frequent first; suppressed ones last, alphabetically, so their order tells nothing.
    countries.sort_by(|a, b| {
        let key = |(code, n): &(&String, i64)| (Figure::of(*n, suppressing).count.map(|n| -n), (*code).clone());
        key(a).cmp(&key(b))
    });
    let referral_count = |status: ReferralStatus| t.referrals.get(status.code()).copied().unwrap_or(0);
    let rates = referral_rates(referral_count);
    let rates_suppressed = suppressing
        && (suppress(rates.acceptance_denominator).is_none() || suppress(rates.completion_denominator).is_none());
    let mut legal: Vec<LegalProcedureCount> = t
        .legal
        .iter()
        .map(|((kind, status), n)| LegalProcedureCount {
            kind: kind.clone(),
            status: status.clone(),
            figure: Figure::of(*n, suppressing),
        })
        .collect();
    let position = |kind: &str, status: &str| {
        (
            ProcedureKind::ALL.iter().position(|k| k.code() == kind),
            ProcedureStatus::ALL.iter().position(|s| s.code() == status),
        )
    };
    legal.sort_by_key(|l| position(&l.kind, &l.status));
    let intake_cases = histogram_len(&t.intake_days);
    let intake_suppressed = suppressing && suppress(intake_cases).is_none();
    Indicators {
        intercepted: flow(&t.intercepted, t.targets.map(|t| (t[0], t[1])), suppressing),
        taken_in_charge: flow(&t.taken_in_charge, t.targets.map(|t| (t[2], t[3])), suppressing),
        countries: countries
            .into_iter()
            .map(|(code, n)| CodeCount { code: code.clone(), figure: Figure::of(n, suppressing) })
            .collect(),
        profiles: vocabulary_counts::<Profile>(&t.profiles, suppressing),
        needs: vocabulary_counts::<Need>(&t.needs, suppressing),
        channels: vocabulary_counts::<Channel>(&t.channels, suppressing),
        services_by_category: vocabulary_counts::<ServiceCategory>(&t.services, suppressing),
        referrals_by_status: ReferralFigures {
            by_status: vocabulary_counts::<ReferralStatus>(&t.referrals, suppressing),
            acceptance_rate: rates.acceptance.filter(|_| !rates_suppressed),
            completion_rate: rates.completion.filter(|_| !rates_suppressed),
            rates_suppressed,
        },
        legal_procedures: legal,
        work_grants: vocabulary_counts::<GrantStatus>(&t.work_grants, suppressing),
        outcomes: vocabulary_counts::<Outcome>(&t.outcomes, suppressing),
        days_to_intake: DaysToIntake {
            cases: Figure::of(intake_cases, suppressing),
            median: median(&t.intake_days).filter(|_| !intake_suppressed),
            p90: percentile(&t.intake_days, 90).filter(|_| !intake_suppressed),
            suppressed: intake_suppressed,
        },
        minors: Figure::of(t.minors, suppressing),
        activities: ActivityKind::ALL
            .iter()
            .map(|kind| {
                let (count, participants) = t.activities.get(kind.code()).copied().unwrap_or((0, 0));
                ActivityFigures { kind: kind.code().to_string(), count, participants }
            })
            .collect(),
    }
}

/// The indicators of the districts asked for (default: all of yours), per district and in total.
///
/// JSON by default; `Accept: text/csv` or the XLSX media type (or `format=csv|xlsx`) give the
/// same report as a table: one row per figure, one column per district, then the total.
#[utoipa::path(
    tag = "reports",
    security(("bearer" = [])),
    params(RangeQuery),
    responses(
        (status = 200, description = "The report", content(
            (IndicatorsReport = "application/json"),
            (String = "text/csv"),
            (Vec<u8> = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        )),
        (status = 403, description = "The role reads no reports, or a district is not yours", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/reports/indicators")]
pub async fn indicators(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    caller.require(Capability::ReadReports)?;
    let request = parse_range_query(&state, &caller, req.query_string(), &["json", "csv", "xlsx"])?;
    let format = request.format.as_deref();
    let range = request.range;
    let suppressing = sees_all_districts(caller.role);
    let source = {
        let range = range.clone();
        state.db(move |conn| read_source(conn, &range)).await?
    };
    let mut total = Tallies::default();
    let mut districts = Vec::new();
    for (code, name) in &source.names {
        if let Some(tallies) = source.tallies.get(code.as_str()) {
            total.add(tallies);
            districts.push(DistrictIndicators {
                district: code.as_str().to_string(),
                name: name.clone(),
                indicators: publish(tallies, suppressing),
            });
        }
    }
    let report = IndicatorsReport {
        from: range.from,
        to: range.to,
        small_counts_suppressed: suppressing,
        districts,
        total: publish(&total, suppressing),
    };
    let file_name = format!("indicatori-{}-{}", range.from, range.to);
    if asks_for(&req, format, "csv", CSV) {
        Ok(HttpResponse::Ok()
            .content_type("text/csv; charset=utf-8")
            .insert_header((header::CONTENT_DISPOSITION, format!("attachment; filename=\"{file_name}.csv\"")))
            .body(to_csv(&report, &table(&report))))
    } else if asks_for(&req, format, "xlsx", XLSX) {
        let bytes = to_xlsx(&report, &table(&report)).map_err(|err| {
            tracing::error!(error = %err, "cannot write the XLSX report");
            ApiError::internal()
        })?;
        Ok(HttpResponse::Ok()
            .content_type(XLSX)
            .insert_header((header::CONTENT_DISPOSITION, format!("attachment; filename=\"{file_name}.xlsx\"")))
            .body(bytes))
    } else {
        Ok(HttpResponse::Ok().json(report))
    }
}

/// A cell of the tabular report.
#[derive(Debug, Clone, PartialEq)]
enum Cell {
    Count(i64),
    Decimal(f64),
    Suppressed,
    Empty,
}

impl From<Figure> for Cell {
    fn from(figure: Figure) -> Cell {
        match figure.count {
            Some(n) => Cell::Count(n),
            None => Cell::Suppressed,
        }
    }
}

/// `(section, item, cells: one per district then the total)`.
type Table = Vec<(&'static str, String, Vec<Cell>)>;

/// The report as rows a regional officer pastes into a report: Italian labels, one column per
/// district, the total last.
fn table(report: &IndicatorsReport) -> Table {
    let blocks: Vec<&Indicators> =
        report.districts.iter().map(|d| &d.indicators).chain(std::iter::once(&report.total)).collect();
    let mut rows: Table = Vec::new();
    let mut row = |section: &'static str, item: String, cell: &dyn Fn(&Indicators) -> Cell| {
        rows.push((section, item, blocks.iter().map(|b| cell(b)).collect()));
    };
    for (section, pick) in [
        ("Persone intercettate", (|i: &Indicators| &i.intercepted) as fn(&Indicators) -> &Flow),
        ("Persone prese in carico", |i: &Indicators| &i.taken_in_charge),
    ] {
        row(section, "Uomini".into(), &|i| pick(i).male.into());
        row(section, "Donne".into(), &|i| pick(i).female.into());
        row(section, "Altro o non dichiarato".into(), &|i| pick(i).other.into());
        row(section, "Totale".into(), &|i| pick(i).total.into());
        row(section, "Obiettivo minimo".into(), &|i| pick(i).target_min.map_or(Cell::Empty, Cell::Count));
        row(section, "Obiettivo massimo".into(), &|i| pick(i).target_max.map_or(Cell::Empty, Cell::Count));
    }
    let figure_of = |list: &[CodeCount], code: &str| list.iter().find(|c| c.code == code).map(|c| c.figure);
    for country in report.total.countries.iter().map(|c| c.code.clone()) {
        let label = match country.as_str() {
            "stateless" => "Apolide".to_string(),
            "unknown" => "Non nota".to_string(),
            _ => country.clone(),
        };
        row("Cittadinanza", label, &|i| figure_of(&i.countries, &country).map_or(Cell::Count(0), Cell::from));
    }
    fn labelled<V: Vocabulary>(code: &str) -> String {
        V::parse(code).map(|v| v.label_it().to_string()).unwrap_or_else(|_| match code {
            "unknown" => "Non indicato".to_string(),
            other => other.to_string(),
        })
    }
    type List = (&'static str, fn(&Indicators) -> &Vec<CodeCount>, fn(&str) -> String);
    let lists: [List; 4] = [
        ("Profilo", |i| &i.profiles, labelled::<Profile>),
        ("Bisogni", |i| &i.needs, labelled::<Need>),
        ("Canale di accesso", |i| &i.channels, labelled::<Channel>),
        ("Servizi erogati", |i| &i.services_by_category, labelled::<ServiceCategory>),
    ];
    for (section, pick, label) in lists {
        for entry in pick(&report.total) {
            let code = entry.code.clone();
            row(section, label(&code), &|i| figure_of(pick(i), &code).map_or(Cell::Count(0), Cell::from));
        }
    }
    for entry in &report.total.referrals_by_status.by_status {
        let code = entry.code.clone();
        row("Invii alla rete", labelled::<ReferralStatus>(&code), &|i| {
            figure_of(&i.referrals_by_status.by_status, &code).map_or(Cell::Count(0), Cell::from)
        });
    }
    let rate = |value: Option<f64>, suppressed: bool| match (value, suppressed) {
        (_, true) => Cell::Suppressed,
        (Some(v), false) => Cell::Decimal(v),
        (None, false) => Cell::Empty,
    };
    row("Invii alla rete", "Tasso di accettazione".into(), &|i| {
        rate(i.referrals_by_status.acceptance_rate, i.referrals_by_status.rates_suppressed)
    });
    row("Invii alla rete", "Tasso di completamento".into(), &|i| {
        rate(i.referrals_by_status.completion_rate, i.referrals_by_status.rates_suppressed)
    });
    for entry in &report.total.legal_procedures {
        let (kind, status) = (entry.kind.clone(), entry.status.clone());
        let label = format!("{} — {}", labelled::<ProcedureKind>(&kind), labelled::<ProcedureStatus>(&status));
        row("Procedure legali", label, &|i| {
            i.legal_procedures
                .iter()
                .find(|l| l.kind == kind && l.status == status)
                .map_or(Cell::Count(0), |l| l.figure.into())
        });
    }
    for entry in &report.total.work_grants {
        let code = entry.code.clone();
        row("Borse lavoro", labelled::<GrantStatus>(&code), &|i| {
            figure_of(&i.work_grants, &code).map_or(Cell::Count(0), Cell::from)
        });
    }
    for entry in &report.total.outcomes {
        let code = entry.code.clone();
        row("Esiti alla chiusura", labelled::<Outcome>(&code), &|i| {
            figure_of(&i.outcomes, &code).map_or(Cell::Count(0), Cell::from)
        });
    }
    let delay = |i: &Indicators, value: Option<f64>| rate(value, i.days_to_intake.suppressed);
    row("Giorni alla presa in carico", "Casi".into(), &|i| i.days_to_intake.cases.into());
    row("Giorni alla presa in carico", "Mediana".into(), &|i| delay(i, i.days_to_intake.median));
    row("Giorni alla presa in carico", "90° percentile".into(), &|i| delay(i, i.days_to_intake.p90.map(|p| p as f64)));
    row("Minori", "Minori intercettati".into(), &|i| i.minors.into());
    for kind in ActivityKind::ALL {
        let find =
            |i: &Indicators| i.activities.iter().find(|a| a.kind == kind.code()).map(|a| (a.count, a.participants));
        row("Attività", format!("{} — numero", kind.label_it()), &|i| Cell::Count(find(i).map_or(0, |a| a.0)));
        row("Attività", format!("{} — partecipanti", kind.label_it()), &|i| Cell::Count(find(i).map_or(0, |a| a.1)));
    }
    rows
}

fn header_row(report: &IndicatorsReport) -> Vec<String> {
    ["Sezione".to_string(), "Voce".to_string()]
        .into_iter()
        .chain(report.districts.iter().map(|d| d.name.clone()))
        .chain(std::iter::once("Totale".to_string()))
        .collect()
}

/// A CSV field (RFC 4180): quoted when it holds a comma, a quote or a line break.
pub fn csv_field(text: &str) -> String {
    if text.contains([',', '"', '\n', '\r']) { format!("\"{}\"", text.replace('"', "\"\"")) } else { text.to_string() }
}

fn cell_text(cell: &Cell) -> String {
    match cell {
        Cell::Count(n) => n.to_string(),
        Cell::Decimal(v) => v.to_string(),
        Cell::Suppressed => SUPPRESSED_CELL.to_string(),
        Cell::Empty => String::new(),
    }
}

fn to_csv(report: &IndicatorsReport, table: &Table) -> String {
    let mut out = String::new();
    let mut line = |fields: Vec<String>| {
        out.push_str(&fields.iter().map(|f| csv_field(f)).collect::<Vec<_>>().join(","));
        out.push_str("\r\n");
    };
    line(header_row(report));
    for (section, item, cells) in table {
        line([section.to_string(), item.clone()].into_iter().chain(cells.iter().map(cell_text)).collect());
    }
    out
}

fn to_xlsx(report: &IndicatorsReport, table: &Table) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    let mut workbook = Workbook::new();
    let bold = Format::new().set_bold();
    let sheet = workbook.add_worksheet();
    sheet.set_name("Indicatori")?;
    sheet.write_string_with_format(
        0,
        0,
        format!("InLav — Indicatori dal {} al {}", report.from.format("%d/%m/%Y"), report.to.format("%d/%m/%Y")),
        &bold,
    )?;
    if report.small_counts_suppressed {
        sheet.write_string(1, 0, "I conteggi da 1 a 4 sono oscurati (<5).")?;
    }
    for (col, title) in header_row(report).iter().enumerate() {
        sheet.write_string_with_format(3, col as u16, title, &bold)?;
    }
    sheet.set_column_width(0, 28)?;
    sheet.set_column_width(1, 44)?;
    for (i, (section, item, cells)) in table.iter().enumerate() {
        let row = 4 + i as u32;
        sheet.write_string(row, 0, *section)?;
        sheet.write_string(row, 1, item)?;
        for (j, cell) in cells.iter().enumerate() {
            let col = 2 + j as u16;
            match cell {
                Cell::Count(n) => {
                    sheet.write_number(row, col, *n as f64)?;
                }
                Cell::Decimal(v) => {
                    sheet.write_number(row, col, *v)?;
                }
                Cell::Suppressed => {
                    sheet.write_string(row, col, SUPPRESSED_CELL)?;
                }
                Cell::Empty => {}
            }
        }
    }
    workbook.save_to_buffer()
}
