//! Erasure in storage: the free texts of a person's records blanked, the stored answers that
//! name them removed, the reasons of the audit entries about them erased (their digests stay,
//! so the chain verifies), and the old versions of the rows left nowhere in the files.
//! What is blanked is the domain's decision (`domain::erasure`); which columns hold free text
//! is storage's knowledge, kept here in one place.

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use domain::districts::DistrictCode;
use domain::erasure::ERASED_TEXT;
use uuid::Uuid;

use crate::db::{DbConnection, from_db_time, to_db_time};
use crate::error::{Result, decode_id};
use crate::schema::{
    audit_events, beneficiaries, case_events, case_notes, cases, consents, districts, duplicate_matches,
    emergency_accesses, idempotency_keys, legal_procedures, referral_events, referrals, service_deliveries, transfers,
    work_grants,
};

/// Blanks every free text of the person's records and of their cases: required texts become
/// [`ERASED_TEXT`], optional ones empty. Call it in the erasure's transaction.
pub fn erase_free_texts(conn: &mut DbConnection, beneficiary_id: Uuid, case_ids: &[Uuid]) -> Result<()> {
    let person = beneficiary_id.to_string();
    let cases: Vec<String> = case_ids.iter().map(Uuid::to_string).collect();
    let erased = Some(ERASED_TEXT);
    let none: Option<&str> = None;
    diesel::update(consents::table.filter(consents::beneficiary_id.eq(&person)))
        .set(consents::withdrawal_reason.eq(none))
        .execute(conn)?;
    let of_cases = || cases::table.filter(cases::id.eq_any(&cases));
    diesel::update(of_cases()).set(cases::employer_name.eq(none)).execute(conn)?;
    // Texts a stored decision needs to be read back: kept present, their content erased.
    diesel::update(of_cases().filter(cases::override_reason.is_not_null()))
        .set(cases::override_reason.eq(erased))
        .execute(conn)?;
    diesel::update(of_cases().filter(cases::closure_summary.is_not_null()))
        .set(cases::closure_summary.eq(erased))
        .execute(conn)?;
    diesel::update(of_cases().filter(cases::closure_request_summary.is_not_null()))
        .set(cases::closure_request_summary.eq(erased))
        .execute(conn)?;
    diesel::update(of_cases().filter(cases::closure_request_reason.is_not_null()))
        .set(cases::closure_request_reason.eq(erased))
        .execute(conn)?;
    diesel::update(case_events::table.filter(case_events::case_id.eq_any(&cases)))
        .set(case_events::reason.eq(none))
        .execute(conn)?;
    diesel::update(case_notes::table.filter(case_notes::case_id.eq_any(&cases)))
        .set(case_notes::body.eq(ERASED_TEXT))
        .execute(conn)?;
    diesel::update(service_deliveries::table.filter(service_deliveries::case_id.eq_any(&cases)))
        .set(service_deliveries::notes.eq(none))
        .execute(conn)?;
    diesel::update(legal_procedures::table.filter(legal_procedures::case_id.eq_any(&cases)))
        .set(legal_procedures::notes.eq(none))
        .execute(conn)?;
    diesel::update(work_grants::table.filter(work_grants::case_id.eq_any(&cases)))
        .set(work_grants::host_employer.eq(ERASED_TEXT))
        .execute(conn)?;
    let referral_ids: Vec<String> =
        referrals::table.filter(referrals::case_id.eq_any(&cases)).select(referrals::id).load(conn)?;
    diesel::update(referrals::table.filter(referrals::id.eq_any(&referral_ids)))
        .set(referrals::reason.eq(ERASED_TEXT))
        .execute(conn)?;
    diesel::update(
        referrals::table
            .filter(referrals::id.eq_any(&referral_ids))
            .filter(referrals::consent_override_reason.is_not_null()),
    )
    .set(referrals::consent_override_reason.eq(erased))
    .execute(conn)?;
    diesel::update(referral_events::table.filter(referral_events::referral_id.eq_any(&referral_ids)))
        .set(referral_events::reason.eq(none))
        .execute(conn)?;
    // Transfers and emergency accesses: their reasons may name the person.
    diesel::update(transfers::table.filter(transfers::beneficiary_id.eq(&person)))
        .set((transfers::reason.eq(ERASED_TEXT), transfers::decision_note.eq(none)))
        .execute(conn)?;
    diesel::update(emergency_accesses::table.filter(emergency_accesses::beneficiary_id.eq(&person)))
        .set(emergency_accesses::reason.eq(ERASED_TEXT))
        .execute(conn)?;
    diesel::delete(duplicate_matches::table.filter(duplicate_matches::beneficiary_id.eq(&person))).execute(conn)?;
    // Stored answers of retried writes: those about the person hold their data.
    for id in std::iter::once(&person).chain(&cases) {
        diesel::delete(idempotency_keys::table.filter(idempotency_keys::body.like(format!("%{id}%")))).execute(conn)?;
    }
    // The reasons of the entries about them; each entry keeps its reason's digest.
    let about = audit_events::beneficiary_id.eq(&person).or(audit_events::case_id.eq_any(&cases));
    diesel::update(audit_events::table.filter(about).filter(audit_events::reason_text.is_not_null()))
        .set((audit_events::reason_text.eq(none), audit_events::reason_salt.eq(none)))
        .execute(conn)?;
    Ok(())
}

/// Records when the person was erased.
pub fn mark_erased(conn: &mut DbConnection, beneficiary_id: Uuid, at: DateTime<Utc>) -> Result<()> {
    diesel::update(beneficiaries::table.find(beneficiary_id.to_string()))
        .set(beneficiaries::erased_at.eq(Some(to_db_time(at))))
        .execute(conn)?;
    Ok(())
}

