//! The indicators report: what the districts tell the Region, per district and in total. The
//! figures are counted by storage (typed tallies), published by the domain's rules: exact for a
//! district's own roles; for readers who see every district, small counts withheld with their
//! complements.

use chrono::{DateTime, NaiveDate, Utc};
use domain::access::{Capability, sees_all_districts};
use domain::districts::DistrictCode;
use domain::reports::{Indicators, PublishedReport, Tallies, Withholding, count_people, publish_report};
use persistence::districts;
use persistence::reports::{self as store, Range, tallies};

use crate::access::{RangeRequest, report_range};
use crate::actor::Actor;
use crate::context::Context;
use crate::error::Result;

/// One district's indicators.
#[derive(Debug, Clone, PartialEq)]
pub struct DistrictReport {
    pub district: DistrictCode,
    pub name: String,
    pub indicators: Indicators,
}

/// The indicators of a range, per district in the programme's order and in total.
#[derive(Debug, Clone, PartialEq)]
pub struct IndicatorsReport {
    pub from: NaiveDate,
    pub to: NaiveDate,
    /// Counts from 1 to 4 are withheld, with as many others as keep them from being worked
    /// out (readers who see every district).
    pub small_counts_suppressed: bool,
    /// How many counts were withheld, when some may be.
    pub withholding: Option<Withholding>,
    pub districts: Vec<DistrictReport>,
    /// Over the districts above, added up before suppression.
    pub total: Indicators,
}

/// The indicators of the districts asked for (default: all of the caller's).
pub async fn indicators(
    ctx: &Context,
    actor: &Actor,
    now: DateTime<Utc>,
    request: RangeRequest,
) -> Result<IndicatorsReport> {
    actor.require(Capability::ReadReports)?;
    let range = report_range(ctx, actor, now, request)?;
    let db = ctx.db();
    let stale_districts = range.districts.clone();
    if db.read(move |conn| tallies::is_stale(conn, &stale_districts)).await? {
        let (districts, zone) = (range.districts.clone(), range.zone);
        db.write(move |conn| tallies::refresh(conn, &districts, zone)).await?;
    }
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
    let suppressing = sees_all_districts(actor.role);
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
