//! `inlav backup` and `inlav restore`: a consistent copy of the database taken while the
//! service runs, with the secrets that must travel with it and a manifest that lets a restore
//! refuse a torn or altered copy.
//!
//! A backup directory holds `inlav.db` (SQLite only; PostgreSQL is copied with `pg_dump` or a
//! base backup), the secret files the data directory keeps (`jwt-secret`, `pseudonym-key`,
//! `audit-key`; secrets given in the environment are named, not copied) and `manifest.json`,
//! written last: its time, the schema version, the audit chain's head and a checkpoint of it
//! signed with the audit key, and every file's size and SHA-256.

use std::fs;
use std::io::{Read, Write};
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

use app::backup::Checked;
use domain::audit::Checkpoint;
use persistence::{Backend, Database, DatabaseUrl};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::progress::Spinner;
use crate::config::Config;
use crate::secrets::{self, AUDIT_KEY_FILE, JWT_SECRET_FILE, PSEUDONYM_KEY_FILE};
use crate::server::one_line;

const MANIFEST: &str = "manifest.json";
const FORMAT: &str = "inlav-backup/1";
/// The copy of a SQLite database in a backup directory.
const DATABASE_FILE: &str = "inlav.db";

/// What a backup holds, and how to tell it is whole.
#[derive(Debug, Serialize, Deserialize)]
struct Manifest {
    format: String,
    created_at: String,
    inlav_version: String,
    backend: String,
    /// The last migration the copy holds.
    schema_version: Option<String>,
    audit: AuditHead,
    /// The secrets set in the environment when the copy was taken: not in the backup, keep
    /// them where they are kept.
    secrets_from_environment: Vec<String>,
    files: Vec<FileEntry>,
}

#[derive(Debug, Serialize, Deserialize)]
struct AuditHead {
    entries: i64,
    head_hash: String,
    /// The head signed with the audit key: a restore checks the chain against it.
    checkpoint: String,
}

#[derive(Debug, Serialize, Deserialize)]
struct FileEntry {
    name: String,
    bytes: u64,
    sha256: String,
}

/// The secrets a backup carries: the file, the variable that replaces it, and whether the
/// configuration took it from that variable.
type SetInEnvironment = fn(&Config) -> bool;
const SECRETS: [(&str, &str, SetInEnvironment); 3] = [
    (JWT_SECRET_FILE, "INLAV_JWT_SECRET", |config| config.jwt_secret.is_some()),
    (PSEUDONYM_KEY_FILE, "INLAV_PSEUDONYM_KEY", |config| config.pseudonym_key.is_some()),
    (AUDIT_KEY_FILE, "INLAV_AUDIT_KEY", |config| config.audit_key.is_some()),
];

/// `inlav backup --to DIR`.
pub(super) async fn backup(config: &Config, to: &Path, out: &mut dyn Write) -> Result<(), String> {
    let shown = to.display().to_string();
    prepare_empty_directory(to)?;
    let (audit_key, _) = secrets::audit_key(config.audit_key.as_deref(), &config.data_dir)?;
    let live = open_unmigrated(config, config.database_url.clone())?;
    let now = chrono::Utc::now();
    let spinner = Spinner::start("backup: copying the database");
    let checked = match live.backend() {
        Backend::Sqlite => {
            let copy = to.join(DATABASE_FILE);
            app::backup::copy(&live, copy.clone()).await.map_err(|e| format!("backup: {}", one_line(&e.0)))?;
            spinner.say("backup: checking the copy");
            let copied = open_unmigrated(config, DatabaseUrl::Sqlite { path: copy.clone() })?;
            let checked = app::backup::check(&copied, Vec::new(), now).await;
            drop(copied);
            let checked = checked.map_err(|e| format!("backup: the copy does not verify: {}", one_line(&e.0)))?;
            // The copy holds personal data: readable by the service's user only, like the original.
            fs::set_permissions(&copy, std::os::unix::fs::PermissionsExt::from_mode(0o600))
                .and_then(|()| fs::File::open(&copy)?.sync_all())
                .map_err(|e| format!("{shown}: {e}"))?;
            checked
        }
        // The chain of a live PostgreSQL database is not walked here: writes go on meanwhile.
        // Its head is recorded, and `restore` checks the restored database against it.
        Backend::Postgres => {
            let head = app::audit::checkpoint(&live, now).await.map_err(|e| format!("backup: {}", one_line(&e.0)))?;
            let schema_version = live
                .with_connection(persistence::backup::schema_version)
                .await
                .map_err(|e| format!("backup: {}", one_line(&e.to_string())))?;
            Checked { schema_version, head }
        }
    };
    drop(spinner);
    let mut environment = Vec::new();
    for (file, variable, set_in_environment) in SECRETS {
        if set_in_environment(config) {
            environment.push(variable.to_string());
            continue;
        }
        let source = config.data_dir.join(file);
        if source.exists() {
            copy_private(&source, &to.join(file))?;
        }
    }
    let mut files = Vec::new();
    for name in std::iter::once(DATABASE_FILE).chain(SECRETS.map(|(file, _, _)| file)) {
        let path = to.join(name);
        if path.exists() {
            let (bytes, sha256) = digest(&path)?;
            files.push(FileEntry { name: name.to_string(), bytes, sha256 });
        }
    }
    let manifest = Manifest {
        format: FORMAT.into(),
        created_at: now.to_rfc3339(),
        inlav_version: env!("CARGO_PKG_VERSION").into(),
        backend: match live.backend() {
            Backend::Sqlite => "sqlite".into(),
            Backend::Postgres => "postgresql".into(),
        },
        schema_version: checked.schema_version.clone(),
        audit: AuditHead {
            entries: checked.head.entries,
            head_hash: checked.head.head_hash.clone(),
            checkpoint: checked.head.sign(&audit_key),
        },
        secrets_from_environment: environment.clone(),
        files,
    };
    let text = serde_json::to_string_pretty(&manifest).map_err(|e| e.to_string())?;
    write_private(&to.join(MANIFEST), text.as_bytes())?;
    sync_directory(to)?;
    let _ = writeln!(
        out,
        "backup written to {shown}: schema {}, {} audit entries, {} files{}",
        manifest.schema_version.as_deref().unwrap_or("none"),
        manifest.audit.entries,
        manifest.files.len(),
        if environment.is_empty() {
            String::new()
        } else {
            format!("; not copied, set in the environment: {}", environment.join(", "))
        }
    );
    if live.backend() == Backend::Postgres {
        let _ = writeln!(
            out,
            "PostgreSQL: copy the database itself with pg_dump -Fc (or a base backup); see docs/operations.md"
        );
    }
    Ok(())
}

