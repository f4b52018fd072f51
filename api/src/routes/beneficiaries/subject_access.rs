//! The copy of a person's data (GDPR art. 15 and 20): JSON for portability, and a document in
//! Italian for the person, as HTML that prints well (every value escaped by the template).

use app::referrals::{ReferralRecord, Standing};
use app::subject_access::{CaseFile, SubjectAccess};
use chrono::{DateTime, NaiveDate, Utc};
use domain::Vocabulary;
use domain::users::Role;
use maud::{DOCTYPE, Markup, PreEscaped, html};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;
use validator::Validate;

use super::views::BeneficiaryView;
use crate::routes::audit::AuditEventView;
use crate::routes::cases::views::{CaseEventView, CaseRead};
use crate::routes::consents::ConsentView;
use crate::routes::legal::ProcedureView;
use crate::routes::notes::NoteView;
use crate::routes::referrals::ReferralView;
use crate::routes::services::DeliveryView;
use crate::routes::transfers::TransferView;
use crate::routes::work_grants::GrantView;

#[derive(Debug, Deserialize, Validate, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct SubjectAccessQuery {
    /// Include the notes at level `legal` (default false). The decision is recorded in the
    /// audit trail as `legal_disclosure`.
    pub include_legal: Option<bool>,
    /// Overrides the `Accept` header: `json` (the default) or `html` (the printable document in
    /// Italian for the person).
    #[param(inline)]
    pub format: Option<SubjectAccessFormat>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SubjectAccessFormat {
    Json,
    Html,
}

/// Everything held on a person within the coordinator's districts.
#[derive(Debug, Serialize, ToSchema)]
pub struct SubjectAccessView {
    pub generated_at: DateTime<Utc>,
    pub person: BeneficiaryView,
    pub consents: Vec<ConsentView>,
    pub cases: Vec<CaseFileView>,
    /// The organisations a referral sent the person's data to, each once.
    pub shared_with: Vec<SharedWithView>,
    /// Who read or changed the person's data, oldest first (a page of a list names only them).
    pub access_log: Vec<AuditEventView>,
    /// Their record's transfers between districts, with their consent to each, oldest first.
    pub transfers: Vec<TransferView>,
    /// Whether notes at level `legal` are included.
    pub legal_notes_included: bool,
}

/// One case and everything recorded in it.
#[derive(Debug, Serialize, ToSchema)]
pub struct CaseFileView {
    pub case: CaseRead,
    pub events: Vec<CaseEventView>,
    pub services: Vec<DeliveryView>,
    pub referrals: Vec<ReferralView>,
    pub legal_procedures: Vec<ProcedureView>,
    pub work_grants: Vec<GrantView>,
    pub notes: Vec<NoteView>,
}

/// An organisation the person's data was shared with.
#[derive(Debug, Serialize, ToSchema)]
pub struct SharedWithView {
    pub id: Uuid,
    pub name: String,
    #[schema(value_type = crate::schemas::OrganizationKind)]
    pub kind: domain::organizations::OrganizationKind,
}

impl From<SubjectAccess> for SubjectAccessView {
    fn from(access: SubjectAccess) -> Self {
        SubjectAccessView {
            generated_at: access.generated_at,
            person: access.person.into(),
            consents: access.consents.into_iter().map(ConsentView::from).collect(),
            cases: access.cases.into_iter().map(CaseFileView::from).collect(),
            shared_with: access
                .shared_with
                .into_iter()
                .map(|org| SharedWithView { id: org.id, name: org.name, kind: org.kind })
                .collect(),
            access_log: access.access_log.into_iter().map(AuditEventView::from).collect(),
            transfers: access.transfers.into_iter().map(TransferView::whole).collect(),
            legal_notes_included: access.legal_notes_included,
        }
    }
}

