//! What every handler shares: the use cases' context, the clock, the token keys and the
//! webhooks' settings.

use std::sync::Arc;

use app::Context;
use chrono::{DateTime, Utc};
use persistence::Database;

use crate::clock::Clock;
use crate::config::WebhookSettings;
use crate::storage_health::StorageHealth;
use crate::tokens::TokenKeys;

#[derive(Clone)]
pub struct AppState(Arc<Inner>);

struct Inner {
    context: Context,
    clock: Arc<dyn Clock>,
    tokens: TokenKeys,
    webhooks: WebhookSettings,
    storage_health: StorageHealth,
}

impl AppState {
    pub fn new(context: Context, clock: Arc<dyn Clock>, tokens: TokenKeys, webhooks: WebhookSettings) -> AppState {
        AppState(Arc::new(Inner { context, clock, tokens, webhooks, storage_health: StorageHealth::default() }))
    }

    /// The storage's health as this instance's answers show it.
    pub fn storage_health(&self) -> &StorageHealth {
        &self.0.storage_health
    }

    /// Where webhooks may deliver, and how they retry.
    pub fn webhooks(&self) -> &WebhookSettings {
        &self.0.webhooks
    }

    /// What the use cases run against.
    pub fn context(&self) -> &Context {
        &self.0.context
    }

    pub fn database(&self) -> &Database {
        self.0.context.db()
    }

    pub fn now(&self) -> DateTime<Utc> {
        self.0.clock.now()
    }

    pub fn tokens(&self) -> &TokenKeys {
        &self.0.tokens
    }
}
