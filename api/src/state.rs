//! What every handler shares: the pool, the clock, the token keys and the reference data.

use std::sync::Arc;

use actix_web::web;
use chrono::{DateTime, Utc};
use domain::districts::DistrictCode;
use persistence::{Backend, DbConnection, Pool, write_transaction};

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
    /// SQLite: the database is in this process, and lookups may run on the request's thread.
    embedded: bool,
    /// Districts are reference data that change only by migration, so they are read once.
    districts: Vec<DistrictCode>,
}

impl AppState {
    /// `backend`: the pool's, which `load_state` reads off the connection it already holds.
    pub fn new(
        pool: Pool,
        backend: Backend,
        clock: Arc<dyn Clock>,
        tokens: TokenKeys,
        pseudonym_key: Vec<u8>,
        districts: Vec<DistrictCode>,
    ) -> AppState {
        let embedded = backend == Backend::Sqlite;
        let writer = Writer::start(pool.clone(), embedded);
        AppState(Arc::new(Inner { pool, clock, tokens, pseudonym_key, writer, embedded, districts }))
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

    /// Runs a lookup by key — a token's standing, one record by its id — on the request's own
    /// thread when the database is SQLite and a connection is free at once, otherwise as
    /// [`db`](Self::db). SQLite answers such a lookup from its page cache in microseconds, less
    /// than it costs to hand the work to a blocking thread and be woken when it is done (read
    /// one case at 1M cases: about a fifth more requests a second). Anything that scans, sorts, writes or may wait
    /// goes through `db`: this thread serves other connections meanwhile.
    pub async fn lookup<T, F>(&self, work: F) -> Result<T, ApiError>
    where
        F: FnOnce(&mut DbConnection) -> Result<T, ApiError> + Send + 'static,
        T: Send + 'static,
    {
        if self.0.embedded
            && let Some(mut conn) = self.0.pool.try_get()
        {
            // As on the blocking pool, a panic fails the request, not the worker thread.
            return std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| work(&mut conn))).unwrap_or_else(|_| {
                tracing::error!("storage work panicked");
                Err(ApiError::internal())
            });
        }
        self.db(work).await
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

#[cfg(test)]
mod tests {
    use std::thread::{self, ThreadId};
    use std::time::Duration;

    use persistence::{DatabaseUrl, PoolSettings, SqliteSync};

    use super::*;
    use crate::clock::SystemClock;

    /// A state on a fresh SQLite file with `connections` connections; the file goes with the guard.
    fn sqlite_state(connections: u32) -> (AppState, impl Drop) {
        struct RemoveOnDrop(std::path::PathBuf);
        impl Drop for RemoveOnDrop {
            fn drop(&mut self) {
                for suffix in ["", "-wal", "-shm"] {
                    let _ = std::fs::remove_file(format!("{}{suffix}", self.0.display()));
                }
            }
        }
        let path = std::env::temp_dir().join(format!("inlav-state-{}.db", uuid::Uuid::now_v7()));
        let settings = PoolSettings {
            max_size: connections,
            acquire_timeout: Duration::from_secs(5),
            connect_timeout: Duration::from_secs(5),
            sqlite_sync: SqliteSync::Normal,
            sqlite_busy_timeout: Duration::from_secs(1),
            statement_timeout: Duration::from_secs(5),
        };
        let pool = persistence::db::connect(DatabaseUrl::Sqlite { path: path.clone() }, settings).unwrap();
        // The pool opens its connections in the background; wait for one, as `load_state` does.
        drop(pool.get().unwrap());
        let state = AppState::new(
            pool,
            Backend::Sqlite,
            Arc::new(SystemClock),
            TokenKeys::new(b"state-test-secret"),
            Vec::new(),
            Vec::new(),
        );
        (state, RemoveOnDrop(path))
    }

    fn thread_of(state: &AppState) -> impl std::future::Future<Output = Result<ThreadId, ApiError>> + '_ {
        state.lookup(|_| Ok(thread::current().id()))
    }

    #[actix_web::test]
    async fn on_sqlite_a_lookup_runs_on_the_requests_thread_while_a_connection_is_free() {
        let (state, _file) = sqlite_state(1);
        assert_eq!(thread_of(&state).await.unwrap(), thread::current().id());
        // The only connection is taken: the lookup waits for it on the blocking pool instead.
        let taken = state.pool().get().unwrap();
        let release = thread::spawn(move || {
            thread::sleep(Duration::from_millis(100));
            drop(taken);
        });
        assert_ne!(thread_of(&state).await.unwrap(), thread::current().id());
        release.join().unwrap();
    }

    #[actix_web::test]
    async fn a_lookup_that_panics_fails_its_request_and_the_thread_goes_on() {
        let (state, _file) = sqlite_state(1);
        let failed = state.lookup(|_| -> Result<(), ApiError> { panic!("a bug in a lookup") }).await;
        assert_eq!(failed.unwrap_err().status(), actix_web::http::StatusCode::INTERNAL_SERVER_ERROR);
        assert_eq!(thread_of(&state).await.unwrap(), thread::current().id(), "and its connection is back");
    }
}
