//! The dispatcher: takes due messages from the outbox, signs and sends each through a
//! [`Sender`] (the HTTP client is the caller's), and logs every attempt with what follows:
//! delivered, tried again after a backoff, given up after a day, the endpoint disabled after
//! a day of failures.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use domain::Vocabulary;
use domain::webhooks::{AttemptOutcome, DeliveryStatus, disables, gives_up, retry_delay, signature};
use persistence::changes::StoredChange;
use persistence::webhooks::{self as store, AttemptRecord, DueMessage};

use crate::context::Context;
use crate::error::{Error, Result};

/// A signed message to send.
#[derive(Debug, Clone)]
pub struct Outgoing {
    pub url: String,
    /// `webhook-id`, `webhook-timestamp`, `webhook-signature`.
    pub headers: Vec<(&'static str, String)>,
    pub body: Vec<u8>,
}

/// How an attempt went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    pub outcome: AttemptOutcome,
    pub response_code: Option<u16>,
    pub duration: Duration,
    /// Why it failed, in a few words of ours (never the endpoint's body).
    pub error: Option<String>,
}

/// Sends one message and waits for the answer: blocking, run off the async threads.
pub trait Sender: Send + Sync + 'static {
    fn send(&self, message: &Outgoing) -> Answer;
}

#[derive(Debug, Clone, Copy)]
pub struct DispatchSettings {
    /// The wait after a first failed attempt, doubled after each (`INLAV_WEBHOOK_RETRY_BASE_MS`).
    pub retry_base: Duration,
    /// The most messages taken at once.
    pub batch: i64,
    /// How long a taken message stays out of other dispatchers' reach: longer than a send.
    pub lease: Duration,
}

impl Default for DispatchSettings {
    fn default() -> Self {
        DispatchSettings { retry_base: Duration::from_secs(5), batch: 32, lease: Duration::from_secs(60) }
    }
}

/// The body of a message: `{type, timestamp, data}` as Standard Webhooks suggests, `data` the
/// change feed's item (kind, id, action, version: no personal data), or the endpoint's id
/// for a test. The same bytes at every attempt.
pub fn payload(message: &DueMessage) -> serde_json::Value {
    match &message.change {
        Some(change) => serde_json::json!({
            "type": message.event,
            "timestamp": change.at,
            "data": change_item(change),
        }),
        None => serde_json::json!({
            "type": message.event,
            "timestamp": message.created_at,
            "data": { "webhook_id": message.webhook_id },
        }),
    }
}

fn change_item(change: &StoredChange) -> serde_json::Value {
    serde_json::json!({
        "seq": change.seq,
        "at": change.at,
        "resource": change.resource.code(),
        "id": change.id,
        "action": change.action.code(),
        "version": change.version,
    })
}

/// Signs a message for an attempt at `now`.
fn outgoing(message: &DueMessage, now: DateTime<Utc>) -> Result<Outgoing> {
    let body = serde_json::to_vec(&payload(message)).map_err(|err| Error::Internal(err.to_string()))?;
    let id = message.id.to_string();
    let timestamp = now.timestamp();
    let secrets: Vec<&str> = message.secrets.iter().map(String::as_str).collect();
    let signed = signature(&secrets, &id, timestamp, &body)
        .ok_or_else(|| Error::Internal(format!("webhook {} has a malformed secret", message.webhook_id)))?;
    Ok(Outgoing {
        url: message.url.clone(),
        headers: vec![
            ("webhook-id", id),
            ("webhook-timestamp", timestamp.to_string()),
            ("webhook-signature", signed),
            ("content-type", "application/json".to_string()),
        ],
        body,
    })
}

/// What follows an attempt at `now` that got `answer`, with `jitter` (0 to 1) for the delay.
fn next_step(
    message: &DueMessage,
    answer: &Answer,
    now: DateTime<Utc>,
    settings: &DispatchSettings,
    jitter: f64,
) -> AttemptRecord {
    let attempt = message.attempts + 1;
    let first_attempt_at = message.first_attempt_at.unwrap_or(now);
    let succeeded = answer.outcome == AttemptOutcome::Succeeded;
    let (status, next_attempt_at) = if succeeded {
        (DeliveryStatus::Delivered, None)
    } else if gives_up(first_attempt_at, now) {
        (DeliveryStatus::Failed, None)
    } else {
        let delay = retry_delay(attempt.unsigned_abs(), settings.retry_base, jitter);
        let delay = chrono::Duration::from_std(delay).unwrap_or(domain::webhooks::RETRY_WINDOW);
        (DeliveryStatus::Pending, Some(now + delay))
    };
    AttemptRecord {
        message_id: message.id,
        webhook_id: message.webhook_id,
        attempt,
        at: now,
        first_attempt_at,
        outcome: answer.outcome,
        response_code: answer.response_code.map(i32::from),
        duration_ms: i32::try_from(answer.duration.as_millis()).unwrap_or(i32::MAX),
        error: answer.error.clone(),
        status,
        next_attempt_at,
        disable_webhook: !succeeded && disables(message.failing_since.unwrap_or(now), now),
    }
}

