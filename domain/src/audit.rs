//! The audit trail: who read or changed whose personal data, when, under which request.
//! Entries form a hash chain, so that a changed or removed entry is detected.

mod checkpoint;

use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::districts::DistrictCode;
use crate::users::Role;
use crate::vocabulary;

pub use checkpoint::{CHECKPOINT_PREFIX, Checkpoint, CheckpointError};

vocabulary! {
    pub enum AuditAction as "audit_actions" {
        Read => ("read", "Lettura", "Read"),
        List => ("list", "Elenco o ricerca", "List or search"),
        Create => ("create", "Creazione", "Create"),
        Update => ("update", "Modifica", "Update"),
        Transition => ("transition", "Cambio di stato", "Status change"),
        Export => ("export", "Esportazione", "Export"),
        ConsentOverride => ("consent_override", "Invio senza consenso", "Sent without consent"),
        EligibilityOverride => ("eligibility_override", "Deroga ai requisiti", "Eligibility override"),
        LegalDisclosure => ("legal_disclosure", "Inclusione delle note legali", "Legal notes disclosed"),
        SubjectAccess => ("subject_access", "Accesso dell'interessato", "Subject access"),
        Erasure => ("erasure", "Cancellazione dei dati", "Erasure"),
        RetentionRun => ("retention_run", "Scadenza della conservazione", "Retention run"),
        Transfer => ("transfer", "Trasferimento tra distretti", "Transfer between districts"),
        DuplicateConfirmed => ("duplicate_confirmed", "Nuova registrazione nonostante un possibile doppione", "Registered despite a possible duplicate"),
        EmergencyAccess => ("emergency_access", "Accesso d'emergenza", "Emergency access"),
    }
}

/// One access to personal data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEntry {
    pub at: DateTime<Utc>,
    pub actor_id: Uuid,
    pub actor_role: Role,
    pub action: AuditAction,
    /// The district whose data was touched, so coordinators see their districts' trail.
    pub district: Option<DistrictCode>,
    pub beneficiary_id: Option<Uuid>,
    pub case_id: Option<Uuid>,
    /// Everyone a page of a list or search showed, when it showed more than one person (then
    /// `beneficiary_id` and `case_id` are empty): one entry for the page instead of one per
    /// person, in page order.
    pub listed: Vec<ListedSubject>,
    pub request_id: Option<String>,
    /// Why a rule was set aside or data disclosed or erased, for the actions that need one.
    pub reason: Option<AuditReason>,
}

/// The reason of an entry. The chain binds its digest, not its text: the text may name the
/// person, and erasing them blanks it (with its salt) while the entry keeps verifying. The
/// salt keeps a short reason from being found again by guessing texts against the digest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditReason {
    /// SHA-256 of the salt and the text, lowercase hex.
    pub digest: String,
    /// `None` once erased.
    pub stated: Option<StatedReason>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatedReason {
    /// Lowercase hex.
    pub salt: String,
    pub text: String,
}

impl AuditReason {
    /// A reason as given, salted with `salt` (random bytes from the caller).
    pub fn new(text: impl Into<String>, salt: &[u8]) -> AuditReason {
        let stated = StatedReason { salt: crate::to_hex(salt), text: text.into() };
        AuditReason { digest: stated.digest(), stated: Some(stated) }
    }

    /// Whether the text kept is the text the digest was made of (an erased text is).
    pub fn is_intact(&self) -> bool {
        self.stated.as_ref().is_none_or(|stated| stated.digest() == self.digest)
    }

    /// The reason with its text and salt erased, its digest kept.
    pub fn erased(&self) -> AuditReason {
        AuditReason { digest: self.digest.clone(), stated: None }
    }

    pub fn text(&self) -> Option<&str> {
        self.stated.as_ref().map(|stated| stated.text.as_str())
    }
}

impl StatedReason {
    fn digest(&self) -> String {
        let mut hasher = Sha256::new();
        hasher.update(self.salt.as_bytes());
        hasher.update("\u{1f}".as_bytes());
        hasher.update(self.text.as_bytes());
        crate::to_hex(&hasher.finalize())
    }
}

/// A person a page showed, and the case it showed them by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ListedSubject {
    pub beneficiary_id: Uuid,
    pub case_id: Option<Uuid>,
}

