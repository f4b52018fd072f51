//! The research export as a workbook: the rows on a first sheet written in constant memory,
//! how they were anonymised on a second.

use domain::Vocabulary;
use domain::exports::{AnonymitySummary, Attribute};
use rust_xlsxwriter::{Format, Workbook, XlsxError};
use tokio::sync::mpsc::Receiver;

use super::{ExportedCase, Field, columns, fields};

/// Writes every row `rows` hands over, then the summary; the workbook's bytes.
pub fn write(rows: &mut Receiver<ExportedCase>, summary: &AnonymitySummary) -> Result<Vec<u8>, XlsxError> {
    let mut workbook = Workbook::new();
    let bold = Format::new().set_bold();
    let sheet = workbook.add_worksheet_with_constant_memory()?;
    sheet.set_name("Casi")?;
    for (col, title) in columns().iter().enumerate() {
        sheet.write_string_with_format(0, col as u16, title, &bold)?;
    }
    sheet.set_freeze_panes(1, 0)?;
    let mut row = 1u32;
    while let Some(case) = rows.blocking_recv() {
        for (col, field) in fields(&case).into_iter().enumerate() {
            match field {
                Field::Text(text) if text.is_empty() => {}
                Field::Text(text) => {
                    sheet.write_string(row, col as u16, text)?;
                }
                Field::Count(n) => {
                    sheet.write_number(row, col as u16, n as f64)?;
                }
            }
        }
        row += 1;
    }
    let about = workbook.add_worksheet();
    about.set_name("Anonimizzazione")?;
    about.set_column_width(0, 44)?;
    about.set_column_width(1, 24)?;
    for (line, (label, value)) in summary_lines(summary).into_iter().enumerate() {
        about.write_string(line as u32, 0, label)?;
        about.write_string(line as u32, 1, value)?;
    }
    workbook.save_to_buffer()
}

/// The summary in Italian, a label and a value per line.
fn summary_lines(summary: &AnonymitySummary) -> Vec<(String, String)> {
    let g = summary.generalisation;
    let kept = |withheld: bool| if withheld { "oscurato in ogni riga" } else { "riportato" }.to_string();
    let mut lines = vec![
        ("Ogni riga è condivisa da almeno (persone)".to_string(), summary.k.to_string()),
        ("Righe".to_string(), summary.rows.to_string()),
        ("Persone".to_string(), summary.people.to_string()),
        ("Gruppo più piccolo (persone)".to_string(), summary.smallest_class.to_string()),
        ("Informazione perduta (da 0 a 1)".to_string(), format!("{:.3}", summary.information_lost)),
        ("Mese di intercettazione scritto per".to_string(), g.month.label_it().to_string()),
        ("Fascia d'età".to_string(), g.age_band.label_it().to_string()),
        ("Cittadinanza scritta per".to_string(), g.citizenship.label_it().to_string()),
        ("Canale".to_string(), kept(g.channel_withheld)),
        ("Profilo".to_string(), kept(g.profile_withheld)),
    ];
    for attribute in Attribute::ALL {
        let rows = summary.suppressed.get(attribute).copied().unwrap_or(0);
        let what = if *attribute == Attribute::District { "«other»" } else { "«*»" };
        lines.push((format!("Righe con {} {what}", attribute.label_it().to_lowercase()), rows.to_string()));
    }
    lines
}
