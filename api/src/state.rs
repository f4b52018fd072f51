//! What every handler shares: the pool, the clock, the token keys and the reference data.

use std::sync::Arc;

use actix_web::web;
use chrono::{DateTime, Utc};
use domain::districts::DistrictCode;
use persistence::{DbConnection, Pool, write_transaction};

use crate::auth::TokenKeys;
use crate::clock::Clock;
use crate::error::ApiError;
use crate::writer::Writer;

#[derive(Clone)]
pub struct AppState(Arc<Inner>);

struct Inner {
    pool: Pool,
    clock: Arc<dyn Clock>,
    tokens: TokenKeys,
    /// Keys the pseudonyms of the research export.
    pseudonym_key: Vec<u8>,
    writer: Writer,
    /// Districts are reference data that change only by migration, so they are read once.
    districts: Vec<DistrictCode>,
}

impl AppState {
    pub fn new(
        pool: Pool,
        clock: Arc<dyn Clock>,
        tokens: TokenKeys,
        pseudonym_key: Vec<u8>,
        districts: Vec<DistrictCode>,
    ) -> AppState {
        let writer = Writer::start(pool.clone());
        AppState(Arc::new(Inner { pool, clock, tokens, pseudonym_key, writer, districts }))
    }

    /// Group commit of the audit entries of reads (and on SQLite of writes).
    pub fn writer(&self) -> &Writer {
        &self.0.writer
    }

    /// Runs `work` in a write transaction, grouped with other requests' writes on SQLite (see
    /// [`crate::writer`]), and answers its result once committed.
    pub async fn write<T, F>(&self, work: F) -> Result<T, ApiError>
    where
        F: FnOnce(&mut DbConnection) -> Result<T, ApiError> + Send + 'static,
        T: Send + 'static,
    {
        if self.0.writer.groups_writes() {
            self.0.writer.write(work).await
        } else {
            self.db(move |conn| write_transaction(conn, work)).await
        }
    }

    pub fn pseudonym_key(&self) -> &[u8] {
        &self.0.pseudonym_key
    }

    pub fn now(&self) -> DateTime<Utc> {
        self.0.clock.now()
    }

    pub fn tokens(&self) -> &TokenKeys {
        &self.0.tokens
    }

    pub fn known_districts(&self) -> &[DistrictCode] {
        &self.0.districts
    }

    pub fn pool(&self) -> &Pool {
        &self.0.pool
    }

    /// Runs storage work on the blocking thread pool (diesel is synchronous), inside the
    /// request's log span.
    pub async fn db<T, F>(&self, work: F) -> Result<T, ApiError>
    where
        F: FnOnce(&mut DbConnection) -> Result<T, ApiError> + Send + 'static,
        T: Send + 'static,
    {
        let pool = self.0.pool.clone();
        let span = tracing::Span::current();
        web::block(move || {
            let _entered = span.enter();
            let mut conn = pool.get().map_err(persistence::Error::from)?;
            work(&mut conn)
        })
        .await
        .map_err(|_| {
            tracing::error!("storage work panicked or was cancelled");
            ApiError::internal()
        })?
    }
}

/// Runs CPU-heavy work (password hashing) off the async workers.
pub async fn blocking<T, F>(work: F) -> Result<T, ApiError>
where
    F: FnOnce() -> T + Send + 'static,
    T: Send + 'static,
{
    web::block(work).await.map_err(|_| {
        tracing::error!("blocking work panicked or was cancelled");
        ApiError::internal()
    })
}
