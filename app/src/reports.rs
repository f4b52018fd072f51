//! The indicators report: what the districts tell the Region, per district and in total. The
//! figures are counted by storage (typed tallies), published by the domain's rules: exact for a
//! district's own roles; for readers who see every district, small counts withheld with their
//! complements.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use domain::access::{Capability, sees_all_districts};
pub use domain::reports::{DistrictReport, IndicatorsReport};
use domain::reports::{PublishedReport, Tallies, count_people, publish_report};
use persistence::districts;
use persistence::reports::{self as store, Range, tallies};

use crate::access::{RangeRequest, report_range};
use crate::actor::Actor;
use crate::context::Context;
use crate::error::Result;
use crate::kept_reports::ReportKey;

/// The indicators of the districts asked for (default: all of the caller's).
pub async fn indicators(
    ctx: &Context,
    actor: &Actor,
    now: DateTime<Utc>,
    request: RangeRequest,
) -> Result<Arc<IndicatorsReport>> {
    actor.require(Capability::ReadReports)?;
    let range = report_range(ctx, actor, now, request)?;
    let db = ctx.db();
    let checked = range.districts.clone();
    let figures_version = match db.read(move |conn| tallies::figures_version(conn, &checked)).await? {
        Some(version) => Some(version),
        None => {
            let (districts, zone) = (range.districts.clone(), range.zone);
            db.write(move |conn| {
                tallies::refresh(conn, &districts, zone)?;
                tallies::figures_version(conn, &districts)
            })
            .await?
        }
    };
    let suppressing = sees_all_districts(actor.role);
    let key = ReportKey::new(range.districts.clone(), range.from, range.to, suppressing, figures_version);
    ctx.kept_reports().get_or_count(&key, count_report(ctx, range, suppressing)).await
}

/// Counts a report from the tallies and the rows.
async fn count_report(ctx: &Context, range: Range, suppressing: bool) -> Result<IndicatorsReport> {
    let db = ctx.db();
    // Over many districts the report is a long read: it waits its turn in the long-read
    // budget, so that the desks keep their latency.
    let read = {
        let range = range.clone();
        move |conn: &mut persistence::DbConnection| {
            let names = districts::list(conn)?;
            let tallies = store::tallies_of(conn, &range)?;
            Ok::<_, persistence::Error>((names, tallies, store::recounted_people(conn, &range)?))
        }
    };
    let (names, mut tallies, people) =
        if range.districts.len() > 1 { db.snapshot(read).await? } else { db.read(read).await? };
    let Range { from, to, .. } = range;
    // The tallies hold each person with one case once, in one district: they add up. The
    // people counted one by one are added to each district and, once, to the total.
    let mut total = Tallies::default();
    for figures in tallies.values() {
        total.add(figures);
    }
    count_people(&people, from, to, &mut tallies, &mut total);
    // The programme's order; the districts asked for and nothing else.
    let (reported, district_tallies): (Vec<_>, Vec<_>) = names
        .into_iter()
        .filter_map(|district| tallies.remove(&district.code).map(|figures| (district, figures)))
        .unzip();
    let PublishedReport { districts: published, total, withholding } =
        publish_report(&district_tallies, &total, suppressing);
    let districts = reported
        .into_iter()
        .zip(published)
        .map(|(district, indicators)| DistrictReport { district: district.code, name: district.name, indicators })
        .collect();
    Ok(IndicatorsReport { from, to, small_counts_suppressed: suppressing, withholding, districts, total })
}

/// Recounts every tally from the rows (after rows were corrected directly in the database;
/// writes through the service keep them current by themselves).
pub async fn rebuild(ctx: &Context) -> Result<()> {
    let zone = ctx.zone();
    Ok(ctx.db().with_connection(move |conn| tallies::rebuild(conn, zone)).await?)
}
