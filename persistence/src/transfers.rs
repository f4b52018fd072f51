//! Transfers between districts, the matches a registration found in another district, and
//! emergency accesses.

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use diesel::prelude::*;
use domain::Vocabulary;
use domain::districts::DistrictCode;
use domain::transfers::{Decided, EmergencyAccess, Transfer, TransferConsent, TransferStatus};
use uuid::Uuid;

use crate::db::{DbConnection, from_db_time, to_db_time};
use crate::error::{Error, Result, decode, decode_id, optional};
use crate::pagination::{Page, PageRequest};
use crate::schema::{duplicate_matches, emergency_accesses, transfers};

#[derive(Queryable, Selectable)]
#[diesel(table_name = transfers)]
struct TransferRow {
    id: String,
    beneficiary_id: String,
    from_district: String,
    to_district: String,
    status: String,
    reason: String,
    requested_by: String,
    requested_at: NaiveDateTime,
    decided_by: Option<String>,
    decided_at: Option<NaiveDateTime>,
    decision_note: Option<String>,
    consent_granted: Option<bool>,
    consent_given_on: Option<NaiveDate>,
    consent_method: Option<String>,
    consent_language: Option<String>,
    opened_case_id: Option<String>,
    version: i32,
    updated_at: NaiveDateTime,
}

/// A transfer to ask for.
#[derive(Debug, Clone)]
pub struct NewTransfer {
    pub beneficiary_id: Uuid,
    pub from_district: DistrictCode,
    pub to_district: DistrictCode,
    pub reason: String,
    pub requested_by: Uuid,
}

/// Records a request. A person has one open request at a time: a second one is a
/// [`Error::Conflict`].
pub fn insert(conn: &mut DbConnection, new: &NewTransfer, now: DateTime<Utc>) -> Result<Transfer> {
    let id = Uuid::now_v7();
    let at = to_db_time(now);
    diesel::insert_into(transfers::table)
        .values((
            transfers::id.eq(id.to_string()),
            transfers::beneficiary_id.eq(new.beneficiary_id.to_string()),
            transfers::from_district.eq(new.from_district.as_str()),
            transfers::to_district.eq(new.to_district.as_str()),
            transfers::status.eq(TransferStatus::Requested.code()),
            transfers::reason.eq(&new.reason),
            transfers::requested_by.eq(new.requested_by.to_string()),
            transfers::requested_at.eq(at),
            transfers::version.eq(1),
            transfers::updated_at.eq(at),
        ))
        .execute(conn)?;
    find(conn, id)
}

pub fn find(conn: &mut DbConnection, id: Uuid) -> Result<Transfer> {
    into_transfer(transfers::table.find(id.to_string()).select(TransferRow::as_select()).first(conn)?)
}

/// The person's open request, if any.
pub fn open_for(conn: &mut DbConnection, beneficiary_id: Uuid) -> Result<Option<Transfer>> {
    let row = transfers::table
        .filter(transfers::beneficiary_id.eq(beneficiary_id.to_string()))
        .filter(transfers::status.eq(TransferStatus::Requested.code()))
        .select(TransferRow::as_select())
        .first(conn);
    optional(row.map_err(Error::from))?.map(into_transfer).transpose()
}

/// The person's transfers, oldest first.
pub fn of_beneficiary(conn: &mut DbConnection, beneficiary_id: Uuid) -> Result<Vec<Transfer>> {
    transfers::table
        .filter(transfers::beneficiary_id.eq(beneficiary_id.to_string()))
        .order(transfers::id.asc())
        .select(TransferRow::as_select())
        .load::<TransferRow>(conn)?
        .into_iter()
        .map(into_transfer)
        .collect()
}

