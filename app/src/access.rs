//! The access checks every use case shares: the case, the person and the district a caller may
//! reach. Anything outside the caller's scope is [`Error::NotFound`]: its existence is not
//! confirmed.

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use domain::access::{CaseScope, sees_all_districts};
use domain::beneficiaries::Beneficiary;
use domain::cases::Case;
use domain::districts::DistrictCode;
use domain::referrals::Referral;
use domain::reports::local_day;
use persistence::reports::Range;
use persistence::{DbConnection, beneficiaries, cases, referrals};
use uuid::Uuid;

use crate::actor::Actor;
use crate::context::Context;
use crate::error::{Conflict, Error, Result};

/// A case the caller's scope covers.
pub(crate) fn visible_case(conn: &mut DbConnection, scope: &CaseScope, id: Uuid) -> Result<Case> {
    let case = cases::find(conn, id)?;
    if scope.covers(&case.district, case.recorded_by) { Ok(case) } else { Err(Error::NotFound) }
}

/// A case the caller's scope covers and may change: not one its district keeps as history
/// after the person was transferred away.
pub(crate) fn writable_case(conn: &mut DbConnection, scope: &CaseScope, id: Uuid) -> Result<Case> {
    let case = visible_case(conn, scope, id)?;
    if case.transferred_at.is_some() {
        return Err(Conflict::CaseClosed {
            detail: "the person was transferred to another district: this case is kept as history and no longer changes",
        }
        .into());
    }
    Ok(case)
}

/// A case the caller's scope covers and may change, at the version the caller read (`If-Match`).
pub(crate) fn visible_case_at(conn: &mut DbConnection, scope: &CaseScope, id: Uuid, version: i32) -> Result<Case> {
    let case = writable_case(conn, scope, id)?;
    if case.version == version { Ok(case) } else { Err(Error::Stale) }
}

/// The case of a referral the partner's organisation holds accepted, with the referral.
pub(crate) fn partner_case(conn: &mut DbConnection, actor: &Actor, case_id: Uuid) -> Result<(Case, Referral)> {
    let referral = referrals::accepted_for(conn, case_id, actor.organization_id)?.ok_or(Error::NotFound)?;
    Ok((cases::find(conn, case_id)?, referral))
}

/// A beneficiary registered in, or with a case in, the caller's scope.
pub(crate) fn visible_beneficiary(conn: &mut DbConnection, scope: &CaseScope, id: Uuid) -> Result<Beneficiary> {
    if !beneficiaries::is_visible(conn, id, scope)? {
        return Err(Error::NotFound);
    }
    Ok(beneficiaries::find(conn, id)?)
}

/// The district a new record belongs to: the one named in `field`, which must be one of the
/// caller's, or the caller's only district.
pub(crate) fn registering_district(
    ctx: &Context,
    actor: &Actor,
    field: &str,
    named: Option<&str>,
) -> Result<DistrictCode> {
    match named {
        Some(code) => {
            let district = ctx.district(field, code)?;
            if actor.districts.contains(&district) {
                Ok(district)
            } else {
                Err(Error::field(field, "not_your_district", "you may only record data for your own districts"))
            }
        }
        None => match actor.districts.as_slice() {
            [only] => Ok(only.clone()),
            _ => Err(Error::field(field, "required", "name the district: you work in several")),
        },
    }
}

/// The districts and days a report or an export asks for, as given.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RangeRequest {
    /// District codes; none: all the caller's (all twelve for the Region and evaluators).
    pub districts: Vec<String>,
    /// First day, inclusive; by default 1 January of `to`'s year.
    pub from: Option<NaiveDate>,
    /// Last day, inclusive; by default `today`.
    pub to: Option<NaiveDate>,
}

/// The range a caller may read: the districts asked for, which must be the caller's unless the
/// caller sees them all, and the days (calendar days of the programme's zone; by default this
/// year's up to today).
pub(crate) fn report_range(ctx: &Context, actor: &Actor, now: DateTime<Utc>, request: RangeRequest) -> Result<Range> {
    let today = local_day(now.naive_utc(), ctx.zone());
    let mut requested: Vec<DistrictCode> = Vec::new();
    for code in &request.districts {
        let district = ctx.district("district", code)?;
        if !requested.contains(&district) {
            requested.push(district);
        }
    }
    let to = request.to.unwrap_or(today);
    let from = request.from.unwrap_or_else(|| NaiveDate::from_ymd_opt(to.year(), 1, 1).unwrap_or(to));
    if from > to {
        return Err(Error::field("from", "after_to", "must not be after `to`"));
    }
    let districts = if sees_all_districts(actor.role) {
        if requested.is_empty() { ctx.known_districts().to_vec() } else { requested }
    } else if requested.is_empty() {
        actor.districts.clone()
    } else if let Some(other) = requested.iter().find(|d| !actor.districts.contains(d)) {
        return Err(Error::forbidden_because(format!("`{other}` is not one of your districts")));
    } else {
        requested
    };
    Ok(Range { districts, from, to, zone: ctx.zone() })
}