impl AuditEntry {
    /// The entries of one page of a list or search, from `access` (who, when, which action):
    /// one per district the page showed, naming that district's people. A district with a
    /// single person gets an entry like that of a read of it.
    pub fn for_page(
        access: &AuditEntry,
        shown: impl IntoIterator<Item = (DistrictCode, ListedSubject)>,
    ) -> Vec<AuditEntry> {
        let mut by_district: Vec<(DistrictCode, Vec<ListedSubject>)> = Vec::new();
        for (district, subject) in shown {
            match by_district.iter_mut().find(|(seen, _)| *seen == district) {
                Some((_, subjects)) => subjects.push(subject),
                None => by_district.push((district, vec![subject])),
            }
        }
        by_district
            .into_iter()
            .map(|(district, listed)| {
                let entry =
                    AuditEntry { district: Some(district), beneficiary_id: None, case_id: None, ..access.clone() };
                match listed.as_slice() {
                    [one] => AuditEntry {
                        beneficiary_id: Some(one.beneficiary_id),
                        case_id: one.case_id,
                        listed: Vec::new(),
                        ..entry
                    },
                    _ => AuditEntry { listed, ..entry },
                }
            })
            .collect()
    }

    /// The people the entry names as a page, each once (a person shown by two cases too): its
    /// rows in the index that a person's access log is read by.
    pub fn people_listed(&self) -> impl Iterator<Item = Uuid> + '_ {
        self.listed
            .iter()
            .enumerate()
            .filter(|(index, subject)| {
                !self.listed[..*index].iter().any(|s| s.beneficiary_id == subject.beneficiary_id)
            })
            .map(|(_, subject)| subject.beneficiary_id)
    }

    /// The entry as one person's access log shows it: a page names only them, so that the log
    /// of one person does not tell who else was on the page.
    pub fn as_seen_by(mut self, beneficiary_id: Uuid) -> AuditEntry {
        self.listed.retain(|subject| subject.beneficiary_id == beneficiary_id);
        self
    }
}

/// An entry as stored: its place in the chain and the hashes that bind it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainedEntry {
    pub seq: i64,
    pub entry: AuditEntry,
    pub prev_hash: String,
    pub hash: String,
}

/// The hash before the first entry.
pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// The hash of an entry: SHA-256 over its sequence number, every field and the previous hash,
/// joined by the unit separator (U+001F), in lowercase hex. Fed to the hasher piece by piece,
/// without a string per field: it runs for every entry of every read.
pub fn chain_hash(seq: i64, prev_hash: &str, entry: &AuditEntry) -> String {
    use std::fmt::Write;

    use crate::Vocabulary;
    const SEPARATOR: &[u8] = "\u{1f}".as_bytes();
    let mut uuid_buffer = Uuid::encode_buffer();
    let mut hasher = Sha256::new();
    let field = |hasher: &mut Sha256, bytes: &[u8]| {
        hasher.update(bytes);
        hasher.update(SEPARATOR);
    };
    let mut text = String::with_capacity(32);
    let _ = write!(text, "{seq}\u{1f}{}", entry.at.format("%Y-%m-%dT%H:%M:%S%.6fZ"));
    field(&mut hasher, text.as_bytes());
    field(&mut hasher, entry.actor_id.hyphenated().encode_lower(&mut uuid_buffer).as_bytes());
    field(&mut hasher, entry.actor_role.code().as_bytes());
    field(&mut hasher, entry.action.code().as_bytes());
    field(&mut hasher, entry.district.as_ref().map_or("", |d| d.as_str()).as_bytes());
    for id in [entry.beneficiary_id, entry.case_id] {
        let id = id.map_or("", |id| id.hyphenated().encode_lower(&mut uuid_buffer));
        field(&mut hasher, id.as_bytes());
    }
    field(&mut hasher, entry.request_id.as_deref().unwrap_or_default().as_bytes());
    // Entries that name no page hash as they always did, so stored chains keep verifying.
    if !entry.listed.is_empty() {
        field(&mut hasher, b"listed");
        for subject in &entry.listed {
            field(&mut hasher, subject.beneficiary_id.hyphenated().encode_lower(&mut uuid_buffer).as_bytes());
            let case = subject.case_id.map_or("", |id| id.hyphenated().encode_lower(&mut uuid_buffer));
            field(&mut hasher, case.as_bytes());
        }
    }
    // Likewise entries without a reason.
    if let Some(reason) = &entry.reason {
        field(&mut hasher, b"reason");
        field(&mut hasher, reason.digest.as_bytes());
    }
    hasher.update(prev_hash.as_bytes());
    crate::to_hex(&hasher.finalize())
}

