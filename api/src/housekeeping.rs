//! Work `serve` does by itself at intervals: the audit trail's signed checkpoints in the log.

use tokio::task::JoinHandle;

use crate::config::Config;
use crate::server::Secrets;
use crate::state::AppState;

/// The running tasks, stopped with the server.
pub struct Housekeeping {
    tasks: Vec<JoinHandle<()>>,
}

/// Starts the periodic tasks the configuration asks for.
pub fn start(state: &AppState, config: &Config, secrets: &Secrets) -> Housekeeping {
    let mut tasks = Vec::new();
    if let Some(every) = config.audit_checkpoint_every {
        let (state, key) = (state.clone(), secrets.audit.clone());
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
    Housekeeping { tasks }
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
