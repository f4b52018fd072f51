//! Copies of the database: a consistent copy of a SQLite database taken while the service
//! writes, the integrity of a copy, and the schema version a database holds. PostgreSQL is
//! copied by its own tools (`pg_dump`, base backups); see docs/operations.md.

use std::path::Path;

use diesel::RunQueryDsl;
use diesel::sql_types::{Nullable, Text};

use crate::db::DbConnection;
use crate::error::{Error, Result};

#[derive(diesel::QueryableByName)]
struct Version {
    #[diesel(sql_type = Nullable<Text>)]
    version: Option<String>,
}

#[derive(diesel::QueryableByName)]
struct Check {
    #[diesel(sql_type = Text)]
    integrity_check: String,
}

/// Writes a consistent copy of the SQLite database to `dest` (which must not exist): one read
/// transaction, so the copy holds every write committed before it began and none of those
/// that commit while it runs, which go on meanwhile (WAL mode).
pub fn copy_sqlite(conn: &mut DbConnection, dest: &Path) -> Result<()> {
    let DbConnection::Sqlite(sqlite) = conn else {
        return Err(Error::Internal("a copy of the file is made only of a SQLite database".into()));
    };
    let dest = dest.to_str().ok_or_else(|| Error::Internal("the copy's path is not UTF-8".into()))?;
    diesel::sql_query("VACUUM INTO ?").bind::<Text, _>(dest).execute(sqlite)?;
    Ok(())
}

/// What the storage's own checks find wrong with the database; empty when it is sound. SQLite:
/// `PRAGMA integrity_check`. PostgreSQL: `amcheck`'s `bt_index_check` on every B-tree index of
/// the schema when the extension is installed (its pages and their order), nothing otherwise.
pub fn integrity_problems(conn: &mut DbConnection) -> Result<Vec<String>> {
    match conn {
        DbConnection::Sqlite(sqlite) => {
            let found: Vec<Check> = diesel::sql_query("PRAGMA integrity_check").load(sqlite)?;
            Ok(found.into_iter().map(|row| row.integrity_check).filter(|line| line != "ok").collect())
        }
        DbConnection::Postgresql(pg) => {
            // Where the extension's functions live: its schema need not be on the search path.
            let installed: Vec<Check> = diesel::sql_query(
                "SELECT quote_ident(n.nspname::text) AS integrity_check FROM pg_extension e \
                 JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = 'amcheck'",
            )
            .load(pg)?;
            let Some(schema) = installed.into_iter().next().map(|found| found.integrity_check) else {
                return Ok(Vec::new());
            };
            let indexes: Vec<Check> = diesel::sql_query(
                "SELECT c.relname::text AS integrity_check FROM pg_index i \
                 JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_am a ON a.oid = c.relam \
                 WHERE a.amname = 'btree' AND c.relnamespace = current_schema()::regnamespace",
            )
            .load(pg)?;
            let mut problems = Vec::new();
            for index in indexes {
                let statement =
                    format!("SELECT {schema}.bt_index_check(to_regclass($1)::oid)::text AS integrity_check");
                let checked = diesel::sql_query(statement).bind::<Text, _>(&index.integrity_check).load::<Check>(pg);
                if let Err(err) = checked {
                    problems.push(format!("index {}: {err}", index.integrity_check));
                }
            }
            Ok(problems)
        }
    }
}

/// The version of the last migration the database holds (`None` before the first).
pub fn schema_version(conn: &mut DbConnection) -> Result<Option<String>> {
    let statement = "SELECT MAX(version) AS version FROM __diesel_schema_migrations";
    let found: Version = match conn {
        DbConnection::Sqlite(inner) => diesel::sql_query(statement).get_result(inner)?,
        DbConnection::Postgresql(inner) => diesel::sql_query(statement).get_result(inner)?,
    };
    Ok(found.version)
}
