//! The rights of the people served: erasure (and the trace it must not leave), subject access,
//! retention.

use serde_json::{Value, json};

use crate::support::{TestApp, run_cli};

/// What only the person's record holds, to look for after erasure.
const MARKERS: [&str; 5] = ["Zenobiaxq", "Quartermainxq", "RSSMRA85T10A562S", "3339876543", "nota-segretissima-4711"];

/// Registers the person of the markers with a case, a note and a filed legal procedure;
/// answers the case's path.
async fn person_with_a_case(app: &TestApp, team: &crate::support::Team) -> String {
    let case = app
        .intercept(
            &team.case_worker,
            "milano",
            json!({
                "alias": "Zenobiaxq", "first_name": "Zenobiaxq", "last_name": "Quartermainxq", "gender": "female",
                "birth_date": "1991-05-20", "citizenships": ["ng"], "phone": "+39 3339876543",
                "codice_fiscale": "rssmra85t10a562s"
            }),
        )
        .await;
    let path = format!("/api/v1/cases/{}", case["id"].as_str().unwrap());
    let note = app
        .post(&format!("{path}/notes"))
        .token(&team.case_worker.access_token)
        .header("Idempotency-Key", "note-of-the-person")
        .json(&json!({"body": "nota-segretissima-4711: lavora in nero da Quartermainxq", "confidentiality": "team"}))
        .send()
        .await;
    assert_eq!(note.status, 201, "{}", note.body);
    path
}

/// The indicators report of every year, as a caller with `token` reads it.
async fn report(app: &TestApp, token: &str) -> Value {
    let reply = app.get("/api/v1/reports/indicators?from=2020-01-01&to=2030-12-31").token(token).send().await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    let mut body = reply.body;
    body.as_object_mut().map(|o| o.remove("generated_at"));
    body
}

fn contains_any(haystack: &[u8], markers: &[&str]) -> Vec<String> {
    let text = String::from_utf8_lossy(haystack).to_lowercase();
    markers.iter().filter(|m| text.contains(&m.to_lowercase())).map(|m| m.to_string()).collect()
}

