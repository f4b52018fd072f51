//! What every use case runs against: the database handle and the reference data read at start.

use std::sync::Arc;

use domain::districts::{DistrictCode, parse_known_district};
use domain::reports::Tz;
use persistence::Database;
use uuid::Uuid;

use crate::error::Result;
use crate::kept_reports::KeptReports;

/// Cheap to clone: the clones share everything.
#[derive(Clone)]
pub struct Context(Arc<Inner>);

struct Inner {
    db: Database,
    /// Districts are reference data that change only by migration, so they are read once.
    districts: Vec<DistrictCode>,
    /// Keys the pseudonyms of the research export.
    pseudonym_key: Vec<u8>,
    /// Whose calendar days reports and exports count (`INLAV_TIME_ZONE`).
    zone: Tz,
    /// Reports counted recently, while their figures are current.
    kept_reports: KeptReports,
}

impl Context {
    pub fn new(db: Database, districts: Vec<DistrictCode>, pseudonym_key: Vec<u8>, zone: Tz) -> Context {
        Context(Arc::new(Inner { db, districts, pseudonym_key, zone, kept_reports: KeptReports::default() }))
    }

    /// The time zone of the programme's calendar days.
    pub fn zone(&self) -> Tz {
        self.0.zone
    }

    pub fn db(&self) -> &Database {
        &self.0.db
    }

    pub fn known_districts(&self) -> &[DistrictCode] {
        &self.0.districts
    }

    /// A district code given in `field`, which must be one of the programme's.
    pub fn district(&self, field: &str, code: &str) -> Result<DistrictCode> {
        Ok(parse_known_district(field, code, &self.0.districts)?)
    }

    /// A district named by the path of a resource: unknown districts are not found.
    pub fn district_of_path(&self, code: &str) -> Result<DistrictCode> {
        DistrictCode::parse("code", code)
            .ok()
            .filter(|c| self.0.districts.contains(c))
            .ok_or(crate::error::Error::NotFound)
    }

    pub(crate) fn kept_reports(&self) -> &KeptReports {
        &self.0.kept_reports
    }

    pub fn pseudonym_key(&self) -> &[u8] {
        &self.0.pseudonym_key
    }
}

/// A resource as the caller read it: its id and the version (`If-Match`) a change applies to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReadVersion {
    pub id: Uuid,
    pub version: i32,
}
