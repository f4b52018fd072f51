//! Webhooks' store: the endpoints, their messages (queued by [`crate::outbox`]), and the log
//! of every attempt. Dispatchers take due messages under a
//! lease (`FOR UPDATE SKIP LOCKED` on PostgreSQL), so that several instances never send the
//! same attempt twice and one that dies leaves its messages to the others.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use domain::Vocabulary;
use domain::webhooks::{AttemptOutcome, DeliveryStatus, DisabledReason, WebhookEvent};
use uuid::Uuid;

use crate::changes::{StoredChange, numbered};
use crate::db::{DbConnection, from_db_time, to_db_time, write_transaction};
use crate::error::{Error, Result, decode, decode_id};
use crate::outbox::{decode_events, encode_events, pending_message};
use crate::schema::{webhook_attempts, webhook_messages, webhooks};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Webhook {
    pub id: Uuid,
    pub organization_id: Uuid,
    pub url: String,
    pub description: Option<String>,
    pub events: Vec<WebhookEvent>,
    pub enabled: bool,
    pub disabled_reason: Option<DisabledReason>,
    pub failing_since: Option<DateTime<Utc>>,
    pub created_by: Uuid,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = webhooks)]
struct WebhookRow {
    id: String,
    organization_id: String,
    url: String,
    description: Option<String>,
    events: String,
    enabled: bool,
    disabled_reason: Option<String>,
    failing_since: Option<NaiveDateTime>,
    created_by: String,
    version: i32,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
}

impl TryFrom<WebhookRow> for Webhook {
    type Error = Error;

    fn try_from(row: WebhookRow) -> Result<Webhook> {
        Ok(Webhook {
            id: decode_id(&row.id)?,
            organization_id: decode_id(&row.organization_id)?,
            url: row.url,
            description: row.description,
            events: decode_events(&row.events)?,
            enabled: row.enabled,
            disabled_reason: row.disabled_reason.as_deref().map(decode).transpose()?,
            failing_since: row.failing_since.map(from_db_time),
            created_by: decode_id(&row.created_by)?,
            version: row.version,
            created_at: from_db_time(row.created_at),
            updated_at: from_db_time(row.updated_at),
        })
    }
}

#[derive(Debug, Clone)]
pub struct NewWebhook {
    pub organization_id: Uuid,
    pub url: String,
    pub description: Option<String>,
    pub events: Vec<WebhookEvent>,
    pub secret: String,
    pub created_by: Uuid,
}

/// Fields to change; `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct WebhookChanges {
    pub url: Option<String>,
    pub description: Option<Option<String>>,
    pub events: Option<Vec<WebhookEvent>>,
    /// `true` enables the endpoint again (its run of failures forgotten), `false` disables it.
    pub enabled: Option<bool>,
}

pub fn insert(conn: &mut DbConnection, new: &NewWebhook, now: DateTime<Utc>) -> Result<Webhook> {
    let id = Uuid::now_v7();
    let at = to_db_time(now);
    diesel::insert_into(webhooks::table)
        .values((
            webhooks::id.eq(id.to_string()),
            webhooks::organization_id.eq(new.organization_id.to_string()),
            webhooks::url.eq(&new.url),
            webhooks::description.eq(new.description.as_deref()),
            webhooks::events.eq(encode_events(&new.events)),
            webhooks::secret.eq(&new.secret),
            webhooks::enabled.eq(true),
            webhooks::created_by.eq(new.created_by.to_string()),
            webhooks::version.eq(1),
            webhooks::created_at.eq(at),
            webhooks::updated_at.eq(at),
        ))
        .execute(conn)?;
    find(conn, id)
}

pub fn find(conn: &mut DbConnection, id: Uuid) -> Result<Webhook> {
    webhooks::table.find(id.to_string()).select(WebhookRow::as_select()).first::<WebhookRow>(conn)?.try_into()
}

/// How many endpoints an organisation has.
pub fn count_of(conn: &mut DbConnection, organization: Uuid) -> Result<i64> {
    Ok(webhooks::table.filter(webhooks::organization_id.eq(organization.to_string())).count().get_result(conn)?)
}