/// Chains new entries after the entry with sequence number `last_seq` and hash `last_hash`.
pub fn chain(last_seq: i64, last_hash: &str, entries: Vec<AuditEntry>) -> Vec<ChainedEntry> {
    let mut prev_hash = last_hash.to_string();
    entries
        .into_iter()
        .enumerate()
        .map(|(offset, entry)| {
            let seq = last_seq + 1 + offset as i64;
            let hash = chain_hash(seq, &prev_hash, &entry);
            ChainedEntry { seq, entry, prev_hash: std::mem::replace(&mut prev_hash, hash.clone()), hash }
        })
        .collect()
}

/// Where the chain breaks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainBreak {
    pub seq: i64,
    pub reason: String,
}

/// Walks the chain in order, carrying `(last_seq, last_hash)` across batches.
#[derive(Debug, Clone)]
pub struct ChainVerifier {
    last_seq: i64,
    last_hash: String,
    checked: u64,
}

impl Default for ChainVerifier {
    fn default() -> Self {
        ChainVerifier { last_seq: 0, last_hash: GENESIS_HASH.to_string(), checked: 0 }
    }
}

impl ChainVerifier {
    pub fn check(&mut self, stored: &ChainedEntry) -> Result<(), ChainBreak> {
        let broken = |reason: String| Err(ChainBreak { seq: stored.seq, reason });
        if stored.seq != self.last_seq + 1 {
            return broken(format!("entry {} is missing", self.last_seq + 1));
        }
        if stored.prev_hash != self.last_hash {
            return broken("it does not follow the previous entry".into());
        }
        if chain_hash(stored.seq, &stored.prev_hash, &stored.entry) != stored.hash {
            return broken("its content does not match its hash".into());
        }
        if stored.entry.reason.as_ref().is_some_and(|reason| !reason.is_intact()) {
            return broken("its reason is not the reason it was given".into());
        }
        self.last_seq = stored.seq;
        self.last_hash = stored.hash.clone();
        self.checked += 1;
        Ok(())
    }

    /// The last entry checked, to compare with the stored head.
    pub fn last(&self) -> (i64, &str) {
        (self.last_seq, &self.last_hash)
    }