#[actix_web::test]
async fn an_erased_person_is_found_nowhere_and_every_report_is_unchanged() {
    let app = TestApp::new().await;
    let team = app.team().await;
    let case_path = person_with_a_case(&app, &team).await;
    app.intercept(&team.case_worker, "milano", json!({"alias": "Someone else", "gender": "male", "birth_year": 1980}))
        .await;
    let case = app.get(&case_path).token(&team.coordinator.access_token).send().await;
    let person = case.body["beneficiary"]["id"].as_str().unwrap_or_else(|| panic!("{}", case.body)).to_string();
    let person_path = format!("/api/v1/beneficiaries/{person}");
    let erasure = format!("{person_path}/erasure");
    assert_eq!(
        contains_any(&app.stored_bytes(), &MARKERS).len(),
        MARKERS.len(),
        "the markers are stored to begin with"
    );

    // A filed legal procedure holds the data.
    let procedures = format!("{case_path}/legal-procedures");
    let filed = json!({"kind": "complaint", "status": "filed", "authority": "questura", "filed_on": "2026-02-27"});
    let procedure = app.post(&procedures).token(&team.legal_advisor.access_token).json(&filed).send().await;
    assert_eq!(procedure.status, 201, "{}", procedure.body);
    let version = app.version_of(&team.coordinator, &person_path).await;
    let why = json!({"reason": "richiesta dell'interessata"});
    let held = app.post(&erasure).token(&team.coordinator.access_token).if_match(version).json(&why).send().await;
    assert_eq!(held.problem(409)["code"], "legal_hold");
    let withdrawn =
        json!({"kind": "complaint", "status": "withdrawn", "authority": "questura", "filed_on": "2026-02-27"});
    let path = format!("{procedures}/{}", procedure.str("id"));
    let reply = app.patch(&path).token(&team.legal_advisor.access_token).if_match(1).json(&withdrawn).send().await;
    assert_eq!(reply.status, 200, "{}", reply.body);

    let exact_before = report(&app, &team.coordinator.access_token).await;
    let regional_before = report(&app, &team.regional.access_token).await;

    // Only a district coordinator erases, and only the version read.
    app.post(&erasure).token(&team.case_worker.access_token).if_match(version).json(&why).send().await.problem(403);
    app.post(&erasure).token(&team.coordinator.access_token).if_match(version + 7).json(&why).send().await.problem(412);
    let reply = app.post(&erasure).token(&team.coordinator.access_token).if_match(version).json(&why).send().await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(reply.body["alias"], "[cancellato / erased]");
    assert!(reply.body["erased_at"].is_string(), "{}", reply.body);
    assert_eq!((&reply.body["first_name"], &reply.body["birth_date"]), (&Value::Null, &Value::Null));
    assert_eq!((&reply.body["gender"], &reply.body["birth_year"]), (&json!("female"), &json!(1991)), "facts stay");

    // Every report is the same, also after its tallies are recounted from the rows.
    assert_eq!(report(&app, &team.coordinator.access_token).await, exact_before);
    assert_eq!(report(&app, &team.regional.access_token).await, regional_before);

    // Nothing of the person in any answer, to anyone.
    let reads = [
        (&team.coordinator, person_path.clone()),
        (&team.coordinator, case_path.clone()),
        (&team.coordinator, format!("{case_path}/notes")),
        (&team.coordinator, format!("{case_path}/events")),
        (&team.legal_advisor, procedures.clone()),
        (&team.coordinator, "/api/v1/cases".to_string()),
        (&team.coordinator, "/api/v1/beneficiaries?q=zenobiaxq".to_string()),
        (&team.coordinator, format!("/api/v1/audit?beneficiary_id={person}")),
        (&app.admin, "/api/v1/audit?limit=200".to_string()),
        (&team.coordinator, format!("{person_path}/subject-access?include_legal=true")),
        (&team.coordinator, format!("{person_path}/subject-access?format=html")),
    ];
    for (who, path) in reads {
        let reply = app.get(&path).token(&who.access_token).send().await;
        assert_eq!(reply.status, 200, "{path}: {}", reply.body);
        assert_eq!(contains_any(&reply.bytes, &MARKERS), Vec::<String>::new(), "{path}");
    }
    // The same note sent again is not answered from a stored copy that held its text.
    let again = app
        .post(&format!("{case_path}/notes"))
        .token(&team.case_worker.access_token)
        .header("Idempotency-Key", "note-of-the-person")
        .json(&json!({"body": "nota-segretissima-4711: lavora in nero da Quartermainxq", "confidentiality": "team"}))
        .send()
        .await;
    assert_ne!(again.header("idempotent-replayed"), Some("true"));
    let erased_note = again.body["id"].as_str().map(|id| format!("DELETE FROM case_notes WHERE id = '{id}'"));
    if let Some(sql) = erased_note {
        app.execute_sql(&sql).await;
        app.execute_sql("DELETE FROM idempotency_keys").await;
    }

    // The erasure is in the trail with its reason, and the trail verifies.
    let trail = app
        .get(&format!("/api/v1/audit?beneficiary_id={person}&action=erasure"))
        .token(&team.coordinator.access_token)
        .send()
        .await;
    assert_eq!(trail.body["items"][0]["reason"], "richiesta dell'interessata", "{}", trail.body);
    let env = app.env();
    let (code, out, err) = std::thread::spawn(move || run_cli(&["audit", "verify"], &env, "")).join().unwrap();
    assert_eq!(code, 0, "{out}{err}");

    // And nothing of them in the database's files: SQLite's file and log, or a pg_dump.
    let erasure_again =
        app.post(&erasure).token(&team.coordinator.access_token).if_match(version + 1).json(&why).send().await;
    assert_eq!(erasure_again.status, 200, "erasing again scrubs again: {}", erasure_again.body);
    assert_eq!(contains_any(&app.stored_bytes(), &MARKERS), Vec::<String>::new());
}

