//! The migrations embedded in the binary, one tree per backend with the same names.

use diesel::connection::Connection;
use diesel::migration::{Migration, MigrationSource};
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};

use super::connection::DbConnection;
use crate::error::{Error, Result};

const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("../migrations/sqlite");
const POSTGRES_MIGRATIONS: EmbeddedMigrations = embed_migrations!("../migrations/postgres");

/// The key of the PostgreSQL advisory lock migrations run under ("inlav-migrate" in ASCII,
/// truncated): instances starting together on one database migrate one at a time, and the
/// others find nothing left to do.
const MIGRATION_LOCK: i64 = 0x696e_6c61_762d_6d69;

/// Applies the migrations not yet applied; answers their names. Refuses a database that
/// holds migrations this binary does not know: a newer `inlav` upgraded it, and an older one
/// would write what the newer schema no longer expects.
pub fn run_migrations(conn: &mut DbConnection) -> Result<Vec<String>> {
    match conn {
        DbConnection::Sqlite(inner) => {
            refuse_newer(inner, SQLITE_MIGRATIONS)?;
            inner.run_pending_migrations(SQLITE_MIGRATIONS).map(names).map_err(failed)
        }
        DbConnection::Postgresql(inner) => {
            lock(inner, "SELECT true AS done FROM pg_advisory_lock($1)")?;
            let applied = refuse_newer(inner, POSTGRES_MIGRATIONS)
                .and_then(|()| inner.run_pending_migrations(POSTGRES_MIGRATIONS).map(names).map_err(failed));
            let unlocked = lock(inner, "SELECT pg_advisory_unlock($1) AS done");
            let applied = applied?;
            unlocked?;
            Ok(applied)
        }
    }
}

/// The names of the embedded migrations the database still lacks.
pub fn pending_migrations(conn: &mut DbConnection) -> Result<Vec<String>> {
    let pending = match conn {
        DbConnection::Sqlite(inner) => {
            refuse_newer(inner, SQLITE_MIGRATIONS)?;
            inner
                .pending_migrations(SQLITE_MIGRATIONS)
                .map(|pending| pending.iter().map(|m| m.name().to_string()).collect())
        }
        DbConnection::Postgresql(inner) => {
            refuse_newer(inner, POSTGRES_MIGRATIONS)?;
            inner
                .pending_migrations(POSTGRES_MIGRATIONS)
                .map(|pending| pending.iter().map(|m| m.name().to_string()).collect())
        }
    };
    pending.map_err(|err| Error::Unavailable(format!("cannot read the migrations table: {err}")))
}

fn lock(conn: &mut diesel::PgConnection, statement: &str) -> Result<()> {
    use diesel::RunQueryDsl;
    #[derive(diesel::QueryableByName)]
    struct Done {
        #[diesel(sql_type = diesel::sql_types::Bool)]
        #[allow(dead_code)]
        done: bool,
    }
    diesel::sql_query(statement)
        .bind::<diesel::sql_types::BigInt, _>(MIGRATION_LOCK)
        .get_result::<Done>(conn)
        .map(|_| ())
        .map_err(Error::from)
}

/// Refuses a database that holds a migration the binary does not embed.
fn refuse_newer<C, DB>(conn: &mut C, embedded: EmbeddedMigrations) -> Result<()>
where
    C: MigrationHarness<DB> + Connection<Backend = DB>,
    DB: diesel::backend::Backend,
    EmbeddedMigrations: MigrationSource<DB>,
{
    let known: Vec<String> = MigrationSource::<DB>::migrations(&embedded)
        .map_err(failed)?
        .iter()
        .map(|m| m.name().version().to_string())
        .collect();
    // A database with no migrations table yet has none applied.
    let applied = conn.applied_migrations().unwrap_or_default();
    let unknown: Vec<String> =
        applied.iter().map(ToString::to_string).filter(|version| !known.contains(version)).collect();
    if unknown.is_empty() {
        Ok(())
    } else {
        Err(Error::Unavailable(format!(
            "the database was migrated by a newer inlav (migrations {} are unknown to this binary): run that \
             version or a later one",
            unknown.join(", ")
        )))
    }
}

fn failed(err: impl std::fmt::Display) -> Error {
    Error::Unavailable(format!("migration failed: {err}"))
}

fn names<M: std::fmt::Display>(migrations: Vec<M>) -> Vec<String> {
    migrations.iter().map(ToString::to_string).collect()
}