/// `inlav restore --from DIR`: into an empty data directory (SQLite), or onto a PostgreSQL
/// database restored with `pg_restore`; refuses a copy whose files or audit chain do not verify.
pub(super) async fn restore(config: &Config, from: &Path, out: &mut dyn Write) -> Result<(), String> {
    let shown = from.display().to_string();
    let text = fs::read_to_string(from.join(MANIFEST))
        .map_err(|e| format!("{shown}: no readable {MANIFEST} ({e}); is this a backup directory?"))?;
    let manifest: Manifest =
        serde_json::from_str(&text).map_err(|e| format!("{shown}/{MANIFEST}: not a backup manifest ({e}); refused"))?;
    if manifest.format != FORMAT {
        return Err(format!("{shown}: a backup of format `{}`, this binary reads {FORMAT}", manifest.format));
    }
    for entry in &manifest.files {
        if entry.name.contains('/') || entry.name.starts_with('.') {
            return Err(format!("{shown}/{MANIFEST}: names the file `{}`; refused", entry.name));
        }
        let (bytes, sha256) = digest(&from.join(&entry.name)).map_err(|e| format!("{e}; the backup is incomplete"))?;
        if (bytes, sha256.as_str()) != (entry.bytes, entry.sha256.as_str()) {
            return Err(format!(
                "{shown}/{}: its size or checksum differs from the manifest's: the copy is torn or was altered; refused",
                entry.name
            ));
        }
    }
    let holds = |name: &str| manifest.files.iter().any(|f| f.name == name);
    let audit_key = match &config.audit_key {
        Some(key) => key.clone(),
        None if holds(AUDIT_KEY_FILE) => read_secret(&from.join(AUDIT_KEY_FILE))?,
        None => {
            return Err(format!(
                "{shown}: the backup holds no audit key (it was set in the environment): set INLAV_AUDIT_KEY to it"
            ));
        }
    };
    let checkpoint = Checkpoint::open(&manifest.audit.checkpoint, &audit_key).map_err(|_| {
        format!("{shown}: the manifest's checkpoint was not signed with this audit key, or was changed; refused")
    })?;
    // Nothing is overwritten: a restore goes into an empty data directory.
    for (file, _, _) in SECRETS {
        let target = config.data_dir.join(file);
        if holds(file) && target.exists() {
            return Err(format!("{}: exists; restore into an empty data directory", target.display()));
        }
    }
    let spinner = Spinner::start("restore: checking the database");
    let checked = match (&config.database_url, holds(DATABASE_FILE)) {
        (DatabaseUrl::Sqlite { path }, true) => {
            for existing in sqlite_files(path) {
                if existing.exists() {
                    return Err(format!("{}: exists; restore into an empty data directory", existing.display()));
                }
            }
            if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
                fs::DirBuilder::new().recursive(true).mode(0o700).create(parent).map_err(|e| format!("{e}"))?;
            }
            copy_private(&from.join(DATABASE_FILE), path)?;
            let restored = open_unmigrated(config, config.database_url.clone())?;
            let checked = app::backup::check(&restored, vec![checkpoint.clone()], chrono::Utc::now()).await;
            drop(restored);
            match checked {
                Ok(checked) => checked,
                Err(refused) => {
                    for file in sqlite_files(path) {
                        let _ = fs::remove_file(file);
                    }
                    return Err(format!("restore: the copy does not verify: {}; refused", one_line(&refused.0)));
                }
            }
        }
        (DatabaseUrl::Sqlite { .. }, false) => {
            return Err(format!("{shown}: a backup of a {} database holds no database file", manifest.backend));
        }
        (DatabaseUrl::Postgres { .. }, _) => {
            // The database was restored with pg_restore: it must hold the chain the backup saw.
            let restored = open_unmigrated(config, config.database_url.clone())?;
            app::backup::check(&restored, vec![checkpoint.clone()], chrono::Utc::now())
                .await
                .map_err(|e| format!("restore: the database does not verify: {}", one_line(&e.0)))?
        }
    };
    drop(spinner);
    fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(&config.data_dir)
        .map_err(|e| format!("{}: {e}", config.data_dir.display()))?;
    for (file, _, _) in SECRETS {
        if holds(file) {
            copy_private(&from.join(file), &config.data_dir.join(file))?;
        }
    }
    sync_directory(&config.data_dir)?;
    let _ = writeln!(
        out,
        "restored {} from {shown} (taken {}): schema {}, audit chain verified to entry {}",
        config.database_url.redacted(),
        manifest.created_at,
        checked.schema_version.as_deref().unwrap_or("none"),
        checked.head.entries
    );
    if !manifest.secrets_from_environment.is_empty() {
        let _ = writeln!(
            out,
            "set these as they were when the backup was taken: {}",
            manifest.secrets_from_environment.join(", ")
        );
    }
    Ok(())
}

