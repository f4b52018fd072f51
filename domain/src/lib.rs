//! The rules of the InLav PUA system, free of storage, HTTP and clock.
//!
//! Each module is a capability, named as in the `persistence` and `api` crates.

pub mod access;
pub mod activities;
pub mod alerts;
pub mod audit;
pub mod auth;
pub mod beneficiaries;
pub mod cases;
pub mod changes;
pub mod consents;
pub mod districts;
pub mod eligibility;
pub mod erasure;
pub mod exploitation;
pub mod exports;
pub mod iso;
pub mod legal;
pub mod network;
pub mod notes;
pub mod organizations;
pub mod pacts;
pub mod referrals;
pub mod reports;
pub mod screening;
pub mod services;
pub mod transfers;
pub mod users;
pub mod validation;
pub mod vocabulary;
pub mod webhooks;
pub mod work_grants;

pub use vocabulary::Vocabulary;

/// Bytes as lowercase hex, two digits each: the form of every hash and pseudonym we store.
pub fn to_hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut hex = String::with_capacity(bytes.len() * 2);
    for byte in bytes {
        hex.push(char::from(DIGITS[usize::from(byte >> 4)]));
        hex.push(char::from(DIGITS[usize::from(byte & 0x0f)]));
    }
    hex
}

#[cfg(test)]
mod tests {
    #[test]
    fn hex_is_two_lowercase_digits_per_byte() {
        assert_eq!(super::to_hex(&[0x00, 0x0f, 0xa5, 0xff]), "000fa5ff");
        assert_eq!(super::to_hex(&[]), "");
    }
}
