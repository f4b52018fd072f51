//! Backups: a consistent copy of the database taken while the service runs, and the checks a
//! copy passes before it is trusted (taken or restored): SQLite's integrity check, and the audit
//! chain verified end to end and against the checkpoint signed when the copy was taken.

use std::path::PathBuf;

use chrono::{DateTime, Utc};
use domain::audit::Checkpoint;
use persistence::Database;
use persistence::backup as store;

use crate::audit::{self, Unverified};

/// What a checked database holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checked {
    /// The last migration it holds.
    pub schema_version: Option<String>,
    /// Its audit chain's head: entries and the hash of the last, ready to be signed.
    pub head: Checkpoint,
}

/// Copies the SQLite database to `dest` (a file that must not exist yet), consistent as of the
/// moment the copy begins; writes go on meanwhile.
pub async fn copy(db: &Database, dest: PathBuf) -> Result<(), Unverified> {
    Ok(db.with_connection(move |conn| store::copy_sqlite(conn, &dest)).await?)
}

/// Checks a database (a fresh copy, or one being restored): the storage's own integrity check,
/// then the audit chain end to end and against `checkpoints`. Refused when either finds damage.
pub async fn check(db: &Database, checkpoints: Vec<Checkpoint>, now: DateTime<Utc>) -> Result<Checked, Unverified> {
    let problems = db.with_connection(store::integrity_problems).await?;
    if !problems.is_empty() {
        let shown: Vec<&str> = problems.iter().take(3).map(String::as_str).collect();
        return Err(Unverified(format!("the database is damaged: {}", shown.join("; "))));
    }
    audit::verify(db, checkpoints).await?;
    let schema_version = db.with_connection(store::schema_version).await?;
    let head = audit::checkpoint(db, now).await?;
    Ok(Checked { schema_version, head })
}