fn jitter() -> f64 {
    let mut byte = [0u8; 2];
    crate::random::fill(&mut byte);
    f64::from(u16::from_le_bytes(byte)) / f64::from(u16::MAX)
}

/// Takes the messages due at `now`, sends them concurrently and logs each attempt. Answers
/// how many were attempted.
pub async fn dispatch_due(
    ctx: &Context,
    sender: Arc<dyn Sender>,
    settings: DispatchSettings,
    now: DateTime<Utc>,
) -> Result<usize> {
    if !ctx.db().read(move |conn| store::any_due(conn, now)).await? {
        return Ok(0);
    }
    let lease = chrono::Duration::from_std(settings.lease).unwrap_or(chrono::Duration::minutes(1));
    let due = ctx.db().write(move |conn| store::claim_due(conn, now, now + lease, settings.batch)).await?;
    let mut sends = tokio::task::JoinSet::new();
    for message in due {
        let sender = Arc::clone(&sender);
        sends.spawn_blocking(move || {
            let answer = match outgoing(&message, now) {
                Ok(signed) => sender.send(&signed),
                Err(err) => Answer {
                    outcome: AttemptOutcome::Unreachable,
                    response_code: None,
                    duration: Duration::ZERO,
                    error: Some(err.to_string()),
                },
            };
            next_step(&message, &answer, now, &settings, jitter())
        });
    }
    // The round's attempts are logged together, in one commit; a message whose log fails is
    // taken again when its lease ends.
    let mut records = Vec::new();
    while let Some(joined) = sends.join_next().await {
        let record = joined.map_err(|err| Error::Internal(format!("a webhook send failed: {err}")))?;
        if record.disable_webhook {
            tracing::warn!(webhook = %record.webhook_id, "webhook disabled after a day of failed deliveries");
        }
        // By outcome and by what follows, never by webhook or organisation.
        metrics::counter!("inlav_webhook_attempts_total", "outcome" => record.outcome.code(), "status" => record.status.code())
            .increment(1);
        records.push(record);
    }
    Ok(ctx.db().write(move |conn| store::record_attempts(conn, &records)).await?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use uuid::Uuid;

    fn message(attempts: i32, first: Option<DateTime<Utc>>) -> DueMessage {
        DueMessage {
            id: Uuid::from_u128(1),
            webhook_id: Uuid::from_u128(2),
            url: "https://partner.example.org/hook".into(),
            secrets: vec![domain::webhooks::secret_from_bytes(&[1; 24])],
            event: "webhook.test".into(),
            attempts,
            first_attempt_at: first,
            created_at: DateTime::UNIX_EPOCH,
            failing_since: first,
            change: None,
        }
    }

    fn failed() -> Answer {
        Answer {
            outcome: AttemptOutcome::Rejected,
            response_code: Some(500),
            duration: Duration::from_millis(3),
            error: None,
        }
    }

    #[test]
    fn a_failure_is_retried_later_until_a_day_has_passed() {
        let now = DateTime::UNIX_EPOCH + chrono::Duration::days(100);
        let settings = DispatchSettings::default();
        let first = next_step(&message(0, None), &failed(), now, &settings, 0.0);
        assert_eq!((first.attempt, first.status), (1, DeliveryStatus::Pending));
        assert_eq!(first.next_attempt_at, Some(now + chrono::Duration::seconds(5)));
        assert!(!first.disable_webhook);
        let third = next_step(&message(2, Some(now)), &failed(), now + chrono::Duration::minutes(1), &settings, 0.0);
        assert_eq!(third.next_attempt_at, Some(now + chrono::Duration::minutes(1) + chrono::Duration::seconds(20)));
        let late = next_step(&message(30, Some(now)), &failed(), now + chrono::Duration::hours(25), &settings, 0.0);
        assert_eq!((late.status, late.next_attempt_at), (DeliveryStatus::Failed, None));
        assert!(late.disable_webhook);
        let ok = Answer { outcome: AttemptOutcome::Succeeded, response_code: Some(204), ..failed() };
        let delivered = next_step(&message(30, Some(now)), &ok, now + chrono::Duration::hours(25), &settings, 0.0);
        assert_eq!(delivered.status, DeliveryStatus::Delivered);
        assert!(!delivered.disable_webhook);
    }

    #[test]
    fn every_attempt_is_signed_afresh_over_the_same_body() {
        let at = DateTime::UNIX_EPOCH + chrono::Duration::days(100);
        let one = outgoing(&message(0, None), at).unwrap();
        let two = outgoing(&message(1, Some(at)), at + chrono::Duration::seconds(5)).unwrap();
        assert_eq!(one.body, two.body);
        let header = |o: &Outgoing, name: &str| o.headers.iter().find(|(n, _)| *n == name).map(|(_, v)| v.clone());
        assert_eq!(header(&one, "webhook-id"), header(&two, "webhook-id"));
        assert_ne!(header(&one, "webhook-signature"), header(&two, "webhook-signature"));
        let body: serde_json::Value = serde_json::from_slice(&one.body).unwrap();
        assert_eq!(body["type"], "webhook.test");
    }
}