/// When the person was erased, if they were.
pub fn erased_at(conn: &mut DbConnection, beneficiary_id: Uuid) -> Result<Option<DateTime<Utc>>> {
    let at: Option<NaiveDateTime> = beneficiaries::table
        .find(beneficiary_id.to_string())
        .select(beneficiaries::erased_at)
        .first(conn)
        .optional()?
        .flatten();
    Ok(at.map(from_db_time))
}

/// What retention needs to know of a person not yet erased.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetentionFacts {
    pub beneficiary_id: Uuid,
    pub district: DistrictCode,
    pub retention_years: i32,
    pub registered_at: DateTime<Utc>,
    pub any_open_case: bool,
    /// When their last closed case closed.
    pub last_closed_at: Option<DateTime<Utc>>,
}

/// The facts of every person not yet erased, for the retention pass to judge.
pub fn retention_facts(conn: &mut DbConnection) -> Result<Vec<RetentionFacts>> {
    let people: Vec<(String, String, NaiveDateTime, i32)> = beneficiaries::table
        .inner_join(districts::table.on(districts::code.eq(beneficiaries::district_code)))
        .filter(beneficiaries::erased_at.is_null())
        .select((
            beneficiaries::id,
            beneficiaries::district_code,
            beneficiaries::created_at,
            districts::retention_years,
        ))
        .load(conn)?;
    let case_rows: Vec<(String, String, NaiveDateTime)> = cases::table
        .inner_join(beneficiaries::table.on(beneficiaries::id.eq(cases::beneficiary_id)))
        .filter(beneficiaries::erased_at.is_null())
        .select((cases::beneficiary_id, cases::status, cases::status_since))
        .load(conn)?;
    let mut by_person: std::collections::HashMap<String, (bool, Option<NaiveDateTime>)> = Default::default();
    for (person, status, since) in case_rows {
        let facts = by_person.entry(person).or_default();
        if status == "closed" {
            facts.1 = facts.1.max(Some(since));
        } else {
            facts.0 = true;
        }
    }
    people
        .into_iter()
        .map(|(id, district, registered_at, retention_years)| {
            let (any_open_case, last_closed) = by_person.get(&id).copied().unwrap_or_default();
            Ok(RetentionFacts {
                beneficiary_id: decode_id(&id)?,
                district: DistrictCode::from_trusted(district),
                retention_years,
                registered_at: from_db_time(registered_at),
                any_open_case,
                last_closed_at: last_closed.map(from_db_time),
            })
        })
        .collect()
}

/// Leaves no old version of erased rows in the database's files. On SQLite, `secure_delete` (set
/// on every connection) zeroes the space freed by the change, and the write-ahead log that holds
/// the pages as they were is checkpointed into the database and truncated; on PostgreSQL the
/// tables' dead row versions are vacuumed. Run it after the erasure committed, outside any
/// transaction. Answers whether it went through: a reader holding an old snapshot of SQLite
/// keeps its pages in the log until it ends, and the next erasure or retention pass retries.
pub fn leave_no_trace(conn: &mut DbConnection) -> Result<bool> {
    match conn {
        DbConnection::Sqlite(sqlite) => {
            #[derive(QueryableByName)]
            struct Checkpoint {
                #[diesel(sql_type = diesel::sql_types::Integer)]
                busy: i32,
            }
            let result: Checkpoint = diesel::sql_query("PRAGMA wal_checkpoint(TRUNCATE)").get_result(sqlite)?;
            Ok(result.busy == 0)
        }
        DbConnection::Postgresql(pg) => {
            pg.batch_execute(
                "VACUUM beneficiaries, consents, cases, case_events, case_notes, service_deliveries, \
                 legal_procedures, work_grants, referrals, referral_events, idempotency_keys, audit_events",
            )?;
            Ok(true)
        }
    }
}

/// The key of the PostgreSQL advisory lock of the retention pass ("inlav-retention" in ASCII,
/// truncated to eight bytes).
const RETENTION_LOCK: i64 = 0x696e_6c61_762d_7265;

/// Runs `pass` unless another instance of the service is running it: on PostgreSQL under a
/// session advisory lock taken without waiting (`None` when another holds it); on SQLite, whose
/// file one host serves, at once.
pub fn alone<T, E>(
    conn: &mut DbConnection,
    pass: impl FnOnce(&mut DbConnection) -> std::result::Result<T, E>,
) -> std::result::Result<Option<T>, E>
where
    E: From<crate::Error>,
{
    #[derive(QueryableByName)]
    struct Locked {
        #[diesel(sql_type = diesel::sql_types::Bool)]
        locked: bool,
    }
    let DbConnection::Postgresql(pg) = conn else { return pass(conn).map(Some) };
    let taken: Locked = diesel::sql_query("SELECT pg_try_advisory_lock($1) AS locked")
        .bind::<diesel::sql_types::BigInt, _>(RETENTION_LOCK)
        .get_result(pg)
        .map_err(crate::Error::from)?;
    if !taken.locked {
        return Ok(None);
    }
    let outcome = pass(conn);
    if let DbConnection::Postgresql(pg) = conn {
        diesel::sql_query("SELECT pg_advisory_unlock($1) AS locked")
            .bind::<diesel::sql_types::BigInt, _>(RETENTION_LOCK)
            .get_result::<Locked>(pg)
            .map_err(crate::Error::from)?;
    }
    outcome.map(Some)
}
