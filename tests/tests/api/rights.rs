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
    ];
    for (who, path) in reads {
        let reply = app.get(&path).token(&who.access_token).send().await;
        assert_eq!(reply.status, 200, "{path}: {}", reply.body);
        assert_eq!(contains_any(reply.body.to_string().as_bytes(), &MARKERS), Vec::<String>::new(), "{path}");
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
