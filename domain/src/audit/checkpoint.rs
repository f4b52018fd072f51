//! Checkpoints anchor the chain's head outside the database: the count of entries and the hash
//! of the last, at a time, signed with a key the database does not hold. Deleting the newest
//! entries and moving the stored head back verifies clean against the database alone; against
//! a checkpoint kept elsewhere (a file, the service's log) it does not.

use chrono::{DateTime, Utc};
use hmac::{Hmac, Mac};
use sha2::Sha256;

use super::{ChainBreak, ChainedEntry};

/// What a checkpoint signs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checkpoint {
    /// How many entries the chain held: the sequence number of the last.
    pub entries: i64,
    pub head_hash: String,
    pub at: DateTime<Utc>,
}

/// The prefix of a signed checkpoint, by which it is found in any text (a file, a log line).
pub const CHECKPOINT_PREFIX: &str = "inlav-audit-checkpoint.v1.";

/// Why a text is not a checkpoint this key signed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CheckpointError {
    Malformed,
    /// Signed with another key, or changed after signing.
    BadSignature,
}

impl Checkpoint {
    /// The checkpoint as one token without spaces:
    /// `inlav-audit-checkpoint.v1.<entries>.<head hash>.<unix seconds>.<HMAC-SHA256 hex>`.
    pub fn sign(&self, key: &[u8]) -> String {
        let body = format!("{CHECKPOINT_PREFIX}{}.{}.{}", self.entries, self.head_hash, self.at.timestamp());
        let mac = mac_of(key, &body).map(|mac| crate::to_hex(&mac.finalize().into_bytes())).unwrap_or_default();
        format!("{body}.{mac}")
    }

    /// A signed token back, if `key` signed it.
    pub fn open(token: &str, key: &[u8]) -> Result<Checkpoint, CheckpointError> {
        let (body, mac) = token.rsplit_once('.').ok_or(CheckpointError::Malformed)?;
        let fields = body.strip_prefix(CHECKPOINT_PREFIX).ok_or(CheckpointError::Malformed)?;
        let mut parts = fields.split('.');
        let (Some(entries), Some(head_hash), Some(at), None) = (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(CheckpointError::Malformed);
        };
        let entries = entries.parse::<i64>().map_err(|_| CheckpointError::Malformed)?;
        let at =
            at.parse::<i64>().ok().and_then(|s| DateTime::from_timestamp(s, 0)).ok_or(CheckpointError::Malformed)?;
        if head_hash.len() != 64 || !head_hash.bytes().all(|b| b.is_ascii_hexdigit()) || entries < 0 {
            return Err(CheckpointError::Malformed);
        }
        let signature = decode_hex(mac).ok_or(CheckpointError::Malformed)?;
        let mac = mac_of(key, body).ok_or(CheckpointError::BadSignature)?;
        // Compared in constant time by the library.
        mac.verify_slice(&signature).map_err(|_| CheckpointError::BadSignature)?;
        Ok(Checkpoint { entries, head_hash: head_hash.to_string(), at })
    }

    /// The signed tokens in `text`, wherever they stand: a file of them, or a saved log.
    pub fn tokens_in(text: &str) -> impl Iterator<Item = &str> {
        text.match_indices(CHECKPOINT_PREFIX).map(move |(start, _)| {
            let rest = &text[start..];
            let end = rest.find(|c: char| !(c.is_ascii_alphanumeric() || c == '.' || c == '-')).unwrap_or(rest.len());
            &rest[..end]
        })
    }

    /// Checks a stored entry against the checkpoint: the entry it counted must be the one it
    /// signed.
    pub fn check(&self, stored: &ChainedEntry) -> Result<(), ChainBreak> {
        if stored.seq == self.entries && stored.hash != self.head_hash {
            return Err(ChainBreak {
                seq: stored.seq,
                reason: format!("it is not the entry the checkpoint of {} signed", self.at.to_rfc3339()),
            });
        }
        Ok(())
    }

    /// Checks the chain's end against the checkpoint: the chain cannot have become shorter.
    pub fn check_end(&self, last_seq: i64) -> Result<(), ChainBreak> {
        if last_seq < self.entries {
            return Err(ChainBreak {
                seq: last_seq + 1,
                reason: format!(
                    "the chain ends at entry {last_seq} but the checkpoint of {} signed {} entries: entries were removed",
                    self.at.to_rfc3339(),
                    self.entries
                ),
            });
        }
        Ok(())
    }
}

fn mac_of(key: &[u8], body: &str) -> Option<Hmac<Sha256>> {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).ok()?;
    mac.update(body.as_bytes());
    Some(mac)
}

fn decode_hex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) {
        return None;
    }
    (0..text.len()).step_by(2).map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::{AuditAction, AuditEntry, GENESIS_HASH, chain};
    use crate::users::Role;

    const KEY: &[u8] = b"a key of thirty-two bytes or more, kept apart";

    fn checkpoint() -> Checkpoint {
        Checkpoint {
            entries: 42,
            head_hash: "ab".repeat(32),
            at: DateTime::parse_from_rfc3339("2026-11-30T17:00:00Z").unwrap().with_timezone(&Utc),
        }
    }

    #[test]
    fn a_signed_checkpoint_opens_with_its_key_only_and_unchanged() {
        let token = checkpoint().sign(KEY);
        assert!(token.starts_with(CHECKPOINT_PREFIX));
        assert_eq!(Checkpoint::open(&token, KEY), Ok(checkpoint()));
        assert_eq!(
            Checkpoint::open(&token, b"another key entirely, also long enough"),
            Err(CheckpointError::BadSignature)
        );
        let moved_back = token.replacen(".42.", ".41.", 1);
        assert_eq!(Checkpoint::open(&moved_back, KEY), Err(CheckpointError::BadSignature));
        assert_eq!(Checkpoint::open("inlav-audit-checkpoint.v1.x", KEY), Err(CheckpointError::Malformed));
    }

    #[test]
    fn tokens_are_found_in_a_file_or_a_log_line() {
        let (first, second) = (checkpoint().sign(KEY), Checkpoint { entries: 50, ..checkpoint() }.sign(KEY));
        let text = format!("{{\"level\":\"INFO\",\"fields\":{{\"checkpoint\":\"{first}\"}}}}\nnoise\n{second}\n");
        assert_eq!(Checkpoint::tokens_in(&text).collect::<Vec<_>>(), [first.as_str(), second.as_str()]);
    }

    #[test]
    fn a_chain_shorter_than_or_different_from_a_checkpoint_is_broken() {
        let entry = |n: u128| AuditEntry {
            at: checkpoint().at,
            actor_id: uuid::Uuid::from_u128(n),
            actor_role: Role::Admin,
            action: AuditAction::Read,
            district: None,
            beneficiary_id: None,
            case_id: None,
            listed: Vec::new(),
            request_id: None,
            reason: None,
        };
        let entries = chain(0, GENESIS_HASH, vec![entry(1), entry(2), entry(3)]);
        let signed = Checkpoint { entries: 3, head_hash: entries[2].hash.clone(), ..checkpoint() };
        assert!(entries.iter().all(|stored| signed.check(stored).is_ok()));
        assert_eq!(signed.check_end(3), Ok(()));
        assert_eq!(signed.check_end(4), Ok(()), "a longer chain is fine");
        assert_eq!(signed.check_end(2).unwrap_err().seq, 3, "truncated");
        let rewritten = chain(0, GENESIS_HASH, vec![entry(1), entry(2), entry(9)]);
        assert_eq!(signed.check(&rewritten[2]).unwrap_err().seq, 3, "rewritten behind the checkpoint");
    }
}