/// The database (no migrations run: a backup copies what is there, a restore checks what was
/// copied) with one connection, enough for the maintenance it does.
fn open_unmigrated(config: &Config, url: DatabaseUrl) -> Result<Database, String> {
    let target = url.redacted();
    let settings = persistence::PoolSettings { max_size: 2, ..config.pool.clone() };
    let backend = url.backend();
    let pool = persistence::db::connect(url, settings)
        .map_err(|e| format!("database {target}: {}", one_line(&e.to_string())))?;
    Ok(Database::new(pool, backend, config.long_reads))
}

fn sqlite_files(path: &Path) -> [PathBuf; 3] {
    let with = |suffix: &str| {
        let mut name = path.as_os_str().to_owned();
        name.push(suffix);
        PathBuf::from(name)
    };
    [path.to_path_buf(), with("-wal"), with("-shm")]
}

/// Creates `dir` (mode 0700), or accepts it when it exists and is empty.
fn prepare_empty_directory(dir: &Path) -> Result<(), String> {
    let shown = dir.display();
    match fs::read_dir(dir) {
        Ok(mut entries) => {
            if entries.next().is_some() {
                return Err(format!("{shown}: not empty; back up into a new directory"));
            }
            Ok(())
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            fs::DirBuilder::new().recursive(true).mode(0o700).create(dir).map_err(|e| format!("{shown}: {e}"))
        }
        Err(e) => Err(format!("{shown}: {e}")),
    }
}

/// The size and SHA-256 (hex) of a file.
fn digest(path: &Path) -> Result<(u64, String), String> {
    let mut file = fs::File::open(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut hasher = Sha256::new();
    let mut buffer = vec![0u8; 1 << 16];
    let mut bytes = 0u64;
    loop {
        let read = file.read(&mut buffer).map_err(|e| format!("{}: {e}", path.display()))?;
        if read == 0 {
            break;
        }
        hasher.update(&buffer[..read]);
        bytes += read as u64;
    }
    Ok((bytes, format!("{:x}", hasher.finalize())))
}

fn read_secret(path: &Path) -> Result<Vec<u8>, String> {
    let text = fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    Ok(text.trim().as_bytes().to_vec())
}

/// Copies a file to a new file of mode 0600, synced.
fn copy_private(from: &Path, to: &Path) -> Result<(), String> {
    let mut source = fs::File::open(from).map_err(|e| format!("{}: {e}", from.display()))?;
    let mut target = create_private(to)?;
    std::io::copy(&mut source, &mut target)
        .and_then(|_| target.sync_all())
        .map_err(|e| format!("{}: {e}", to.display()))
}

fn write_private(path: &Path, bytes: &[u8]) -> Result<(), String> {
    let mut file = create_private(path)?;
    file.write_all(bytes).and_then(|()| file.sync_all()).map_err(|e| format!("{}: {e}", path.display()))
}

/// A new file (never one that exists) readable by this user only.
fn create_private(path: &Path) -> Result<fs::File, String> {
    fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
        .map_err(|e| format!("{}: {e}", path.display()))
}

/// Makes the directory's entries durable (the files themselves were synced).
fn sync_directory(dir: &Path) -> Result<(), String> {
    fs::File::open(dir).and_then(|d| d.sync_all()).map_err(|e| format!("{}: {e}", dir.display()))
}
