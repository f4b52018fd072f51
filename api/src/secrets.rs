//! Secrets: randomness, and the secrets kept in the data directory when the environment does
//! not give them: the JWT signing secret and the key of the research export's pseudonyms.

use std::fs;
use std::io::Write;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
use std::path::Path;

use crate::config::MIN_SECRET_BYTES;

pub const JWT_SECRET_FILE: &str = "jwt-secret";
/// Losing this file changes every pseudonym of later exports: back it up with the database.
pub const PSEUDONYM_KEY_FILE: &str = "pseudonym-key";

/// Signs the audit trail's checkpoints. Keep a copy away from the database's host: whoever
/// holds it and the database can sign a checkpoint of a rewritten chain.
pub const AUDIT_KEY_FILE: &str = "audit-key";

/// Where the signing secret came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SecretSource {
    Environment,
    ExistingFile,
    GeneratedFile,
}

/// The JWT secret: from the environment, else from `<data_dir>/jwt-secret`, generated on first
/// start with mode 0600.
pub fn jwt_secret(from_env: Option<&[u8]>, data_dir: &Path) -> Result<(Vec<u8>, SecretSource), String> {
    kept_secret(from_env, data_dir, JWT_SECRET_FILE)
}

/// The pseudonym key: from the environment, else from `<data_dir>/pseudonym-key`, generated on
/// first use with mode 0600.
pub fn pseudonym_key(from_env: Option<&[u8]>, data_dir: &Path) -> Result<(Vec<u8>, SecretSource), String> {
    kept_secret(from_env, data_dir, PSEUDONYM_KEY_FILE)
}

/// The audit checkpoint key: from the environment, else from `<data_dir>/audit-key`, generated
/// on first use with mode 0600.
pub fn audit_key(from_env: Option<&[u8]>, data_dir: &Path) -> Result<(Vec<u8>, SecretSource), String> {
    kept_secret(from_env, data_dir, AUDIT_KEY_FILE)
}

fn kept_secret(from_env: Option<&[u8]>, data_dir: &Path, file: &str) -> Result<(Vec<u8>, SecretSource), String> {
    if let Some(secret) = from_env {
        return Ok((secret.to_vec(), SecretSource::Environment));
    }
    let path = data_dir.join(file);
    match fs::read_to_string(&path) {
        Ok(text) => {
            let secret = text.trim().as_bytes().to_vec();
            if secret.len() < MIN_SECRET_BYTES {
                return Err(format!("{}: the secret is shorter than {MIN_SECRET_BYTES} bytes", path.display()));
            }
            if let Ok(meta) = fs::metadata(&path)
                && meta.permissions().mode() & 0o077 != 0
            {
                tracing::warn!(path = %path.display(), "a secret file is readable by other users; chmod 600 it");
            }
            Ok((secret, SecretSource::ExistingFile))
        }
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => {
            fs::DirBuilder::new()
                .recursive(true)
                .mode(0o700)
                .create(data_dir)
                .map_err(|err| format!("{}: cannot create the data directory: {err}", data_dir.display()))?;
            let secret = app::random::token(48);
            let mut file = fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .mode(0o600)
                .open(&path)
                .map_err(|err| format!("{}: cannot write the secret: {err}", path.display()))?;
            file.write_all(secret.as_bytes())
                .and_then(|()| file.sync_all())
                .map_err(|err| format!("{}: cannot write the secret: {err}", path.display()))?;
            Ok((secret.into_bytes(), SecretSource::GeneratedFile))
        }
        Err(err) => Err(format!("{}: cannot read the secret: {err}", path.display())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_secret_is_generated_once_with_mode_0600_then_reused() {
        let dir = std::env::temp_dir().join(format!("inlav-secret-{}", uuid::Uuid::now_v7()));
        let (first, source) = jwt_secret(None, &dir).unwrap();
        assert_eq!(source, SecretSource::GeneratedFile);
        assert!(first.len() >= MIN_SECRET_BYTES);
        let mode = fs::metadata(dir.join(JWT_SECRET_FILE)).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        let (second, source) = jwt_secret(None, &dir).unwrap();
        assert_eq!((second, source), (first.clone(), SecretSource::ExistingFile));
        fs::write(dir.join(JWT_SECRET_FILE), "short").unwrap();
        assert!(jwt_secret(None, &dir).unwrap_err().contains("shorter"));
        let (key, source) = pseudonym_key(None, &dir).unwrap();
        assert_eq!(source, SecretSource::GeneratedFile);
        assert_ne!(key, first, "each secret has a file of its own");
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn the_environment_wins() {
        let secret = b"0123456789abcdef0123456789abcdef".to_vec();
        let dir = std::env::temp_dir().join("inlav-never-created");
        assert_eq!(jwt_secret(Some(&secret), &dir).unwrap(), (secret, SecretSource::Environment));
        assert!(!dir.exists());
    }
}
