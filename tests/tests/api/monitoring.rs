//! Monitoring and evaluation: activities, pacts, targets, the indicators report checked against
//! a count made here over the generated people, suppression, and the research export.

use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde_json::{Value, json};

use crate::support::{REGION_ID, Session, Team, TestApp, run_cli, start_time};

fn at(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text).expect("instant").with_timezone(&Utc)
}

fn day(text: &str) -> NaiveDate {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").expect("day")
}

/// The calendar day of an instant in Milan: the programme's days.
fn rome(at: DateTime<Utc>) -> NaiveDate {
    at.with_timezone(&chrono_tz::Europe::Rome).date_naive()
}

/// One generated person and everything recorded about them, as this test knows it.
#[derive(Debug, Clone)]
struct Person {
    district: &'static str,
    first_name: String,
    last_name: String,
    phone: String,
    codice_fiscale: String,
    birth_date: NaiveDate,
    gender: Option<&'static str>,
    countries: Option<Vec<&'static str>>,
    channel: &'static str,
    intercepted_at: DateTime<Utc>,
    minor: bool,
    profile: Option<&'static str>,
    needs: Vec<&'static str>,
    taken_at: Option<DateTime<Utc>>,
    closed: Option<(DateTime<Utc>, &'static str)>,
    /// The closed case taken in charge again.
    reopened_at: Option<DateTime<Utc>>,
    /// The person intercepted again: a second case, plain (no needs, no profile).
    again: Option<DateTime<Utc>>,
    services: Vec<(&'static str, NaiveDate)>,
    referral: bool,
    legal: bool,
    research_refused: bool,
}

const CHANNELS: [&str; 7] = [
    "street_outreach",
    "anti_trafficking_desk",
    "formal_antenna",
    "awareness_event",
    "service_referral",
    "self_referral",
    "word_of_mouth",
];
const FIRST_NAMES: [&str; 8] = ["Amina", "Youssef", "Bilal", "Moussa", "Fatou", "Karim", "Omar", "Said"];
const LAST_NAMES: [&str; 5] = ["Diallo", "Benali", "Hussain", "Traore", "Haddad"];

/// A valid codice fiscale for a foreign-born person: the check character is found by trying.
fn codice_fiscale(i: usize) -> String {
    let prefix = format!("XQZ{}{:02}A{:02}Z{:03}", ["KWJ", "JWK", "WKJ"][i % 3], 80 + i % 20, 1 + i % 28, 300 + i);
    ('A'..='Z')
        .map(|c| format!("{prefix}{c}"))
        .find(|code| domain::beneficiaries::parse_codice_fiscale("cf", code).is_ok())
        .expect("a check character")
}

/// Forty people over two districts, with edges of the report's range on purpose.
fn generate() -> Vec<Person> {
    let now = start_time();
    (0..40)
        .map(|i| {
            let district = if i % 3 == 0 { "bergamo" } else { "milano" };
            let gender = [
                Some("male"),
                Some("male"),
                Some("male"),
                Some("female"),
                Some("non_binary"),
                None,
                Some("male"),
                Some("undisclosed"),
            ][i % 8];
            let countries = match (i, i % 7) {
                (13, _) => Some(vec!["ER"]),
                (_, 0..=2) => Some(vec!["MA"]),
                (_, 3) => Some(vec!["PK"]),
                (_, 4) => Some(vec!["SN", "MA"]),
                (_, 5) => Some(vec![]),
                _ => None,
            };
            // Edges of the ranges at Milan's midnight (UTC+1 in winter), and one interception
            // on the 14th in UTC that is the 15th in Milan.
            let intercepted_at = match i {
                0 => at("2026-01-14T22:59:59Z"),
                1 => at("2026-01-14T23:00:00Z"),
                2 => at("2026-02-15T22:59:59Z"),
                3 => at("2026-02-15T23:00:00Z"),
                4 => at("2026-01-14T23:30:00Z"),
                7 | 8 => at("2026-02-01T10:00:00Z"),
                _ => at("2026-01-01T10:00:00Z") + Duration::days(((i * 37) % 59) as i64),
            };
            let minor = i % 10 == 9;
            let birth_date = if minor {
                intercepted_at.date_naive() - Duration::days(16 * 365)
            } else {
                day(&format!("{}-{:02}-{:02}", 1980 + i % 25, 1 + i % 12, 1 + i % 28))
            };
            let eligible = countries.as_ref().is_some_and(|c| !c.is_empty()) && !minor && i % 5 != 4;
            let taken_at = match i {
                7 => Some(at("2026-02-15T22:59:59Z")),
                8 => Some(at("2026-02-15T23:00:00Z")),
                _ if eligible => {
                    Some(intercepted_at + Duration::days((i % 11) as i64) + Duration::hours(1)).filter(|t| *t < now)
                }
                _ => None,
            }
            .filter(|_| eligible);
            let closed = taken_at
                .filter(|_| i % 6 == 0)
                .map(|t| (t + Duration::days(2), ["regular_employment", "lost_contact", "declined"][(i / 6) % 3]))
                .filter(|(t, _)| *t < now);
            let reopened_at = closed.filter(|_| i % 12 == 0).map(|(t, _)| t + Duration::days(3)).filter(|t| *t < now);
            // Intercepted again: later (a new case in or after the range), or, for one person,
            // recorded afterwards with an earlier date (first contacted before every range).
            let again = match i {
                21 => Some(intercepted_at - Duration::days(45)),
                _ if i % 10 == 1 => Some(intercepted_at + Duration::days(20)).filter(|t| *t < now),
                _ => None,
            };
            let mut needs = Vec::new();
            if taken_at.is_some() {
                needs.push("job_placement");
                if i % 2 == 0 {
                    needs.push("housing");
                }
                if i % 3 == 0 {
                    needs.push("documents");
                }
            } else if i % 4 == 0 {
                needs.push("italian_language");
            }
            let mut services = Vec::new();
            let next_day = intercepted_at.date_naive() + Duration::days(1);
            if i % 2 == 1 && next_day <= now.date_naive() {
                services.push(("orientation_work", next_day));
            }
            if let Some(taken) = taken_at {
                services.push(("prevention_irregular_work", taken.date_naive()));
            }
            Person {
                district,
                first_name: format!("{}{}", FIRST_NAMES[i % 8], ["", "a", "o", "e", "i"][i / 8]),
                last_name: LAST_NAMES[i % 5].to_string(),
                phone: format!("+39 347 55{:05}", 100 + i * 7),
                codice_fiscale: codice_fiscale(i),
                birth_date,
                gender,
                countries,
                channel: CHANNELS[i % 7],
                intercepted_at,
                minor,
                profile: taken_at.map(|_| ["grey_work", "recent_arrival", "exploitation_victim"][i % 3]),
                needs,
                taken_at,
                closed,
                reopened_at,
                again,
                services,
                referral: taken_at.is_some() && i % 4 == 1,
                legal: i % 9 == 2,
                research_refused: i % 8 == 3,
            }
        })
        .collect()
}

struct World {
    team: Team,
    /// A coordinator of both districts: exact figures.
    coordinator: Session,
    people: Vec<Person>,
    case_ids: Vec<String>,
    beneficiary_ids: Vec<String>,
}

async fn ok(reply: crate::support::Reply, status: u16) -> Value {
    assert_eq!(reply.status, status, "{}", reply.body);
    reply.body
}

/// Records the generated people through the API, as a PUA team would.
async fn seed(app: &TestApp) -> World {
    let team = app.team().await;
    let coordinator = app.user("district_coordinator", REGION_ID, &["milano", "bergamo"]).await;
    let bergamo_legal = app.user("legal_advisor", REGION_ID, &["bergamo"]).await;
    let partner_org = app.organization("Cooperativa Rete Lavoro", "ets", &["milano", "bergamo"]).await;
    // A first report counts the (empty) tallies in full: everything below is then counted
    // through the stale days each write records, which is what the checks exercise.
    ok(app.get("/api/v1/reports/indicators").token(&team.regional.access_token).send().await, 200).await;
    let people = generate();
    let (mut case_ids, mut beneficiary_ids) = (Vec::new(), Vec::new());
    for person in &people {
        let (worker, legal) = match person.district {
            "milano" => (&team.case_worker, &team.legal_advisor),
            _ => (&team.bergamo_case_worker, &bergamo_legal),
        };
        let token = worker.access_token.as_str();
        let mut beneficiary = json!({
            "alias": format!("{} {}", person.first_name, person.last_name),
            "first_name": person.first_name, "last_name": person.last_name,
            "birth_date": person.birth_date, "phone": person.phone, "codice_fiscale": person.codice_fiscale,
            "gender": person.gender, "confirm_new": true,
        });
        if let Some(countries) = &person.countries {
            beneficiary["citizenships"] = json!(countries);
        }
        if person.taken_at.is_some() {
            beneficiary["permit"] = json!({"kind": "art18ter"});
        }
        let case = ok(
            app.post("/api/v1/cases")
                .token(token)
                .json(&json!({"beneficiary": beneficiary, "district": person.district, "channel": person.channel, "intercepted_at": person.intercepted_at}))
                .send()
                .await,
            201,
        )
        .await;
        let id = case["id"].as_str().expect("case id").to_string();
        let beneficiary_id = case["beneficiary"]["id"].as_str().expect("beneficiary id").to_string();
        let path = format!("/api/v1/cases/{id}");
        let consents = format!("/api/v1/beneficiaries/{beneficiary_id}/consents");
        let intercepted_on = person.intercepted_at.date_naive();
        if person.research_refused {
            let body = json!({"kind": "research_use", "granted": false, "given_on": intercepted_on, "method": "oral", "language": "it"});
            ok(app.post(&consents).token(token).json(&body).send().await, 201).await;
        }
        let mut version = 1;
        if !person.needs.is_empty() {
            let mut changes = json!({"needs": person.needs});
            if person.taken_at.is_some() {
                changes["work"] = json!({"contract": "irregular"});
                changes["case_worker_id"] = json!(worker.id);
                changes["profile"] = json!(person.profile);
            }
            ok(app.patch(&path).token(token).if_match(version).json(&changes).send().await, 200).await;
            version += 1;
        }
        if let Some(taken_at) = person.taken_at {
            let body =
                json!({"kind": "privacy_notice", "given_on": intercepted_on, "method": "written", "language": "it"});
            ok(app.post(&consents).token(token).json(&body).send().await, 201).await;
            let mut steps = vec![
                json!({"to": "screening", "effective_at": person.intercepted_at + Duration::minutes(30)}),
                json!({"to": "taken_in_charge", "effective_at": taken_at}),
            ];
            if let Some((closed_at, outcome)) = person.closed {
                steps.push(json!({"to": "closed", "effective_at": closed_at, "outcome": outcome, "summary": "Percorso concluso"}));
            }
            for step in steps {
                let reply =
                    app.post(&format!("{path}/transitions")).token(token).if_match(version).json(&step).send().await;
                ok(reply, 200).await;
                version += 1;
            }
        }
        if let Some(reopened_at) = person.reopened_at {
            let body = json!({"to": "taken_in_charge", "effective_at": reopened_at, "reason": "Ricontattato"});
            let reply = app
                .post(&format!("{path}/transitions"))
                .token(&coordinator.access_token)
                .if_match(version)
                .json(&body)
                .send()
                .await;
            ok(reply, 200).await;
        }
        if let Some(again) = person.again {
            let body = json!({"beneficiary_id": beneficiary_id, "district": person.district, "channel": person.channel, "intercepted_at": again});
            ok(app.post("/api/v1/cases").token(token).json(&body).send().await, 201).await;
        }
        for (category, delivered_on) in &person.services {
            let body = json!({"category": category, "delivered_on": delivered_on});
            ok(app.post(&format!("{path}/services")).token(token).json(&body).send().await, 201).await;
        }
        if person.referral {
            let body = json!({"to_organization_id": partner_org, "category": "job_placement", "reason": "Inserimento lavorativo"});
            ok(app.post(&format!("{path}/referrals")).token(token).json(&body).send().await, 201).await;
        }
        if person.legal {
            let body =
                json!({"kind": "complaint", "status": "filed", "authority": "questura", "filed_on": intercepted_on});
            let reply =
                app.post(&format!("{path}/legal-procedures")).token(&legal.access_token).json(&body).send().await;
            ok(reply, 201).await;
        }
        case_ids.push(id);
        beneficiary_ids.push(beneficiary_id);
    }
    // Activities: not about people, counted with their participants.
    for (district, kind, held_on, participants) in [
        ("milano", "awareness_session", "2026-01-20", json!({"male": 12, "female": 3})),
        ("milano", "awareness_session", "2026-02-20", json!({"male": 2, "other": 1})),
        ("milano", "street_outreach_shift", "2026-01-10", json!({"unknown": 9})),
        ("bergamo", "desk_shift", "2026-02-15", json!({"male": 1})),
    ] {
        let who = if district == "milano" { &team.case_worker } else { &team.bergamo_case_worker };
        let body = json!({"district": district, "kind": kind, "held_on": held_on, "participants": participants, "contacts_made": 4});
        ok(app.post("/api/v1/activities").token(&who.access_token).json(&body).send().await, 201).await;
    }
    let targets = json!({"from": "2026-01-01", "to": "2026-06-30", "intercepted_min": 70, "intercepted_max": 100, "taken_in_charge_min": 30, "taken_in_charge_max": 50});
    ok(
        app.post("/api/v1/districts/milano/targets").token(&team.regional.access_token).json(&targets).send().await,
        201,
    )
    .await;
    World { team, coordinator, people, case_ids, beneficiary_ids }
}

/// The figures of a report block, flattened to `name → count` (zeros left out), checking on the
/// way that every withheld count says so.
fn figures(block: &Value) -> BTreeMap<String, Value> {
    let mut out = BTreeMap::new();
    let mut put = |name: String, figure: &Value| {
        let count = figure["count"].clone();
        assert_eq!(figure["suppressed"], json!(count.is_null()), "{name}: {figure}");
        if count != json!(0) {
            out.insert(name, count);
        }
    };
    for (flow, name) in [("people_intercepted", "intercepted"), ("people_taken_in_charge", "taken_in_charge")] {
        for column in ["male", "female", "other", "total"] {
            put(format!("{name}.{column}"), &block[flow][column]);
        }
    }
    put("cases_opened".into(), &block["cases_opened"]);
    for list in ["countries", "profiles", "needs", "channels", "services_by_category", "work_grants", "outcomes"] {
        for entry in block[list].as_array().expect(list) {
            put(format!("{list}.{}", entry["code"].as_str().expect("code")), entry);
        }
    }
    for entry in block["referrals_by_status"]["by_status"].as_array().expect("referrals") {
        put(format!("referrals.{}", entry["code"].as_str().expect("code")), entry);
    }
    for entry in block["legal_procedures"].as_array().expect("legal") {
        put(
            format!("legal.{}/{}", entry["kind"].as_str().expect("kind"), entry["status"].as_str().expect("status")),
            entry,
        );
    }
    put("days_to_intake.cases".into(), &block["days_to_intake"]["cases"]);
    put("minors".into(), &block["minors"]);
    for stat in ["median", "p90"] {
        let value = &block["days_to_intake"][stat];
        if !value.is_null() {
            out.insert(format!("days_to_intake.{stat}"), json!(value.as_f64().expect("number")));
        }
    }
    for entry in block["activities"].as_array().expect("activities") {
        for field in ["count", "participants"] {
            if entry[field] != json!(0) {
                out.insert(
                    format!("activities.{}.{field}", entry["kind"].as_str().expect("kind")),
                    entry[field].clone(),
                );
            }
        }
    }
    out
}

/// The same figures counted here, over the people as generated.
fn expected(people: &[Person], districts: &[&str], from: NaiveDate, to: NaiveDate) -> BTreeMap<String, Value> {
    let within = |d: NaiveDate| from <= d && d <= to;
    let recorded_on = start_time().date_naive();
    let mut counts: BTreeMap<String, i64> = BTreeMap::new();
    let mut add = |name: String| *counts.entry(name).or_default() += 1;
    let mut delays = Vec::new();
    let column = |gender: Option<&str>| match gender {
        Some("male") => "male",
        Some("female") => "female",
        _ => "other",
    };
    for p in people.iter().filter(|p| districts.contains(&p.district)) {
        // People, not cases: the first contact counts, with its case's profile and needs (a
        // case opened again is plain); every case counts among the cases opened.
        for case in std::iter::once(p.intercepted_at).chain(p.again) {
            if within(rome(case)) {
                add("cases_opened".into());
            }
        }
        let first_again = p.again.is_some_and(|again| again < p.intercepted_at);
        let first_contact = if first_again { p.again.unwrap_or(p.intercepted_at) } else { p.intercepted_at };
        if within(rome(first_contact)) {
            add(format!("intercepted.{}", column(p.gender)));
            add("intercepted.total".into());
            match &p.countries {
                None => add("countries.unknown".into()),
                Some(list) if list.is_empty() => add("countries.stateless".into()),
                Some(list) => list.iter().for_each(|c| add(format!("countries.{c}"))),
            }
            let (profile, needs) = if first_again { (None, Vec::new()) } else { (p.profile, p.needs.clone()) };
            add(format!("profiles.{}", profile.unwrap_or("unknown")));
            add(format!("channels.{}", p.channel));
            needs.iter().for_each(|n| add(format!("needs.{n}")));
            if p.minor {
                add("minors".into());
            }
        }
        if p.taken_at.iter().chain(&p.reopened_at).any(|t| within(rome(*t))) {
            add(format!("taken_in_charge.{}", column(p.gender)));
            add("taken_in_charge.total".into());
        }
        if let Some(taken) = p.taken_at.filter(|t| within(rome(*t))) {
            add("days_to_intake.cases".into());
            delays.push((rome(taken) - rome(p.intercepted_at)).num_days());
        }
        if let Some((_, outcome)) = p.closed.filter(|(t, _)| within(rome(*t)) && p.reopened_at.is_none()) {
            add(format!("outcomes.{outcome}"));
        }
        for (category, on) in &p.services {
            if within(*on) {
                add(format!("services_by_category.{category}"));
            }
        }
        if p.referral && within(recorded_on) {
            add("referrals.proposed".into());
        }
        if p.legal && within(recorded_on) {
            add("legal.complaint/filed".into());
        }
    }
    let mut out: BTreeMap<String, Value> = counts.into_iter().map(|(k, v)| (k, json!(v))).collect();
    delays.sort_unstable();
    if !delays.is_empty() {
        let n = delays.len();
        let median = if n % 2 == 1 { delays[n / 2] as f64 } else { (delays[n / 2 - 1] + delays[n / 2]) as f64 / 2.0 };
        let rank = (0.9 * n as f64).ceil() as usize;
        out.insert("days_to_intake.median".into(), json!(median));
        out.insert("days_to_intake.p90".into(), json!(delays[rank - 1] as f64));
    }
    let activities: [(&str, &str, NaiveDate, i64); 4] = [
        ("milano", "awareness_session", day("2026-01-20"), 15),
        ("milano", "awareness_session", day("2026-02-20"), 3),
        ("milano", "street_outreach_shift", day("2026-01-10"), 9),
        ("bergamo", "desk_shift", day("2026-02-15"), 1),
    ];
    let mut by_kind: BTreeMap<&str, (i64, i64)> = BTreeMap::new();
    for (district, kind, held_on, participants) in activities {
        if districts.contains(&district) && within(held_on) {
            let entry = by_kind.entry(kind).or_default();
            entry.0 += 1;
            entry.1 += participants;
        }
    }
    for (kind, (n, participants)) in by_kind {
        out.insert(format!("activities.{kind}.count"), json!(n));
        out.insert(format!("activities.{kind}.participants"), json!(participants));
    }
    out
}

/// What a reader who sees every district gets from `exact`: every count from 1 to 4 withheld,
/// every other count exact or withheld to protect one (never a zero), the statistics withheld
/// with the count they come from, activities exact. Answers how many counts of 5 or more were
/// withheld as complements.
fn assert_withheld(published: &BTreeMap<String, Value>, exact: &BTreeMap<String, Value>, what: &str) -> usize {
    let mut complements = 0;
    let names: std::collections::BTreeSet<&String> = published.keys().chain(exact.keys()).collect();
    for name in names {
        let (shown, want) = (published.get(name), exact.get(name));
        if name.starts_with("activities.") {
            assert_eq!(shown, want, "{what}: {name}");
        } else if name == "days_to_intake.median" || name == "days_to_intake.p90" {
            let cases_withheld = published.get("days_to_intake.cases") == Some(&Value::Null);
            assert_eq!(shown, want.filter(|_| !cases_withheld), "{what}: {name}");
        } else if shown == Some(&Value::Null) {
            let n = want.and_then(Value::as_i64).unwrap_or(0);
            assert!(n > 0, "{what}: {name} is a zero, withheld");
            complements += usize::from(n > 4);
        } else {
            assert_eq!(shown, want, "{what}: {name}");
            let n = want.and_then(Value::as_i64).unwrap_or(0);
            assert!(!(1..=4).contains(&n), "{what}: {name} = {n} is published");
        }
    }
    complements
}

fn block<'a>(report: &'a Value, district: &str) -> &'a Value {
    report["districts"]
        .as_array()
        .expect("districts")
        .iter()
        .find(|d| d["district"] == district)
        .unwrap_or_else(|| panic!("no block for {district} in {report}"))
}

