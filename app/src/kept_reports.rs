//! The indicators reports counted recently, kept while their figures are current.
//!
//! Each is keyed by what it reports and the version of the figures it was counted at
//! (`persistence::reports::tallies::figures_version`): a report asked again before anything it
//! counts changed is answered from here, without counting again and without a long read.
//! Concurrent requests for a report not kept wait for the one counting it, instead of each
//! taking a long read of its own (a Region's dashboard opened by many at once).

use std::future::Future;
use std::sync::Arc;

use chrono::NaiveDate;
use domain::districts::DistrictCode;
use domain::reports::IndicatorsReport;

use crate::error::Result;

/// Reports kept: the ranges a Region's dashboard and the districts' desks ask for, a few
/// hundred KB in all (a twelve-district report is some tens of KB). Older versions fall out.
const KEPT_REPORTS: usize = 48;

pub struct KeptReports(quick_cache::sync::Cache<ReportKey, Arc<IndicatorsReport>>);

/// What a report counts, and the figures' version it was counted at.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ReportKey {
    districts: Vec<DistrictCode>,
    from: NaiveDate,
    to: NaiveDate,
    /// Whether small counts are withheld: the same range reads differently to a district and
    /// to the Region.
    suppressing: bool,
    figures_version: Option<String>,
}

impl ReportKey {
    /// `figures_version` is `None` when the figures may be changing under the count (a day was
    /// marked stale again right after the refresh): such a report is counted, not kept.
    pub fn new(
        mut districts: Vec<DistrictCode>,
        from: NaiveDate,
        to: NaiveDate,
        suppressing: bool,
        figures_version: Option<String>,
    ) -> ReportKey {
        districts.sort();
        ReportKey { districts, from, to, suppressing, figures_version }
    }
}

impl Default for KeptReports {
    fn default() -> Self {
        KeptReports(quick_cache::sync::Cache::new(KEPT_REPORTS))
    }
}

impl KeptReports {
    /// The report kept under `key`, or the one `count` gives, kept when its key has a version.
    pub async fn get_or_count(
        &self,
        key: &ReportKey,
        count: impl Future<Output = Result<IndicatorsReport>>,
    ) -> Result<Arc<IndicatorsReport>> {
        if key.figures_version.is_none() {
            return Ok(Arc::new(count.await?));
        }
        self.0.get_or_insert_async(key, async { Ok(Arc::new(count.await?)) }).await
    }
}