/// Records the answer to a transfer read at `expected_version`.
pub fn record_decision(
    conn: &mut DbConnection,
    id: Uuid,
    expected_version: i32,
    decided: &Decided,
    by: Uuid,
    opened_case_id: Option<Uuid>,
    now: DateTime<Utc>,
) -> Result<Transfer> {
    let target =
        transfers::table.filter(transfers::id.eq(id.to_string())).filter(transfers::version.eq(expected_version));
    let consent = decided.consent.as_ref();
    let updated = diesel::update(target)
        .set((
            transfers::status.eq(decided.status.code()),
            transfers::decided_by.eq(Some(by.to_string())),
            transfers::decided_at.eq(Some(to_db_time(now))),
            transfers::decision_note.eq(decided.note.clone()),
            transfers::consent_granted.eq(consent.map(|c| c.granted)),
            transfers::consent_given_on.eq(consent.map(|c| c.given_on)),
            transfers::consent_method.eq(consent.map(|c| c.method.code())),
            transfers::consent_language.eq(consent.map(|c| c.language.clone())),
            transfers::opened_case_id.eq(opened_case_id.map(|id| id.to_string())),
            transfers::version.eq(expected_version + 1),
            transfers::updated_at.eq(to_db_time(now)),
        ))
        .execute(conn)?;
    if updated == 0 {
        find(conn, id)?;
        return Err(Error::StaleVersion);
    }
    // The reports count accepted transfers from their rows.
    crate::reports::tallies::mark_figures_changed(conn)?;
    find(conn, id)
}

/// Which transfers a list shows.
#[derive(Debug, Clone, Default)]
pub struct TransferFilter {
    /// Sent from or to one of these districts.
    pub districts: Vec<DistrictCode>,
    pub status: Option<TransferStatus>,
}

/// The transfers from or to the filter's districts, newest first.
pub fn list(conn: &mut DbConnection, filter: &TransferFilter, page: &PageRequest<Uuid>) -> Result<Page<Transfer>> {
    let codes: Vec<&str> = filter.districts.iter().map(DistrictCode::as_str).collect();
    let mut query = transfers::table
        .select(TransferRow::as_select())
        .filter(transfers::from_district.eq_any(codes.clone()).or(transfers::to_district.eq_any(codes)))
        .order(transfers::id.desc())
        .limit(page.fetch_size())
        .into_boxed();
    if let Some(status) = filter.status {
        query = query.filter(transfers::status.eq(status.code()));
    }
    if let Some(after) = page.after {
        query = query.filter(transfers::id.lt(after.to_string()));
    }
    let rows = query.load::<TransferRow>(conn)?;
    let page = page.page(rows);
    let items = page.items.into_iter().map(into_transfer).collect::<Result<Vec<_>>>()?;
    Ok(Page { items, has_more: page.has_more })
}

fn into_transfer(row: TransferRow) -> Result<Transfer> {
    let consent = match (row.consent_granted, row.consent_given_on, row.consent_method, row.consent_language) {
        (Some(granted), Some(given_on), Some(method), Some(language)) => {
            Some(TransferConsent { granted, given_on, method: decode(&method)?, language })
        }
        _ => None,
    };
    Ok(Transfer {
        id: decode_id(&row.id)?,
        beneficiary_id: decode_id(&row.beneficiary_id)?,
        from_district: DistrictCode::from_trusted(row.from_district),
        to_district: DistrictCode::from_trusted(row.to_district),
        status: decode(&row.status)?,
        reason: row.reason,
        requested_by: decode_id(&row.requested_by)?,
        requested_at: from_db_time(row.requested_at),
        decided_by: row.decided_by.as_deref().map(decode_id).transpose()?,
        decided_at: row.decided_at.map(from_db_time),
        decision_note: row.decision_note,
        consent,
        opened_case_id: row.opened_case_id.as_deref().map(decode_id).transpose()?,
        version: row.version,
        updated_at: from_db_time(row.updated_at),
    })
}

/// A match found in another district, as kept: the digest of its token, never the token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DuplicateMatch {
    pub token_digest: String,
    pub beneficiary_id: Uuid,
    pub district: DistrictCode,
    pub matched_by: Uuid,
    pub matched_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