/// The endpoints of an organisation, or of all (`None`), newest first.
pub fn list(conn: &mut DbConnection, organization: Option<Uuid>) -> Result<Vec<Webhook>> {
    let mut query = webhooks::table.select(WebhookRow::as_select()).order(webhooks::id.desc()).into_boxed();
    if let Some(organization) = organization {
        query = query.filter(webhooks::organization_id.eq(organization.to_string()));
    }
    query.load::<WebhookRow>(conn)?.into_iter().map(Webhook::try_from).collect()
}

/// Changes an endpoint read at `expected_version`.
pub fn update(
    conn: &mut DbConnection,
    id: Uuid,
    expected_version: i32,
    changes: &WebhookChanges,
    now: DateTime<Utc>,
) -> Result<Webhook> {
    write_transaction(conn, |conn| {
        let current = find(conn, id)?;
        if current.version != expected_version {
            return Err(Error::StaleVersion);
        }
        let (enabled, disabled_reason, failing_since) = match changes.enabled {
            Some(true) => (true, None, None),
            Some(false) => (false, Some(DisabledReason::Owner), current.failing_since),
            None => (current.enabled, current.disabled_reason, current.failing_since),
        };
        diesel::update(webhooks::table.find(id.to_string()))
            .set((
                webhooks::url.eq(changes.url.as_deref().unwrap_or(&current.url)),
                webhooks::description.eq(changes.description.clone().unwrap_or(current.description)),
                webhooks::events.eq(encode_events(changes.events.as_deref().unwrap_or(&current.events))),
                webhooks::enabled.eq(enabled),
                webhooks::disabled_reason.eq(disabled_reason.map(|r| r.code())),
                webhooks::failing_since.eq(failing_since.map(to_db_time)),
                webhooks::version.eq(expected_version + 1),
                webhooks::updated_at.eq(to_db_time(now)),
            ))
            .execute(conn)?;
        find(conn, id)
    })
}

