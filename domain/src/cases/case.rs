//! What a case is: its vocabularies, the record, its timeline, and the changes a write makes.

use chrono::{DateTime, NaiveDate, Utc};
use uuid::Uuid;

use crate::districts::DistrictCode;
use crate::exploitation::Indicator;
use crate::screening::{Contract, Need, Profile, Sector};
use crate::users::Role;
use crate::vocabulary;

vocabulary! {
    /// How the person was reached (canale di aggancio).
    pub enum Channel as "channels" {
        StreetOutreach => ("street_outreach", "Unità di strada", "Street outreach unit"),
        AntiTraffickingDesk => ("anti_trafficking_desk", "Sportello anti-tratta", "Anti-trafficking desk"),
        FormalAntenna => ("formal_antenna", "Antenna formale (altro servizio)", "Formal antenna (another service)"),
        AwarenessEvent => ("awareness_event", "Evento di sensibilizzazione", "Awareness event"),
        ServiceReferral => ("service_referral", "Invio da un servizio", "Referral from a service"),
        SelfReferral => ("self_referral", "Accesso spontaneo", "Self-referral"),
        WordOfMouth => ("word_of_mouth", "Passaparola", "Word of mouth"),
    }
}

vocabulary! {
    pub enum CaseStatus as "case_statuses" {
        Intercepted => ("intercepted", "Agganciato", "Intercepted"),
        Screening => ("screening", "In valutazione", "Screening"),
        TakenInCharge => ("taken_in_charge", "Preso in carico", "Taken in charge"),
        Suspended => ("suspended", "Sospeso", "Suspended"),
        Closed => ("closed", "Chiuso", "Closed"),
    }
}

vocabulary! {
    pub enum Outcome as "closure_outcomes" {
        RegularEmployment => ("regular_employment", "Occupazione regolare", "Regular employment"),
        TrainingCompleted => ("training_completed", "Formazione completata", "Training completed"),
        DocumentsRegularised => ("documents_regularised", "Documenti regolarizzati", "Documents regularised"),
        TransferredToAntiTrafficking => ("transferred_to_anti_trafficking", "Trasferito al programma anti-tratta", "Transferred to the anti-trafficking programme"),
        PermitObtained => ("permit_obtained", "Permesso di soggiorno ottenuto", "Residence permit obtained"),
        NotEligible => ("not_eligible", "Non ammissibile", "Not eligible"),
        Declined => ("declined", "Rinuncia della persona", "Declined by the person"),
        LostContact => ("lost_contact", "Contatto perso", "Lost contact"),
        MovedAway => ("moved_away", "Trasferito altrove", "Moved away"),
        /// The person's record moved to another district's PUA (see `crate::transfers`).
        Transferred => ("transferred", "Trasferito a un altro distretto", "Transferred to another district"),
        Other => ("other", "Altro", "Other"),
    }
}

vocabulary! {
    /// Why taking in charge was refused.
    pub enum Precondition as "transition_preconditions" {
        ConsentMissing => ("consent_missing", "Informativa privacy non registrata", "Privacy notice not recorded"),
        EligibilityNotMet => ("eligibility_not_met", "Requisiti non soddisfatti", "Eligibility not met"),
        EligibilityUndetermined => ("eligibility_undetermined", "Requisiti da verificare", "Eligibility undetermined"),
        NoNeed => ("no_need", "Nessun bisogno registrato", "No need recorded"),
        NoCaseWorker => ("no_case_worker", "Nessun operatore assegnato", "No case worker assigned"),
        GuardianMissing => ("guardian_missing", "Minore senza tutore", "Minor without a guardian"),
    }
}

vocabulary! {
    /// What an entry of a case's timeline records.
    pub enum EventKind as "case_event_kinds" {
        Interception => ("interception", "Aggancio", "Interception"),
        Transition => ("transition", "Cambio di stato", "Status change"),
        Update => ("update", "Modifica dei dati", "Data change"),
        Assignment => ("assignment", "Assegnazione", "Assignment"),
        EligibilityOverride => ("eligibility_override", "Deroga ai requisiti", "Eligibility override"),
        ClosureRequested => ("closure_requested", "Chiusura proposta", "Closure requested"),
        ClosureRejected => ("closure_rejected", "Chiusura respinta", "Closure rejected"),
    }
}

/// One entry of a case's timeline: who did what, when, and when it took effect.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseEvent {
    pub id: Uuid,
    pub case_id: Uuid,
    pub kind: EventKind,
    pub from_status: Option<CaseStatus>,
    pub to_status: Option<CaseStatus>,
    pub effective_at: Option<DateTime<Utc>>,
    pub reason: Option<String>,
    /// What changed: field names or the assignee.
    pub details: Option<String>,
    pub actor_id: Uuid,
    pub actor_role: Role,
    pub recorded_at: DateTime<Utc>,
}

