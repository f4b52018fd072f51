//! Territorial pacts: the agreement each district signs with its network. The Region and the
//! admin write every district's; a district coordinator its own districts'; everyone reads.

use chrono::{DateTime, NaiveDate, Utc};
use domain::access::Capability;
use domain::districts::DistrictCode;
use domain::pacts::{Pact, PactStatus, check};
use domain::users::RoleScope;
use domain::validation::check_label;
use persistence::pacts::{self as store, PactData};
use persistence::{DbConnection, organizations};
use uuid::Uuid;

use crate::actor::Actor;
use crate::context::{Context, ReadVersion};
use crate::error::{Error, Result};

/// A pact as recorded (every field).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PactRecord {
    pub title: String,
    pub status: PactStatus,
    pub signatories: Vec<Uuid>,
    pub signed_on: Option<NaiveDate>,
    pub valid_until: Option<NaiveDate>,
    pub document_reference: Option<String>,
}

fn may_write(actor: &Actor, district: &DistrictCode) -> Result<()> {
    actor.require(Capability::ManagePacts)?;
    if actor.role.scope() == RoleScope::Districts && !actor.districts.contains(district) {
        return Err(Error::forbidden_because("a district's team manages the pacts of its districts"));
    }
    Ok(())
}

fn check_record(record: PactRecord, today: NaiveDate) -> Result<PactData> {
    check(record.status, record.signed_on, record.valid_until, today)?;
    let mut signatories = record.signatories;
    signatories.sort();
    signatories.dedup();
    Ok(PactData {
        title: check_label("title", &record.title, 300)?,
        status: record.status,
        signatories,
        signed_on: record.signed_on,
        valid_until: record.valid_until,
        document_reference: record
            .document_reference
            .filter(|d| !d.trim().is_empty())
            .map(|d| check_label("document_reference", &d, 500))
            .transpose()?,
    })
}

fn require_signatories(conn: &mut DbConnection, data: &PactData) -> Result<()> {
    for (i, organization) in data.signatories.iter().enumerate() {
        if !organizations::exists(conn, *organization)? {
            return Err(Error::field(
                format!("signatories[{i}]"),
                "unknown_organization",
                "no organisation has this id",
            ));
        }
    }
    Ok(())
}

/// Records a territorial pact of the district named by `code`.
pub async fn create(ctx: &Context, actor: &Actor, now: DateTime<Utc>, code: &str, record: PactRecord) -> Result<Pact> {
    let district = ctx.district_of_path(code)?;
    may_write(actor, &district)?;
    let data = check_record(record, now.date_naive())?;
    ctx.db()
        .write(move |conn| {
            require_signatories(conn, &data)?;
            Ok(store::insert(conn, &district, &data, now)?)
        })
        .await
}

/// The territorial pacts of a district, oldest first.
pub async fn list(ctx: &Context, actor: &Actor, code: &str) -> Result<Vec<Pact>> {
    actor.require(Capability::ReadReferenceData)?;
    let district = ctx.district_of_path(code)?;
    Ok(ctx.db().read(move |conn| store::of_district(conn, &district)).await?)
}

/// Replaces the record of a pact of the district named by `code`, read at `target.version`.
pub async fn update(
    ctx: &Context,
    actor: &Actor,
    now: DateTime<Utc>,
    code: &str,
    target: ReadVersion,
    record: PactRecord,
) -> Result<Pact> {
    let district = ctx.district_of_path(code)?;
    may_write(actor, &district)?;
    let data = check_record(record, now.date_naive())?;
    ctx.db()
        .write(move |conn| {
            if store::find(conn, target.id)?.district != district {
                return Err(Error::NotFound);
            }
            require_signatories(conn, &data)?;
            Ok(store::update(conn, target.id, target.version, &data, now)?)
        })
        .await
}
