//! The districts of the programme (reference data): their settings, and their targets per
//! period, which do not overlap.

use chrono::{DateTime, Utc};
use domain::access::Capability;
use domain::districts::{District, DistrictSettings, DistrictTargets, RuleSet, Targets, overlaps_another};
use persistence::districts as store;

use crate::actor::Actor;
use crate::context::{Context, ReadVersion};
use crate::error::{Conflict, Error, Result};

/// Settings to change; absent fields stay.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SettingsChange {
    pub closure_requires_approval: Option<bool>,
    pub eligibility_rule_set: Option<RuleSet>,
    pub retention_years: Option<i32>,
}

/// Every district, in the programme's order, with every district's targets.
pub async fn list(ctx: &Context, actor: &Actor) -> Result<(Vec<District>, Vec<DistrictTargets>)> {
    actor.require(Capability::ReadReferenceData)?;
    Ok(ctx.db().read(|conn| Ok::<_, persistence::Error>((store::list(conn)?, store::targets(conn)?))).await?)
}

/// Changes the settings of the district named by `code` (admin), read at `version`; answers it
/// with every district's targets.
pub async fn update(
    ctx: &Context,
    actor: &Actor,
    code: &str,
    version: i32,
    change: SettingsChange,
) -> Result<(District, Vec<DistrictTargets>)> {
    actor.require(Capability::ManageDistricts)?;
    let code = ctx.district_of_path(code)?;
    ctx.db()
        .write(move |conn| {
            let current = store::find(conn, &code)?;
            let settings = DistrictSettings {
                closure_requires_approval: change
                    .closure_requires_approval
                    .unwrap_or(current.settings.closure_requires_approval),
                eligibility_rule_set: change.eligibility_rule_set.unwrap_or(current.settings.eligibility_rule_set),
                retention_years: change.retention_years.unwrap_or(current.settings.retention_years),
            };
            let district = store::update_settings(conn, &code, version, settings)?;
            Ok((district, store::targets(conn)?))
        })
        .await
}

/// The targets of the district named by `code`, oldest period first.
pub async fn targets(ctx: &Context, actor: &Actor, code: &str) -> Result<Vec<DistrictTargets>> {
    actor.require(Capability::ReadReferenceData)?;
    let district = ctx.district_of_path(code)?;
    Ok(ctx.db().read(move |conn| store::targets_of(conn, &district)).await?)
}

/// Sets targets for a period of the district named by `code` (the admin and the regional
/// coordinator); the period may not overlap another of the district.
pub async fn set_targets(
    ctx: &Context,
    actor: &Actor,
    now: DateTime<Utc>,
    code: &str,
    targets: Targets,
) -> Result<DistrictTargets> {
    actor.require(Capability::ManageTargets)?;
    let district = ctx.district_of_path(code)?;
    targets.check()?;
    ctx.db()
        .write(move |conn| {
            if overlaps_another(&store::targets_of(conn, &district)?, &targets, None) {
                return Err(Conflict::PeriodOverlaps.into());
            }
            Ok(store::insert_targets(conn, &district, &targets, now)?)
        })
        .await
}

/// Changes the targets read at `target.version` of a period of the district named by `code`.
pub async fn update_targets(
    ctx: &Context,
    actor: &Actor,
    now: DateTime<Utc>,
    code: &str,
    target: ReadVersion,
    targets: Targets,
) -> Result<DistrictTargets> {
    actor.require(Capability::ManageTargets)?;
    let district = ctx.district_of_path(code)?;
    targets.check()?;
    ctx.db()
        .write(move |conn| {
            if store::find_targets(conn, target.id)?.district_code != district {
                return Err(Error::NotFound);
            }
            if overlaps_another(&store::targets_of(conn, &district)?, &targets, Some(target.id)) {
                return Err(Conflict::PeriodOverlaps.into());
            }
            Ok(store::update_targets(conn, target.id, target.version, &targets, now)?)
        })
        .await
}