/// Keeps the matches a refused registration found; drops those expired by `now` on the way.
pub fn record_matches(conn: &mut DbConnection, matches: &[DuplicateMatch], now: DateTime<Utc>) -> Result<()> {
    diesel::delete(duplicate_matches::table.filter(duplicate_matches::expires_at.le(to_db_time(now)))).execute(conn)?;
    for found in matches {
        diesel::insert_into(duplicate_matches::table)
            .values((
                duplicate_matches::token_digest.eq(&found.token_digest),
                duplicate_matches::beneficiary_id.eq(found.beneficiary_id.to_string()),
                duplicate_matches::district_code.eq(found.district.as_str()),
                duplicate_matches::matched_by.eq(found.matched_by.to_string()),
                duplicate_matches::matched_at.eq(to_db_time(found.matched_at)),
                duplicate_matches::expires_at.eq(to_db_time(found.expires_at)),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// The person a token names, when the token is `user`'s and still valid at `now`.
pub fn matched(conn: &mut DbConnection, token_digest: &str, user: Uuid, now: DateTime<Utc>) -> Result<Option<Uuid>> {
    let found: Option<String> = duplicate_matches::table
        .filter(duplicate_matches::token_digest.eq(token_digest))
        .filter(duplicate_matches::matched_by.eq(user.to_string()))
        .filter(duplicate_matches::expires_at.gt(to_db_time(now)))
        .select(duplicate_matches::beneficiary_id)
        .first(conn)
        .optional()?;
    found.as_deref().map(decode_id).transpose()
}

/// Whether `user` was shown a match of the person that is still valid at `now`.
pub fn has_live_match(conn: &mut DbConnection, user: Uuid, beneficiary_id: Uuid, now: DateTime<Utc>) -> Result<bool> {
    let count: i64 = duplicate_matches::table
        .filter(duplicate_matches::matched_by.eq(user.to_string()))
        .filter(duplicate_matches::beneficiary_id.eq(beneficiary_id.to_string()))
        .filter(duplicate_matches::expires_at.gt(to_db_time(now)))
        .count()
        .get_result(conn)?;
    Ok(count > 0)
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = emergency_accesses)]
struct EmergencyRow {
    id: String,
    beneficiary_id: String,
    owner_district: String,
    opened_for: String,
    opened_by: String,
    reason: String,
    opened_at: NaiveDateTime,
    expires_at: NaiveDateTime,
}

/// Records an emergency access.
pub fn open_emergency_access(conn: &mut DbConnection, access: &EmergencyAccess) -> Result<()> {
    diesel::insert_into(emergency_accesses::table)
        .values((
            emergency_accesses::id.eq(access.id.to_string()),
            emergency_accesses::beneficiary_id.eq(access.beneficiary_id.to_string()),
            emergency_accesses::owner_district.eq(access.owner_district.as_str()),
            emergency_accesses::opened_for.eq(access.opened_for.as_str()),
            emergency_accesses::opened_by.eq(access.opened_by.to_string()),
            emergency_accesses::reason.eq(&access.reason),
            emergency_accesses::opened_at.eq(to_db_time(access.opened_at)),
            emergency_accesses::expires_at.eq(to_db_time(access.expires_at)),
        ))
        .execute(conn)?;
    Ok(())
}

/// The emergency access `user` holds on the person at `now`, if any.
pub fn live_emergency_access(
    conn: &mut DbConnection,
    user: Uuid,
    beneficiary_id: Uuid,
    now: DateTime<Utc>,
) -> Result<Option<EmergencyAccess>> {
    let row = emergency_accesses::table
        .filter(emergency_accesses::opened_by.eq(user.to_string()))
        .filter(emergency_accesses::beneficiary_id.eq(beneficiary_id.to_string()))
        .filter(emergency_accesses::expires_at.gt(to_db_time(now)))
        .order(emergency_accesses::expires_at.desc())
        .select(EmergencyRow::as_select())
        .first(conn)
        .optional()?;
    row.map(into_emergency).transpose()
}

/// The emergency accesses to people of `districts` opened since `since`, newest first.
pub fn emergency_accesses_to(
    conn: &mut DbConnection,
    districts: &[DistrictCode],
    since: DateTime<Utc>,
) -> Result<Vec<EmergencyAccess>> {
    let codes: Vec<&str> = districts.iter().map(DistrictCode::as_str).collect();
    emergency_accesses::table
        .filter(emergency_accesses::owner_district.eq_any(codes))
        .filter(emergency_accesses::opened_at.ge(to_db_time(since)))
        .order(emergency_accesses::opened_at.desc())
        .select(EmergencyRow::as_select())
        .load::<EmergencyRow>(conn)?
        .into_iter()
        .map(into_emergency)
        .collect()
}

fn into_emergency(row: EmergencyRow) -> Result<EmergencyAccess> {
    Ok(EmergencyAccess {
        id: decode_id(&row.id)?,
        beneficiary_id: decode_id(&row.beneficiary_id)?,
        owner_district: DistrictCode::from_trusted(row.owner_district),
        opened_for: DistrictCode::from_trusted(row.opened_for),
        opened_by: decode_id(&row.opened_by)?,
        reason: row.reason,
        opened_at: from_db_time(row.opened_at),
        expires_at: from_db_time(row.expires_at),
    })
}