impl From<CaseFile> for CaseFileView {
    fn from(file: CaseFile) -> Self {
        let reader = file.record.case.intercepting_organization_id;
        CaseFileView {
            case: CaseRead::of(Role::DistrictCoordinator, file.record),
            events: file.events.into_iter().map(CaseEventView::from).collect(),
            services: file.services.into_iter().map(DeliveryView::from).collect(),
            referrals: file
                .referrals
                .into_iter()
                .map(|(referral, events)| {
                    ReferralView::from(ReferralRecord {
                        referral,
                        events,
                        standing: Standing::Sender,
                        reader_organization: reader,
                    })
                })
                .collect(),
            legal_procedures: file.legal_procedures.into_iter().map(ProcedureView::from).collect(),
            work_grants: file.work_grants.into_iter().map(GrantView::from).collect(),
            notes: file.notes.into_iter().map(NoteView::from).collect(),
        }
    }
}

const STYLE: &str = "body{font-family:Georgia,serif;max-width:46rem;margin:2rem auto;padding:0 1rem;color:#111;line-height:1.4}\
h1{font-size:1.5rem}h2{font-size:1.2rem;border-bottom:1px solid #888;margin-top:2rem}h3{font-size:1.05rem}\
table{border-collapse:collapse;width:100%;margin:.5rem 0}th,td{border:1px solid #bbb;padding:.25rem .4rem;text-align:left;vertical-align:top;font-size:.9rem}\
th{background:#eee;width:30%}.note{font-size:.85rem;color:#444}\
@media print{body{margin:0;max-width:none}h2{page-break-after:avoid}table{page-break-inside:auto}tr{page-break-inside:avoid}}";

fn day(at: DateTime<Utc>) -> String {
    at.format("%d/%m/%Y").to_string()
}

fn date(on: Option<NaiveDate>) -> String {
    on.map_or_else(|| "—".to_string(), |on| on.format("%d/%m/%Y").to_string())
}

fn text(value: Option<&str>) -> &str {
    value.filter(|v| !v.trim().is_empty()).unwrap_or("—")
}

/// The printable document for the person, in Italian.
pub fn document(access: &SubjectAccess) -> Markup {
    let person = &access.person;
    let data = &person.data;
    html! {
        (DOCTYPE)
        html lang="it" {
            head {
                meta charset="utf-8";
                title { "Copia dei dati personali" }
                style { (PreEscaped(STYLE)) }
            }
            body {
                h1 { "Copia dei dati personali" }
                p {
                    "Documento prodotto il " (day(access.generated_at)) " dal Punto Unico di Accesso InLav ("
                    "programma InLav Lombardia) su richiesta della persona interessata, ai sensi degli articoli 15 "
                    "(diritto di accesso) e 20 (portabilità) del Regolamento (UE) 2016/679. La stessa copia è "
                    "disponibile in formato JSON."
                }
                @if person.erased_at.is_some() {
                    p { strong { "I dati identificativi di questa persona sono stati cancellati il " (person.erased_at.map(day).unwrap_or_default()) "." } }
                }
                h2 { "Dati anagrafici" }
                table {
                    tr { th { "Nome in uso" } td { (data.alias) } }
                    tr { th { "Nome" } td { (text(data.first_name.as_deref())) } }
                    tr { th { "Cognome" } td { (text(data.last_name.as_deref())) } }
                    tr { th { "Genere" } td { (data.gender.map_or("—", |g| g.label_it())) } }
                    tr { th { "Data di nascita" } td { (if person.erased_at.is_some() { "—".to_string() } else { date(data.birth_date) }) } }
                    tr { th { "Anno di nascita" } td { (data.birth_year.map_or("—".to_string(), |y| y.to_string())) } }
                    tr { th { "Cittadinanza" } td { (data.citizenships.as_ref().map_or("non nota".to_string(), |c| if c.is_empty() { "apolide".to_string() } else { c.join(", ") })) } }
                    tr { th { "Lingue" } td { (if data.languages.is_empty() { "—".to_string() } else { data.languages.join(", ") }) } }
                    tr { th { "Telefono" } td { (text(data.phone.as_deref())) } }
                    tr { th { "E-mail" } td { (text(data.email.as_deref())) } }
                    tr { th { "Comune" } td { (text(data.municipality.as_deref())) } }
                    tr { th { "Anno di arrivo in Italia" } td { (data.arrival_year.map_or("—".to_string(), |y| y.to_string())) } }
                    tr { th { "Permesso di soggiorno" } td { (data.permit.kind.map_or("—", |k| k.label_it())) " " (text(data.permit.number.as_deref())) ", scadenza " (date(data.permit.expires_on)) } }
                    tr { th { "Codice fiscale" } td { (text(data.codice_fiscale.as_deref())) } }
                    @if let Some(guardian) = &data.guardian {
                        tr { th { "Tutore" } td { (guardian.name) " (" (guardian.relation) ") " (text(guardian.contact.as_deref())) } }
                    }
                }
                h3 { "Documenti" }
                table {
                    @for document in &data.documents {
                        tr { th { (document.kind.label_it()) } td { (document.status.label_it()) " " (date(document.on)) } }
                    }
                }
                h2 { "Consensi" }
                @if access.consents.is_empty() { p { "Nessun consenso registrato." } }
                table {
                    @for consent in &access.consents {
                        tr {
                            th { (consent.kind.label_it()) }
                            td {
                                (if consent.granted { "dato" } else { "negato" }) " il " (date(Some(consent.given_on)))
                                " (" (consent.method.label_it()) ")"
                                @if let Some(withdrawn) = consent.withdrawn_on { ", revocato il " (date(Some(withdrawn))) }
                            }
                        }
                    }
                }
                h2 { "Organizzazioni con cui i dati sono stati condivisi" }
                @if access.shared_with.is_empty() { p { "Nessuna." } }
                ul { @for org in &access.shared_with { li { (org.name) " (" (org.kind.label_it()) ")" } } }
                h2 { "Percorsi" }
                @if access.cases.is_empty() { p { "Nessun percorso." } }
                @for file in &access.cases { (case_section(file)) }
                h2 { "Registro degli accessi ai dati" }
                p.note { "Ogni lettura o modifica dei dati, con data, ruolo di chi vi ha acceduto e azione." }
                table {
                    tr { th { "Data" } th { "Ruolo" } th { "Azione" } }
                    @for stored in &access.access_log {
                        tr {
                            td { (stored.entry.at.format("%d/%m/%Y %H:%M")) }
                            td { (stored.entry.actor_role.label_it()) }
                            td { (stored.entry.action.label_it()) }
                        }
                    }
                }
                @if !access.legal_notes_included {
                    p.note { "Le note riservate ai consulenti legali non sono incluse in questa copia." }
                }
            }
        }
    }
}

