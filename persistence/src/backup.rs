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

/// What SQLite's integrity check finds wrong with the database; empty when it is sound.
pub fn integrity_problems(conn: &mut DbConnection) -> Result<Vec<String>> {
    let DbConnection::Sqlite(sqlite) = conn else {
        return Ok(Vec::new());
    };
    let found: Vec<Check> = diesel::sql_query("PRAGMA integrity_check").load(sqlite)?;
    Ok(found.into_iter().map(|row| row.integrity_check).filter(|line| line != "ok").collect())
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