/// A new signing secret; the previous one still signs until `previous_until`.
pub fn rotate_secret(
    conn: &mut DbConnection,
    id: Uuid,
    expected_version: i32,
    secret: &str,
    previous_until: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<Webhook> {
    let target = webhooks::table.filter(webhooks::id.eq(id.to_string())).filter(webhooks::version.eq(expected_version));
    let updated = diesel::update(target)
        .set((
            webhooks::previous_secret.eq(webhooks::secret.nullable()),
            webhooks::previous_secret_until.eq(Some(to_db_time(previous_until))),
            webhooks::secret.eq(secret),
            webhooks::version.eq(expected_version + 1),
            webhooks::updated_at.eq(to_db_time(now)),
        ))
        .execute(conn)?;
    if updated == 0 {
        find(conn, id)?;
        return Err(Error::StaleVersion);
    }
    find(conn, id)
}

/// Deletes an endpoint read at `expected_version`, with its messages and their attempts.
pub fn delete(conn: &mut DbConnection, id: Uuid, expected_version: i32) -> Result<Webhook> {
    write_transaction(conn, |conn| {
        let current = find(conn, id)?;
        if current.version != expected_version {
            return Err(Error::StaleVersion);
        }
        let key = id.to_string();
        diesel::delete(webhook_attempts::table.filter(webhook_attempts::webhook_id.eq(&key))).execute(conn)?;
        diesel::delete(webhook_messages::table.filter(webhook_messages::webhook_id.eq(&key))).execute(conn)?;
        diesel::delete(webhooks::table.find(&key)).execute(conn)?;
        Ok(current)
    })
}

/// Queues a test message of `event` for an endpoint; answers its id.
pub fn enqueue_test(conn: &mut DbConnection, webhook_id: Uuid, event: &str, now: DateTime<Utc>) -> Result<Uuid> {
    let row = pending_message(webhook_id, event, None, to_db_time(now));
    diesel::insert_into(webhook_messages::table).values(&row).execute(conn)?;
    decode_id(&row.id)
}

/// A message taken for delivery, with what sending it needs.
#[derive(Debug, Clone)]
pub struct DueMessage {
    pub id: Uuid,
    pub webhook_id: Uuid,
    pub url: String,
    /// The secrets that sign it: the current one, and the previous one during a rotation.
    pub secrets: Vec<String>,
    pub event: String,
    /// Attempts made before this one.
    pub attempts: i32,
    pub first_attempt_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub failing_since: Option<DateTime<Utc>>,
    /// The change it tells; `None` for a test message.
    pub change: Option<StoredChange>,
}

/// Whether any message of an enabled endpoint is due at `now`: a read, so that an idle
/// dispatcher does not take the writer's turn every second (nor for the messages a disabled
/// endpoint keeps pending, which [`claim_due`] would not take).
pub fn any_due(conn: &mut DbConnection, now: DateTime<Utc>) -> Result<bool> {
    let due = webhook_messages::table
        .select(webhook_messages::id)
        .filter(webhook_messages::status.eq(DeliveryStatus::Pending.code()))
        .filter(webhook_messages::next_attempt_at.le(to_db_time(now)))
        .filter(
            webhook_messages::webhook_id
                .eq_any(webhooks::table.filter(webhooks::enabled.eq(true)).select(webhooks::id)),
        )
        .first::<String>(conn)
        .optional()?;
    Ok(due.is_some())
}

/// Takes up to `limit` due messages of enabled endpoints, oldest first, and moves them out of
/// reach until `lease_until`: the attempt's record releases them. On PostgreSQL the rows
/// another instance is taking at the same moment are skipped (`FOR UPDATE SKIP LOCKED`); on
/// SQLite writers take turns.
pub fn claim_due(
    conn: &mut DbConnection,
    now: DateTime<Utc>,
    lease_until: DateTime<Utc>,
    limit: i64,
) -> Result<Vec<DueMessage>> {
    let now_db = to_db_time(now);
    write_transaction(conn, |conn| {
        let due = || {
            webhook_messages::table
                .select(webhook_messages::id)
                .filter(webhook_messages::status.eq(DeliveryStatus::Pending.code()))
                .filter(webhook_messages::next_attempt_at.le(now_db))
                .filter(
                    webhook_messages::webhook_id
                        .eq_any(webhooks::table.filter(webhooks::enabled.eq(true)).select(webhooks::id)),
                )
                .order(webhook_messages::next_attempt_at.asc())
                .limit(limit)
        };
        let ids: Vec<String> = match conn {
            DbConnection::Postgresql(pg) => due().for_update().skip_locked().load(pg)?,
            DbConnection::Sqlite(sqlite) => due().load(sqlite)?,
        };
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        diesel::update(webhook_messages::table.filter(webhook_messages::id.eq_any(&ids)))
            .set(webhook_messages::next_attempt_at.eq(to_db_time(lease_until)))
            .execute(conn)?;
        type Row = (
            (String, String, String, Option<i64>, i32, Option<NaiveDateTime>, NaiveDateTime),
            (String, String, Option<String>, Option<NaiveDateTime>, Option<NaiveDateTime>),
        );
        let rows: Vec<Row> = webhook_messages::table
            .inner_join(webhooks::table)
            .filter(webhook_messages::id.eq_any(&ids))
            .select((
                (
                    webhook_messages::id,
                    webhook_messages::webhook_id,
                    webhook_messages::event,
                    webhook_messages::change_seq,
                    webhook_messages::attempts,
                    webhook_messages::first_attempt_at,
                    webhook_messages::created_at,
                ),
                (
                    webhooks::url,
                    webhooks::secret,
                    webhooks::previous_secret,
                    webhooks::previous_secret_until,
                    webhooks::failing_since,
                ),
            ))
            .order(webhook_messages::next_attempt_at.asc())
            .load(conn)?;
        let seqs: Vec<i64> = rows.iter().filter_map(|((_, _, _, seq, ..), _)| *seq).collect();
        let mut told: HashMap<i64, StoredChange> =
            numbered(conn, &seqs)?.into_iter().map(|change| (change.seq, change)).collect();
        rows.into_iter()
            .map(|((id, webhook_id, event, seq, attempts, first, created), (url, secret, previous, until, failing))| {
                let mut secrets = vec![secret];
                if let (Some(previous), Some(until)) = (previous, until)
                    && until > now_db
                {
                    secrets.push(previous);
                }
                Ok(DueMessage {
                    id: decode_id(&id)?,
                    webhook_id: decode_id(&webhook_id)?,
                    url,
                    secrets,
                    event,
                    attempts,
                    first_attempt_at: first.map(from_db_time),
                    created_at: from_db_time(created),
                    failing_since: failing.map(from_db_time),
                    change: seq.and_then(|seq| told.remove(&seq)),
                })
            })
            .collect()
    })
}

/// One attempt and what follows from it, as the dispatcher decided.
#[derive(Debug, Clone)]
pub struct AttemptRecord {
    pub message_id: Uuid,
    pub webhook_id: Uuid,
    /// 1 for the first attempt.
    pub attempt: i32,
    pub at: DateTime<Utc>,
    /// The message's first attempt (this one, for the first).
    pub first_attempt_at: DateTime<Utc>,
    pub outcome: AttemptOutcome,
    pub response_code: Option<i32>,
    pub duration_ms: i32,
    pub error: Option<String>,
    /// The message's status after the attempt.
    pub status: DeliveryStatus,
    /// When it is tried again, while it is pending.
    pub next_attempt_at: Option<DateTime<Utc>>,
    /// The endpoint has failed for a day: disable it.
    pub disable_webhook: bool,
}

/// Logs the attempts of a round in one transaction (one commit, not one each); answers how
/// many were logged: an attempt whose endpoint was deleted meanwhile is not.
pub fn record_attempts(conn: &mut DbConnection, records: &[AttemptRecord]) -> Result<usize> {
    write_transaction(conn, |conn| {
        let mut logged = 0;
        for record in records {
            let still_there = webhook_messages::table
                .find(record.message_id.to_string())
                .select(webhook_messages::id)
                .first::<String>(conn)
                .optional()?;
            if still_there.is_some() {
                record_attempt(conn, record)?;
                logged += 1;
            }
        }
        Ok(logged)
    })
}

/// Logs an attempt and moves its message and its endpoint on.
fn record_attempt(conn: &mut DbConnection, record: &AttemptRecord) -> Result<()> {
    let at = to_db_time(record.at);
    let next = record.next_attempt_at.map(to_db_time);
    write_transaction(conn, |conn| {
        diesel::insert_into(webhook_attempts::table)
            .values((
                webhook_attempts::message_id.eq(record.message_id.to_string()),
                webhook_attempts::attempt.eq(record.attempt),
                webhook_attempts::webhook_id.eq(record.webhook_id.to_string()),
                webhook_attempts::at.eq(at),
                webhook_attempts::outcome.eq(record.outcome.code()),
                webhook_attempts::response_code.eq(record.response_code),
                webhook_attempts::duration_ms.eq(record.duration_ms),
                webhook_attempts::error.eq(record.error.as_deref()),
                webhook_attempts::next_attempt_at.eq(next),
            ))
            .execute(conn)?;
        let completed = (record.status != DeliveryStatus::Pending).then_some(at);
        diesel::update(webhook_messages::table.find(record.message_id.to_string()))
            .set((
                webhook_messages::status.eq(record.status.code()),
                webhook_messages::attempts.eq(record.attempt),
                webhook_messages::next_attempt_at.eq(next),
                webhook_messages::first_attempt_at.eq(to_db_time(record.first_attempt_at)),
                webhook_messages::completed_at.eq(completed),
            ))
            .execute(conn)?;
        let endpoint = webhooks::table.find(record.webhook_id.to_string());
        if record.outcome == AttemptOutcome::Succeeded {
            diesel::update(endpoint).set(webhooks::failing_since.eq(None::<NaiveDateTime>)).execute(conn)?;
        } else if record.disable_webhook {
            diesel::update(endpoint.filter(webhooks::enabled.eq(true)))
                .set((
                    webhooks::enabled.eq(false),
                    webhooks::disabled_reason.eq(DisabledReason::Failing.code()),
                    webhooks::version.eq(webhooks::version + 1),
                    webhooks::updated_at.eq(at),
                ))
                .execute(conn)?;
        } else {
            diesel::update(endpoint.filter(webhooks::failing_since.is_null()))
                .set(webhooks::failing_since.eq(at))
                .execute(conn)?;
        }
        Ok(())
    })
}

/// One attempt as logged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attempt {
    pub attempt: i32,
    pub at: DateTime<Utc>,
    pub outcome: AttemptOutcome,
    pub response_code: Option<i32>,
    pub duration_ms: i32,
    pub error: Option<String>,
    pub next_attempt_at: Option<DateTime<Utc>>,
}

