//! The audit trail: appended in the writer's transaction, chained by hash, never changed.

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use diesel::query_builder::{AstPass, Query, QueryFragment, QueryId};
use diesel::sql_types::{BigInt, Nullable, Text, Timestamp};
use domain::Vocabulary;
use domain::audit::{AuditAction, AuditEntry, AuditReason, ChainedEntry, ListedSubject, StatedReason, chain};
use domain::districts::DistrictCode;
use uuid::Uuid;

use crate::db::{DbConnection, MultiBackend, from_db_time, to_db_time};
use crate::error::{Result, decode, decode_id};
use crate::pagination::{Page, PageRequest};
use crate::schema::{audit_events, audit_head, audit_listed, cases};

/// One entry as its columns hold it, read and written.
#[derive(Queryable, Selectable)]
#[diesel(table_name = audit_events)]
struct AuditRow {
    seq: i64,
    at: NaiveDateTime,
    actor_id: String,
    actor_role: String,
    action: String,
    district_code: Option<String>,
    beneficiary_id: Option<String>,
    case_id: Option<String>,
    request_id: Option<String>,
    prev_hash: String,
    hash: String,
    listed: Option<String>,
    reason_digest: Option<String>,
    reason_salt: Option<String>,
    reason_text: Option<String>,
}

/// Appends entries at the end of the chain. Call it inside the write transaction of the
/// change it records; the head row's lock orders concurrent appenders.
pub fn append(conn: &mut DbConnection, entries: Vec<AuditEntry>) -> Result<()> {
    if entries.is_empty() {
        return Ok(());
    }
    let count = entries.len() as i64;
    // Advancing the head first takes its row lock (PostgreSQL) until the transaction ends; the
    // statement answers the advanced head, so that no second round trip reads it.
    let (new_seq, last_hash): (i64, String) = HeadUpdate::Advance(count).get_result(conn)?;
    let chained = chain(new_seq - count, &last_hash, entries);
    let listed: Vec<(String, i64)> = chained
        .iter()
        .flat_map(|stored| stored.entry.people_listed().map(|person| (person.to_string(), stored.seq)))
        .collect();
    let rows: Vec<AuditRow> = chained.into_iter().map(AuditRow::from).collect();
    in_batches(&rows, |batch| InsertAuditRows(batch).execute(conn))?;
    in_batches(&listed, |batch| InsertListedRows(batch).execute(conn))?;
    if let Some(last) = rows.last() {
        HeadUpdate::Hash(&last.hash).execute(conn)?;
    }
    Ok(())
}

/// Runs `insert` on `rows` in batches of [insert_batch_size].
fn in_batches<T>(rows: &[T], mut insert: impl FnMut(&[T]) -> QueryResult<usize>) -> Result<()> {
    let mut rest = rows;
    while !rest.is_empty() {
        let (batch, after) = rest.split_at(insert_batch_size(rest.len()));
        insert(batch)?;
        rest = after;
    }
    Ok(())
}

/// `listed` as stored: `beneficiary:case` pairs (the case empty when there is none), joined by
/// commas, so that a page naming a case matches `LIKE '%:case%'`.
const LISTED_SEPARATOR: char = ',';

fn encode_listed(listed: &[ListedSubject]) -> Option<String> {
    if listed.is_empty() {
        return None;
    }
    let mut text = String::with_capacity(listed.len() * 74);
    for (index, subject) in listed.iter().enumerate() {
        if index > 0 {
            text.push(LISTED_SEPARATOR);
        }
        text.push_str(subject.beneficiary_id.hyphenated().encode_lower(&mut Uuid::encode_buffer()));
        text.push(':');
        if let Some(case) = subject.case_id {
            text.push_str(case.hyphenated().encode_lower(&mut Uuid::encode_buffer()));
        }
    }
    Some(text)
}

fn decode_listed(text: Option<&str>) -> Result<Vec<ListedSubject>> {
    let Some(text) = text else { return Ok(Vec::new()) };
    text.split(LISTED_SEPARATOR)
        .map(|subject| {
            let (beneficiary, case) = subject.split_once(':').unwrap_or((subject, ""));
            Ok(ListedSubject {
                beneficiary_id: decode_id(beneficiary)?,
                case_id: (!case.is_empty()).then(|| decode_id(case)).transpose()?,
            })
        })
        .collect()
}

