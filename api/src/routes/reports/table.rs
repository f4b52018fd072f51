//! The report as the table an officer pastes into a report: Italian labels, one column per
//! district in the programme's order, the total last; as CSV and as XLSX.

use chrono::Datelike;
use domain::Vocabulary;
use domain::activities::ActivityKind;
use domain::cases::{Channel, Outcome};
use domain::legal::{ProcedureKind, ProcedureStatus};
use domain::referrals::ReferralStatus;
use domain::reports::TargetStatus;
use domain::screening::{Need, Profile};
use domain::services::ServiceCategory;
use domain::work_grants::GrantStatus;
use rust_xlsxwriter::{ExcelDateTime, Format, Workbook, XlsxError};

use super::views::{CodeCount, Figure, Flow, Indicators, IndicatorsReport};
use crate::formats::CsvDialect;

/// Shown instead of a withheld count in CSV and XLSX: a count from 1 to 4, or one withheld so
/// that such a count cannot be worked out from the totals, so no "<5" that would tell which.
const SUPPRESSED_CELL: &str = "riservato";

/// A cell of the tabular report.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Count(i64),
    Decimal(f64),
    /// A share: 0.778 is 77.8%.
    Rate(f64),
    Text(&'static str),
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
pub type Table = Vec<(&'static str, String, Vec<Cell>)>;

/// The report as rows a regional officer pastes into a report: Italian labels, one column per
/// district, the total last.
pub fn table(report: &IndicatorsReport) -> Table {
    let blocks: Vec<&Indicators> =
        report.districts.iter().map(|d| &d.indicators).chain(std::iter::once(&report.total)).collect();
    let mut rows: Table = Vec::new();
    let mut row = |section: &'static str, item: String, cell: &dyn Fn(&Indicators) -> Cell| {
        rows.push((section, item, blocks.iter().map(|b| cell(b)).collect()));
    };
    for (section, pick) in [
        ("Persone intercettate", (|i: &Indicators| &i.people_intercepted) as fn(&Indicators) -> &Flow),
        ("Persone prese in carico", |i: &Indicators| &i.people_taken_in_charge),
    ] {
        row(section, "Uomini".into(), &|i| pick(i).male.into());
        row(section, "Donne".into(), &|i| pick(i).female.into());
        row(section, "Altro o non dichiarato".into(), &|i| pick(i).other.into());
        row(section, "Totale".into(), &|i| pick(i).total.into());
        row(section, "Obiettivo minimo".into(), &|i| pick(i).target_min.map_or(Cell::Empty, Cell::Count));
        row(section, "Obiettivo massimo".into(), &|i| pick(i).target_max.map_or(Cell::Empty, Cell::Count));
        row(section, "Rispetto agli obiettivi".into(), &|i| {
            let status = pick(i).target_status.as_deref().and_then(|code| TargetStatus::parse(code).ok());
            status.map_or(Cell::Empty, |s| Cell::Text(s.label_it()))
        });
        row(section, "Quota dell'obiettivo minimo".into(), &|i| pick(i).target_share.map_or(Cell::Empty, Cell::Rate));
    }
    row("Casi aperti", "Intercettazioni (una per caso)".into(), &|i| i.cases_opened.into());
    let figure_of = |list: &[CodeCount], code: &str| list.iter().find(|c| c.code == code).map(|c| c.figure);
    for country in &report.total.countries {
        let code = country.code.clone();
        row("Cittadinanza", country.label_it.clone(), &|i| {
            i.countries.iter().find(|c| c.code == code).map_or(Cell::Count(0), |c| c.figure.into())
        });
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
    let share = |value: Option<f64>, suppressed: bool| match rate(value, suppressed) {
        Cell::Decimal(v) => Cell::Rate(v),
        other => other,
    };
    row("Invii alla rete", "Tasso di accettazione".into(), &|i| {
        share(i.referrals_by_status.acceptance_rate, i.referrals_by_status.rates_suppressed)
    });
    row("Invii alla rete", "Tasso di completamento".into(), &|i| {
        share(i.referrals_by_status.completion_rate, i.referrals_by_status.rates_suppressed)
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
    row("Trasferimenti", "Arrivati da altri distretti".into(), &|i| i.transfers_in.into());
    row("Trasferimenti", "Partiti verso altri distretti".into(), &|i| i.transfers_out.into());
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

fn cell_text(cell: &Cell, dialect: CsvDialect) -> String {
    match cell {
        Cell::Count(n) => n.to_string(),
        Cell::Decimal(v) | Cell::Rate(v) => dialect.decimal(*v),
        Cell::Text(text) => (*text).to_string(),
        Cell::Suppressed => SUPPRESSED_CELL.to_string(),
        Cell::Empty => String::new(),
    }
}

/// The table as CSV in `dialect`: a header row, then one record per row.
pub fn to_csv(report: &IndicatorsReport, table: &Table, dialect: CsvDialect) -> String {
    let mut out = dialect.preamble().to_string();
    out.push_str(&dialect.record(header_row(report)));
    for (section, item, cells) in table {
        let fields = [section.to_string(), item.clone()].into_iter().chain(cells.iter().map(|c| cell_text(c, dialect)));
        out.push_str(&dialect.record(fields));
    }
    out
}

/// The first row of figures; the rows above are the title, the period, a note and the header.
const FIRST_ROW: u32 = 4;

fn excel_date(day: chrono::NaiveDate) -> Result<ExcelDateTime, XlsxError> {
    ExcelDateTime::from_ymd(day.year() as u16, day.month() as u8, day.day() as u8)
}

/// The table as an XLSX workbook: the period as date cells, the header row and the labels
/// frozen, rates as percentages.
pub fn to_xlsx(report: &IndicatorsReport, table: &Table) -> Result<Vec<u8>, XlsxError> {
    let mut workbook = Workbook::new();
    let bold = Format::new().set_bold();
    let date = Format::new().set_num_format("dd/mm/yyyy").set_align(rust_xlsxwriter::FormatAlign::Left);
    let percent = Format::new().set_num_format("0.0%");
    let decimal = Format::new().set_num_format("0.0");
    let sheet = workbook.add_worksheet();
    sheet.set_name("Indicatori")?;
    sheet.write_string_with_format(0, 0, "InLav — Indicatori", &bold)?;
    sheet.write_string(1, 0, "Dal")?;
    sheet.write_datetime_with_format(1, 1, excel_date(report.from)?, &date)?;
    sheet.write_string(1, 2, "al")?;
    sheet.write_datetime_with_format(1, 3, excel_date(report.to)?, &date)?;
    if report.small_counts_suppressed {
        sheet.write_string(
            2,
            0,
            "Riservato: i conteggi da 1 a 4 e quelli che permetterebbero di ricavarli dai totali.",
        )?;
    }
    for (col, title) in header_row(report).iter().enumerate() {
        sheet.write_string_with_format(FIRST_ROW - 1, col as u16, title, &bold)?;
    }
    sheet.set_freeze_panes(FIRST_ROW, 2)?;
    sheet.set_column_width(0, 28)?;
    sheet.set_column_width(1, 44)?;
    for (i, (section, item, cells)) in table.iter().enumerate() {
        let row = FIRST_ROW + i as u32;
        sheet.write_string(row, 0, *section)?;
        sheet.write_string(row, 1, item)?;
        for (j, cell) in cells.iter().enumerate() {
            let col = 2 + j as u16;
            match cell {
                Cell::Count(n) => {
                    sheet.write_number(row, col, *n as f64)?;
                }
                Cell::Decimal(v) => {
                    sheet.write_number_with_format(row, col, *v, &decimal)?;
                }
                Cell::Rate(v) => {
                    sheet.write_number_with_format(row, col, *v, &percent)?;
                }
                Cell::Text(text) => {
                    sheet.write_string(row, col, *text)?;
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
