//! What a tally is: the figures counted, their keys, the periods rows sum.

use std::collections::HashMap;

use chrono::{Datelike, Months, NaiveDate, NaiveDateTime};
use diesel::dsl::{And, Eq, EqAny, GtEq, Lt};
use diesel::prelude::*;
use domain::Vocabulary;
use domain::cases::{CaseStatus, EventKind};

use crate::error::{Error, Result};
use crate::reports::Range;
use crate::schema::case_events;

/// A figure of the indicators report counted per district and per day, with the day it is
/// counted on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Tallied {
    /// People first contacted, by the interception's day, by gender. Like every people figure
    /// here, it leaves out the people counted one by one (`report_recounted_people`), so that
    /// each person left has one case, and the case is the first contact.
    Intercepted,
    /// People taken in charge (from screening: they have one case, never reopened) by the
    /// transition's effective day, by gender.
    TakenInCharge,
    /// People first contacted, by the interception's day, per citizenship (`stateless`, `unknown`).
    Country,
    Profile,
    Channel,
    Need,
    /// Services by the delivery day, by category.
    Service,
    /// Referrals by the day they were proposed, by current status.
    Referral,
    /// Legal procedures by the day they were opened: kind (item) and current status (detail).
    LegalProcedure,
    /// Cases by the closure's day (still closed), by outcome.
    Outcome,
    /// First takings in charge by their day: the whole days since the interception (item).
    DaysToIntake,
    /// People under 18 on the interception's day.
    Minor,
    /// Cases by the interception's day, every case (the people figures above leave out the
    /// people counted one by one).
    CasesOpened,
}

impl Tallied {
    pub(super) const ALL: [Tallied; 13] = [
        Tallied::Intercepted,
        Tallied::TakenInCharge,
        Tallied::Country,
        Tallied::Profile,
        Tallied::Channel,
        Tallied::Need,
        Tallied::Service,
        Tallied::Referral,
        Tallied::LegalProcedure,
        Tallied::Outcome,
        Tallied::DaysToIntake,
        Tallied::Minor,
        Tallied::CasesOpened,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Tallied::Intercepted => "intercepted",
            Tallied::TakenInCharge => "taken_in_charge",
            Tallied::Country => "country",
            Tallied::Profile => "profile",
            Tallied::Channel => "channel",
            Tallied::Need => "need",
            Tallied::Service => "service",
            Tallied::Referral => "referral",
            Tallied::LegalProcedure => "legal_procedure",
            Tallied::Outcome => "outcome",
            Tallied::DaysToIntake => "days_to_intake",
            Tallied::Minor => "minor",
            Tallied::CasesOpened => "cases_opened",
        }
    }

    pub(super) fn parse(code: &str) -> Result<Tallied> {
        Tallied::ALL
            .into_iter()
            .find(|figure| figure.code() == code)
            .ok_or_else(|| Error::Corrupt(format!("unknown tallied figure `{code}`")))
    }
}

/// A figure summed over the days of a range. `item`/`detail` are `None` where the breakdown is
/// not recorded (a case without a profile, a person without a gender).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tally {
    pub district: String,
    pub figure: Tallied,
    pub item: Option<String>,
    pub detail: Option<String>,
    pub count: i64,
}

/// Stored breakdowns use the empty text for "not recorded": the key columns cannot be NULL.
pub(super) const NOT_RECORDED: &str = "";

#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(super) struct Key {
    pub(super) district: String,
    pub(super) day: NaiveDate,
    pub(super) figure: Tallied,
    pub(super) item: String,
    pub(super) detail: String,
}

#[derive(Default)]
pub(super) struct Counted(pub(super) HashMap<Key, i32>);

impl Counted {
    pub(super) fn add(
        &mut self,
        district: &str,
        day: NaiveDate,
        figure: Tallied,
        item: Option<&str>,
        detail: Option<&str>,
    ) {
        let key = Key {
            district: district.to_string(),
            day,
            figure,
            item: item.unwrap_or(NOT_RECORDED).to_string(),
            detail: detail.unwrap_or(NOT_RECORDED).to_string(),
        };
        *self.0.entry(key).or_default() += 1;
    }
}

/// Transitions that take a case in charge, effective in the range: from screening (the first,
/// which also gives the days to intake) or reopening a closed case. Resuming a suspended case
/// is not one.
pub(super) type TakenInChargeIn = And<
    And<
        And<
            And<Eq<case_events::kind, &'static str>, Eq<case_events::to_status, &'static str>>,
            EqAny<case_events::from_status, [&'static str; 2]>,
        >,
        GtEq<case_events::effective_at, NaiveDateTime>,
    >,
    Lt<case_events::effective_at, NaiveDateTime>,
>;

pub(super) fn taken_in_charge_in(range: &Range) -> TakenInChargeIn {
    let (start, end) = range.instants();
    case_events::kind
        .eq(EventKind::Transition.code())
        .and(case_events::to_status.eq(CaseStatus::TakenInCharge.code()))
        .and(case_events::from_status.eq_any([CaseStatus::Screening.code(), CaseStatus::Closed.code()]))
        .and(case_events::effective_at.ge(start))
        .and(case_events::effective_at.lt(end))
}

/// What a tally row sums: one day, or a whole month (its `day` is the month's first day).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(super) enum Period {
    Day,
    Month,
}

impl Period {
    pub(super) fn code(self) -> &'static str {
        match self {
            Period::Day => "day",
            Period::Month => "month",
        }
    }
}

pub(super) fn month_of(day: NaiveDate) -> NaiveDate {
    day.with_day(1).unwrap_or(day)
}

/// The first day of the month after `day`'s.
pub(super) fn next_month(day: NaiveDate) -> NaiveDate {
    let first = month_of(day);
    first.checked_add_months(Months::new(1)).unwrap_or(first)
}
