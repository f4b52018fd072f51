//! The indicators report and the research export from the command line, for the Region's and
//! the evaluators' scripts: the same documents the API answers, written to a file, with no
//! login. The command line reads them as the regional coordinator (the report: counts from 1 to
//! 4 withheld) and as the evaluators (the export: audited, one entry per district, under the
//! machine's nil id).

use std::io::Write;
use std::path::{Path, PathBuf};

use app::RangeRequest;
use app::actor::Actor;
use chrono::NaiveDate;
use clap::{Args, Subcommand};
use domain::users::Role;

use super::progress::{Bar, Spinner};
use super::{explain, open};
use crate::config::Config;
use crate::formats::{CsvDialect, ExportFormat, ReportFormat};
use crate::routes::exports::{anonymity_header, write_export};
use crate::routes::reports::document;
use crate::server::REGION_ORGANIZATION_ID;

#[derive(Debug, Subcommand)]
pub(super) enum ReportsCommand {
    /// The indicators of a range, per district and in total, as the Region reads them (counts
    /// from 1 to 4 withheld, with their complements).
    Indicators {
        #[command(flatten)]
        range: RangeArgs,
        #[arg(long, value_enum, default_value = "json")]
        format: ReportFormat,
        /// How CSV is written: rfc4180, or excel-it for Excel with Italian settings.
        #[arg(long, value_enum, default_value = "rfc4180")]
        dialect: CsvDialect,
        /// The file to write; standard output when absent (not for xlsx).
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
    },
    /// Recount the report's per-day tallies from the rows (after rows were corrected directly
    /// in the database; writes through the service keep them current by themselves).
    Rebuild,
}

#[derive(Debug, Subcommand)]
pub(super) enum ExportCommand {
    /// The research export: one pseudonymous, k-anonymous row per case intercepted in the
    /// range (as `GET /api/v1/exports/cases`); audited.
    Cases {
        #[command(flatten)]
        range: RangeArgs,
        #[arg(long, value_enum, default_value = "jsonl")]
        format: ExportFormat,
        #[arg(long, value_enum, default_value = "rfc4180")]
        dialect: CsvDialect,
        /// The file to write.
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
    },
}

#[derive(Debug, Args)]
pub(super) struct RangeArgs {
    /// First day, inclusive (YYYY-MM-DD). Default: 1 January of --to's year.
    #[arg(long)]
    from: Option<NaiveDate>,
    /// Last day, inclusive. Default: today.
    #[arg(long)]
    to: Option<NaiveDate>,
    /// A district code; repeat, or separate with commas. Default: all twelve.
    #[arg(long = "district", value_delimiter = ',')]
    districts: Vec<String>,
}

impl From<RangeArgs> for RangeRequest {
    fn from(range: RangeArgs) -> Self {
        RangeRequest { districts: range.districts, from: range.from, to: range.to }
    }
}

pub(super) async fn reports(config: &Config, command: ReportsCommand, out: &mut dyn Write) -> Result<(), String> {
    let state = open(config)?;
    match command {
        ReportsCommand::Indicators { range, format, dialect, out: file } => {
            if format == ReportFormat::Xlsx && file.is_none() {
                return Err("--format xlsx: name the file with --out".into());
            }
            let actor = Actor::machine(Role::RegionalCoordinator, REGION_ORGANIZATION_ID, "cli");
            let report =
                app::reports::indicators(state.context(), &actor, state.now(), range.into()).await.map_err(explain)?;
            let (from, to, districts) = (report.from, report.to, report.districts.len());
            let bytes = document(&report, format, dialect)?;
            match file {
                Some(path) => {
                    write_file(&path, &bytes)?;
                    writeln!(out, "indicators {from} to {to}, {districts} districts, written to {}", path.display())
                }
                None => out.write_all(&bytes).and_then(|()| writeln!(out)),
            }
            .map_err(|e| e.to_string())
        }
        ReportsCommand::Rebuild => {
            let spinner = Spinner::start("recounting the report's tallies");
            let started = std::time::Instant::now();
            app::reports::rebuild(state.context()).await.map_err(|e| format!("rebuild: {e}"))?;
            drop(spinner);
            writeln!(out, "report tallies recounted in {:.1} s", started.elapsed().as_secs_f64())
                .map_err(|e| e.to_string())
        }
    }
}

pub(super) async fn export(config: &Config, command: ExportCommand, out: &mut dyn Write) -> Result<(), String> {
    let ExportCommand::Cases { range, format, dialect, out: path } = command;
    let state = open(config)?;
    let actor = Actor::machine(Role::Evaluator, REGION_ORGANIZATION_ID, "cli");
    let export = app::exports::cases(state.context(), &actor, state.now(), range.into()).await.map_err(explain)?;
    let (from, to) = (export.range.from, export.range.to);
    let anonymity = anonymity_header(&export.anonymity);
    let bar = Bar::start("export", export.anonymity.rows as u64);
    let partial = partial_path(&path);
    let mut file =
        std::io::BufWriter::new(std::fs::File::create(&partial).map_err(|e| format!("{}: {e}", partial.display()))?);
    let written = write_export(export, format, dialect, &mut file, &|| bar.advance()).await;
    drop(bar);
    let finished = written.and_then(|rows| {
        let file = file.into_inner().map_err(|e| format!("{}: {}", partial.display(), e.error()))?;
        file.sync_all().map_err(|e| format!("{}: {e}", partial.display()))?;
        std::fs::rename(&partial, &path).map_err(|e| format!("{}: {e}", path.display()))?;
        Ok(rows)
    });
    let rows = match finished {
        Ok(rows) => rows,
        Err(message) => {
            // A half-written export is not left where a script would read it as whole.
            let _ = std::fs::remove_file(&partial);
            return Err(message);
        }
    };
    writeln!(out, "{rows} cases intercepted {from} to {to} written to {}\nanonymity: {anonymity}", path.display())
        .map_err(|e| e.to_string())
}

/// Where a file is written before it is complete: beside it, renamed into place at the end.
fn partial_path(path: &Path) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(".partial");
    PathBuf::from(name)
}

fn write_file(path: &Path, bytes: &[u8]) -> Result<(), String> {
    let partial = partial_path(path);
    std::fs::write(&partial, bytes)
        .and_then(|()| std::fs::rename(&partial, path))
        .map_err(|e| format!("{}: {e}", path.display()))
}