impl From<ChainedEntry> for AuditRow {
    fn from(stored: ChainedEntry) -> Self {
        let entry = stored.entry;
        AuditRow {
            seq: stored.seq,
            at: to_db_time(entry.at),
            actor_id: entry.actor_id.to_string(),
            actor_role: entry.actor_role.code().to_string(),
            action: entry.action.code().to_string(),
            district_code: entry.district.as_ref().map(|d| d.as_str().to_string()),
            beneficiary_id: entry.beneficiary_id.map(|id| id.to_string()),
            case_id: entry.case_id.map(|id| id.to_string()),
            request_id: entry.request_id,
            listed: encode_listed(&entry.listed),
            reason_digest: entry.reason.as_ref().map(|reason| reason.digest.clone()),
            reason_salt: entry.reason.as_ref().and_then(|reason| reason.stated.as_ref()).map(|s| s.salt.clone()),
            reason_text: entry.reason.and_then(|reason| reason.stated).map(|s| s.text),
            prev_hash: stored.prev_hash,
            hash: stored.hash,
        }
    }
}

/// Rows per `INSERT` at most: 1,920 parameters, well under both backends' limits.
const MAX_ROWS_PER_INSERT: usize = 128;

/// How many of `remaining` rows the next `INSERT` takes: all up to the maximum, otherwise the
/// largest power of two, so that only eight statement texts exist and the cache keeps them all.
fn insert_batch_size(remaining: usize) -> usize {
    if remaining >= MAX_ROWS_PER_INSERT { MAX_ROWS_PER_INSERT } else { 1 << remaining.ilog2() }
}

/// Several entries in one `INSERT`: a list of fifty is one statement's work instead of fifty,
/// and on PostgreSQL one round trip instead of fifty. Written out because diesel's multi-row
/// insert does not compile through the multi-backend connection.
struct InsertAuditRows<'a>(&'a [AuditRow]);

impl QueryId for InsertAuditRows<'_> {
    type QueryId = ();
    // Keyed by its SQL text, one per batch size.
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl QueryFragment<MultiBackend> for InsertAuditRows<'_> {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, MultiBackend>) -> QueryResult<()> {
        out.push_sql(
            "INSERT INTO audit_events (seq, at, actor_id, actor_role, action, district_code, beneficiary_id, \
             case_id, request_id, prev_hash, hash, listed, reason_digest, reason_salt, reason_text) VALUES ",
        );
        for (index, row) in self.0.iter().enumerate() {
            out.push_sql(if index == 0 { "(" } else { ", (" });
            out.push_bind_param::<BigInt, _>(&row.seq)?;
            out.push_sql(", ");
            out.push_bind_param::<Timestamp, _>(&row.at)?;
            out.push_sql(", ");
            out.push_bind_param::<Text, _>(&row.actor_id)?;
            out.push_sql(", ");
            out.push_bind_param::<Text, _>(&row.actor_role)?;
            out.push_sql(", ");
            out.push_bind_param::<Text, _>(&row.action)?;
            for optional in [&row.district_code, &row.beneficiary_id, &row.case_id, &row.request_id] {
                out.push_sql(", ");
                out.push_bind_param::<Nullable<Text>, _>(optional)?;
            }
            out.push_sql(", ");
            out.push_bind_param::<Text, _>(&row.prev_hash)?;
            out.push_sql(", ");
            out.push_bind_param::<Text, _>(&row.hash)?;
            for optional in [&row.listed, &row.reason_digest, &row.reason_salt, &row.reason_text] {
                out.push_sql(", ");
                out.push_bind_param::<Nullable<Text>, _>(optional)?;
            }
            out.push_sql(")");
        }
        Ok(())
    }
}

impl RunQueryDsl<DbConnection> for InsertAuditRows<'_> {}

/// Rows of `audit_listed`, many to a statement like the entries they index.
struct InsertListedRows<'a>(&'a [(String, i64)]);

impl QueryId for InsertListedRows<'_> {
    type QueryId = ();
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl QueryFragment<MultiBackend> for InsertListedRows<'_> {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, MultiBackend>) -> QueryResult<()> {
        out.push_sql("INSERT INTO audit_listed (beneficiary_id, seq) VALUES ");
        for (index, (beneficiary, seq)) in self.0.iter().enumerate() {
            out.push_sql(if index == 0 { "(" } else { ", (" });
            out.push_bind_param::<Text, _>(beneficiary)?;
            out.push_sql(", ");
            out.push_bind_param::<BigInt, _>(seq)?;
            out.push_sql(")");
        }
        Ok(())
    }
}

