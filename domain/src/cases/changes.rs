//! Changes of screening data and assignments, and when an interception may have happened.

use chrono::{DateTime, NaiveDate, Utc};
use uuid::Uuid;

use crate::districts::DistrictCode;
use crate::screening::{Contract, Need, Profile, Sector};
use crate::users::{Role, User};
use crate::validation::{Violation, Violations, check_label};

use super::case::*;

/// Screening data and assignments as a caller asks to change them: absent fields stay, `Some(None)`
/// clears. `needs` and `indicators` replace the recorded sets.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ScreeningUpdate {
    pub profile: Option<Option<Profile>>,
    pub needs: Option<Vec<Need>>,
    pub sector: Option<Option<Sector>>,
    pub contract: Option<Option<Contract>>,
    pub employer_name: Option<Option<String>>,
    pub indicators: Option<Vec<NotedIndicator>>,
    pub case_worker_id: Option<Option<Uuid>>,
    pub legal_advisor_id: Option<Option<Uuid>>,
}

/// The longest employer name recorded.
pub const EMPLOYER_NAME_MAX_CHARS: usize = 200;

impl ScreeningUpdate {
    /// The changes to record, checked on `today`: sets sorted and without repeats, indicators
    /// not noted in the future nor listed twice, a blank employer name cleared.
    pub fn check(self, today: NaiveDate) -> Result<CaseChanges, Violations> {
        let mut violations = Violations::new();
        let needs = self.needs.map(|mut needs| {
            needs.sort();
            needs.dedup();
            needs
        });
        let indicators = self.indicators.map(|list| {
            let mut noted: Vec<NotedIndicator> = Vec::with_capacity(list.len());
            for (index, entry) in list.iter().enumerate() {
                if entry.noted_on > today {
                    violations.add(format!("indicators[{index}].noted_on"), "in_future", "must not be in the future");
                }
                if noted.iter().any(|n| n.indicator == entry.indicator) {
                    violations.add(format!("indicators[{index}].indicator"), "duplicate", "listed twice");
                } else {
                    noted.push(*entry);
                }
            }
            noted.sort_by_key(|n| n.indicator);
            noted
        });
        let employer_name = match self.employer_name {
            Some(Some(name)) if !name.trim().is_empty() => {
                violations.check(check_label("work.employer_name", &name, EMPLOYER_NAME_MAX_CHARS)).map(Some)
            }
            Some(_) => Some(None),
            None => None,
        };
        violations.finish(CaseChanges {
            profile: self.profile,
            needs,
            sector: self.sector,
            contract: self.contract,
            employer_name,
            indicators,
            case_worker_id: self.case_worker_id,
            legal_advisor_id: self.legal_advisor_id,
            ..CaseChanges::default()
        })
    }
}

/// Interceptions are recorded after the fact, but not from before the programme's records.
pub const EARLIEST_INTERCEPTION: NaiveDate = match NaiveDate::from_ymd_opt(2000, 1, 1) {
    Some(day) => day,
    None => NaiveDate::MIN,
};

/// When an interception may be said to have happened: not in the future, not before the
/// programme's records.
pub fn check_intercepted_at(field: &str, at: DateTime<Utc>, now: DateTime<Utc>) -> Result<(), Violation> {
    let earliest = EARLIEST_INTERCEPTION.and_hms_opt(0, 0, 0).map_or(DateTime::<Utc>::MIN_UTC, |t| t.and_utc());
    if at > now {
        Err(Violation::new(field, "in_future", "must not be in the future"))
    } else if at < earliest {
        Err(Violation::new(field, "too_old", format!("must not be before {EARLIEST_INTERCEPTION}")))
    } else {
        Ok(())
    }
}

/// The roles that may hold a case's case-worker post.
pub const CASE_WORKER_ROLES: &[Role] = &[Role::CaseWorker, Role::DistrictCoordinator];
/// The roles that may hold a case's legal-advisor post.
pub const LEGAL_ADVISOR_ROLES: &[Role] = &[Role::LegalAdvisor];

/// Whether `actor` may change a post held by `current` to `change`: a district coordinator
/// assigns anyone; others only themselves, and only to a post of their own role.
pub fn may_assign(actor: (Uuid, Role), current: Option<Uuid>, change: Option<Uuid>, post_roles: &[Role]) -> bool {
    let (me, role) = actor;
    if role == Role::DistrictCoordinator {
        return true;
    }
    let touches_others = change.is_some_and(|id| id != me) || current.is_some_and(|id| id != me);
    !touches_others && post_roles.contains(&role)
}

/// Whether a user may hold a post of `post_roles` on a case of `district`: active, of one of
/// those roles, working in the district.
pub fn fits_post(user: &User, post_roles: &[Role], district: &DistrictCode) -> bool {
    user.active && post_roles.contains(&user.role) && user.districts.contains(district)
}
