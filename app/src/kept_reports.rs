//! The indicators reports counted recently, kept while their figures are current.
//!
//! Each is keyed by what it reports and the version of the figures it was counted at
//! (`persistence::reports::tallies::figures_version`): a report asked again before anything it
//! counts changed is answered from here, without counting again and without a long read.
//! Concurrent requests for a report not kept wait for the one counting it, instead of each
//! taking a long read of its own (a Region's dashboard opened by many at once).

use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex};

use chrono::NaiveDate;
use domain::districts::DistrictCode;
use domain::reports::IndicatorsReport;

use crate::error::{Error, Result};

/// Reports kept: the ranges a Region's dashboard and the districts' desks ask for. A report is
/// some tens of KB; a report superseded by a newer version of its figures is dropped at once.
const KEPT_REPORTS: usize = 32;

pub struct KeptReports {
    reports: quick_cache::sync::Cache<ReportKey, Arc<IndicatorsReport>>,
    /// The figures' version each report was last kept at, to drop it when a newer one is kept.
    kept_at: Mutex<HashMap<ReportScope, String>>,
}

/// What a report counts: its districts, its days, and whether small counts are withheld (the
/// same range reads differently to a district and to the Region).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct ReportScope {
    districts: Vec<DistrictCode>,
    from: NaiveDate,
    to: NaiveDate,
    suppressing: bool,
}

/// What a report counts, and the figures' version it was counted at.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ReportKey {
    scope: ReportScope,
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
        ReportKey { scope: ReportScope { districts, from, to, suppressing }, figures_version }
    }
}

impl Default for KeptReports {
    fn default() -> Self {
        KeptReports { reports: quick_cache::sync::Cache::new(KEPT_REPORTS), kept_at: Mutex::default() }
    }
}

impl KeptReports {
    /// The report kept under `key`, or the one `count` gives, kept when its key has a version.
    pub async fn get_or_count(
        &self,
        key: &ReportKey,
        count: impl Future<Output = Result<IndicatorsReport>>,
    ) -> Result<Arc<IndicatorsReport>> {
        let Some(version) = &key.figures_version else {
            return Ok(Arc::new(count.await?));
        };
        let report = self.reports.get_or_insert_async(key, async { Ok::<_, Error>(Arc::new(count.await?)) }).await?;
        self.drop_superseded(&key.scope, version);
        Ok(report)
    }

    /// Drops the report of `scope` kept at a version other than `version`: nobody asks for it
    /// again. Forgets the scopes whose reports fell out of the cache meanwhile.
    fn drop_superseded(&self, scope: &ReportScope, version: &str) {
        let Ok(mut kept_at) = self.kept_at.lock() else { return };
        // The usual case, a report answered again at the version it was kept at: nothing to do.
        if kept_at.get(scope).is_some_and(|kept| kept == version) {
            return;
        }
        let previous = kept_at.insert(scope.clone(), version.to_string());
        if let Some(previous) = previous {
            self.reports.remove(&ReportKey { scope: scope.clone(), figures_version: Some(previous) });
        }
        if kept_at.len() > 2 * KEPT_REPORTS {
            kept_at.retain(|scope, version| {
                let key = ReportKey { scope: scope.clone(), figures_version: Some(version.clone()) };
                self.reports.contains_key(&key)
            });
        }
    }

    /// How many reports are kept.
    #[cfg(test)]
    fn len(&self) -> usize {
        self.reports.len()
    }
}

#[cfg(test)]
mod tests {
    use domain::reports::{Tallies, publish};

    use super::*;

    fn report() -> IndicatorsReport {
        let day = NaiveDate::default();
        let empty = publish(&Tallies::default());
        IndicatorsReport {
            from: day,
            to: day,
            small_counts_suppressed: false,
            withholding: None,
            districts: Vec::new(),
            total: empty,
        }
    }

    fn key(from_day: u32, version: Option<&str>) -> ReportKey {
        let from = NaiveDate::from_ymd_opt(2026, 1, from_day).unwrap_or_default();
        ReportKey::new(vec![DistrictCode::from_trusted("milano".into())], from, from, false, version.map(Into::into))
    }

    #[tokio::test]
    async fn a_report_is_kept_until_a_newer_version_of_its_figures_replaces_it() {
        let kept = KeptReports::default();
        let counts = std::sync::atomic::AtomicUsize::new(0);
        let count = || async {
            counts.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            Ok(report())
        };
        for _ in 0..3 {
            kept.get_or_count(&key(1, Some("v1")), count()).await.expect("counted");
        }
        assert_eq!(counts.load(std::sync::atomic::Ordering::SeqCst), 1, "counted once, then kept");
        kept.get_or_count(&key(2, Some("v1")), count()).await.expect("counted");
        assert_eq!(kept.len(), 2, "another range is another report");
        kept.get_or_count(&key(1, Some("v2")), count()).await.expect("counted");
        assert_eq!(counts.load(std::sync::atomic::Ordering::SeqCst), 3);
        assert_eq!(kept.len(), 2, "the report at v1 was dropped when v2 was kept");
        kept.get_or_count(&key(1, None), count()).await.expect("counted");
        kept.get_or_count(&key(1, None), count()).await.expect("counted");
        assert_eq!(counts.load(std::sync::atomic::Ordering::SeqCst), 5, "without a version, counted each time");
        assert_eq!(kept.len(), 2);
    }
}