#[actix_web::test]
async fn indicators_match_an_independent_count_exactly_for_districts_and_suppressed_for_the_region() {
    let app = TestApp::new().await;
    let world = seed(&app).await;
    // Range A ends today (referrals and legal procedures are recorded today); range B ends on
    // the 15th of February. Both start on the 15th of January: the edges are generated on purpose.
    let mut complements = 0;
    for (from, to) in [("2026-01-15", "2026-03-02"), ("2026-01-15", "2026-02-15"), ("2026-01-01", "2026-01-14")] {
        let query = format!("/api/v1/reports/indicators?from={from}&to={to}");
        let exact = ok(app.get(&query).token(&world.coordinator.access_token).send().await, 200).await;
        assert_eq!(exact["small_counts_suppressed"], false);
        let (from, to) = (day(from), day(to));
        for district in ["milano", "bergamo"] {
            let want = expected(&world.people, &[district], from, to);
            assert_eq!(figures(block(&exact, district)), want, "{district} {from}..{to}");
        }
        let both = expected(&world.people, &["milano", "bergamo"], from, to);
        assert_eq!(figures(&exact["total"]), both, "total {from}..{to}");

        let regional = ok(app.get(&query).token(&world.team.regional.access_token).send().await, 200).await;
        assert_eq!(regional["small_counts_suppressed"], true);
        assert_eq!(regional["districts"].as_array().unwrap().len(), 12, "the Region sees every district");
        let mut in_range = 0;
        for district in ["milano", "bergamo"] {
            let want = expected(&world.people, &[district], from, to);
            let what = format!("{district} {from}..{to}, withheld");
            in_range += assert_withheld(&figures(block(&regional, district)), &want, &what);
        }
        in_range += assert_withheld(&figures(&regional["total"]), &both, &format!("total {from}..{to}, withheld"));
        // The other districts have nothing: the answer says how many it withheld, exactly.
        assert_eq!(regional["withholding"]["complements"], in_range, "{from}..{to}: {}", regional["withholding"]);
        assert!(exact["withholding"].is_null());
        complements += in_range;
        assert_eq!(figures(block(&regional, "tradate")), BTreeMap::new(), "a district with nothing has zeros");
    }
    // Two districts of small counts: the totals would give some back, unless others go with them.
    assert!(complements > 0, "complementary suppression withheld no count of 5 or more");

    // The targets of the periods that overlap the range, against which the flows are read.
    let report = ok(
        app.get("/api/v1/reports/indicators?from=2026-01-01&to=2026-03-02&district=milano")
            .token(&world.team.case_worker.access_token)
            .send()
            .await,
        200,
    )
    .await;
    assert_eq!(report["districts"].as_array().unwrap().len(), 1);
    let flow = &block(&report, "milano")["people_intercepted"];
    assert_eq!((flow["target_min"].clone(), flow["target_max"].clone()), (json!(70), json!(100)));
    assert_eq!(block(&report, "milano")["people_taken_in_charge"]["target_max"], 50);
    assert_eq!(report["total"]["people_intercepted"]["target_min"], 70);
    let later = ok(
        app.get("/api/v1/reports/indicators?from=2026-07-01&to=2026-07-31")
            .token(&world.team.case_worker.access_token)
            .send()
            .await,
        200,
    )
    .await;
    assert!(block(&later, "milano")["people_intercepted"]["target_min"].is_null());
}

