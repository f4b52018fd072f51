//! Bulk loading for `inlav seed`: generated rows written as multi-row `INSERT … VALUES`
//! statements of literals, a few hundred rows per statement and thousands per transaction.
//!
//! This is the one place that writes SQL text instead of binding parameters. It is safe because
//! every value comes from the generator (fixed lists, numbers, dates), never from a request, and
//! text is still quoted by [`Lit::render`]. It is fast because one statement carries hundreds of
//! rows (one parse, one round trip) and one commit covers thousands.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use domain::Vocabulary;
use domain::beneficiaries::{Gender, PermitKind, name_key_of, search_key_of};
use domain::cases::{CaseStatus, Channel, EventKind, Outcome};
use domain::consents::{ConsentKind, ConsentMethod};
use domain::districts::DistrictCode;
use domain::notes::Confidentiality;
use domain::referrals::ReferralStatus;
use domain::screening::{Contract, Need, Profile};
use domain::services::ServiceCategory;
use domain::users::Role;
use uuid::Uuid;

use crate::db::{DbConnection, write_transaction};
use crate::error::Result;
use crate::schema::cases;

/// A generated person.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeedPerson {
    pub id: Uuid,
    pub district: DistrictCode,
    pub alias: String,
    pub first_name: String,
    pub last_name: String,
    pub gender: Option<Gender>,
    pub birth_year: i32,
    /// `None`: citizenship not known yet.
    pub citizenship: Option<String>,
    pub language: String,
    pub phone: Option<String>,
    pub arrival_year: i32,
    pub permit_kind: Option<PermitKind>,
    pub created_by: Uuid,
    pub created_at: NaiveDateTime,
}

/// A generated case with its needs and its timeline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeedCase {
    pub id: Uuid,
    pub beneficiary_id: Uuid,
    pub district: DistrictCode,
    pub channel: Channel,
    pub intercepted_at: NaiveDateTime,
    pub intercepting_organization_id: Uuid,
    pub recorded_by: Uuid,
    pub status: CaseStatus,
    pub status_since: NaiveDateTime,
    pub taken_in_charge_at: Option<NaiveDateTime>,
    pub profile: Option<Profile>,
    pub work_contract: Option<Contract>,
    pub case_worker_id: Option<Uuid>,
    pub outcome: Option<Outcome>,
    pub closure_summary: Option<String>,
    pub version: i32,
    pub needs: Vec<Need>,
    pub events: Vec<SeedCaseEvent>,
}