    pub fn checked(&self) -> u64 {
        self.checked
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(n: u128) -> AuditEntry {
        AuditEntry {
            at: DateTime::parse_from_rfc3339("2026-03-02T09:00:00.123456Z").unwrap().with_timezone(&Utc),
            actor_id: Uuid::from_u128(n),
            actor_role: Role::CaseWorker,
            action: AuditAction::Read,
            district: Some(DistrictCode::from_trusted("milano".into())),
            beneficiary_id: Some(Uuid::from_u128(100 + n)),
            case_id: None,
            listed: Vec::new(),
            request_id: Some(format!("req-{n}")),
            reason: None,
        }
    }

    fn verify(entries: &[ChainedEntry]) -> Result<u64, ChainBreak> {
        let mut verifier = ChainVerifier::default();
        for stored in entries {
            verifier.check(stored)?;
        }
        Ok(verifier.checked())
    }

    #[test]
    fn the_hash_of_an_entry_does_not_change_with_the_code_that_computes_it() {
        // Pinned: a stored chain must keep verifying after any change to `chain_hash`.
        let full = AuditEntry { case_id: Some(Uuid::from_u128(8)), ..entry(1) };
        let bare = AuditEntry { district: None, beneficiary_id: None, request_id: None, ..entry(2) };
        assert_eq!(
            chain_hash(42, GENESIS_HASH, &full),
            "6ae4788e50b35b52fdf5a8b4804d947cce7706d8303c8c76d5325eba6c79a746"
        );
        assert_eq!(
            chain_hash(42, GENESIS_HASH, &bare),
            "50bf0f99c57baf074f7e0204a59b2acd22ab239770431776e9b39cc325725cdd"
        );
    }

    #[test]
    fn an_untouched_chain_verifies_across_batches() {
        let first = chain(0, GENESIS_HASH, vec![entry(1), entry(2)]);
        let second = chain(2, &first[1].hash, vec![entry(3)]);
        let all: Vec<_> = first.into_iter().chain(second).collect();
        assert_eq!(all.iter().map(|e| e.seq).collect::<Vec<_>>(), [1, 2, 3]);
        assert_eq!(verify(&all), Ok(3));
    }

    #[test]
    fn a_changed_removed_or_reordered_entry_breaks_the_chain() {
        let entries = chain(0, GENESIS_HASH, vec![entry(1), entry(2), entry(3)]);

        let mut changed = entries.clone();
        changed[1].entry.actor_id = Uuid::from_u128(99);
        assert_eq!(verify(&changed).unwrap_err().seq, 2);

        let removed = vec![entries[0].clone(), entries[2].clone()];
        assert_eq!(verify(&removed).unwrap_err(), ChainBreak { seq: 3, reason: "entry 2 is missing".into() });

        // Rewriting an entry and its own hash still breaks at the next one.
        let mut rehashed = entries.clone();
        rehashed[1].entry.case_id = Some(Uuid::from_u128(5));
        rehashed[1].hash = chain_hash(2, &rehashed[1].prev_hash, &rehashed[1].entry);
        assert_eq!(verify(&rehashed).unwrap_err().seq, 3);
    }

    fn shown(district: &str, n: u128) -> (DistrictCode, ListedSubject) {
        let subject =
            ListedSubject { beneficiary_id: Uuid::from_u128(200 + n), case_id: Some(Uuid::from_u128(300 + n)) };
        (DistrictCode::from_trusted(district.into()), subject)
    }

    #[test]
    fn a_page_is_one_entry_per_district_naming_its_people_in_page_order() {
        let access = AuditEntry { action: AuditAction::List, district: None, beneficiary_id: None, ..entry(1) };
        let page = [shown("milano", 1), shown("bergamo", 2), shown("milano", 3), shown("milano", 4)];
        let entries = AuditEntry::for_page(&access, page.clone());
        assert_eq!(entries.len(), 2);
        let milano = &entries[0];
        assert_eq!(milano.district.as_ref().map(|d| d.as_str()), Some("milano"));
        assert_eq!((milano.beneficiary_id, milano.case_id), (None, None));
        assert_eq!(milano.listed, [page[0].1, page[2].1, page[3].1]);
        assert_eq!(
            (milano.actor_id, milano.action, &milano.request_id),
            (access.actor_id, AuditAction::List, &access.request_id)
        );
        // One person alone in their district: the entry a read of them would leave.
        let bergamo = &entries[1];
        assert_eq!(bergamo.district.as_ref().map(|d| d.as_str()), Some("bergamo"));
        assert_eq!((bergamo.beneficiary_id, bergamo.case_id), (Some(page[1].1.beneficiary_id), page[1].1.case_id));
        assert!(bergamo.listed.is_empty());
        assert!(AuditEntry::for_page(&access, []).is_empty(), "an empty page names nobody");
    }

    #[test]
    fn every_person_a_page_names_is_bound_by_its_hash() {
        let access = AuditEntry { action: AuditAction::List, ..entry(1) };
        let page = AuditEntry::for_page(&access, [shown("milano", 1), shown("milano", 2)]).remove(0);
        let entries = chain(0, GENESIS_HASH, vec![page, entry(2)]);
        assert_eq!(verify(&entries), Ok(2));
        for tamper in [
            |e: &mut AuditEntry| e.listed[1].case_id = None,
            |e: &mut AuditEntry| e.listed[0].beneficiary_id = Uuid::from_u128(7),
            |e: &mut AuditEntry| {
                e.listed.pop();
            },
            |e: &mut AuditEntry| e.listed.swap(0, 1),
        ] {
            let mut changed = entries.clone();
            tamper(&mut changed[0].entry);
            assert_eq!(verify(&changed).unwrap_err().seq, 1);
        }
    }

    #[test]
    fn a_reason_is_bound_by_the_chain_and_its_text_may_be_erased_but_not_changed() {
        let overridden = AuditEntry {
            action: AuditAction::ConsentOverride,
            reason: Some(AuditReason::new("urgent shelter for Mario Rossi", &[7; 16])),
            ..entry(1)
        };
        let entries = chain(0, GENESIS_HASH, vec![overridden, entry(2)]);
        assert_eq!(verify(&entries), Ok(2));
        assert_ne!(
            entries[0].hash,
            chain(0, GENESIS_HASH, vec![AuditEntry { reason: None, ..entries[0].entry.clone() }])[0].hash
        );

        let mut erased = entries.clone();
        let reason = erased[0].entry.reason.as_ref().map(AuditReason::erased);
        erased[0].entry.reason = reason;
        assert_eq!(erased[0].entry.reason.as_ref().and_then(AuditReason::text), None);
        assert_eq!(verify(&erased), Ok(2), "erasing the text keeps the chain");

        let mut rewritten = entries.clone();
        if let Some(stated) = rewritten[0].entry.reason.as_mut().and_then(|r| r.stated.as_mut()) {
            stated.text = "routine".into();
        }
        assert_eq!(
            verify(&rewritten),
            Err(ChainBreak { seq: 1, reason: "its reason is not the reason it was given".into() })
        );

        let mut dropped = entries.clone();
        dropped[0].entry.reason = None;
        assert_eq!(verify(&dropped).unwrap_err().seq, 1, "a reason removed is a changed entry");
    }

    #[test]
    fn a_persons_log_shows_a_page_naming_only_them() {
        let access = AuditEntry { action: AuditAction::List, ..entry(1) };
        let page =
            AuditEntry::for_page(&access, [shown("milano", 1), shown("milano", 2), shown("milano", 1)]).remove(0);
        assert_eq!(page.people_listed().collect::<Vec<_>>(), [Uuid::from_u128(201), Uuid::from_u128(202)], "each once");
        let seen = page.clone().as_seen_by(Uuid::from_u128(201));
        assert_eq!(seen.listed, [shown("milano", 1).1, shown("milano", 1).1]);
        assert_eq!(AuditEntry { listed: page.listed.clone(), ..seen }, page, "nothing else changes");
    }
}

/// The chain stated generally: whatever is appended verifies, and changing, removing or
/// reordering any entry breaks the chain where it happened.
#[cfg(test)]
mod properties {
    use chrono::TimeZone;
    use proptest::prelude::*;
    use proptest::sample::select;