/// The reports of a few ranges, as counted from the tallies kept up to date write by write;
/// then the same after recounting every tally from the rows: they must be equal.
async fn assert_tallies_current(app: &TestApp, token: &str, after: &str) {
    let ranges = [("2026-01-01", "2026-03-02"), ("2026-01-15", "2026-02-15"), ("2026-02-16", "2026-03-02")];
    let mut kept = Vec::new();
    for (from, to) in ranges {
        let query = format!("/api/v1/reports/indicators?from={from}&to={to}");
        kept.push(ok(app.get(&query).token(token).send().await, 200).await);
    }
    // The command line, as an operator would run it (its own runtime, so its own thread).
    let env = app.env();
    let (code, out, err) =
        std::thread::spawn(move || run_cli(&["reports", "rebuild"], &env, "")).join().expect("the rebuild thread");
    assert_eq!(code, 0, "{err}");
    assert!(out.starts_with("report tallies recounted"), "{out}");
    for ((from, to), kept) in ranges.into_iter().zip(kept) {
        let query = format!("/api/v1/reports/indicators?from={from}&to={to}");
        let recounted = ok(app.get(&query).token(token).send().await, 200).await;
        let differences = json_differences("", &kept, &recounted);
        assert!(
            differences.is_empty(),
            "after {after}, {from}..{to}: kept tallies differ from a recount: {differences:#?}"
        );
    }
}