/// A transition of a generated case (the first is the interception).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeedCaseEvent {
    pub id: Uuid,
    pub kind: EventKind,
    pub from: Option<CaseStatus>,
    pub to: CaseStatus,
    pub effective_at: NaiveDateTime,
    pub actor_id: Uuid,
    pub actor_role: Role,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeedConsent {
    pub id: Uuid,
    pub beneficiary_id: Uuid,
    pub kind: ConsentKind,
    pub granted: bool,
    pub given_on: NaiveDate,
    pub method: ConsentMethod,
    pub language: String,
    pub recorded_by: Uuid,
    pub recorded_at: NaiveDateTime,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeedService {
    pub id: Uuid,
    pub case_id: Uuid,
    pub category: ServiceCategory,
    pub delivered_on: NaiveDate,
    pub duration_minutes: i32,
    pub delivered_by: Uuid,
    pub operator_id: Uuid,
    pub recorded_by: Uuid,
    pub recorded_by_role: Role,
    pub recorded_at: NaiveDateTime,
}

/// A generated referral with its steps.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeedReferral {
    pub id: Uuid,
    pub case_id: Uuid,
    pub district: DistrictCode,
    pub to_organization_id: Uuid,
    pub category: ServiceCategory,
    pub reason: String,
    pub status: ReferralStatus,
    pub created_by: Uuid,
    pub created_at: NaiveDateTime,
    pub sent_at: Option<NaiveDateTime>,
    pub events: Vec<SeedReferralEvent>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeedReferralEvent {
    pub id: Uuid,
    pub from: Option<ReferralStatus>,
    pub to: ReferralStatus,
    pub actor_id: Uuid,
    pub actor_role: Role,
    pub actor_organization_id: Uuid,
    pub at: NaiveDateTime,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeedNote {
    pub id: Uuid,
    pub case_id: Uuid,
    pub body: String,
    pub confidentiality: Confidentiality,
    pub author_id: Uuid,
    pub author_role: Role,
    pub created_at: NaiveDateTime,
}

/// What one transaction of the seed writes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SeedBatch {
    pub people: Vec<SeedPerson>,
    pub cases: Vec<SeedCase>,
    pub consents: Vec<SeedConsent>,
    pub services: Vec<SeedService>,
    pub referrals: Vec<SeedReferral>,
    pub notes: Vec<SeedNote>,
}

impl From<Uuid> for Lit {
    fn from(id: Uuid) -> Lit {
        Lit::Text(id.to_string())
    }
}

impl From<&DistrictCode> for Lit {
    fn from(code: &DistrictCode) -> Lit {
        Lit::Text(code.as_str().to_string())
    }
}

/// A vocabulary member as its stored code.
fn code<V: Vocabulary>(value: V) -> Lit {
    Lit::Text(value.code().to_string())
}

const PERSON_COLUMNS: &[&str] = &[
    "id",
    "district_code",
    "alias",
    "first_name",
    "last_name",
    "search_key",
    "name_key",
    "gender",
    "birth_year",
    "citizenships_known",
    "phone",
    "municipality",
    "arrival_year",
    "permit_kind",
    "created_by",
    "version",
    "created_at",
    "updated_at",
];
const CASE_COLUMNS: &[&str] = &[
    "id",
    "beneficiary_id",
    "district_code",
    "channel",
    "intercepted_at",
    "intercepting_organization_id",
    "recorded_by",
    "status",
    "status_since",
    "taken_in_charge_at",
    "profile",
    "work_contract",
    "case_worker_id",
    "outcome",
    "closure_summary",
    "version",
    "created_at",
    "updated_at",
];
const EVENT_COLUMNS: &[&str] =
    &["id", "case_id", "kind", "from_status", "to_status", "effective_at", "actor_id", "actor_role", "recorded_at"];
const CONSENT_COLUMNS: &[&str] =
    &["id", "beneficiary_id", "kind", "granted", "given_on", "method", "language", "recorded_by", "recorded_at"];
const SERVICE_COLUMNS: &[&str] = &[
    "id",
    "case_id",
    "category",
    "delivered_on",
    "duration_minutes",
    "delivered_by",
    "operator_id",
    "recorded_by",
    "recorded_by_role",
    "recorded_at",
    "version",
    "updated_at",
];
const REFERRAL_COLUMNS: &[&str] = &[
    "id",
    "case_id",
    "district_code",
    "to_organization_id",
    "category",
    "reason",
    "joint_intake",
    "status",
    "created_by",
    "created_at",
    "sent_at",
    "version",
    "updated_at",
];
const REFERRAL_EVENT_COLUMNS: &[&str] =
    &["id", "referral_id", "from_status", "to_status", "actor_id", "actor_role", "actor_organization_id", "at"];
const NOTE_COLUMNS: &[&str] = &["id", "case_id", "body", "confidentiality", "author_id", "author_role", "created_at"];

/// The batch as rows of each table, parents first.
fn rows_of(batch: &SeedBatch) -> Vec<Rows> {
    let mut people = Rows::new("beneficiaries", PERSON_COLUMNS);
    let mut citizenships = Rows::new("beneficiary_citizenships", &["beneficiary_id", "country"]);
    let mut languages = Rows::new("beneficiary_languages", &["beneficiary_id", "language"]);
    for p in &batch.people {
        people.push(vec![
            p.id.into(),
            (&p.district).into(),
            p.alias.clone().into(),
            p.first_name.clone().into(),
            p.last_name.clone().into(),
            search_key_of(&p.alias, Some(&p.first_name), Some(&p.last_name)).into(),
            name_key_of(&p.first_name, &p.last_name).into(),
            p.gender.map(code).unwrap_or(Lit::Null),
            p.birth_year.into(),
            p.citizenship.is_some().into(),
            p.phone.clone().into(),
            Lit::Null,
            p.arrival_year.into(),
            p.permit_kind.map(code).unwrap_or(Lit::Null),
            p.created_by.into(),
            Lit::Int(1),
            Lit::Time(p.created_at),
            Lit::Time(p.created_at),
        ]);
        if let Some(country) = &p.citizenship {
            citizenships.push(vec![p.id.into(), country.clone().into()]);
        }
        languages.push(vec![p.id.into(), p.language.clone().into()]);
    }
    let mut cases = Rows::new("cases", CASE_COLUMNS);
    let mut needs = Rows::new("case_needs", &["case_id", "need"]);
    let mut events = Rows::new("case_events", EVENT_COLUMNS);
    for c in &batch.cases {
        cases.push(vec![
            c.id.into(),
            c.beneficiary_id.into(),
            (&c.district).into(),
            code(c.channel),
            Lit::Time(c.intercepted_at),
            c.intercepting_organization_id.into(),
            c.recorded_by.into(),
            code(c.status),
            Lit::Time(c.status_since),
            c.taken_in_charge_at.into(),
            c.profile.map(code).unwrap_or(Lit::Null),
            c.work_contract.map(code).unwrap_or(Lit::Null),
            c.case_worker_id.map(Lit::from).unwrap_or(Lit::Null),
            c.outcome.map(code).unwrap_or(Lit::Null),
            c.closure_summary.clone().into(),
            c.version.into(),
            Lit::Time(c.intercepted_at),
            Lit::Time(c.status_since),
        ]);
        for need in &c.needs {
            needs.push(vec![c.id.into(), code(*need)]);
        }
        for e in &c.events {
            events.push(vec![
                e.id.into(),
                c.id.into(),
                code(e.kind),
                e.from.map(code).unwrap_or(Lit::Null),
                code(e.to),
                Lit::Time(e.effective_at),
                e.actor_id.into(),
                code(e.actor_role),
                Lit::Time(e.effective_at),
            ]);
        }
    }
    let mut consents = Rows::new("consents", CONSENT_COLUMNS);
    for c in &batch.consents {
        consents.push(vec![
            c.id.into(),
            c.beneficiary_id.into(),
            code(c.kind),
            c.granted.into(),
            c.given_on.into(),
            code(c.method),
            c.language.clone().into(),
            c.recorded_by.into(),
            Lit::Time(c.recorded_at),
        ]);
    }
    let mut services = Rows::new("service_deliveries", SERVICE_COLUMNS);
    for s in &batch.services {
        services.push(vec![
            s.id.into(),
            s.case_id.into(),
            code(s.category),
            s.delivered_on.into(),
            s.duration_minutes.into(),
            s.delivered_by.into(),
            s.operator_id.into(),
            s.recorded_by.into(),
            code(s.recorded_by_role),
            Lit::Time(s.recorded_at),
            Lit::Int(1),
            Lit::Time(s.recorded_at),
        ]);
    }
    let mut referrals = Rows::new("referrals", REFERRAL_COLUMNS);
    let mut referral_events = Rows::new("referral_events", REFERRAL_EVENT_COLUMNS);
    for r in &batch.referrals {
        referrals.push(vec![
            r.id.into(),
            r.case_id.into(),
            (&r.district).into(),
            r.to_organization_id.into(),
            code(r.category),
            r.reason.clone().into(),
            false.into(),
            code(r.status),
            r.created_by.into(),
            Lit::Time(r.created_at),
            r.sent_at.into(),
            Lit::Int(r.events.len() as i64),
            Lit::Time(r.created_at),
        ]);
        for e in &r.events {
            referral_events.push(vec![
                e.id.into(),
                r.id.into(),
                e.from.map(code).unwrap_or(Lit::Null),
                code(e.to),
                e.actor_id.into(),
                code(e.actor_role),
                e.actor_organization_id.into(),
                Lit::Time(e.at),
            ]);
        }
    }
    let mut notes = Rows::new("case_notes", NOTE_COLUMNS);
    for n in &batch.notes {
        notes.push(vec![
            n.id.into(),
            n.case_id.into(),
            n.body.clone().into(),
            code(n.confidentiality),
            n.author_id.into(),
            code(n.author_role),
            Lit::Time(n.created_at),
        ]);
    }
    vec![people, citizenships, languages, cases, needs, events, consents, services, referrals, referral_events, notes]
}

/// Writes a batch in one transaction; answers how many rows it wrote.
pub fn insert_batch(conn: &mut DbConnection, batch: &SeedBatch) -> Result<usize> {
    let tables = rows_of(batch);
    write_transaction(conn, |conn| insert_rows(conn, &tables))?;
    Ok(tables.iter().map(|t| t.rows.len()).sum())
}

/// A literal value of a generated row.
#[derive(Debug, Clone, PartialEq)]
enum Lit {
    Text(String),
    Int(i64),
    Bool(bool),
    Date(NaiveDate),
    Time(NaiveDateTime),
    Null,
}

impl Lit {
    /// The value as SQL both backends read the same way as diesel's own bindings: dates as
    /// `YYYY-MM-DD`, timestamps as `YYYY-MM-DD HH:MM:SS[.ffffff]`, booleans as TRUE/FALSE
    /// (SQLite stores them as 1 and 0).
    fn render(&self, out: &mut String) {
        match self {
            Lit::Text(text) => {
                out.push('\'');
                for c in text.chars().filter(|c| *c != '\0') {
                    if c == '\'' {
                        out.push('\'');
                    }
                    out.push(c);
                }
                out.push('\'');
            }
            Lit::Int(n) => out.push_str(&n.to_string()),
            Lit::Bool(true) => out.push_str("TRUE"),
            Lit::Bool(false) => out.push_str("FALSE"),
            Lit::Date(day) => out.push_str(&format!("'{}'", day.format("%Y-%m-%d"))),
            Lit::Time(at) => out.push_str(&format!("'{}'", at.format("%Y-%m-%d %H:%M:%S%.f"))),
            Lit::Null => out.push_str("NULL"),
        }
    }
}

impl From<&str> for Lit {
    fn from(text: &str) -> Lit {
        Lit::Text(text.to_string())
    }
}

impl From<String> for Lit {
    fn from(text: String) -> Lit {
        Lit::Text(text)
    }
}

impl<T: Into<Lit>> From<Option<T>> for Lit {
    fn from(value: Option<T>) -> Lit {
        value.map_or(Lit::Null, Into::into)
    }
}

impl From<i64> for Lit {
    fn from(n: i64) -> Lit {
        Lit::Int(n)
    }
}

impl From<i32> for Lit {
    fn from(n: i32) -> Lit {
        Lit::Int(i64::from(n))
    }
}

impl From<bool> for Lit {
    fn from(b: bool) -> Lit {
        Lit::Bool(b)
    }
}

impl From<NaiveDate> for Lit {
    fn from(day: NaiveDate) -> Lit {
        Lit::Date(day)
    }
}

impl From<NaiveDateTime> for Lit {
    fn from(at: NaiveDateTime) -> Lit {
        Lit::Time(at)
    }
}

/// Rows of one table, in the order of `columns`.
#[derive(Debug, Clone)]
struct Rows {
    table: &'static str,
    columns: &'static [&'static str],
    rows: Vec<Vec<Lit>>,
}