#[actix_web::test]
async fn the_retention_pass_anonymises_people_past_their_districts_period_except_under_legal_hold() {
    let app = TestApp::new().await;
    let team = app.team().await;
    let mut people = Vec::new();
    for alias in ["Longago", "Stillopen", "Heldback"] {
        let case = app.intercept(&team.case_worker, "milano", json!({"alias": alias, "gender": "male"})).await;
        people
            .push((case["id"].as_str().unwrap().to_string(), case["beneficiary"]["id"].as_str().unwrap().to_string()));
    }
    // Two closed twelve years ago (written as stored: the lifecycle would date them today).
    for (case, _) in [&people[0], &people[2]] {
        app.execute_sql(&format!(
            "UPDATE cases SET status = 'closed', status_since = '2014-06-01 10:00:00' WHERE id = '{case}'"
        ))
        .await;
    }
    let procedure = json!({"kind": "labour_dispute", "status": "pending", "filed_on": "2014-01-10"});
    let held = app
        .post(&format!("/api/v1/cases/{}/legal-procedures", people[2].0))
        .token(&team.legal_advisor.access_token)
        .json(&procedure)
        .send()
        .await;
    assert_eq!(held.status, 201, "{}", held.body);

    let env = app.env();
    let run = |args: &'static [&'static str]| {
        let env = env.clone();
        std::thread::spawn(move || run_cli(args, &env, "")).join().unwrap()
    };
    // A district keeping data for twenty years: nobody is due yet.
    let districts = app.get("/api/v1/districts").token(&app.admin.access_token).send().await;
    let milano = districts.body["items"].as_array().unwrap().iter().find(|d| d["code"] == "milano").cloned().unwrap();
    assert_eq!(milano["retention_years"], 10, "ten years unless set");
    let set = |years: i64, version: i64| {
        app.patch("/api/v1/districts/milano")
            .token(&app.admin.access_token)
            .if_match(version)
            .json(&json!({"retention_years": years}))
            .send()
    };
    let reply = set(20, milano["version"].as_i64().unwrap()).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    let (code, out, err) = run(&["retention", "run", "--dry-run"]);
    assert_eq!((code, out.contains("\"due\":[]")), (0, true), "{out}{err}");
    let reply = set(10, reply.body["version"].as_i64().unwrap()).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(set(0, reply.body["version"].as_i64().unwrap()).await.field_errors()[0].0, "retention_years");

    let (code, out, err) = run(&["retention", "run", "--dry-run"]);
    assert_eq!(code, 0, "{err}");
    let listed: Value = serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}"));
    let mut due: Vec<&str> = listed["due"].as_array().unwrap().iter().filter_map(Value::as_str).collect();
    due.sort();
    let mut expected = vec![people[0].1.as_str(), people[2].1.as_str()];
    expected.sort();
    assert_eq!((due, &listed["anonymised"]), (expected, &json!(0)), "{listed}");
    let untouched =
        app.get(&format!("/api/v1/beneficiaries/{}", people[0].1)).token(&team.coordinator.access_token).send().await;
    assert_eq!(untouched.body["alias"], "Longago", "a dry run changes nothing");

    // Another instance running a pass: this one skips (PostgreSQL's advisory lock).
    if let Some(url) = env.get("DATABASE_URL").filter(|url| url.starts_with("postgres")) {
        use diesel::{Connection, RunQueryDsl};
        let mut other = diesel::PgConnection::establish(url).unwrap();
        diesel::sql_query("SELECT pg_advisory_lock(7597128787270922853)").execute(&mut other).unwrap();
        let (code, out, err) = run(&["retention", "run"]);
        assert_eq!(code, 0, "{err}");
        assert!(out.contains("\"skipped\":true"), "{out}");
        diesel::sql_query("SELECT pg_advisory_unlock(7597128787270922853)").execute(&mut other).unwrap();
    }

    let (code, out, err) = run(&["retention", "run"]);
    assert_eq!(code, 0, "{err}");
    let done: Value = serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}"));
    assert_eq!((&done["anonymised"], &done["held"], &done["skipped"]), (&json!(1), &json!(1), &json!(false)), "{done}");
    let read =
        |id: String| app.get(&format!("/api/v1/beneficiaries/{id}")).token(&team.coordinator.access_token).send();
    let erased = read(people[0].1.clone()).await;
    assert_eq!(
        (erased.body["alias"].as_str(), erased.body["erased_at"].is_string()),
        (Some("[cancellato / erased]"), true)
    );
    assert_eq!(read(people[1].1.clone()).await.body["alias"], "Stillopen", "an open case keeps the person");
    assert_eq!(read(people[2].1.clone()).await.body["alias"], "Heldback", "a pending procedure holds the person");

    // The pass and its erasure are in the trail, by the service, and the trail verifies.
    let runs = app.get("/api/v1/audit?action=retention_run").token(&app.admin.access_token).send().await;
    assert_eq!(runs.body["items"][0]["reason"], "1 anonymised, 1 held by a legal procedure", "{}", runs.body);
    let erasures = app
        .get(&format!("/api/v1/audit?action=erasure&beneficiary_id={}", people[0].1))
        .token(&app.admin.access_token)
        .send()
        .await;
    assert_eq!(erasures.body["items"][0]["actor_id"], uuid::Uuid::nil().to_string(), "{}", erasures.body);
    let (code, out, err) = run(&["audit", "verify"]);
    assert_eq!(code, 0, "{out}{err}");
}