impl RunQueryDsl<DbConnection> for InsertListedRows<'_> {}

/// The two changes of the chain's head, written out so that the statement cache keeps them:
/// diesel prepares every `update` again (a changeset may skip fields, so it caches none), and
/// the head moves on every write. Advancing answers the head it leaves, `(seq, hash)`: the hash
/// is still the previous entry's, the one the new entries chain from.
enum HeadUpdate<'a> {
    Advance(i64),
    Hash(&'a str),
}

impl QueryId for HeadUpdate<'_> {
    type QueryId = ();
    // Keyed by its SQL text, one per variant.
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl QueryFragment<MultiBackend> for HeadUpdate<'_> {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, MultiBackend>) -> QueryResult<()> {
        match self {
            HeadUpdate::Advance(count) => {
                out.push_sql("UPDATE audit_head SET seq = seq + ");
                out.push_bind_param::<BigInt, _>(count)?;
                out.push_sql(" WHERE id = 1 RETURNING seq, hash");
            }
            HeadUpdate::Hash(hash) => {
                out.push_sql("UPDATE audit_head SET hash = ");
                out.push_bind_param::<Text, _>(*hash)?;
                out.push_sql(" WHERE id = 1");
            }
        }
        Ok(())
    }
}

impl Query for HeadUpdate<'_> {
    type SqlType = (BigInt, Text);
}

impl RunQueryDsl<DbConnection> for HeadUpdate<'_> {}

#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    /// Only entries about these districts (`None`: every entry).
    pub districts: Option<Vec<DistrictCode>>,
    pub actor_id: Option<Uuid>,
    pub beneficiary_id: Option<Uuid>,
    pub case_id: Option<Uuid>,
    pub action: Option<AuditAction>,
    pub from: Option<DateTime<Utc>>,
    /// Exclusive.
    pub before: Option<DateTime<Utc>>,
}

/// `query` (of `audit_events`, or joined to it) narrowed by everything in `filter` but the
/// person and the case, newest first by `seq` (the column the query walks), one page long.
macro_rules! matching {
    ($query:expr, $seq:expr, $filter:expr, $page:expr) => {{
        let (filter, page): (&AuditFilter, &PageRequest<i64>) = ($filter, $page);
        let mut query = $query.select(AuditRow::as_select()).order($seq.desc()).limit(page.fetch_size()).into_boxed();
        if let Some(after) = page.after {
            query = query.filter($seq.lt(after));
        }
        if let Some(districts) = &filter.districts {
            query = query.filter(
                audit_events::district_code
                    .eq_any(districts.iter().map(|d| d.as_str().to_string()).collect::<Vec<_>>()),
            );
        }
        if let Some(actor) = filter.actor_id {
            query = query.filter(audit_events::actor_id.eq(actor.to_string()));
        }
        if let Some(action) = filter.action {
            query = query.filter(audit_events::action.eq(action.code()));
        }
        if let Some(from) = filter.from {
            query = query.filter(audit_events::at.ge(to_db_time(from)));
        }
        if let Some(before) = filter.before {
            query = query.filter(audit_events::at.lt(to_db_time(before)));
        }
        query
    }};
}

/// Entries matching the filter, newest first; the key of a row is its sequence number.
///
/// Filtered by a person or a case, the entries about them alone and the pages that named them
/// are read apart, each walking its own index newest first, and merged: a person at the top
/// of a busy list can be named by thousands of pages, and only a page of them is read.
pub fn list(conn: &mut DbConnection, filter: &AuditFilter, page: &PageRequest<i64>) -> Result<Page<ChainedEntry>> {
    if filter.beneficiary_id.is_none() && filter.case_id.is_none() {
        let rows = matching!(audit_events::table, audit_events::seq, filter, page).load::<AuditRow>(conn)?;
        return into_page(page, rows);
    }
    let mut alone = matching!(audit_events::table, audit_events::seq, filter, page);
    if let Some(beneficiary) = filter.beneficiary_id {
        alone = alone.filter(audit_events::beneficiary_id.eq(beneficiary.to_string()));
    }
    if let Some(case) = filter.case_id {
        alone = alone.filter(audit_events::case_id.eq(case.to_string()));
    }
    let alone = alone.load::<AuditRow>(conn)?;
    let mut pages = matching!(audit_listed::table.inner_join(audit_events::table), audit_listed::seq, filter, page);
    // Pages are found through the person they named: the one asked for, or the case's; a case
    // narrows them to the pages that named that `beneficiary:case` pair (see `encode_listed`).
    pages = match (filter.beneficiary_id, filter.case_id) {
        (Some(beneficiary), case) => {
            let pages = pages.filter(audit_listed::beneficiary_id.eq(beneficiary.to_string()));
            match case {
                Some(case) => pages.filter(audit_events::listed.like(format!("%{beneficiary}:{case}%"))),
                None => pages,
            }
        }
        (None, Some(case)) => {
            let person =
                cases::table.filter(cases::id.eq(case.to_string())).select(cases::beneficiary_id).single_value();
            pages
                .filter(audit_listed::beneficiary_id.nullable().eq(person))
                .filter(audit_events::listed.like(format!("%:{case}%")))
        }
        // Not reached: without a person or a case the trail was answered above.
        (None, None) => pages,
    };
    let pages = pages.load::<AuditRow>(conn)?;
    into_page(page, merge_newest_first(alone, pages, page.fetch_size()))
}