impl Rows {
    fn new(table: &'static str, columns: &'static [&'static str]) -> Rows {
        Rows { table, columns, rows: Vec::new() }
    }

    fn push(&mut self, row: Vec<Lit>) {
        debug_assert_eq!(row.len(), self.columns.len(), "{}", self.table);
        self.rows.push(row);
    }
}

/// Rows per statement: well under SQLite's and PostgreSQL's statement limits, large enough
/// that parsing and round trips stop mattering.
const ROWS_PER_STATEMENT: usize = 400;

/// Writes the tables in the order given (parents first), inside the caller's transaction.
fn insert_rows(conn: &mut DbConnection, tables: &[Rows]) -> Result<()> {
    for table in tables {
        for chunk in table.rows.chunks(ROWS_PER_STATEMENT) {
            let mut sql = format!("INSERT INTO {} ({}) VALUES ", table.table, table.columns.join(", "));
            for (i, row) in chunk.iter().enumerate() {
                sql.push_str(if i == 0 { "(" } else { ", (" });
                for (j, value) in row.iter().enumerate() {
                    if j > 0 {
                        sql.push_str(", ");
                    }
                    value.render(&mut sql);
                }
                sql.push(')');
            }
            conn.batch_execute(&sql)?;
        }
    }
    Ok(())
}

/// Settings of the seeding connection: on SQLite a page cache of 256 MiB, so index pages stay in
/// memory while millions of rows go in (the connection is dropped with the command).
pub fn prepare_bulk_connection(conn: &mut DbConnection) -> Result<()> {
    if let DbConnection::Sqlite(_) = conn {
        conn.batch_execute("PRAGMA cache_size = -262144;")?;
    }
    Ok(())
}

/// Refreshes the planner's statistics after a bulk load: without them PostgreSQL plans the
/// case list as if a district held a few rows and sorts hundreds of thousands. On SQLite an
/// approximate ANALYZE (1,000 rows per index) keeps this quick on a large file.
pub fn analyze(conn: &mut DbConnection) -> Result<()> {
    match conn {
        DbConnection::Sqlite(_) => conn.batch_execute("PRAGMA analysis_limit = 1000; ANALYZE;")?,
        DbConnection::Postgresql(_) => conn.batch_execute("ANALYZE;")?,
    }
    Ok(())
}

/// How many cases the database holds (seeding `--demo` wants none).
pub fn case_count(conn: &mut DbConnection) -> Result<i64> {
    Ok(cases::table.count().get_result(conn)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literals_are_quoted_and_formatted_as_diesel_stores_them() {
        let mut out = String::new();
        for value in [
            Lit::from("l'amico"),
            Lit::from(Some(3_i32)),
            Lit::from(None::<String>),
            Lit::from(true),
            Lit::from(NaiveDate::from_ymd_opt(2026, 3, 2).unwrap()),
            Lit::from(NaiveDate::from_ymd_opt(2026, 3, 2).unwrap().and_hms_opt(9, 5, 0).unwrap()),
        ] {
            value.render(&mut out);
            out.push('|');
        }
        assert_eq!(out, "'l''amico'|3|NULL|TRUE|'2026-03-02'|'2026-03-02 09:05:00'|");
    }
}