/// The paths where two JSON documents differ, with both values.
fn json_differences(path: &str, a: &Value, b: &Value) -> Vec<String> {
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            let keys: std::collections::BTreeSet<&String> = x.keys().chain(y.keys()).collect();
            let null = Value::Null;
            keys.into_iter()
                .flat_map(|k| {
                    json_differences(&format!("{path}.{k}"), x.get(k).unwrap_or(&null), y.get(k).unwrap_or(&null))
                })
                .collect()
        }
        (Value::Array(x), Value::Array(y)) if x.len() == y.len() => x
            .iter()
            .zip(y)
            .enumerate()
            .flat_map(|(i, (a, b))| json_differences(&format!("{path}[{i}]"), a, b))
            .collect(),
        _ if a == b => Vec::new(),
        _ => vec![format!("{path}: {a} != {b}")],
    }
}

#[actix_web::test]
async fn the_per_day_tallies_follow_every_kind_of_change() {
    let app = TestApp::new().await;
    let world = seed(&app).await;
    let token = world.coordinator.access_token.as_str();
    let first =
        ok(app.get("/api/v1/reports/indicators?from=2026-01-01&to=2026-03-02").token(token).send().await, 200).await;
    assert!(first["total"]["people_intercepted"]["total"]["count"].as_i64().unwrap_or(0) >= 30, "{}", first["total"]);
    assert_tallies_current(&app, token, "recording the people").await;

    let pick = |wanted: &dyn Fn(&Person) -> bool| {
        let i = world.people.iter().position(wanted).expect("a generated person of that kind");
        (i, format!("/api/v1/cases/{}", world.case_ids[i]))
    };

    // The person: gender, birth date (now a minor then) and citizenships, on a person taken in charge.
    let (i, _) = pick(&|p| p.taken_at.is_some() && p.closed.is_none() && p.gender == Some("male"));
    let person = format!("/api/v1/beneficiaries/{}", world.beneficiary_ids[i]);
    let version = app.version_of(&world.coordinator, &person).await;
    let changes = json!({"gender": "female", "birth_date": "2012-05-01", "citizenships": ["AL", "NG"]});
    ok(app.patch(&person).token(token).if_match(version).json(&changes).send().await, 200).await;
    assert_tallies_current(&app, token, "a person's gender, birth date and citizenships").await;

    // The case: needs and profile; then closed, and reopened on another day (taken in charge twice).
    let (_, case) = pick(&|p| {
        p.taken_at.is_some_and(|t| t < at("2026-02-20T00:00:00Z")) && p.closed.is_none() && p.gender != Some("male")
    });
    let version = app.version_of(&world.coordinator, &case).await;
    let changes = json!({"needs": ["housing", "health"], "profile": "exploitation_victim"});
    ok(app.patch(&case).token(token).if_match(version).json(&changes).send().await, 200).await;
    let close = json!({"to": "closed", "effective_at": "2026-02-25T10:00:00Z", "outcome": "lost_contact", "summary": "Irreperibile"});
    ok(app.post(&format!("{case}/transitions")).token(token).if_match(version + 1).json(&close).send().await, 200)
        .await;
    assert_tallies_current(&app, token, "a closure").await;
    let reopen = json!({"to": "taken_in_charge", "effective_at": "2026-02-27T09:00:00Z", "reason": "Ricontattato"});
    ok(app.post(&format!("{case}/transitions")).token(token).if_match(version + 2).json(&reopen).send().await, 200)
        .await;
    assert_tallies_current(&app, token, "a reopening").await;
    let report =
        ok(app.get("/api/v1/reports/indicators?from=2026-01-01&to=2026-03-02").token(token).send().await, 200).await;
    assert_eq!(
        report["total"]["people_taken_in_charge"]["total"], first["total"]["people_taken_in_charge"]["total"],
        "a case taken in charge twice in the range counts once"
    );

    // Services: one moved to another day (far from its own: close days are recounted together)
    // and category, then one deleted.
    let (_, case) = pick(&|p| p.services.len() == 2 && p.services.iter().all(|(_, on)| *on < day("2026-02-15")));
    let services = ok(app.get(&format!("{case}/services")).token(token).send().await, 200).await;
    let items = services["items"].as_array().expect("services");
    let moved = format!("{case}/services/{}", items[0]["id"].as_str().expect("id"));
    let changes = json!({"category": "orientation_housing", "delivered_on": "2026-03-01"});
    ok(app.patch(&moved).token(token).if_match(1).json(&changes).send().await, 200).await;
    assert_tallies_current(&app, token, "a service moved").await;
    let deleted = format!("{case}/services/{}", items[1]["id"].as_str().expect("id"));
    let reply = app.request("DELETE", &deleted).token(token).if_match(1).send().await;
    assert_eq!(reply.status, 204, "{}", reply.body);
    assert_tallies_current(&app, token, "a service deleted").await;

    // A referral revoked, a legal procedure decided.
    let (_, case) = pick(&|p| p.referral);
    let referrals = ok(app.get(&format!("{case}/referrals")).token(token).send().await, 200).await;
    let referral = format!("/api/v1/referrals/{}", referrals["items"][0]["id"].as_str().expect("referral id"));
    let revoke = json!({"to": "revoked", "reason": "Non più necessario"});
    ok(app.post(&format!("{referral}/transitions")).token(token).if_match(1).json(&revoke).send().await, 200).await;
    assert_tallies_current(&app, token, "a referral revoked").await;
    let (i, case) = pick(&|p| p.legal);
    let legal = if world.people[i].district == "milano" { &world.team.legal_advisor } else { &world.coordinator };
    let procedures =
        ok(app.get(&format!("{case}/legal-procedures")).token(&legal.access_token).send().await, 200).await;
    let procedure = &procedures["items"][0];
    let path = format!("{case}/legal-procedures/{}", procedure["id"].as_str().expect("procedure id"));
    let mut decided = json!({"status": "granted", "decided_on": "2026-03-02"});
    for field in ["kind", "authority", "filed_on"] {
        decided[field] = procedure[field].clone();
    }
    ok(app.patch(&path).token(&legal.access_token).if_match(1).json(&decided).send().await, 200).await;
    assert_tallies_current(&app, token, "a legal procedure decided").await;
}