fn into_page(page: &PageRequest<i64>, rows: Vec<AuditRow>) -> Result<Page<ChainedEntry>> {
    let rows = page.page(rows);
    let items = rows.items.into_iter().map(into_entry).collect::<Result<Vec<_>>>()?;
    Ok(Page { items, has_more: rows.has_more })
}

/// Two lists of rows, each newest first, as one newest first, at most `limit` long.
fn merge_newest_first(first: Vec<AuditRow>, second: Vec<AuditRow>, limit: i64) -> Vec<AuditRow> {
    let limit = usize::try_from(limit).unwrap_or(0);
    let mut merged = Vec::with_capacity(limit.min(first.len() + second.len()));
    let (mut first, mut second) = (first.into_iter().peekable(), second.into_iter().peekable());
    while merged.len() < limit {
        let take_first = match (first.peek(), second.peek()) {
            (Some(a), Some(b)) => a.seq > b.seq,
            (Some(_), None) => true,
            (None, Some(_)) => false,
            (None, None) => break,
        };
        merged.extend(if take_first { first.next() } else { second.next() });
    }
    merged
}

/// Entries in chain order after `after_seq`, for verification in batches.
pub fn scan(conn: &mut DbConnection, after_seq: i64, limit: i64) -> Result<Vec<ChainedEntry>> {
    audit_events::table
        .select(AuditRow::as_select())
        .filter(audit_events::seq.gt(after_seq))
        .order(audit_events::seq.asc())
        .limit(limit)
        .load::<AuditRow>(conn)?
        .into_iter()
        .map(into_entry)
        .collect()
}

/// Rows of the pages' index for the entries after `after_seq` up to `up_to_seq`, as
/// `(seq, beneficiary id)` in that order, to check against what the chain names.
pub fn listed_rows(conn: &mut DbConnection, after_seq: i64, up_to_seq: i64) -> Result<Vec<(i64, String)>> {
    Ok(audit_listed::table
        .filter(audit_listed::seq.gt(after_seq))
        .filter(audit_listed::seq.le(up_to_seq))
        .select((audit_listed::seq, audit_listed::beneficiary_id))
        .order((audit_listed::seq.asc(), audit_listed::beneficiary_id.asc()))
        .load(conn)?)
}

/// The first row of the pages' index for an entry after `seq`, which the chain does not hold.
pub fn listed_row_after(conn: &mut DbConnection, seq: i64) -> Result<Option<(i64, String)>> {
    Ok(audit_listed::table
        .filter(audit_listed::seq.gt(seq))
        .select((audit_listed::seq, audit_listed::beneficiary_id))
        .order(audit_listed::seq.asc())
        .first(conn)
        .optional()?)
}

/// The stored end of the chain: `(seq, hash)`.
pub fn head(conn: &mut DbConnection) -> Result<(i64, String)> {
    Ok(audit_head::table.find(1).select((audit_head::seq, audit_head::hash)).first(conn)?)
}

