//! Districts (Ambiti Territoriali Sociali): each runs one PUA and has targets per period.

use chrono::NaiveDate;
use uuid::Uuid;

use crate::validation::{Violation, Violations};
use crate::vocabulary;

vocabulary! {
    pub enum RuleSet as "eligibility_rule_sets" {
        /// Third-country national, labour vulnerability, regular stay.
        Inlav2023 => ("inlav_2023", "InLav 2023", "InLav 2023"),
        /// The same without the nationality criterion.
        Inlav2023AnyNationality => ("inlav_2023_any_nationality", "InLav 2023, qualsiasi cittadinanza", "InLav 2023, any nationality"),
    }
}

/// A district (Ambito Territoriale Sociale) of the programme.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct District {
    pub code: DistrictCode,
    pub name: String,
    /// Order in the programme's list.
    pub position: i32,
    pub settings: DistrictSettings,
    pub version: i32,
}

/// How a district's PUA works.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DistrictSettings {
    /// A case worker's closure waits for the coordinator's approval.
    pub closure_requires_approval: bool,
    /// The eligibility rules the district applies.
    pub eligibility_rule_set: RuleSet,
    /// How many years a person's data is kept after their last case closed; then it is
    /// anonymised (see `crate::erasure`). Ten unless set: the civil statute of limitations
    /// (art. 2946 c.c.) within which the programme may have to account for its services.
    pub retention_years: i32,
}

/// Targets recorded for a district and a period.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DistrictTargets {
    pub id: Uuid,
    pub district_code: DistrictCode,
    pub targets: Targets,
    pub version: i32,
}

/// Periods of a district do not overlap: whether `targets` (replacing the period `except`, when
/// changed) would overlap one of `existing`.
pub fn overlaps_another(existing: &[DistrictTargets], targets: &Targets, except: Option<Uuid>) -> bool {
    existing.iter().filter(|t| Some(t.id) != except).any(|t| t.targets.overlaps(targets))
}

/// The stable code of a district, e.g. `milano`. The list itself is reference data.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct DistrictCode(String);

impl DistrictCode {
    /// Accepts the shape of a code (`[a-z][a-z0-9_]*`, at most 40 characters). Whether the
    /// district exists is checked against the reference data.
    pub fn parse(field: &str, raw: &str) -> Result<DistrictCode, Violation> {
        let valid = !raw.is_empty()
            && raw.len() <= 40
            && raw.starts_with(|c: char| c.is_ascii_lowercase())
            && raw.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
        if valid {
            Ok(DistrictCode(raw.to_string()))
        } else {
            Err(Violation::new(field, "invalid_district", "must be a district code such as `milano`"))
        }
    }

    pub fn from_trusted(value: String) -> DistrictCode {
        DistrictCode(value)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for DistrictCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// Parses the code of a known district.
pub fn parse_known_district(field: &str, raw: &str, known: &[DistrictCode]) -> Result<DistrictCode, Violation> {
    let code = DistrictCode::parse(field, raw)?;
    if known.contains(&code) {
        Ok(code)
    } else {
        Err(Violation::new(field, "unknown_district", format!("no district has the code `{code}`")))
    }
}

/// Parses a list of district codes: each must be a known district, and none repeated.
/// `known` is the reference list. The result is sorted, so stored sets compare equal.
pub fn parse_district_list(
    field: &str,
    raw: &[String],
    known: &[DistrictCode],
) -> Result<Vec<DistrictCode>, Violations> {
    let mut violations = Violations::new();
    let mut codes = Vec::with_capacity(raw.len());
    for (index, value) in raw.iter().enumerate() {
        let item_field = format!("{field}[{index}]");
        let Some(code) = violations.check(parse_known_district(&item_field, value, known)) else {
            continue;
        };
        if codes.contains(&code) {
            violations.add(item_field, "duplicate", format!("`{code}` is listed twice"));
        } else {
            codes.push(code);
        }
    }
    codes.sort();
    violations.finish(codes)
}

/// Targets of one district for one period (obiettivi): a range for people intercepted and a
/// range for people taken in charge.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Targets {
    pub period_from: NaiveDate,
    pub period_to: NaiveDate,
    pub intercepted_min: i32,
    pub intercepted_max: i32,
    pub taken_in_charge_min: i32,
    pub taken_in_charge_max: i32,
}

impl Targets {
    /// Whether the two periods share a day.
    pub fn overlaps(&self, other: &Targets) -> bool {
        self.period_from <= other.period_to && other.period_from <= self.period_to
    }

    pub fn check(&self) -> Result<(), Violations> {
        let mut violations = Violations::new();
        if self.period_to < self.period_from {
            violations.add("to", "before_start", "the period must not end before it starts");
        }
        for (field, min, max) in [
            ("intercepted", self.intercepted_min, self.intercepted_max),
            ("taken_in_charge", self.taken_in_charge_min, self.taken_in_charge_max),
        ] {
            if min < 0 {
                violations.add(format!("{field}_min"), "negative", "must not be negative");
            }
            if max < min {
                violations.add(format!("{field}_max"), "below_min", format!("must not be below {field}_min"));
            }
        }
        if self.taken_in_charge_max > self.intercepted_max {
            violations.add(
                "taken_in_charge_max",
                "above_intercepted",
                "more people cannot be taken in charge than are intercepted",
            );
        }
        violations.finish(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn known() -> Vec<DistrictCode> {
        ["milano", "bergamo", "alto_basso_pavese"].iter().map(|c| DistrictCode::parse("d", c).unwrap()).collect()
    }

    #[test]
    fn district_code_shape() {
        assert!(DistrictCode::parse("d", "alto_basso_pavese").is_ok());
        for bad in ["", "Milano", "1milano", "mil-ano", "milano ", &"a".repeat(41)] {
            assert_eq!(DistrictCode::parse("d", bad).unwrap_err().code, "invalid_district", "{bad}");
        }
    }

    #[test]
    fn district_lists_are_checked_sorted_and_unique() {
        let ok = parse_district_list("districts", &["milano".into(), "bergamo".into()], &known()).unwrap();
        assert_eq!(ok.iter().map(DistrictCode::as_str).collect::<Vec<_>>(), ["bergamo", "milano"]);

        let err =
            parse_district_list("districts", &["milano".into(), "roma".into(), "milano".into(), "X".into()], &known())
                .unwrap_err();
        let got: Vec<(&str, &str)> = err.as_slice().iter().map(|v| (v.field.as_str(), v.code)).collect();
        assert_eq!(
            got,
            [("districts[1]", "unknown_district"), ("districts[2]", "duplicate"), ("districts[3]", "invalid_district")]
        );
    }

    #[test]
    fn targets_rules() {
        let date = |d: &str| NaiveDate::parse_from_str(d, "%Y-%m-%d").unwrap();
        let good = Targets {
            period_from: date("2025-05-01"),
            period_to: date("2025-11-30"),
            intercepted_min: 70,
            intercepted_max: 100,
            taken_in_charge_min: 30,
            taken_in_charge_max: 50,
        };
        assert!(good.check().is_ok());
        let bad = Targets {
            period_to: date("2025-04-01"),
            intercepted_min: -1,
            taken_in_charge_max: 20,
            taken_in_charge_min: 30,
            intercepted_max: 10,
            ..good
        };
        let codes: Vec<&str> = bad.check().unwrap_err().as_slice().iter().map(|v| v.code).collect();
        assert_eq!(codes, ["before_start", "negative", "below_min", "above_intercepted"]);
    }
}
