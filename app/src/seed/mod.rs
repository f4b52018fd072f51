//! `inlav seed`: a small realistic demo for frontend developers (`--demo`), or N synthetic cases
//! for benchmarks (`--synthetic N`), with people, timelines, consents, services, referrals and
//! notes in the proportions of the programme.
//!
//! Cases come from a seeded generator and go through the bulk path of `persistence::seed`
//! (typed rows, multi-row inserts, thousands of cases per transaction); users and organisations
//! go through the ordinary use cases, so passwords are hashed and names checked as always.

mod generator;

use chrono::{DateTime, Timelike, Utc};
use domain::Vocabulary;
use domain::districts::DistrictCode;
use domain::organizations::OrganizationKind;
use domain::users::Role;
use persistence::organizations::NewOrganization;
use persistence::seed::{analyze, case_count, insert_batch, prepare_bulk_connection};
use uuid::Uuid;

use self::generator::{Authors, generate};
pub use self::generator::{Rng, Staff, Written};
use crate::context::Context;
use crate::error::{Error, Result};
use crate::users::{NewAccount, create_account};

/// Cases per transaction.
const CASES_PER_TRANSACTION: usize = 2_000;

/// The network of the Milan programme, used by the demo.
const MILAN_NETWORK: &[(&str, OrganizationKind)] = &[
    ("CeLav - Centro di Mediazione al Lavoro", OrganizationKind::MunicipalService),
    ("Caritas Ambrosiana", OrganizationKind::Ets),
    ("Cooperativa Lotta contro l'Emarginazione", OrganizationKind::AntiTrafficking),
    ("Fondazione Somaschi", OrganizationKind::AntiTrafficking),
    ("Naga - Associazione volontaria di assistenza socio-sanitaria", OrganizationKind::Ets),
    ("CPIA 5 Milano - Centro per l'istruzione degli adulti", OrganizationKind::PublicService),
];

/// A user of the seed, with the password it was given.
pub struct SeedUser {
    pub role: Role,
    pub email: String,
    pub password: String,
    pub districts: Vec<String>,
}

/// Whether the database holds no case yet.
pub async fn is_empty(ctx: &Context) -> Result<bool> {
    Ok(ctx.db().read(case_count).await? == 0)
}

/// Creates (or finds) the organisations of the Milan network.
pub async fn network(ctx: &Context, now: DateTime<Utc>) -> Result<Vec<Uuid>> {
    let milano = DistrictCode::parse("district", "milano")?;
    ctx.db()
        .write(move |conn| {
            let mut ids = Vec::new();
            for (name, kind) in MILAN_NETWORK {
                let id = match persistence::organizations::find_by_name(conn, name)? {
                    Some(found) => found.id,
                    None => {
                        let new = NewOrganization {
                            name: (*name).to_string(),
                            kind: *kind,
                            municipality: Some("Milano".into()),
                            districts: vec![milano.clone()],
                        };
                        persistence::organizations::insert(conn, &new, now)?.id
                    }
                };
                ids.push(id);
            }
            Ok::<_, Error>(ids)
        })
        .await
}

/// Creates a user through the ordinary path (checks, hashing).
async fn user(
    ctx: &Context,
    now: DateTime<Utc>,
    role: Role,
    email: String,
    organization: Uuid,
    districts: Vec<String>,
    password: &str,
) -> Result<(Uuid, SeedUser)> {
    let account = NewAccount {
        email: email.clone(),
        display_name: format!("{} {}", role.label_it(), districts.first().map_or("", String::as_str))
            .trim()
            .to_string(),
        role,
        organization_id: organization,
        districts: districts.clone(),
        password: Some(password.to_string()),
    };
    let (created, _) = create_account(ctx, now, account).await?;
    Ok((created.id, SeedUser { role, email, password: password.to_string(), districts }))
}

/// A coordinator and two case workers in every district (and, for the demo, every other role),
/// named `<role>.<district>@<domain>`, working for `region`.
pub async fn staff(
    ctx: &Context,
    now: DateTime<Utc>,
    region: Uuid,
    domain: &str,
    password: &str,
    partners: Vec<Uuid>,
    every_role: bool,
) -> Result<(Staff, Vec<SeedUser>)> {
    let mut teams = Vec::new();
    let mut users = Vec::new();
    // Milano first: the generator gives it the largest share.
    let mut districts = ctx.known_districts().to_vec();
    districts.sort_by_key(|d| d.as_str() != "milano");
    for district in districts {
        let code = district.as_str().to_string();
        let (coordinator, seed_user) = user(
            ctx,
            now,
            Role::DistrictCoordinator,
            format!("coordinatore.{code}@{domain}"),
            region,
            vec![code.clone()],
            password,
        )
        .await?;
        users.push(seed_user);
        let mut workers = Vec::new();
        for n in 1..=2 {
            let email = format!("operatore{n}.{code}@{domain}");
            let (id, seed_user) = user(ctx, now, Role::CaseWorker, email, region, vec![code.clone()], password).await?;
            workers.push(id);
            users.push(seed_user);
        }
        if every_role && code == "milano" {
            for (role, name) in [(Role::LegalAdvisor, "legale"), (Role::OutreachWorker, "strada")] {
                let email = format!("{name}.{code}@{domain}");
                users.push(user(ctx, now, role, email, region, vec![code.clone()], password).await?.1);
            }
        }
        teams.push((district, coordinator, workers));
    }
    if every_role {
        // The demo's administrator too: the first start creates one only on a database without users.
        for (role, name) in
            [(Role::Admin, "admin"), (Role::RegionalCoordinator, "regione"), (Role::Evaluator, "valutatore")]
        {
            users.push(user(ctx, now, role, format!("{name}@{domain}"), region, Vec::new(), password).await?.1);
        }
        if let Some(partner) = partners.get(1) {
            let email = format!("partner@{domain}");
            users.push(user(ctx, now, Role::Partner, email, *partner, Vec::new(), password).await?.1);
        }
    }
    Ok((Staff { teams, partners }, users))
}

/// Generates and writes `count` cases authored by `staff` on behalf of `region`, logging
/// progress every 100,000, then refreshes the planner's statistics and counts the report's
/// tallies afresh (bulk rows bypass the per-write stale marks).
pub async fn synthetic(
    ctx: &Context,
    staff: Staff,
    region: Uuid,
    count: usize,
    seed: u64,
    now: DateTime<Utc>,
) -> Result<Written> {
    if staff.teams.is_empty() {
        return Err(Error::Internal("no district to seed: the reference data is missing".into()));
    }
    let zone = ctx.zone();
    ctx.db()
        .with_connection(move |conn| {
            let mut rng = Rng::new(seed);
            let now = now.naive_utc().with_nanosecond(0).unwrap_or(now.naive_utc());
            let authors = Authors { staff: &staff, region };
            let mut written = Written::default();
            prepare_bulk_connection(conn)?;
            while written.cases < count {
                let n = CASES_PER_TRANSACTION.min(count - written.cases);
                let batch = generate(&mut rng, &authors, written.cases..written.cases + n, count, now);
                written.rows += insert_batch(conn, &batch)?;
                written.cases += n;
                if written.cases % 100_000 < n {
                    tracing::info!(cases = written.cases, rows = written.rows, "seeding");
                }
            }
            analyze(conn)?;
            tracing::info!("counting the report's tallies");
            persistence::reports::tallies::rebuild(conn, zone)?;
            Ok::<_, Error>(written)
        })
        .await
}