#[actix_web::test]
async fn a_coordinator_gives_a_person_all_their_data_as_json_and_as_a_printable_document() {
    let app = TestApp::new().await;
    let team = app.team().await;
    let partner_org = app.organization("Cooperativa Accoglienza Esempio", "ets", &["milano"]).await;
    let person = json!({"alias": "Amal <script>alert(1)</script>", "first_name": "Amal", "citizenships": ["MA"], "permit": {"kind": "art18ter"}});
    let (case, beneficiary) = app.case_in_charge(&team, person).await;
    let case_path = format!("/api/v1/cases/{case}");
    let note = |who: &crate::support::Session, level: &str, body: &str| {
        app.post(&format!("{case_path}/notes"))
            .token(&who.access_token)
            .json(&json!({"body": body, "confidentiality": level}))
            .send()
    };
    assert_eq!(note(&team.case_worker, "team", "Cerca un corso di italiano").await.status, 201);
    assert_eq!(note(&team.legal_advisor, "legal", "Valutare la denuncia al datore").await.status, 201);
    let referral = app
        .post(&format!("{case_path}/referrals"))
        .token(&team.case_worker.access_token)
        .json(&json!({"to_organization_id": partner_org, "category": "protection_referral", "reason": "Accoglienza"}))
        .send()
        .await;
    assert_eq!(referral.status, 201, "{}", referral.body);
    let sent = app
        .post(&format!("/api/v1/referrals/{}/transitions", referral.str("id")))
        .token(&team.coordinator.access_token)
        .if_match(1)
        .json(&json!({"to": "sent", "consent_override_reason": "urgenza abitativa"}))
        .send()
        .await;
    assert_eq!(sent.status, 200, "{}", sent.body);
    app.get(&format!("/api/v1/beneficiaries/{beneficiary}")).token(&team.case_worker.access_token).send().await;

    let path = format!("/api/v1/beneficiaries/{beneficiary}/subject-access");
    app.get(&path).token(&team.case_worker.access_token).send().await.problem(403);
    app.get(&path).token(&team.bergamo_coordinator.access_token).send().await.problem(404);
    app.get(&format!("{path}?color=red")).token(&team.coordinator.access_token).send().await.problem(422);

    let copy = app.get(&path).token(&team.coordinator.access_token).send().await;
    assert_eq!(copy.status, 200, "{}", copy.body);
    let body = &copy.body;
    assert_eq!(body["person"]["first_name"], "Amal");
    let file = &body["cases"][0];
    assert_eq!(file["case"]["id"], case.as_str());
    let notes: Vec<&str> = file["notes"].as_array().unwrap().iter().filter_map(|n| n["body"].as_str()).collect();
    assert_eq!(notes, ["Cerca un corso di italiano"], "legal notes only when the coordinator says so");
    assert_eq!(file["referrals"][0]["status"], "sent");
    assert!(!file["events"].as_array().unwrap().is_empty(), "the timeline");
    assert_eq!(
        body["shared_with"],
        json!([{"id": partner_org, "name": "Cooperativa Accoglienza Esempio", "kind": "ets"}])
    );
    let log = body["access_log"].as_array().unwrap();
    assert!(log.iter().any(|e| e["actor_id"] == team.case_worker.id.as_str() && e["action"] == "read"), "{log:?}");
    assert!(log.iter().all(|e| e["actor_role"].is_string() && e["at"].is_string()));
    assert_eq!(body["legal_notes_included"], false);

    let with_legal = app.get(&format!("{path}?include_legal=true")).token(&team.coordinator.access_token).send().await;
    let notes = with_legal.body["cases"][0]["notes"].as_array().unwrap().len();
    assert_eq!((notes, &with_legal.body["legal_notes_included"]), (2, &json!(true)));

    // Each copy is audited, and including the legal notes is a decision of its own.
    let trail = |action: &str| {
        app.get(&format!("/api/v1/audit?beneficiary_id={beneficiary}&action={action}"))
            .token(&team.coordinator.access_token)
            .send()
    };
    assert_eq!(trail("subject_access").await.body["items"].as_array().unwrap().len(), 2);
    let disclosed = trail("legal_disclosure").await;
    assert_eq!(disclosed.body["items"].as_array().unwrap().len(), 1);
    assert!(disclosed.body["items"][0]["reason"].as_str().unwrap().contains("legal notes included"));

    // The printable document, in Italian, every value escaped.
    for request in [
        app.get(&format!("{path}?format=html")).token(&team.coordinator.access_token),
        app.get(&path).token(&team.coordinator.access_token).header("Accept", "text/html"),
    ] {
        let reply = request.send().await;
        assert_eq!(reply.status, 200);
        assert_eq!(reply.header("content-type"), Some("text/html; charset=utf-8"));
        assert_eq!(reply.header("cache-control"), Some("no-store"));
        let html = String::from_utf8(reply.bytes.clone()).unwrap();
        for expected in [
            "Copia dei dati personali",
            "Cooperativa Accoglienza Esempio",
            "Registro degli accessi",
            "Lettura",
            "Amal &lt;script&gt;",
        ] {
            assert!(html.contains(expected), "{expected} missing from the document");
        }
        assert!(!html.contains("<script>"), "an alias is text, not markup");
        assert!(!html.contains("Valutare la denuncia"), "no legal note unless included");
    }
}
