//! The research export: one pseudonymous row per case intercepted in a range, for the
//! evaluators and the Region, k-anonymous over what may identify a person. People who refused
//! research use are left out; every export is audited, one entry per district it covers.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use domain::access::Capability;
use domain::audit::AuditAction;
use domain::exports::{
    Anonymiser, AnonymitySummary, EXPORT_K, ExportCase, ExportRow, pseudonym, quasi_identifiers, row,
};
use persistence::exports::{export_case_ids, export_cases};
use persistence::reports::Range;
use persistence::{DbConnection, Sink};
use tokio::sync::mpsc;
use uuid::Uuid;

use crate::access::{RangeRequest, report_range};
use crate::actor::Actor;
use crate::context::Context;
use crate::error::Result;

/// Cases read per query: bounded memory whatever the size of the export (its ids aside).
const BATCH: usize = 500;
/// Rows handed over ahead of the reader.
const AHEAD: usize = 64;

/// What the reading thread hands over: first how the rows are anonymised, then the rows.
#[allow(clippy::large_enum_variant, reason = "one summary, then rows: boxing would allocate per row")]
enum Streamed {
    Anonymity(AnonymitySummary),
    Row(ExportRow),
}

/// An export on its way: the range it covers, how its rows are anonymised, and its rows as
/// they are read.
pub struct Export {
    pub range: Range,
    pub anonymity: AnonymitySummary,
    items: mpsc::Receiver<std::result::Result<Streamed, persistence::Error>>,
}

impl Export {
    /// The next row, `None` after the last. A storage failure after the first row arrives as
    /// the last item.
    pub async fn next_row(&mut self) -> Option<std::result::Result<ExportRow, persistence::Error>> {
        loop {
            match self.items.recv().await? {
                Ok(Streamed::Row(row)) => return Some(Ok(row)),
                Ok(Streamed::Anonymity(_)) => {}
                Err(error) => return Some(Err(error)),
            }
        }
    }
}

/// Starts the export of the cases of the range. Over one snapshot: the ids of the range's
/// cases, then two passes reading them by id: the first gathers what may identify each person
/// and plans the generalisations for k-anonymity, the second hands over the rows as planned,
/// in the order of their pseudonyms. The export is a long read: it waits its turn in the
/// long-read budget.
pub async fn cases(ctx: &Context, actor: &Actor, now: DateTime<Utc>, request: RangeRequest) -> Result<Export> {
    actor.require(Capability::ExportResearch)?;
    let range = report_range(ctx, actor, now, request)?;
    // Audited once admitted, before any row is read: an export refused by the budget took
    // nothing and is not in the trail.
    let turn = ctx.db().long_read_turn().await?;
    let entries = range.districts.iter().map(|d| actor.audit(now, AuditAction::Export, d, None, None)).collect();
    ctx.db().record(entries).await?;
    let key = ctx.pseudonym_key().to_vec();
    let (read, zone) = (range.clone(), range.zone);
    let mut items = ctx.db().stream(turn, AHEAD, move |conn, sink: &Sink<Streamed>| {
        let ids = export_case_ids(conn, &read)?;
        let mut anonymiser = Anonymiser::default();
        each_exportable(conn, &ids, |case| {
            anonymiser.add(case.case_id, case.beneficiary_id, &quasi_identifiers(&case, zone));
            Ok(())
        })?;
        let plan = anonymiser.plan(EXPORT_K);
        sink.send(Streamed::Anonymity(plan.summary.clone()))?;
        // Rows in the order of their pseudonym: case ids are time-ordered (UUIDv7), and rows in
        // that order would tell each row's date, whatever the month column says.
        let mut shuffled: Vec<(String, Uuid)> =
            ids.into_iter().map(|id| (pseudonym(&key, "case", &id.to_string()), id)).collect();
        shuffled.sort_unstable();
        let ids: Vec<Uuid> = shuffled.into_iter().map(|(_, id)| id).collect();
        each_exportable(conn, &ids, |case| sink.send(Streamed::Row(row(case, &key, &plan, zone))))
    })?;
    match items.recv().await {
        Some(Ok(Streamed::Anonymity(anonymity))) => Ok(Export { range, anonymity, items }),
        Some(Err(error)) => Err(error.into()),
        Some(Ok(Streamed::Row(_))) | None => {
            Err(persistence::Error::Internal("the export ended before its first pass".into()).into())
        }
    }
}

/// Visits the cases of `ids` in that order, a batch at a time, skipping those whose person
/// refused research use.
fn each_exportable(
    conn: &mut DbConnection,
    ids: &[Uuid],
    mut visit: impl FnMut(ExportCase) -> std::result::Result<(), persistence::Error>,
) -> std::result::Result<(), persistence::Error> {
    for batch in ids.chunks(BATCH) {
        let mut found: HashMap<Uuid, ExportCase> =
            export_cases(conn, batch)?.into_iter().map(|case| (case.case_id, case)).collect();
        for id in batch {
            if let Some(case) = found.remove(id).filter(|c| !c.research_refused) {
                visit(case)?;
            }
        }
    }
    Ok(())
}
