//! Password hashing (argon2id, a fresh salt per hash) and generated passwords.

use std::sync::OnceLock;

use argon2::Argon2;
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};

#[derive(Debug, thiserror::Error)]
#[error("password hashing failed: {0}")]
pub struct HashError(String);

pub fn hash(password: &str) -> Result<String, HashError> {
    Argon2::default()
        .hash_password(password.as_bytes())
        .map(|hash| hash.to_string())
        .map_err(|err| HashError(err.to_string()))
}

/// Checks a password against a stored hash. For an unknown account pass `None`: a dummy hash
/// is checked instead, so the answer takes as long as for a real one.
pub fn verify(password: &str, stored: Option<&str>) -> bool {
    let stored = stored.unwrap_or_else(|| dummy_hash());
    match PasswordHash::new(stored) {
        Ok(parsed) => Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok() && !stored.is_empty(),
        Err(_) => false,
    }
}

/// Hashes a password off the async threads (a hash takes a deliberate tenth of a second).
pub async fn hash_off_thread(password: String) -> crate::Result<String> {
    tokio::task::spawn_blocking(move || hash(&password))
        .await
        .map_err(|_| crate::Error::Internal("password hashing panicked".into()))?
        .map_err(|err| crate::Error::Internal(err.to_string()))
}

/// Checks a password off the async threads (see [`verify`]).
pub async fn verify_off_thread(password: String, stored: Option<String>) -> crate::Result<bool> {
    tokio::task::spawn_blocking(move || verify(&password, stored.as_deref()))
        .await
        .map_err(|_| crate::Error::Internal("password checking panicked".into()))
}

fn dummy_hash() -> &'static str {
    static DUMMY: OnceLock<String> = OnceLock::new();
    DUMMY.get_or_init(|| hash(&generate()).unwrap_or_default())
}

/// A password of 20 characters from an alphabet without look-alikes (about 116 bits).
pub fn generate() -> String {
    const ALPHABET: &[u8] = b"abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    crate::random::string(ALPHABET, 20)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_verify_and_differ_per_salt() {
        let first = hash("correct horse battery").unwrap();
        let second = hash("correct horse battery").unwrap();
        assert!(first.starts_with("$argon2id$"));
        assert_ne!(first, second);
        assert!(verify("correct horse battery", Some(&first)));
        assert!(!verify("wrong horse battery", Some(&first)));
        assert!(!verify("correct horse battery", None));
        assert!(!verify("x", Some("not a hash")));
    }

    #[test]
    fn generated_passwords_meet_the_policy_and_differ() {
        let a = generate();
        assert_eq!(a.len(), 20);
        assert!(domain::users::check_password("password", &a).is_ok());
        assert_ne!(a, generate());
    }
}