fn case_section(file: &CaseFile) -> Markup {
    let case = &file.record.case;
    html! {
        h3 { "Percorso aperto il " (day(case.intercepted_at)) }
        table {
            tr { th { "Stato" } td { (case.status.label_it()) " dal " (day(case.status_since)) } }
            tr { th { "Canale di contatto" } td { (case.channel.label_it()) } }
            tr { th { "Presa in carico" } td { (case.taken_in_charge_at.map_or("—".to_string(), day)) } }
        }
        @if !file.events.is_empty() {
            table {
                tr { th { "Data" } th { "Evento" } th { "Motivo" } }
                @for event in &file.events {
                    tr { td { (day(event.recorded_at)) } td { (event.kind.label_it()) @if let Some(to) = event.to_status { ": " (to.label_it()) } } td { (text(event.reason.as_deref())) } }
                }
            }
        }
        @if !file.services.is_empty() {
            table {
                tr { th { "Servizio" } th { "Data" } th { "Note" } }
                @for service in &file.services {
                    tr { td { (service.category.label_it()) } td { (date(Some(service.delivered_on))) } td { (text(service.notes.as_deref())) } }
                }
            }
        }
        @if !file.referrals.is_empty() {
            table {
                tr { th { "Invio" } th { "Stato" } th { "Motivo" } }
                @for (referral, _) in &file.referrals {
                    tr { td { (referral.category.label_it()) } td { (referral.status.label_it()) } td { (referral.reason) } }
                }
            }
        }
        @for procedure in &file.legal_procedures {
            p { "Procedura legale: " (procedure.kind.label_it()) ", " (procedure.status.label_it()) }
        }
        @for grant in &file.work_grants {
            p { "Tirocinio o borsa lavoro presso " (grant.host_employer) " dal " (date(Some(grant.start_on))) " al " (date(Some(grant.end_on))) " (" (grant.status.label_it()) ")" }
        }
        @for note in &file.notes {
            p.note { (day(note.created_at)) " — " (note.body) }
        }
    }
}
