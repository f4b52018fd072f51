//! Activities: awareness sessions, outreach shifts, desk shifts at formal antennas, information
//! campaigns, operator trainings and network meetings. They hold no personal data.

use chrono::{DateTime, NaiveDate, Utc};
use uuid::Uuid;

use crate::districts::DistrictCode;
use crate::services::{ServiceCategory, ServiceCategoryGroup};
use crate::validation::Violations;
use crate::vocabulary;

vocabulary! {
    pub enum ActivityKind as "activity_kinds" {
        AwarenessSession => ("awareness_session", "Incontro di sensibilizzazione", "Awareness session"),
        StreetOutreachShift => ("street_outreach_shift", "Uscita dell'unità di strada", "Street outreach shift"),
        DeskShift => ("desk_shift", "Turno di sportello presso antenna formale", "Desk shift at a formal antenna"),
        InformationCampaign => ("information_campaign", "Campagna informativa", "Information campaign"),
        OperatorTraining => ("operator_training", "Formazione degli operatori", "Operator training"),
        NetworkMeeting => ("network_meeting", "Incontro di rete", "Network meeting"),
    }
}

impl ActivityKind {
    /// Trainings and meetings list the organisations that took part.
    pub fn lists_organizations(self) -> bool {
        matches!(self, ActivityKind::OperatorTraining | ActivityKind::NetworkMeeting)
    }
}

/// Participants by gender.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Participants {
    pub male: i32,
    pub female: i32,
    pub other: i32,
    pub unknown: i32,
}

impl Participants {
    pub fn total(self) -> i64 {
        i64::from(self.male) + i64::from(self.female) + i64::from(self.other) + i64::from(self.unknown)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Activity {
    pub id: Uuid,
    pub district: DistrictCode,
    pub organization_id: Uuid,
    pub kind: ActivityKind,
    pub held_on: NaiveDate,
    pub duration_minutes: Option<i32>,
    pub location_label: Option<String>,
    /// Prevention and orientation categories.
    pub topics: Vec<ServiceCategory>,
    pub participants: Participants,
    pub contacts_made: i32,
    pub participating_organizations: Vec<Uuid>,
    pub notes: Option<String>,
    pub created_by: Uuid,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// The rules of an activity record.
pub fn check(
    kind: ActivityKind,
    held_on: NaiveDate,
    topics: &[ServiceCategory],
    participants: Participants,
    contacts_made: i32,
    participating_organizations: &[Uuid],
    today: NaiveDate,
) -> Result<(), Violations> {
    let mut v = Violations::new();
    if held_on > today {
        v.add("held_on", "in_future", "must not be in the future");
    }
    for (i, topic) in topics.iter().enumerate() {
        if !matches!(topic.group(), ServiceCategoryGroup::Prevention | ServiceCategoryGroup::Orientation) {
            v.add(format!("topics[{i}]"), "not_a_topic", "topics are prevention and orientation categories");
        }
    }
    for (field, count) in [
        ("participants.male", participants.male),
        ("participants.female", participants.female),
        ("participants.other", participants.other),
        ("participants.unknown", participants.unknown),
        ("contacts_made", contacts_made),
    ] {
        if !(0..=100_000).contains(&count) {
            v.add(field, "out_of_range", "must be from 0 to 100000");
        }
    }
    if !participating_organizations.is_empty() && !kind.lists_organizations() {
        v.add(
            "participating_organizations",
            "not_allowed",
            "only trainings and network meetings list participating organisations",
        );
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
    fn topics_are_prevention_or_orientation_and_organisations_only_for_trainings_and_meetings() {
        let today = day("2026-03-02");
        let people = Participants { male: 10, female: 3, other: 0, unknown: 1 };
        assert_eq!(people.total(), 14);
        assert!(
            check(
                ActivityKind::AwarenessSession,
                today,
                &[ServiceCategory::PreventionIrregularWork],
                people,
                4,
                &[],
                today
            )
            .is_ok()
        );
        let codes =
            |r: Result<(), Violations>| r.unwrap_err().into_vec().into_iter().map(|v| v.code).collect::<Vec<_>>();
        assert_eq!(
            codes(check(
                ActivityKind::AwarenessSession,
                today,
                &[ServiceCategory::JobPlacement],
                people,
                0,
                &[Uuid::nil()],
                today
            )),
            ["not_a_topic", "not_allowed"]
        );
        assert!(check(ActivityKind::NetworkMeeting, today, &[], people, 0, &[Uuid::nil()], today).is_ok());
        let negative = Participants { male: -1, ..people };
        assert_eq!(
            codes(check(ActivityKind::DeskShift, day("2026-03-03"), &[], negative, 0, &[], today)),
            ["in_future", "out_of_range"]
        );
    }
}
