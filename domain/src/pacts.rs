//! Territorial pacts (patti territoriali): the agreement each district signs with its network.

use chrono::{DateTime, NaiveDate, Utc};
use uuid::Uuid;

use crate::districts::DistrictCode;
use crate::validation::Violations;
use crate::vocabulary;

vocabulary! {
    pub enum PactStatus as "pact_statuses" {
        Drafting => ("drafting", "In redazione", "Drafting"),
        Signed => ("signed", "Sottoscritto", "Signed"),
        Renewed => ("renewed", "Rinnovato", "Renewed"),
        Expired => ("expired", "Scaduto", "Expired"),
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pact {
    pub id: Uuid,
    pub district: DistrictCode,
    pub title: String,
    pub status: PactStatus,
    pub signatories: Vec<Uuid>,
    pub signed_on: Option<NaiveDate>,
    pub valid_until: Option<NaiveDate>,
    /// Where the signed document is kept (protocol number, file name, link).
    pub document_reference: Option<String>,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

pub fn check(
    status: PactStatus,
    signed_on: Option<NaiveDate>,
    valid_until: Option<NaiveDate>,
    today: NaiveDate,
) -> Result<(), Violations> {
    let mut v = Violations::new();
    match (status, signed_on) {
        (PactStatus::Drafting, Some(_)) => v.add("signed_on", "not_allowed", "a pact being drafted is not signed"),
        (PactStatus::Signed | PactStatus::Renewed | PactStatus::Expired, None) => {
            v.add("signed_on", "required", "a signed pact has a signing date")
        }
        _ => {}
    }
    if signed_on.is_some_and(|d| d > today) {
        v.add("signed_on", "in_future", "must not be in the future");
    }
    if let (Some(signed), Some(until)) = (signed_on, valid_until)
        && until < signed
    {
        v.add("valid_until", "before_signed", "must not be before signed_on");
    }
    v.finish(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn signing_dates_fit_the_status() {
        let today = day("2026-03-02");
        assert!(check(PactStatus::Drafting, None, None, today).is_ok());
        assert!(check(PactStatus::Signed, Some(day("2025-10-01")), Some(day("2027-10-01")), today).is_ok());
        let codes =
            |r: Result<(), Violations>| r.unwrap_err().into_vec().into_iter().map(|v| v.code).collect::<Vec<_>>();
        assert_eq!(codes(check(PactStatus::Signed, None, None, today)), ["required"]);
        assert_eq!(codes(check(PactStatus::Drafting, Some(day("2025-10-01")), None, today)), ["not_allowed"]);
        assert_eq!(
            codes(check(PactStatus::Renewed, Some(day("2026-03-03")), Some(day("2026-01-01")), today)),
            ["in_future", "before_signed"]
        );
    }
}
