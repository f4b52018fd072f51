//! The research export: one pseudonymous row per case intercepted in a range, for the
//! evaluators and the Region. People who refused research use are left out; every export is
//! audited, one entry per district it covers.

use chrono::{DateTime, Utc};
use domain::access::Capability;
use domain::audit::AuditAction;
use domain::exports::{ExportCase, ExportRow, PeopleByCountry, row};
use persistence::exports::export_batch;
use persistence::reports::Range;
use persistence::{DbConnection, Sink};
use tokio::sync::mpsc;
use uuid::Uuid;

use crate::access::{RangeRequest, report_range};
use crate::actor::Actor;
use crate::context::Context;
use crate::error::Result;

/// Cases read per query: bounded memory whatever the size of the export.
const BATCH: i64 = 500;
/// Rows handed over ahead of the reader.
const AHEAD: usize = 64;

/// An export on its way: the range it covers and its rows as they are read. A storage failure
/// after the first row arrives as the last item.
pub struct Export {
    pub range: Range,
    pub rows: mpsc::Receiver<std::result::Result<ExportRow, persistence::Error>>,
}

/// Starts the export of the cases of the range. Two passes over one snapshot: the first counts
/// the people per country (rare citizenships are generalised), the second hands over the rows.
/// The export is a long read: it waits its turn in the long-read budget.
pub async fn cases(ctx: &Context, actor: &Actor, now: DateTime<Utc>, request: RangeRequest) -> Result<Export> {
    actor.require(Capability::ExportResearch)?;
    let range = report_range(ctx, actor, now, request)?;
    // Audited once admitted, before any row is read: an export refused by the budget took
    // nothing and is not in the trail.
    let turn = ctx.db().long_read_turn().await?;
    let entries = range.districts.iter().map(|d| actor.audit(now, AuditAction::Export, d, None, None)).collect();
    ctx.db().record(entries).await?;
    let key = ctx.pseudonym_key().to_vec();
    let read = range.clone();
    let rows = ctx.db().stream(turn, AHEAD, move |conn, sink: &Sink<ExportRow>| {
        let mut people = PeopleByCountry::default();
        each_exportable(conn, &read, |case| {
            people.count(&case);
            Ok(())
        })?;
        each_exportable(conn, &read, |case| sink.send(row(case, &key, &people)))
    })?;
    Ok(Export { range, rows })
}

/// Walks the cases of the range in batches, skipping those whose person refused research use.
fn each_exportable(
    conn: &mut DbConnection,
    range: &Range,
    mut visit: impl FnMut(ExportCase) -> std::result::Result<(), persistence::Error>,
) -> std::result::Result<(), persistence::Error> {
    let mut after: Option<Uuid> = None;
    loop {
        let batch = export_batch(conn, range, after, BATCH)?;
        let done = (batch.len() as i64) < BATCH;
        after = batch.last().map(|c| c.case_id);
        for case in batch.into_iter().filter(|c| !c.research_refused) {
            visit(case)?;
        }
        if done {
            return Ok(());
        }
    }
}
