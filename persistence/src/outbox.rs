//! The webhooks' outbox: a message for each endpoint told of a change, queued in the
//! change's own transaction (by [`crate::changes::record`]), so that a change never commits
//! without its messages, nor a message without its change.

use std::collections::HashMap;
use std::collections::hash_map::Entry;

use chrono::NaiveDateTime;
use diesel::prelude::*;
use domain::Vocabulary;
use domain::changes::Change;
use domain::webhooks::{DeliveryStatus, WebhookEvent, delivers, event_of};
use uuid::Uuid;

use crate::db::DbConnection;
use crate::error::{Result, decode, decode_id};
use crate::schema::{webhook_messages, webhooks};

/// An endpoint's events as stored: their codes, separated by spaces.
pub(crate) fn encode_events(events: &[WebhookEvent]) -> String {
    events.iter().map(|e| e.code()).collect::<Vec<_>>().join(" ")
}

pub(crate) fn decode_events(text: &str) -> Result<Vec<WebhookEvent>> {
    text.split_whitespace().map(decode).collect()
}

#[derive(Insertable)]
#[diesel(table_name = webhook_messages)]
pub(crate) struct NewMessageRow {
    pub(crate) id: String,
    webhook_id: String,
    event: String,
    change_seq: Option<i64>,
    status: &'static str,
    attempts: i32,
    next_attempt_at: Option<NaiveDateTime>,
    created_at: NaiveDateTime,
}

pub(crate) fn pending_message(
    webhook_id: Uuid,
    event: &str,
    change_seq: Option<i64>,
    at: NaiveDateTime,
) -> NewMessageRow {
    NewMessageRow {
        id: Uuid::now_v7().to_string(),
        webhook_id: webhook_id.to_string(),
        event: event.to_string(),
        change_seq,
        status: DeliveryStatus::Pending.code(),
        attempts: 0,
        next_attempt_at: Some(at),
        created_at: at,
    }
}

/// Queues a message for every enabled endpoint that is told of each change, in the change's
/// transaction: `numbered` pairs each change with its place in the feed.
pub(crate) fn enqueue(conn: &mut DbConnection, at: NaiveDateTime, numbered: &[(i64, &Change)]) -> Result<()> {
    let mut endpoints: HashMap<Uuid, Vec<(Uuid, Vec<WebhookEvent>)>> = HashMap::new();
    for (seq, change) in numbered {
        let Some(organization) = change.organization else { continue };
        let Some(event) = event_of(change.resource, change.action) else { continue };
        let subscribed = match endpoints.entry(organization) {
            Entry::Occupied(known) => known.into_mut(),
            Entry::Vacant(unknown) => {
                let rows: Vec<(String, String)> = webhooks::table
                    .filter(webhooks::organization_id.eq(organization.to_string()))
                    .filter(webhooks::enabled.eq(true))
                    .select((webhooks::id, webhooks::events))
                    .load(conn)?;
                let decoded = rows
                    .into_iter()
                    .map(|(id, events)| Ok((decode_id(&id)?, decode_events(&events)?)))
                    .collect::<Result<Vec<_>>>()?;
                unknown.insert(decoded)
            }
        };
        for (webhook, events) in subscribed.iter() {
            if delivers(organization, events, change) {
                let row = pending_message(*webhook, event.code(), Some(*seq), at);
                diesel::insert_into(webhook_messages::table).values(&row).execute(conn)?;
            }
        }
    }
    Ok(())
}