/// An entry to add to a case's timeline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewCaseEvent {
    pub case_id: Uuid,
    pub kind: EventKind,
    pub from_status: Option<CaseStatus>,
    pub to_status: Option<CaseStatus>,
    pub effective_at: Option<DateTime<Utc>>,
    pub reason: Option<String>,
    pub details: Option<String>,
    pub actor_id: Uuid,
    pub actor_role: Role,
    pub recorded_at: DateTime<Utc>,
}

impl NewCaseEvent {
    /// An entry of `kind` by `actor`, recorded `now`, with nothing else said yet.
    pub fn new(case_id: Uuid, kind: EventKind, actor: (Uuid, Role), now: DateTime<Utc>) -> NewCaseEvent {
        NewCaseEvent {
            case_id,
            kind,
            from_status: None,
            to_status: None,
            effective_at: None,
            reason: None,
            details: None,
            actor_id: actor.0,
            actor_role: actor.1,
            recorded_at: now,
        }
    }
}

/// Changes to a case; `None` leaves a field as it is, `Some(None)` clears it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CaseChanges {
    /// A new status and the date it took effect.
    pub status: Option<(CaseStatus, DateTime<Utc>)>,
    pub taken_in_charge_at: Option<Option<DateTime<Utc>>>,
    pub profile: Option<Option<Profile>>,
    pub needs: Option<Vec<Need>>,
    pub sector: Option<Option<Sector>>,
    pub contract: Option<Option<Contract>>,
    pub employer_name: Option<Option<String>>,
    pub indicators: Option<Vec<NotedIndicator>>,
    pub case_worker_id: Option<Option<Uuid>>,
    pub legal_advisor_id: Option<Option<Uuid>>,
    pub eligibility_override: Option<Option<EligibilityOverride>>,
    pub closure: Option<Option<Closure>>,
    pub closure_request: Option<Option<ClosureRequest>>,
}

impl CaseChanges {
    /// The timeline entries that record a change of screening data and of assignments: one
    /// naming the fields changed, one per assignment.
    pub fn events(&self, case_id: Uuid, actor: (Uuid, Role), now: DateTime<Utc>) -> Vec<NewCaseEvent> {
        let mut events = Vec::new();
        let fields: Vec<&str> = [
            ("profile", self.profile.is_some()),
            ("needs", self.needs.is_some()),
            ("work.sector", self.sector.is_some()),
            ("work.contract", self.contract.is_some()),
            ("work.employer_name", self.employer_name.is_some()),
            ("indicators", self.indicators.is_some()),
        ]
        .into_iter()
        .filter_map(|(name, changed)| changed.then_some(name))
        .collect();
        if !fields.is_empty() {
            events.push(NewCaseEvent {
                details: Some(fields.join(", ")),
                ..NewCaseEvent::new(case_id, EventKind::Update, actor, now)
            });
        }
        for (name, change) in [("case_worker", self.case_worker_id), ("legal_advisor", self.legal_advisor_id)] {
            if let Some(assignee) = change {
                let details = match assignee {
                    Some(id) => format!("{name}: {id}"),
                    None => format!("{name}: none"),
                };
                events.push(NewCaseEvent {
                    details: Some(details),
                    ..NewCaseEvent::new(case_id, EventKind::Assignment, actor, now)
                });
            }
        }
        events
    }
}

/// The work situation.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Work {
    pub sector: Option<Sector>,
    pub contract: Option<Contract>,
    pub employer_name: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NotedIndicator {
    pub indicator: Indicator,
    pub noted_on: NaiveDate,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EligibilityOverride {
    pub by: Uuid,
    pub reason: String,
    pub at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Closure {
    pub outcome: Outcome,
    pub summary: String,
}

/// A closure proposed by a case worker, waiting for the coordinator where the district
/// requires approval.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClosureRequest {
    pub by: Uuid,
    pub effective_at: DateTime<Utc>,
    pub outcome: Outcome,
    pub summary: String,
    pub reason: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Case {
    pub id: Uuid,
    pub beneficiary_id: Uuid,
    pub district: DistrictCode,
    pub channel: Channel,
    pub intercepted_at: DateTime<Utc>,
    pub intercepting_organization_id: Uuid,
    pub recorded_by: Uuid,
    pub status: CaseStatus,
    /// Effective date of the latest transition (the interception at first).
    pub status_since: DateTime<Utc>,
    /// Effective date of the latest taking in charge.
    pub taken_in_charge_at: Option<DateTime<Utc>>,
    pub profile: Option<Profile>,
    pub needs: Vec<Need>,
    pub work: Work,
    pub indicators: Vec<NotedIndicator>,
    pub case_worker_id: Option<Uuid>,
    pub legal_advisor_id: Option<Uuid>,
    pub eligibility_override: Option<EligibilityOverride>,
    pub closure: Option<Closure>,
    pub closure_request: Option<ClosureRequest>,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// When the person's record moved to another district: the case is then its district's
    /// history, read-only, and no longer opens the person's record to that district.
    pub transferred_at: Option<DateTime<Utc>>,
}
