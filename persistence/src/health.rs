//! Readiness: a write that tells whether the storage takes writes again.

use chrono::{DateTime, Utc};
use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::result::Error as DieselError;
use diesel::upsert::excluded;

use crate::db::{DbConnection, on_backend, sqlite_main_file, to_db_time};
use crate::error::{Error, Result};
use crate::schema::storage_probe;

/// The least free space on the filesystem of a SQLite database that counts as room again after
/// it filled up. A write as small as the probe's can fit in room SQLite keeps inside its files
/// (free pages, the write-ahead log's length) while the next create does not, and the probe
/// would then say that writes work.
pub const SQLITE_ROOM_AFTER_FULL: u64 = 1 << 20;

/// Writes the one probe row, and makes sure the storage has room for new data, not only for
/// the row rewritten in its page: on SQLite, [`SQLITE_ROOM_AFTER_FULL`] free on the database's
/// filesystem; on PostgreSQL, whose disk is the server's, a new table's first block allocated
/// (PostgreSQL writes it to the disk at once) and rolled back. It succeeds only if the storage
/// takes writes.
pub fn probe_storage(conn: &mut DbConnection, at: DateTime<Utc>) -> Result<()> {
    match conn {
        DbConnection::Sqlite(sqlite) => {
            if let Some(file) = sqlite_main_file(sqlite)
                && let Some(free) = free_space(&file)
                && free < SQLITE_ROOM_AFTER_FULL
            {
                return Err(Error::StorageFull(format!("{free} bytes free on the filesystem of {file}")));
            }
        }
        DbConnection::Postgresql(pg) => {
            let allocated = pg.transaction::<(), DieselError, _>(|pg| {
                pg.batch_execute(
                    "CREATE TABLE storage_probe_room (filler text); INSERT INTO storage_probe_room VALUES ('');",
                )?;
                Err(DieselError::RollbackTransaction)
            });
            match allocated {
                Ok(()) | Err(DieselError::RollbackTransaction) => {}
                Err(error) => return Err(error.into()),
            }
        }
    }
    let row = (storage_probe::id.eq(1), storage_probe::probed_at.eq(to_db_time(at)));
    // Diesel's upsert is per backend, not through the multi-backend connection.
    on_backend!(conn, |inner| diesel::insert_into(storage_probe::table)
        .values(row)
        .on_conflict(storage_probe::id)
        .do_update()
        .set(storage_probe::probed_at.eq(excluded(storage_probe::probed_at)))
        .execute(inner))?;
    Ok(())
}

/// The bytes an unprivileged writer may still use on the filesystem holding `path`.
fn free_space(path: &str) -> Option<u64> {
    let c_path = std::ffi::CString::new(path).ok()?;
    let mut stats = std::mem::MaybeUninit::<libc::statvfs>::uninit();
    // SAFETY: `c_path` is a valid NUL-terminated string and `stats` a buffer of the type statvfs
    // fills; it is read only when the call succeeded.
    let stats = unsafe {
        if libc::statvfs(c_path.as_ptr(), stats.as_mut_ptr()) != 0 {
            return None;
        }
        stats.assume_init()
    };
    Some(stats.f_bavail.saturating_mul(stats.f_frsize))
}
