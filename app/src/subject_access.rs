//! Subject access (GDPR art. 15 and 20): everything held on a person, for a district
//! coordinator to give them — identity, documents, consents, every case of the coordinator's
//! districts with its timeline, services, referrals and the organisations their data was
//! shared with, legal procedures, work grants, notes, and who accessed their data. A `legal`
//! note is included only when the coordinator decides so, and that decision is audited apart.

use chrono::{DateTime, Utc};
use domain::Vocabulary;
use domain::access::Capability;
use domain::audit::{AuditAction, ChainedEntry};
use domain::beneficiaries::Beneficiary;
use domain::cases::CaseEvent;
use domain::consents::Consent;
use domain::legal::LegalProcedure;
use domain::notes::{Confidentiality, Note};
use domain::organizations::Organization;
use domain::referrals::Referral;
use domain::services::ServiceDelivery;
use domain::transfers::Transfer;
use domain::work_grants::WorkGrant;
use persistence::audit::{self as audit_store, AuditFilter};
use persistence::referrals::ReferralEvent;
use persistence::{
    DbConnection, PageRequest, cases, consents, legal, notes, organizations, referrals, services, work_grants,
};
use uuid::Uuid;

use crate::access::visible_beneficiary;
use crate::actor::Actor;
use crate::audit::{audited, seen_by};
use crate::cases::CaseRecord;
use crate::context::Context;
use crate::error::Result;

/// Everything held on a person.
#[derive(Debug, Clone)]
pub struct SubjectAccess {
    pub person: Beneficiary,
    pub consents: Vec<Consent>,
    pub cases: Vec<CaseFile>,
    /// The organisations a referral sent their data to, each once.
    pub shared_with: Vec<Organization>,
    /// Who read or changed their data, oldest first; a page of a list names only them.
    pub access_log: Vec<ChainedEntry>,
    /// Their record's transfers between districts, with their consent to each, oldest first.
    pub transfers: Vec<Transfer>,
    pub legal_notes_included: bool,
    pub generated_at: DateTime<Utc>,
}

/// One case and everything recorded in it.
#[derive(Debug, Clone)]
pub struct CaseFile {
    pub record: CaseRecord,
    pub events: Vec<CaseEvent>,
    pub services: Vec<ServiceDelivery>,
    pub referrals: Vec<(Referral, Vec<ReferralEvent>)>,
    pub legal_procedures: Vec<LegalProcedure>,
    pub work_grants: Vec<WorkGrant>,
    pub notes: Vec<Note>,
}

/// The reason recorded when a coordinator includes `legal` notes.
const LEGAL_DISCLOSURE_REASON: &str = "legal notes included in the copy of the data given to the person (art. 15)";

/// Everything held on person `id` within the caller's districts. With `include_legal`, the
/// `legal` notes too, recorded as a disclosure of its own in the audit trail.
pub async fn subject_access(
    ctx: &Context,
    actor: &Actor,
    now: DateTime<Utc>,
    id: Uuid,
    include_legal: bool,
) -> Result<SubjectAccess> {
    actor.require(Capability::HonourDataRights)?;
    let scope = actor.case_scope()?;
    let reader = actor.clone();
    audited(
        ctx.db(),
        ctx.db().read(move |conn| {
            let person = visible_beneficiary(conn, &scope, id)?;
            let levels: Vec<Confidentiality> = Confidentiality::ALL
                .iter()
                .copied()
                .filter(|level| include_legal || *level != Confidentiality::Legal)
                .collect();
            let mut files = Vec::new();
            let mut shared: Vec<Uuid> = Vec::new();
            for case in cases::of_beneficiary(conn, id)? {
                if !scope.covers(&case.district, case.recorded_by) {
                    continue;
                }
                let file = case_file(conn, CaseRecord { case, person: person.clone() }, &levels)?;
                for (referral, _) in &file.referrals {
                    if referral.sent_at.is_some() && !shared.contains(&referral.to_organization_id) {
                        shared.push(referral.to_organization_id);
                    }
                }
                files.push(file);
            }
            let shared_with = shared.into_iter().map(|org| organizations::find(conn, org)).collect::<Result<_, _>>()?;
            let mut entries = vec![reader.audit(now, AuditAction::SubjectAccess, &person.district, Some(id), None)];
            if include_legal {
                entries.push(reader.audit_because(
                    now,
                    AuditAction::LegalDisclosure,
                    &person.district,
                    (Some(id), None),
                    LEGAL_DISCLOSURE_REASON,
                ));
            }
            let access = SubjectAccess {
                consents: consents::of_beneficiary(conn, id)?,
                access_log: access_log(conn, id)?,
                transfers: persistence::transfers::of_beneficiary(conn, id)?,
                person,
                cases: files,
                shared_with,
                legal_notes_included: include_legal,
                generated_at: now,
            };
            Ok((access, entries))
        }),
    )
    .await
}

fn case_file(conn: &mut DbConnection, record: CaseRecord, levels: &[Confidentiality]) -> Result<CaseFile> {
    let id = record.case.id;
    let mut referrals = Vec::new();
    for referral in referrals::of_case(conn, id)? {
        let events = referrals::events(conn, referral.id)?;
        referrals.push((referral, events));
    }
    Ok(CaseFile {
        events: cases::events(conn, id)?,
        services: services::of_case(conn, id)?,
        referrals,
        legal_procedures: legal::of_case(conn, id)?,
        work_grants: work_grants::of_case(conn, id)?,
        notes: notes::of_case(conn, id, levels)?,
        record,
    })
}

/// Every entry about the person, oldest first, each page of a list naming only them.
fn access_log(conn: &mut DbConnection, id: Uuid) -> Result<Vec<ChainedEntry>> {
    let filter = AuditFilter { beneficiary_id: Some(id), ..AuditFilter::default() };
    let mut entries = Vec::new();
    let mut after = None;
    loop {
        let page = audit_store::list(conn, &filter, &PageRequest { after, limit: 500 })?;
        after = page.items.last().map(|entry| entry.seq);
        entries.extend(page.items.into_iter().map(|stored| seen_by(stored, id)));
        if !page.has_more {
            break;
        }
    }
    entries.reverse();
    Ok(entries)
}