/// A message to an endpoint, with its attempts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivery {
    pub id: Uuid,
    pub event: String,
    pub change_seq: Option<i64>,
    pub status: DeliveryStatus,
    pub next_attempt_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub completed_at: Option<DateTime<Utc>>,
    pub attempts: Vec<Attempt>,
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = webhook_messages)]
struct MessageRow {
    id: String,
    event: String,
    change_seq: Option<i64>,
    status: String,
    next_attempt_at: Option<NaiveDateTime>,
    created_at: NaiveDateTime,
    completed_at: Option<NaiveDateTime>,
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = webhook_attempts)]
struct AttemptRow {
    message_id: String,
    attempt: i32,
    at: NaiveDateTime,
    outcome: String,
    response_code: Option<i32>,
    duration_ms: i32,
    error: Option<String>,
    next_attempt_at: Option<NaiveDateTime>,
}

/// The messages of an endpoint, newest first, before the message `before` (a page's last).
pub fn deliveries(
    conn: &mut DbConnection,
    webhook_id: Uuid,
    before: Option<Uuid>,
    limit: i64,
) -> Result<Vec<Delivery>> {
    let mut query = webhook_messages::table
        .select(MessageRow::as_select())
        .filter(webhook_messages::webhook_id.eq(webhook_id.to_string()))
        .order(webhook_messages::id.desc())
        .limit(limit)
        .into_boxed();
    if let Some(before) = before {
        query = query.filter(webhook_messages::id.lt(before.to_string()));
    }
    let messages = query.load::<MessageRow>(conn)?;
    let ids: Vec<&str> = messages.iter().map(|m| m.id.as_str()).collect();
    let mut attempts: HashMap<String, Vec<Attempt>> = HashMap::new();
    for row in webhook_attempts::table
        .select(AttemptRow::as_select())
        .filter(webhook_attempts::message_id.eq_any(&ids))
        .order((webhook_attempts::message_id, webhook_attempts::attempt))
        .load::<AttemptRow>(conn)?
    {
        attempts.entry(row.message_id).or_default().push(Attempt {
            attempt: row.attempt,
            at: from_db_time(row.at),
            outcome: decode(&row.outcome)?,
            response_code: row.response_code,
            duration_ms: row.duration_ms,
            error: row.error,
            next_attempt_at: row.next_attempt_at.map(from_db_time),
        });
    }
    messages
        .into_iter()
        .map(|m| {
            Ok(Delivery {
                id: decode_id(&m.id)?,
                event: m.event,
                change_seq: m.change_seq,
                status: decode(&m.status)?,
                next_attempt_at: m.next_attempt_at.map(from_db_time),
                created_at: from_db_time(m.created_at),
                completed_at: m.completed_at.map(from_db_time),
                attempts: attempts.remove(&m.id).unwrap_or_default(),
            })
        })
        .collect()
}

/// Queues a message of the endpoint again, now, for a fresh day of retries.
pub fn redeliver(conn: &mut DbConnection, webhook_id: Uuid, message_id: Uuid, now: DateTime<Utc>) -> Result<()> {
    let target = webhook_messages::table
        .filter(webhook_messages::id.eq(message_id.to_string()))
        .filter(webhook_messages::webhook_id.eq(webhook_id.to_string()));
    let updated = diesel::update(target)
        .set((
            webhook_messages::status.eq(DeliveryStatus::Pending.code()),
            webhook_messages::next_attempt_at.eq(Some(to_db_time(now))),
            webhook_messages::first_attempt_at.eq(None::<NaiveDateTime>),
            webhook_messages::completed_at.eq(None::<NaiveDateTime>),
        ))
        .execute(conn)?;
    if updated == 0 { Err(Error::NotFound) } else { Ok(()) }
}