    use super::*;
    use crate::Vocabulary;

    prop_compose! {
        fn entry()(
            seconds in 0i64..10_000_000,
            actor in any::<u128>(),
            role in select(Role::ALL.to_vec()),
            action in select(AuditAction::ALL.to_vec()),
            district in proptest::option::of(select(vec!["milano", "bergamo", "lecco"])),
            person in proptest::option::of(any::<u128>()),
            case in proptest::option::of(any::<u128>()),
            listed in proptest::collection::vec((any::<u128>(), proptest::option::of(any::<u128>())), 0..3),
            request in proptest::option::of("[a-z0-9-]{1,12}"),
            reason in proptest::option::of(("[a-z ]{1,20}", any::<[u8; 4]>())),
        ) -> AuditEntry {
            AuditEntry {
                at: Utc.timestamp_opt(1_700_000_000 + seconds, 0).single().unwrap_or_default(),
                actor_id: Uuid::from_u128(actor),
                actor_role: role,
                action,
                district: district.map(|d| DistrictCode::from_trusted(d.into())),
                beneficiary_id: person.map(Uuid::from_u128),
                case_id: case.map(Uuid::from_u128),
                listed: listed
                    .into_iter()
                    .map(|(b, c)| ListedSubject { beneficiary_id: Uuid::from_u128(b), case_id: c.map(Uuid::from_u128) })
                    .collect(),
                request_id: request,
                reason: reason.map(|(text, salt)| AuditReason::new(text, &salt)),
            }
        }
    }

    /// Where a verifier walking `chain` stops, if it does.
    fn first_break(chain: &[ChainedEntry]) -> Option<i64> {
        let mut verifier = ChainVerifier::default();
        chain.iter().find_map(|stored| verifier.check(stored).err()).map(|broken| broken.seq)
    }

    proptest! {
        #[test]
        fn appended_entries_verify_and_any_change_breaks_the_chain_there(
            entries in proptest::collection::vec(entry(), 1..12),
            pick in any::<prop::sample::Index>(),
            other in entry(),
        ) {
            let chained = chain(0, GENESIS_HASH, entries);
            prop_assert_eq!(first_break(&chained), None);
            let at = pick.index(chained.len());
            let seq = chained[at].seq;

            let mut changed = chained.clone();
            changed[at].entry = other.clone();
            if other != chained[at].entry {
                prop_assert_eq!(first_break(&changed), Some(seq));
            }

            let mut renamed = chained.clone();
            renamed[at].entry.listed.push(ListedSubject { beneficiary_id: Uuid::from_u128(7), case_id: None });
            prop_assert_eq!(first_break(&renamed), Some(seq));

            let mut removed = chained.clone();
            removed.remove(at);
            if at < removed.len() {
                prop_assert_eq!(first_break(&removed), Some(seq + 1));
            }

            let next = (at + 1) % chained.len();
            if chained[at].entry != chained[next].entry {
                let mut swapped = chained.clone();
                // Reordering the contents under their stored sequence numbers.
                swapped[at].entry = chained[next].entry.clone();
                swapped[next].entry = chained[at].entry.clone();
                prop_assert_eq!(first_break(&swapped), Some(chained[at.min(next)].seq));
            }
        }
    }
}
