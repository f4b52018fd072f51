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

fn dummy_hash() -> &'static str {
    static DUMMY: OnceLock<String> = OnceLock::new();
    DUMMY.get_or_init(|| hash(&generate()).unwrap_or_default())
}

/// A password of 20 characters from an alphabet without look-alikes (about 116 bits).
pub fn generate() -> String {
    const ALPHABET: &[u8] = b"abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    random_string(ALPHABET, 20)
}

/// Uniformly random characters from `alphabet` (rejection sampling, no modulo bias).
pub fn random_string(alphabet: &[u8], length: usize) -> String {
    let limit = 256 - (256 % alphabet.len());
    let mut out = String::with_capacity(length);
    let mut buffer = [0u8; 64];
    while out.len() < length {
        crate::secrets::fill_random(&mut buffer);
        for byte in buffer {
            if (byte as usize) < limit && out.len() < length {
                out.push(alphabet[byte as usize % alphabet.len()] as char);
            }
        }
    }
    out
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