fn into_entry(row: AuditRow) -> Result<ChainedEntry> {
    Ok(ChainedEntry {
        seq: row.seq,
        entry: AuditEntry {
            at: from_db_time(row.at),
            actor_id: decode_id(&row.actor_id)?,
            actor_role: decode(&row.actor_role)?,
            action: decode(&row.action)?,
            district: row.district_code.map(DistrictCode::from_trusted),
            beneficiary_id: row.beneficiary_id.as_deref().map(decode_id).transpose()?,
            case_id: row.case_id.as_deref().map(decode_id).transpose()?,
            listed: decode_listed(row.listed.as_deref())?,
            request_id: row.request_id,
            reason: match (row.reason_digest, row.reason_salt, row.reason_text) {
                (Some(digest), Some(salt), Some(text)) => {
                    Some(AuditReason { digest, stated: Some(StatedReason { salt, text }) })
                }
                (Some(digest), _, _) => Some(AuditReason { digest, stated: None }),
                (None, ..) => None,
            },
        },
        prev_hash: row.prev_hash,
        hash: row.hash,
    })
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use chrono::TimeZone;
    use diesel::SqliteConnection;
    use diesel::connection::{Connection, InstrumentationEvent};
    use domain::users::Role;

    use super::*;
    use crate::db::run_migrations;

    fn entry() -> AuditEntry {
        AuditEntry {
            at: Utc.with_ymd_and_hms(2026, 11, 26, 9, 0, 0).unwrap(),
            actor_id: Uuid::now_v7(),
            actor_role: Role::CaseWorker,
            action: AuditAction::Read,
            district: Some(DistrictCode::from_trusted("milano".to_string())),
            beneficiary_id: Some(Uuid::now_v7()),
            case_id: None,
            listed: Vec::new(),
            request_id: None,
            reason: None,
        }
    }

    #[test]
    fn batches_take_every_row_in_at_most_eight_statement_texts() {
        let mut sizes = std::collections::BTreeSet::new();
        for total in 1..=1_000 {
            let (mut rest, mut statements) = (total, 0);
            while rest > 0 {
                let size = insert_batch_size(rest);
                assert!((1..=rest.min(MAX_ROWS_PER_INSERT)).contains(&size));
                sizes.insert(size);
                rest -= size;
                statements += 1;
            }
            assert!(statements <= total / MAX_ROWS_PER_INSERT + 7, "{total} rows in {statements} statements");
        }
        assert_eq!(sizes.into_iter().collect::<Vec<_>>(), [1, 2, 4, 8, 16, 32, 64, 128]);
    }

    #[test]
    fn a_page_of_entries_is_inserted_by_a_few_statements_in_chain_order() {
        let mut conn = DbConnection::Sqlite(SqliteConnection::establish(":memory:").unwrap());
        run_migrations(&mut conn).unwrap();
        let inserts = Arc::new(Mutex::new(0));
        let counted = Arc::clone(&inserts);
        conn.set_instrumentation(move |event: InstrumentationEvent<'_>| {
            if let InstrumentationEvent::StartQuery { query, .. } = event
                && query.to_string().starts_with("INSERT INTO audit_events")
            {
                *counted.lock().unwrap() += 1;
            }
        });
        let page: Vec<AuditEntry> = (0..50)
            .map(|n| AuditEntry { case_id: Some(Uuid::now_v7()), request_id: Some(format!("list-{n}")), ..entry() })
            .collect();
        append(&mut conn, page.clone()).unwrap();
        assert_eq!(*inserts.lock().unwrap(), 3, "50 rows as 32 + 16 + 2");
        let stored = scan(&mut conn, 0, 100).unwrap();
        assert_eq!(stored.iter().map(|e| e.entry.clone()).collect::<Vec<_>>(), page);
        let mut verifier = domain::audit::ChainVerifier::default();
        for entry in &stored {
            verifier.check(entry).unwrap();
        }
        assert_eq!(head(&mut conn).unwrap(), (50, stored[49].hash.clone()));
    }

    #[test]
    fn entries_are_stored_field_by_field_and_the_head_moved_by_statements_prepared_once() {
        let mut conn = DbConnection::Sqlite(SqliteConnection::establish(":memory:").unwrap());
        run_migrations(&mut conn).unwrap();
        let prepared = Arc::new(Mutex::new(Vec::<String>::new()));
        let seen = Arc::clone(&prepared);
        conn.set_instrumentation(move |event: InstrumentationEvent<'_>| {
            if let InstrumentationEvent::CacheQuery { sql, .. } = event {
                seen.lock().unwrap().push(sql.to_string());
            }
        });
        let head_updates =
            || prepared.lock().unwrap().iter().filter(|sql| sql.starts_with("UPDATE audit_head")).count();
        let full = AuditEntry {
            case_id: Some(Uuid::now_v7()),
            request_id: Some("request-1".to_string()),
            action: AuditAction::Transition,
            ..entry()
        };
        let bare = AuditEntry { district: None, beneficiary_id: None, ..entry() };
        append(&mut conn, vec![full.clone()]).unwrap();
        assert_eq!(head_updates(), 2, "both updates of the head were cached");
        append(&mut conn, vec![bare.clone(), entry()]).unwrap();
        assert_eq!(head_updates(), 2, "and used again");
        let stored = scan(&mut conn, 0, 10).unwrap();
        assert_eq!(stored.iter().map(|e| e.seq).collect::<Vec<_>>(), [1, 2, 3]);
        assert_eq!(stored[0].entry, full, "every field is stored in its column");
        assert_eq!(stored[1].entry, bare);
        let mut verifier = domain::audit::ChainVerifier::default();
        for entry in &stored {
            verifier.check(entry).unwrap();
        }
        assert_eq!(head(&mut conn).unwrap(), (3, stored[2].hash.clone()));
    }

    #[test]
    fn a_persons_entries_and_the_pages_that_named_them_are_listed_together_newest_first() {
        let mut conn = DbConnection::Sqlite(SqliteConnection::establish(":memory:").unwrap());
        run_migrations(&mut conn).unwrap();
        let (person, other) = (Uuid::now_v7(), Uuid::now_v7());
        let (case, other_case, second_case) = (Uuid::now_v7(), Uuid::now_v7(), Uuid::now_v7());
        let listed = |beneficiary_id, case_id| ListedSubject { beneficiary_id, case_id: Some(case_id) };
        let read = |beneficiary| AuditEntry { beneficiary_id: Some(beneficiary), case_id: Some(case), ..entry() };
        let page = |subjects: Vec<ListedSubject>| AuditEntry {
            action: AuditAction::List,
            beneficiary_id: None,
            listed: subjects,
            ..entry()
        };
        append(&mut conn, vec![read(person)]).unwrap(); // 1
        // 2: the person twice (two cases), one row in the index.
        append(
            &mut conn,
            vec![page(vec![listed(other, other_case), listed(person, case), listed(person, second_case)])],
        )
        .unwrap();
        append(&mut conn, vec![read(other), page(vec![listed(other, other_case), listed(other, second_case)])])
            .unwrap(); // 3, 4
        append(&mut conn, vec![read(person), page(vec![listed(person, case), listed(other, other_case)])]).unwrap(); // 5, 6
        let rows: i64 = audit_listed::table.count().get_result(&mut conn).unwrap();
        assert_eq!(rows, 2 + 1 + 2, "one row per person and page");

        let seqs = |conn: &mut DbConnection, filter: &AuditFilter, after: Option<i64>, limit: i64| {
            let found = list(conn, filter, &PageRequest { after, limit }).unwrap();
            (found.items.iter().map(|e| e.seq).collect::<Vec<_>>(), found.has_more)
        };
        let of_person = AuditFilter { beneficiary_id: Some(person), ..AuditFilter::default() };
        assert_eq!(seqs(&mut conn, &of_person, None, 50), (vec![6, 5, 2, 1], false));
        assert_eq!(seqs(&mut conn, &of_person, None, 3), (vec![6, 5, 2], true));
        assert_eq!(seqs(&mut conn, &of_person, Some(5), 1), (vec![2], true));
        assert_eq!(seqs(&mut conn, &of_person, Some(2), 1), (vec![1], false));
        let found = list(&mut conn, &of_person, &PageRequest { after: None, limit: 50 }).unwrap();
        assert_eq!(found.items[0].entry.listed, [listed(person, case), listed(other, other_case)], "stored in order");
        // A case and its person: the pages that showed that case, not those that showed the
        // person by another (a case alone is looked up in the cases: the HTTP suite).
        let second = AuditFilter { case_id: Some(second_case), beneficiary_id: Some(person), ..AuditFilter::default() };
        assert_eq!(seqs(&mut conn, &second, None, 50).0, [2]);
        let reads = AuditFilter { action: Some(AuditAction::Read), ..of_person };
        assert_eq!(seqs(&mut conn, &reads, None, 50).0, [5, 1]);

        let mut verifier = domain::audit::ChainVerifier::default();
        for entry in &scan(&mut conn, 0, 100).unwrap() {
            verifier.check(entry).unwrap();
        }
        assert_eq!(verifier.checked(), 6);
    }
}