#[actix_web::test]
async fn report_access_and_parameters() {
    let app = TestApp::new().await;
    let team = app.team().await;
    let path = "/api/v1/reports/indicators";
    // District roles see their own districts only; the admin and partners read no reports.
    let mine = ok(app.get(path).token(&team.outreach.access_token).send().await, 200).await;
    let districts: Vec<&str> =
        mine["districts"].as_array().unwrap().iter().map(|d| d["district"].as_str().unwrap()).collect();
    assert_eq!(districts, ["milano"]);
    assert_eq!(mine["from"], "2026-01-01", "the year so far by default");
    assert_eq!(mine["to"], "2026-03-02");
    let reply = app.get(&format!("{path}?district=bergamo")).token(&team.case_worker.access_token).send().await;
    reply.problem(403);
    for who in [&team.partner, &app.admin] {
        app.get(path).token(&who.access_token).send().await.problem(403);
    }
    app.get(path).send().await.problem(401);
    let repeated = format!("{path}?district=milano&district=bergamo&district=milano");
    let both = ok(app.get(&repeated).token(&team.evaluator.access_token).send().await, 200).await;
    assert_eq!(both["districts"].as_array().unwrap().len(), 2);
    for (query, field, code) in [
        ("from=2026-03-01&to=2026-02-01", "from", "after_to"),
        ("from=yesterday", "from", "invalid_date"),
        ("district=atlantis", "district", "unknown_district"),
        ("district=Milano%27--", "district", "invalid_code"),
        ("colour=blue", "colour", "unknown_parameter"),
        ("format=pdf", "format", "unknown_format"),
    ] {
        let reply = app.get(&format!("{path}?{query}")).token(&team.regional.access_token).send().await;
        let errors = reply.field_errors();
        assert_eq!(errors.len(), 1, "{query}: {}", reply.body);
        assert_eq!(errors[0].0, field, "{query}");
        if code != "invalid_code" {
            assert_eq!(errors[0].1, code, "{query}");
        }
    }
}

