//! The change feed's store: changes recorded in the transaction that makes them, numbered
//! under the audit head's row lock (see the migration `change_feed`), and read back in that
//! order for an audience.

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use domain::Vocabulary;
use domain::changes::{Change, ChangeAction, ChangedResource, FeedAudience};
use uuid::Uuid;

use crate::db::{DbConnection, from_db_time, to_db_time};
use crate::error::{Result, decode, decode_id};
use crate::schema::{audit_head, changes};

/// A change as stored: its place in the feed and when it committed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredChange {
    pub seq: i64,
    pub at: DateTime<Utc>,
    pub resource: ChangedResource,
    pub id: Uuid,
    pub action: ChangeAction,
    pub version: Option<i32>,
}

#[derive(Insertable, Queryable, Selectable)]
#[diesel(table_name = changes)]
struct ChangeRow {
    seq: i64,
    at: NaiveDateTime,
    resource: String,
    resource_id: String,
    action: String,
    version: Option<i32>,
    district_code: Option<String>,
    organization_id: Option<String>,
    confidentiality: Option<String>,
}

/// Records `changes`, numbered after the last one. Call it inside the write transaction of
/// the change: advancing the counter takes the audit head's row lock until the commit.
pub fn record(conn: &mut DbConnection, at: DateTime<Utc>, changes: &[Change]) -> Result<()> {
    if changes.is_empty() {
        return Ok(());
    }
    let count = changes.len() as i64;
    let last: i64 = diesel::update(audit_head::table.find(1))
        .set(audit_head::change_seq.eq(audit_head::change_seq + count))
        .returning(audit_head::change_seq)
        .get_result(conn)?;
    let at = to_db_time(at);
    let rows: Vec<ChangeRow> = changes
        .iter()
        .enumerate()
        .map(|(index, change)| ChangeRow {
            seq: last - count + 1 + index as i64,
            at,
            resource: change.resource.code().to_string(),
            resource_id: change.id.to_string(),
            action: change.action.code().to_string(),
            version: change.version,
            district_code: change.district.as_ref().map(|d| d.as_str().to_string()),
            organization_id: change.organization.map(|o| o.to_string()),
            confidentiality: change.confidentiality.map(|c| c.code().to_string()),
        })
        .collect();
    // One or two per transaction: single-row inserts (batches need one backend).
    for row in &rows {
        diesel::insert_into(changes::table).values(row).execute(conn)?;
    }
    // The webhooks' outbox, in the same transaction: a message for each endpoint told.
    let numbered: Vec<(i64, &Change)> = rows.iter().map(|row| row.seq).zip(changes).collect();
    crate::outbox::enqueue(conn, at, &numbered)
}

/// Up to `limit` changes after `after` that `audience` follows, oldest first.
pub fn after(conn: &mut DbConnection, audience: &FeedAudience, after: i64, limit: i64) -> Result<Vec<StoredChange>> {
    let mut query = changes::table
        .select(ChangeRow::as_select())
        .filter(changes::seq.gt(after))
        .order(changes::seq.asc())
        .limit(limit)
        .into_boxed();
    let codes = |resources: &[ChangedResource]| resources.iter().map(|r| r.code().to_string()).collect::<Vec<_>>();
    query = match audience {
        FeedAudience::Accounts => {
            query.filter(changes::resource.eq_any(codes(&[ChangedResource::User, ChangedResource::Organization])))
        }
        FeedAudience::Organization(organization) => query
            .filter(changes::organization_id.eq(organization.to_string()))
            .filter(changes::resource.eq_any(codes(&[ChangedResource::Referral, ChangedResource::Service]))),
        FeedAudience::Districts { districts, resources, note_levels } => query
            .filter(changes::district_code.eq_any(districts.iter().map(|d| d.as_str().to_string()).collect::<Vec<_>>()))
            .filter(changes::resource.eq_any(codes(resources)))
            .filter(changes::confidentiality.is_null().or(
                changes::confidentiality.eq_any(note_levels.iter().map(|l| l.code().to_string()).collect::<Vec<_>>()),
            )),
    };
    query.load::<ChangeRow>(conn)?.into_iter().map(StoredChange::try_from).collect()
}

/// The changes numbered `seqs`.
pub fn numbered(conn: &mut DbConnection, seqs: &[i64]) -> Result<Vec<StoredChange>> {
    if seqs.is_empty() {
        return Ok(Vec::new());
    }
    changes::table
        .select(ChangeRow::as_select())
        .filter(changes::seq.eq_any(seqs))
        .load::<ChangeRow>(conn)?
        .into_iter()
        .map(StoredChange::try_from)
        .collect()
}

impl TryFrom<ChangeRow> for StoredChange {
    type Error = crate::error::Error;

    fn try_from(row: ChangeRow) -> Result<StoredChange> {
        Ok(StoredChange {
            seq: row.seq,
            at: from_db_time(row.at),
            resource: decode(&row.resource)?,
            id: decode_id(&row.resource_id)?,
            action: decode(&row.action)?,
            version: row.version,
        })
    }
}
