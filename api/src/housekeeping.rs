//! Work `serve` does by itself at intervals: the audit trail's signed checkpoints in the log,
//! the daily retention pass, and the webhooks' deliveries.

use std::sync::Arc;

use app::webhooks::{self, DispatchSettings, Sender};
use tokio::task::JoinHandle;

use crate::config::Config;
use crate::state::AppState;
use crate::webhook_client::WebhookClient;

/// The running tasks, stopped with the server.
pub struct Housekeeping {
    tasks: Vec<JoinHandle<()>>,
}

/// Starts the periodic tasks the configuration asks for.
pub fn start(state: &AppState, config: &Config, audit_key: &[u8]) -> Housekeeping {
    let mut tasks = Vec::new();
    if let Some(every) = config.audit_checkpoint_every {
        let (state, key) = (state.clone(), audit_key.to_vec());
        tasks.push(tokio::spawn(async move {
            // The first tick is immediate: every start leaves a checkpoint in the log.
            let mut ticker = tokio::time::interval(every);
            ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                ticker.tick().await;
                log_checkpoint(&state, &key).await;
            }
        }));
    }
    if state.webhooks().dispatch {
        tasks.push(tokio::spawn(deliver_webhooks(state.clone())));
    } else {
        tracing::warn!("INLAV_WEBHOOK_DISPATCH=off: this instance sends no webhook; messages wait for one that does");
    }
    let state = state.clone();
    tasks.push(tokio::spawn(async move {
        // Daily, the first a few minutes after start (not while the desks log in after a
        // restart); on PostgreSQL one instance runs each pass, the others skip it.
        let first = tokio::time::Instant::now() + RETENTION_FIRST_AFTER;
        let mut ticker = tokio::time::interval_at(first, RETENTION_EVERY);
        ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticker.tick().await;
            run_retention(&state).await;
        }
    }));
    Housekeeping { tasks }
}

/// Sends the due webhook messages, every second (or sooner when retries are set shorter, as
/// tests do), and at once again while there are more.
async fn deliver_webhooks(state: AppState) {
    let settings = DispatchSettings { retry_base: state.webhooks().retry_base, ..DispatchSettings::default() };
    let sender: Arc<dyn Sender> = Arc::new(WebhookClient::new(state.webhooks().allow.clone()));
    let pause = settings.retry_base.clamp(std::time::Duration::from_millis(20), std::time::Duration::from_secs(1));
    loop {
        match webhooks::dispatch_due(state.context(), Arc::clone(&sender), settings, state.now()).await {
            Ok(attempted) if attempted as i64 >= settings.batch => continue,
            Ok(_) => {}
            Err(err) => tracing::warn!(%err, "webhook deliveries failed; the next round tries again"),
        }
        tokio::time::sleep(pause).await;
    }
}

const RETENTION_EVERY: std::time::Duration = std::time::Duration::from_secs(24 * 60 * 60);
const RETENTION_FIRST_AFTER: std::time::Duration = std::time::Duration::from_secs(10 * 60);

/// Runs a retention pass and logs what it did.
async fn run_retention(state: &AppState) {
    match app::erasure::run_retention(state.context(), state.now(), false).await {
        Ok(report) if report.skipped => tracing::info!("retention pass skipped: another instance runs one"),
        Ok(report) => {
            tracing::info!(due = report.due.len(), anonymised = report.anonymised, held = report.held, "retention pass")
        }
        Err(err) => tracing::warn!(%err, "retention pass failed; the next one tries again"),
    }
}

/// Logs a signed checkpoint of the audit trail: kept with the log, away from the database, it
/// lets `inlav audit verify --checkpoint` detect entries removed since.
pub async fn log_checkpoint(state: &AppState, key: &[u8]) {
    match app::audit::checkpoint(state.database(), state.now()).await {
        Ok(checkpoint) => tracing::info!(
            checkpoint = %checkpoint.sign(key),
            entries = checkpoint.entries,
            "audit checkpoint"
        ),
        Err(err) => tracing::warn!(error = %err.0, "audit checkpoint not written"),
    }
}

impl Housekeeping {
    pub fn stop(self) {
        for task in self.tasks {
            task.abort();
        }
    }
}