#[actix_web::test]
async fn the_report_as_csv_and_xlsx() {
    let app = TestApp::new().await;
    let world = seed(&app).await;
    let path = "/api/v1/reports/indicators?from=2026-01-15&to=2026-03-02";
    let json = ok(app.get(path).token(&world.team.regional.access_token).send().await, 200).await;
    let reply = app.get(path).token(&world.team.regional.access_token).header("Accept", "text/csv").send().await;
    assert_eq!(reply.status, 200);
    assert_eq!(reply.header("content-type"), Some("text/csv; charset=utf-8"));
    let text = reply.text();
    let rows: Vec<Vec<&str>> = text.lines().map(|l| l.split(',').collect()).collect();
    assert_eq!(rows[0][..3], ["Sezione", "Voce", "Alto e Basso Pavese"], "districts in the programme's order");
    assert_eq!(rows[0].last(), Some(&"Totale"));
    assert_eq!(rows[0].len(), 2 + 12 + 1);
    let total_row = rows.iter().find(|r| r[0] == "Persone intercettate" && r[1] == "Totale").expect("total row");
    assert_eq!(
        total_row.last().unwrap().parse::<i64>().unwrap(),
        json["total"]["people_intercepted"]["total"]["count"].as_i64().unwrap()
    );
    let milano = rows[0].iter().position(|h| *h == "Milano").unwrap();
    let minors = rows.iter().find(|r| r[0] == "Minori").expect("minors row");
    assert_eq!(minors[milano], "riservato", "{} minors in Milano are withheld", minors[milano]);
    let target = rows.iter().find(|r| r[0] == "Persone intercettate" && r[1] == "Obiettivo minimo").unwrap();
    assert_eq!(target[milano], "70");
    // The same with `format=`, for links in a browser; exact for a district.
    let exact = app.get(&format!("{path}&format=csv")).token(&world.coordinator.access_token).send().await.text();
    let header: Vec<&str> = exact.lines().next().unwrap().split(',').collect();
    assert_eq!(header, ["Sezione", "Voce", "Bergamo", "Milano", "Totale"]);
    assert!(!exact.contains("riservato"));

    let xlsx = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
    let reply = app.get(path).token(&world.team.regional.access_token).header("Accept", xlsx).send().await;
    assert_eq!(reply.status, 200);
    assert_eq!(reply.header("content-type"), Some(xlsx));
    assert!(reply.header("content-disposition").unwrap().contains("indicatori-2026-01-15-2026-03-02.xlsx"));
    assert_eq!(&reply.bytes[..2], b"PK", "an XLSX file is a zip archive");

    // The layouts, whole: a change of row, label, order or style shows up as a diff to review.
    insta::assert_snapshot!("indicators_csv", text);
    insta::assert_snapshot!("indicators_xlsx", xlsx_grid(&reply.bytes));
}

/// The first sheet of an XLSX file as text: its column widths, then one line per row with each
/// cell's reference, style index and value (shared strings resolved).
fn xlsx_grid(bytes: &[u8]) -> String {
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).expect("an XLSX archive");
    let mut part = |name: &str| {
        let mut xml = String::new();
        std::io::Read::read_to_string(&mut archive.by_name(name).expect(name), &mut xml).expect(name);
        xml
    };
    let (sheet, strings, styles) =
        (part("xl/worksheets/sheet1.xml"), part("xl/sharedStrings.xml"), part("xl/styles.xml"));
    let between = |text: &str, open: &str, close: &str| -> Option<String> {
        let start = text.find(open)? + open.len();
        Some(text[start..start + text[start..].find(close)?].to_string())
    };
    let attribute = |element: &str, name: &str| between(element, &format!(" {name}=\""), "\"");
    let shared: Vec<String> = strings
        .split("<si>")
        .skip(1)
        .map(|item| item.split_once('>').and_then(|(_, rest)| between(rest, "", "</t>")).unwrap_or_default())
        .collect();
    let mut lines = vec![format!("views: {}", between(&sheet, "<sheetViews>", "</sheetViews>").unwrap_or_default())];
    // Each cell style: its number format and whether its font is the bold one.
    let formats: HashMap<String, String> = styles
        .split("<numFmt ")
        .skip(1)
        .filter_map(|f| {
            let f = format!(" {f}");
            Some((attribute(&f, "numFmtId")?, attribute(&f, "formatCode")?))
        })
        .collect();
    let cell_styles = between(&styles, "<cellXfs", "</cellXfs>").unwrap_or_default();
    for (i, xf) in cell_styles.split("<xf ").skip(1).enumerate() {
        let xf = format!(" {xf}");
        let number = attribute(&xf, "numFmtId").unwrap_or_default();
        let format = formats.get(&number).cloned().unwrap_or(format!("builtin {number}"));
        lines.push(format!("style s{i}: {format}, font {}", attribute(&xf, "fontId").unwrap_or_default()));
    }
    for column in sheet.split("<col ").skip(1) {
        let column = format!(" {column}");
        lines.push(format!(
            "column {}: width {}",
            attribute(&column, "min").unwrap_or_default(),
            attribute(&column, "width").unwrap_or_default()
        ));
    }
    for row in sheet.split("<row ").skip(1) {
        let cells: Vec<String> = row
            .split("<c ")
            .skip(1)
            .map(|cell| {
                let cell = format!(" {cell}");
                let value = between(&cell, "<v>", "</v>").unwrap_or_default();
                let value = match attribute(&cell, "t").as_deref() {
                    Some("s") => format!("{:?}", value.parse::<usize>().ok().and_then(|i| shared.get(i)).unwrap()),
                    _ => value,
                };
                let style = attribute(&cell, "s").map(|s| format!("[s{s}]")).unwrap_or_default();
                format!("{}{style}={value}", attribute(&cell, "r").unwrap_or_default())
            })
            .collect();
        lines.push(cells.join("  "));
    }
    lines.join("\n")
}

