//! Connections and transactions: the backend chosen by the URL scheme, one connection type
//! for both backends, the pool and its per-connection settings, the embedded migrations, and
//! the transactions work runs in. How work is scheduled onto them is [`crate::database`].

mod connection;
mod manager;
mod migrations;
mod transactions;
mod url;

pub use connection::{Backend, DbConnection, MultiBackend, from_db_time, to_db_time};
pub(crate) use connection::{on_backend, sqlite_main_file};
pub use manager::{
    ConnectError, Manager, Pool, PoolSettings, PooledConnection, SqliteSync, configure_sqlite_library, connect,
};
pub use migrations::{pending_migrations, run_migrations};
pub use transactions::{
    SQLITE_WRITERS, WriterGate, WriterTurn, in_savepoint, read_snapshot, read_together, roll_back_all,
    transaction_depth, write_transaction,
};
pub use url::{DatabaseUrl, UrlError};
