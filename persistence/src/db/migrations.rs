//! The migrations embedded in the binary, one tree per backend with the same names.

use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};

use super::connection::DbConnection;
use crate::error::{Error, Result};

const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("../migrations/sqlite");
const POSTGRES_MIGRATIONS: EmbeddedMigrations = embed_migrations!("../migrations/postgres");

/// Applies the migrations not yet applied; answers their names.
pub fn run_migrations(conn: &mut DbConnection) -> Result<Vec<String>> {
    let applied = match conn {
        DbConnection::Sqlite(inner) => inner.run_pending_migrations(SQLITE_MIGRATIONS).map(names),
        DbConnection::Postgresql(inner) => inner.run_pending_migrations(POSTGRES_MIGRATIONS).map(names),
    };
    applied.map_err(|err| Error::Unavailable(format!("migration failed: {err}")))
}

/// How many embedded migrations the database still lacks.
pub fn pending_migrations(conn: &mut DbConnection) -> Result<usize> {
    let pending = match conn {
        DbConnection::Sqlite(inner) => inner.pending_migrations(SQLITE_MIGRATIONS).map(|m| m.len()),
        DbConnection::Postgresql(inner) => inner.pending_migrations(POSTGRES_MIGRATIONS).map(|m| m.len()),
    };
    pending.map_err(|err| Error::Unavailable(format!("cannot read the migrations table: {err}")))
}

fn names<M: std::fmt::Display>(migrations: Vec<M>) -> Vec<String> {
    migrations.iter().map(ToString::to_string).collect()
}