#[actix_web::test]
async fn the_research_export_is_pseudonymous_generalised_consented_and_audited() {
    let app = TestApp::new().await;
    let world = seed(&app).await;
    let path = "/api/v1/exports/cases";
    for who in [&world.coordinator, &world.team.case_worker, &world.team.partner, &app.admin] {
        app.get(path).token(&who.access_token).send().await.problem(403);
    }
    let reply = app.get(path).token(&world.team.evaluator.access_token).send().await;
    assert_eq!(reply.status, 200, "{}", reply.text());
    assert_eq!(reply.header("content-type"), Some("application/x-ndjson"));
    let rows: Vec<Value> = reply.text().lines().map(|l| serde_json::from_str(l).expect("a JSON line")).collect();
    let exported: Vec<&Person> = world.people.iter().filter(|p| !p.research_refused).collect();
    // The export's default range is this year: a second case of 2025 is not in it.
    let cases_of = |p: &Person| 1 + usize::from(p.again.is_some_and(|again| rome(again) >= day("2026-01-01")));
    assert_eq!(
        rows.len(),
        exported.iter().map(|p| cases_of(p)).sum::<usize>(),
        "one row per case, without those who refused research use"
    );
    assert!(world.people.len() > exported.len());
    let keys: HashSet<&str> = rows[0].as_object().unwrap().keys().map(String::as_str).collect();
    let allowed: HashSet<&str> = [
        "case",
        "person",
        "district",
        "gender",
        "age_band",
        "citizenship",
        "channel",
        "profile",
        "needs",
        "status",
        "intercepted_month",
        "taken_in_charge_month",
        "services",
        "referrals",
        "outcome",
    ]
    .into();
    assert_eq!(keys, allowed);
    // Stable pseudonyms, not the ids.
    let again: Vec<Value> = app
        .get(&format!("{path}?format=jsonl"))
        .token(&world.team.regional.access_token)
        .send()
        .await
        .text()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    // In pseudonym order, not in the time order of the case ids.
    let order: Vec<&str> = rows.iter().map(|r| r["case"].as_str().unwrap()).collect();
    assert!(order.windows(2).all(|w| w[0] < w[1]), "rows in the order of their pseudonym");
    let pseudonyms: HashSet<&str> = rows.iter().map(|r| r["case"].as_str().unwrap()).collect();
    assert_eq!(pseudonyms.len(), rows.len());
    assert_eq!(pseudonyms, again.iter().map(|r| r["case"].as_str().unwrap()).collect());
    let text = serde_json::to_string(&rows).unwrap();
    for id in world.case_ids.iter().chain(&world.beneficiary_ids) {
        assert!(!text.contains(id.as_str()) && !text.contains(&id.replace('-', "")));
    }
    // Every row is shared by five people; the Eritrean alone is not written as such; minors
    // are under 18 unless their age was withheld.
    let anonymity = crate::support::anonymity_of(reply.header("inlav-anonymity").expect("InLav-Anonymity"));
    assert_eq!(anonymity["k"], "5");
    assert_eq!(anonymity["rows"], rows.len().to_string());
    assert!(crate::support::smallest_class(&rows) >= 5);
    assert!(rows.iter().all(|r| !r["citizenship"].as_str().unwrap().contains("ER")), "one person from Eritrea");
    let minors = rows.iter().filter(|r| r["age_band"] == "under_18").count();
    let withheld_ages = rows.iter().filter(|r| r["age_band"] == "*").count();
    let exported_minors = exported.iter().filter(|p| p.minor).map(|p| cases_of(p)).sum::<usize>();
    assert!(minors <= exported_minors && minors + withheld_ages >= exported_minors, "{minors} minors");
    let in_charge = rows.iter().filter(|r| !r["taken_in_charge_month"].is_null()).count();
    assert_eq!(in_charge, exported.iter().filter(|p| p.taken_at.is_some()).count());
    let closed: Vec<&Value> = rows.iter().filter(|r| r["status"] == "closed").collect();
    assert_eq!(closed.len(), exported.iter().filter(|p| p.closed.is_some() && p.reopened_at.is_none()).count());
    assert!(closed.iter().all(|r| r["outcome"].is_string()));
    let services: i64 =
        rows.iter().flat_map(|r| r["services"].as_object().unwrap().values()).map(|v| v.as_i64().unwrap()).sum();
    assert_eq!(services as usize, exported.iter().map(|p| p.services.len()).sum::<usize>());

    // CSV: the same rows, one column per service category and referral status.
    let reply = app.get(path).token(&world.team.evaluator.access_token).header("Accept", "text/csv").send().await;
    assert_eq!(reply.status, 200);
    let csv = reply.text();
    let mut lines = csv.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    assert_eq!(header[..3], ["case", "person", "district"]);
    assert!(header.contains(&"services_orientation_work") && header.contains(&"referrals_accepted"));
    assert_eq!(lines.count(), rows.len());

    // A district range, and each export in the trail of the districts it touched.
    let bergamo =
        app.get(&format!("{path}?district=bergamo")).token(&world.team.evaluator.access_token).send().await.text();
    assert_eq!(
        bergamo.lines().count(),
        exported.iter().filter(|p| p.district == "bergamo").map(|p| cases_of(p)).sum::<usize>()
    );
    let trail = ok(
        app.get("/api/v1/audit?action=export").token(&world.team.bergamo_coordinator.access_token).send().await,
        200,
    )
    .await;
    let entries = trail["items"].as_array().unwrap();
    assert_eq!(entries.len(), 4, "three exports of every district and one of Bergamo: {trail}");
    assert!(entries.iter().any(|e| e["actor_id"] == world.team.evaluator.id.as_str()));
    let milano =
        ok(app.get("/api/v1/audit?action=export").token(&world.team.coordinator.access_token).send().await, 200).await;
    assert_eq!(milano["items"].as_array().unwrap().len(), 3);
}

#[actix_web::test]
async fn nothing_an_evaluator_can_obtain_names_a_person() {
    let app = TestApp::new().await;
    let world = seed(&app).await;
    let token = world.team.evaluator.access_token.clone();
    let spec: Value = serde_json::from_slice(&app.get("/api/v1/openapi.json").send().await.bytes).unwrap();
    let mut bodies = Vec::new();
    let case = world.case_ids[1].clone();
    let beneficiary = world.beneficiary_ids[1].clone();
    for (template, item) in spec["paths"].as_object().unwrap() {
        if item.get("get").is_none() {
            continue;
        }
        // Every path parameter filled with something that exists, so a leak would show.
        let path = template
            .replace("{code}", "milano")
            .replace("{case_id}", &case)
            .replace("{beneficiary_id}", &beneficiary)
            .replace("{name}", "genders");
        let path = if path.starts_with("/api/v1/cases/") || path.starts_with("/api/v1/beneficiaries/") {
            path.replace("{id}", if path.starts_with("/api/v1/cases/") { &case } else { &beneficiary })
        } else {
            path.replace("{id}", &case)
        };
        let path = path.split('{').next().unwrap().trim_end_matches('/').to_string();
        for accept in ["application/json", "text/csv"] {
            let reply = app.get(&path).token(&token).header("Accept", accept).send().await;
            assert!(reply.status < 500, "{path}: {}", reply.status);
            bodies.push((path.clone(), String::from_utf8_lossy(&reply.bytes).to_string()));
        }
    }
    for query in ["?format=csv", "?format=jsonl", "?district=milano&from=2026-01-01"] {
        for base in ["/api/v1/exports/cases", "/api/v1/reports/indicators"] {
            let reply = app.get(&format!("{base}{query}")).token(&token).send().await;
            bodies.push((format!("{base}{query}"), String::from_utf8_lossy(&reply.bytes).to_string()));
        }
    }
    assert!(bodies.len() > 40, "{} responses scanned", bodies.len());
    for person in &world.people {
        let birth = person.birth_date.to_string();
        let italian_birth = person.birth_date.format("%d/%m/%Y").to_string();
        for needle in [
            &person.first_name,
            &person.last_name,
            &person.phone,
            &person.phone.replace(' ', ""),
            &person.codice_fiscale,
            &birth,
            &italian_birth,
        ] {
            for (path, body) in &bodies {
                assert!(!body.contains(needle.as_str()), "{path} shows `{needle}`");
            }
        }
    }
}

