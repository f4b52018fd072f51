//! Consents (consensi / informativa): the privacy notice given, data sharing with a named
//! partner, research use. A consent counts from the day given until the day withdrawn.

use chrono::{DateTime, NaiveDate, Utc};
use uuid::Uuid;

use crate::validation::Violations;
use crate::vocabulary;

vocabulary! {
    pub enum ConsentKind as "consent_kinds" {
        /// The privacy notice (informativa) was given and understood.
        PrivacyNotice => ("privacy_notice", "Informativa privacy consegnata", "Privacy notice given"),
        /// Data may be shared with one named organisation (for a referral).
        DataSharing => ("data_sharing", "Consenso alla condivisione dei dati con un ente", "Consent to share data with an organisation"),
        /// Pseudonymised data may be used for the programme's evaluation.
        ResearchUse => ("research_use", "Consenso all'uso per la ricerca", "Consent to research use"),
    }
}

vocabulary! {
    pub enum ConsentMethod as "consent_methods" {
        Written => ("written", "Scritto e firmato", "Written and signed"),
        Oral => ("oral", "Orale, registrato dall'operatore", "Oral, recorded by the operator"),
        Digital => ("digital", "Digitale", "Digital"),
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Consent {
    pub id: Uuid,
    pub beneficiary_id: Uuid,
    pub kind: ConsentKind,
    /// The organisation data may be shared with (data sharing only).
    pub organization_id: Option<Uuid>,
    /// `false` records a refusal (research use may be refused).
    pub granted: bool,
    pub given_on: NaiveDate,
    pub method: ConsentMethod,
    /// ISO 639-1 language the notice or request was given in.
    pub language: String,
    pub recorded_by: Uuid,
    pub recorded_at: DateTime<Utc>,
    pub withdrawn_on: Option<NaiveDate>,
    pub withdrawn_by: Option<Uuid>,
    pub withdrawal_reason: Option<String>,
}

impl Consent {
    /// Granted, given by `on`, and not withdrawn by then.
    pub fn in_force_on(&self, on: NaiveDate) -> bool {
        self.granted && self.given_on <= on && self.withdrawn_on.is_none_or(|withdrawn| withdrawn > on)
    }
}

/// Whether the privacy notice stands on `on`.
pub fn privacy_notice_given(consents: &[Consent], on: NaiveDate) -> bool {
    consents.iter().any(|c| c.kind == ConsentKind::PrivacyNotice && c.in_force_on(on))
}

/// Whether data may be shared with `organization` on `on`.
pub fn sharing_allowed(consents: &[Consent], organization: Uuid, on: NaiveDate) -> bool {
    consents
        .iter()
        .any(|c| c.kind == ConsentKind::DataSharing && c.organization_id == Some(organization) && c.in_force_on(on))
}

/// Whether the person refused research use: the latest research-use record is a refusal or
/// was withdrawn. No record at all is not a refusal.
pub fn research_refused(consents: &[Consent]) -> bool {
    research_refused_in(consents.iter().filter(|c| c.kind == ConsentKind::ResearchUse).map(|c| ResearchAnswer {
        granted: c.granted,
        given_on: c.given_on,
        recorded_at: c.recorded_at,
        withdrawn: c.withdrawn_on.is_some(),
    }))
}

/// What a research-use consent record says, without the rest of the record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ResearchAnswer {
    pub granted: bool,
    pub given_on: NaiveDate,
    pub recorded_at: DateTime<Utc>,
    pub withdrawn: bool,
}

/// [`research_refused`] over the research-use answers alone.
pub fn research_refused_in(answers: impl IntoIterator<Item = ResearchAnswer>) -> bool {
    answers
        .into_iter()
        .max_by_key(|a| (a.given_on, a.recorded_at))
        .is_some_and(|latest| !latest.granted || latest.withdrawn)
}

/// Checks a consent to record.
pub fn check_new(
    kind: ConsentKind,
    organization_id: Option<Uuid>,
    granted: bool,
    given_on: NaiveDate,
    today: NaiveDate,
) -> Result<(), Violations> {
    let mut v = Violations::new();
    match (kind, organization_id) {
        (ConsentKind::DataSharing, None) => v.add("organization_id", "required", "data sharing names the organisation"),
        (ConsentKind::PrivacyNotice | ConsentKind::ResearchUse, Some(_)) => {
            v.add("organization_id", "not_allowed", "only data sharing names an organisation")
        }
        _ => {}
    }
    if kind == ConsentKind::PrivacyNotice && !granted {
        v.add("granted", "not_allowed", "a privacy notice is given, not refused");
    }
    if given_on > today {
        v.add("given_on", "in_future", "must not be in the future");
    }
    v.finish(())
}

/// Checks a withdrawal.
pub fn check_withdrawal(consent: &Consent, withdrawn_on: NaiveDate, today: NaiveDate) -> Result<(), Violations> {
    let mut v = Violations::new();
    if withdrawn_on > today {
        v.add("withdrawn_on", "in_future", "must not be in the future");
    }
    if withdrawn_on < consent.given_on {
        v.add("withdrawn_on", "before_given", "must not be before the consent was given");
    }
    v.finish(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn consent(kind: ConsentKind, granted: bool, given_on: &str) -> Consent {
        Consent {
            id: Uuid::nil(),
            beneficiary_id: Uuid::nil(),
            kind,
            organization_id: None,
            granted,
            given_on: date(given_on),
            method: ConsentMethod::Written,
            language: "ar".into(),
            recorded_by: Uuid::nil(),
            recorded_at: DateTime::<Utc>::MIN_UTC,
            withdrawn_on: None,
            withdrawn_by: None,
            withdrawal_reason: None,
        }
    }

    #[test]
    fn a_consent_holds_from_given_to_withdrawn() {
        let mut notice = consent(ConsentKind::PrivacyNotice, true, "2026-01-10");
        assert!(!privacy_notice_given(std::slice::from_ref(&notice), date("2026-01-09")));
        assert!(privacy_notice_given(std::slice::from_ref(&notice), date("2026-01-10")));
        notice.withdrawn_on = Some(date("2026-02-01"));
        assert!(privacy_notice_given(std::slice::from_ref(&notice), date("2026-01-31")));
        assert!(!privacy_notice_given(&[notice], date("2026-02-01")));
    }

    #[test]
    fn sharing_is_per_organisation() {
        let partner = Uuid::from_u128(7);
        let other = Uuid::from_u128(8);
        let sharing =
            Consent { organization_id: Some(partner), ..consent(ConsentKind::DataSharing, true, "2026-01-10") };
        assert!(sharing_allowed(std::slice::from_ref(&sharing), partner, date("2026-01-11")));
        assert!(!sharing_allowed(&[sharing], other, date("2026-01-11")));
    }

    #[test]
    fn research_is_refused_only_by_the_latest_record() {
        assert!(!research_refused(&[]));
        let given = consent(ConsentKind::ResearchUse, true, "2026-01-10");
        let refused = consent(ConsentKind::ResearchUse, false, "2026-02-10");
        assert!(research_refused(&[given.clone(), refused.clone()]));
        let given_again = consent(ConsentKind::ResearchUse, true, "2026-03-10");
        assert!(!research_refused(&[given.clone(), refused, given_again]));
        let withdrawn = Consent { withdrawn_on: Some(date("2026-01-20")), ..given };
        assert!(research_refused(&[withdrawn]));
    }

    #[test]
    fn new_consents_are_checked() {
        let today = date("2026-03-02");
        assert!(check_new(ConsentKind::DataSharing, Some(Uuid::nil()), true, today, today).is_ok());
        let codes =
            |r: Result<(), Violations>| r.unwrap_err().into_vec().into_iter().map(|v| v.code).collect::<Vec<_>>();
        assert_eq!(codes(check_new(ConsentKind::DataSharing, None, true, today, today)), ["required"]);
        assert_eq!(
            codes(check_new(ConsentKind::PrivacyNotice, Some(Uuid::nil()), false, date("2026-03-03"), today)),
            ["not_allowed", "not_allowed", "in_future"]
        );
        let notice = consent(ConsentKind::PrivacyNotice, true, "2026-01-10");
        assert_eq!(codes(check_withdrawal(&notice, date("2026-01-01"), today)), ["before_given"]);
    }
}