#[actix_web::test]
async fn activities_pacts_and_targets() {
    let app = TestApp::new().await;
    let team = app.team().await;
    let network = app.organization("Caritas Ambrosiana", "ets", &["milano"]).await;
    let body = json!({
        "kind": "operator_training", "held_on": "2026-02-10", "duration_minutes": 180, "location_label": "Sala consiliare",
        "topics": ["prevention_irregular_work", "orientation_legal"], "participants": {"female": 8, "male": 4},
        "participating_organizations": [network], "notes": "Formazione sul caporalato"
    });
    let created =
        ok(app.post("/api/v1/activities").token(&team.case_worker.access_token).json(&body).send().await, 201).await;
    assert_eq!(created["district"], "milano", "a caller of one district may leave it out");
    assert_eq!(created["organization_id"], REGION_ID);
    let path = format!("/api/v1/activities/{}", created["id"].as_str().unwrap());
    // Readers: the district's roles, the Region, the evaluators; not other districts or partners.
    for who in [&team.coordinator, &team.outreach, &team.regional, &team.evaluator] {
        assert_eq!(app.get(&path).token(&who.access_token).send().await.status, 200);
    }
    app.get(&path).token(&team.bergamo_coordinator.access_token).send().await.problem(404);
    app.get(&path).token(&team.partner.access_token).send().await.problem(403);
    let listed =
        ok(app.get("/api/v1/activities").token(&team.bergamo_coordinator.access_token).send().await, 200).await;
    assert_eq!(listed["items"].as_array().unwrap().len(), 0);
    let listed =
        ok(app.get("/api/v1/activities?kind=operator_training").token(&team.regional.access_token).send().await, 200)
            .await;
    assert_eq!(listed["items"].as_array().unwrap().len(), 1);
    // Writers: district roles for their districts.
    app.post("/api/v1/activities").token(&team.regional.access_token).json(&body).send().await.problem(403);
    let mut elsewhere = body.clone();
    elsewhere["district"] = json!("bergamo");
    let reply = app.post("/api/v1/activities").token(&team.case_worker.access_token).json(&elsewhere).send().await;
    assert_eq!(reply.field_errors(), [("district".to_string(), "not_your_district".to_string())]);
    let mut changed = body.clone();
    changed["participants"] = json!({"female": 9, "male": 4});
    app.patch(&path).token(&team.bergamo_coordinator.access_token).if_match(1).json(&changed).send().await.problem(404);
    let reply = app.patch(&path).token(&team.coordinator.access_token).if_match(1).json(&changed).send().await;
    assert_eq!(ok(reply, 200).await["participants"]["female"], 9);
    app.patch(&path).token(&team.coordinator.access_token).if_match(1).json(&changed).send().await.problem(412);
    // Bad input names its fields, and nothing is stored.
    let mut bad = body.clone();
    bad["kind"] = json!("awareness_session");
    bad["topics"] = json!(["job_placement"]);
    bad["participants"] = json!({"male": -1});
    bad["held_on"] = json!("2026-03-03");
    let reply = app.post("/api/v1/activities").token(&team.case_worker.access_token).json(&bad).send().await;
    let mut fields: Vec<String> = reply.field_errors().into_iter().map(|(f, _)| f).collect();
    fields.sort();
    assert_eq!(fields, ["held_on", "participants.male", "participating_organizations", "topics[0]"]);
    let listed = ok(app.get("/api/v1/activities").token(&team.coordinator.access_token).send().await, 200).await;
    assert_eq!(listed["items"].as_array().unwrap().len(), 1);

    // Pacts: the Region and the district's coordinator write; everyone reads.
    let pacts = "/api/v1/districts/milano/pacts";
    let pact = json!({"title": "Patto territoriale contro il caporalato", "status": "signed", "signatories": [network, REGION_ID], "signed_on": "2026-01-30", "valid_until": "2027-01-29", "document_reference": "Prot. 1234/2026"});
    let created = ok(app.post(pacts).token(&team.coordinator.access_token).json(&pact).send().await, 201).await;
    app.post(pacts).token(&team.bergamo_coordinator.access_token).json(&pact).send().await.problem(403);
    app.post(pacts).token(&team.case_worker.access_token).json(&pact).send().await.problem(403);
    let mut renewed = pact.clone();
    renewed["status"] = json!("renewed");
    let pact_path = format!("{pacts}/{}", created["id"].as_str().unwrap());
    ok(app.patch(&pact_path).token(&team.regional.access_token).if_match(1).json(&renewed).send().await, 200).await;
    let listed = ok(app.get(pacts).token(&team.partner.access_token).send().await, 200).await;
    assert_eq!(listed["items"][0]["status"], "renewed");
    app.get("/api/v1/districts/atlantis/pacts").token(&team.coordinator.access_token).send().await.problem(404);

    // Targets: the admin and the Region; periods of a district do not overlap.
    let targets = "/api/v1/districts/milano/targets";
    let period = json!({"from": "2026-01-01", "to": "2026-12-31", "intercepted_min": 70, "intercepted_max": 100, "taken_in_charge_min": 30, "taken_in_charge_max": 50});
    app.post(targets).token(&team.coordinator.access_token).json(&period).send().await.problem(403);
    let created = ok(app.post(targets).token(&team.regional.access_token).json(&period).send().await, 201).await;
    let mut overlapping = period.clone();
    overlapping["from"] = json!("2026-12-01");
    overlapping["to"] = json!("2027-06-30");
    app.post(targets).token(&app.admin.access_token).json(&overlapping).send().await.problem(409);
    overlapping["from"] = json!("2027-01-01");
    ok(app.post(targets).token(&app.admin.access_token).json(&overlapping).send().await, 201).await;
    let mut reversed = period.clone();
    reversed["intercepted_min"] = json!(200);
    let reply =
        app.post("/api/v1/districts/bergamo/targets").token(&app.admin.access_token).json(&reversed).send().await;
    assert_eq!(reply.status, 422, "{}", reply.body);
    let mut raised = period.clone();
    raised["intercepted_max"] = json!(120);
    let target_path = format!("{targets}/{}", created["id"].as_str().unwrap());
    ok(app.patch(&target_path).token(&team.regional.access_token).if_match(1).json(&raised).send().await, 200).await;
    let listed = ok(app.get(targets).token(&team.case_worker.access_token).send().await, 200).await;
    let maxima: Vec<i64> =
        listed["items"].as_array().unwrap().iter().map(|t| t["intercepted_max"].as_i64().unwrap()).collect();
    assert_eq!(maxima, [100, 120, 100], "the seeded period of 2025, then the two above");
}
