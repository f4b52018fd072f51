//! The audit trail: reads and changes are recorded with actor, role and request id; the
//! chain detects tampering; who may read it.

use serde_json::json;

use crate::support::{TestApp, run_cli};

#[actix_web::test]
async fn reads_and_changes_of_personal_data_are_audited() {
    let app = TestApp::new().await;
    let team = app.team().await;
    let case = app.intercept(&team.case_worker, "milano", json!({"alias": "Audited"})).await;
    let case_id = case["id"].as_str().unwrap();
    let beneficiary = case["beneficiary"]["id"].as_str().unwrap();

    let read = app
        .get(&format!("/api/v1/beneficiaries/{beneficiary}"))
        .token(&team.legal_advisor.access_token)
        .header("X-Request-Id", "read-42")
        .send()
        .await;
    assert_eq!(read.status, 200);
    app.get(&format!("/api/v1/cases/{case_id}"))
        .token(&team.case_worker.access_token)
        .header("X-Request-Id", "read-43")
        .send()
        .await;
    app.get("/api/v1/cases").token(&team.coordinator.access_token).header("X-Request-Id", "list-44").send().await;
    // A refused read leaves no entry about the person.
    app.get(&format!("/api/v1/beneficiaries/{beneficiary}"))
        .token(&team.bergamo_case_worker.access_token)
        .header("X-Request-Id", "denied-45")
        .send()
        .await
        .problem(404);

    let log = app
        .get(&format!("/api/v1/beneficiaries/{beneficiary}/access-log"))
        .token(&team.coordinator.access_token)
        .send()
        .await;
    assert_eq!(log.status, 200, "{}", log.body);
    let entries: Vec<(String, String, String, String)> = log.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["action"].as_str().unwrap().to_string(),
                e["actor_id"].as_str().unwrap().to_string(),
                e["actor_role"].as_str().unwrap().to_string(),
                e["request_id"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect();
    let expected = [
        ("list", team.coordinator.id.clone(), "district_coordinator", "list-44"),
        ("read", team.case_worker.id.clone(), "case_worker", "read-43"),
        ("read", team.legal_advisor.id.clone(), "legal_advisor", "read-42"),
    ];
    for (i, (action, actor, role, request)) in expected.iter().enumerate() {
        assert_eq!(
            entries[i],
            (action.to_string(), actor.clone(), role.to_string(), request.to_string()),
            "{entries:?}"
        );
    }
    // The interception itself: the person registered and the case created.
    let creations: Vec<_> = entries.iter().filter(|e| e.0 == "create").collect();
    assert_eq!(creations.len(), 2, "{entries:?}");
    assert!(!log.text().contains("denied-45"));
    let case_read = &log.body["items"][1];
    assert_eq!(case_read["case_id"], case_id);

    // Who may read the trail.
    app.get(&format!("/api/v1/beneficiaries/{beneficiary}/access-log"))
        .token(&team.case_worker.access_token)
        .send()
        .await
        .problem(403);
    app.get(&format!("/api/v1/beneficiaries/{beneficiary}/access-log"))
        .token(&team.bergamo_coordinator.access_token)
        .send()
        .await
        .problem(404);
    let all = app.get("/api/v1/audit").token(&app.admin.access_token).send().await;
    assert_eq!(all.status, 200);
    assert!(all.body["items"].as_array().unwrap().len() >= 5);
    let theirs = app.get("/api/v1/audit").token(&team.bergamo_coordinator.access_token).send().await;
    assert_eq!(theirs.body["items"].as_array().unwrap().len(), 0);
    let mine = app
        .get(&format!("/api/v1/audit?case_id={case_id}&action=read"))
        .token(&team.coordinator.access_token)
        .send()
        .await;
    assert_eq!(mine.body["items"].as_array().unwrap().len(), 1);
    for who in [&team.case_worker, &team.regional, &team.evaluator, &team.partner] {
        app.get("/api/v1/audit").token(&who.access_token).send().await.problem(403);
    }
    // No endpoint changes or deletes an entry.
    for method in ["POST", "PATCH", "DELETE", "PUT"] {
        assert_eq!(app.request(method, "/api/v1/audit").token(&app.admin.access_token).send().await.status, 405);
    }
}

#[actix_web::test]
async fn a_page_is_one_entry_naming_its_people_and_each_persons_log_shows_it_naming_only_them() {
    let app = TestApp::new().await;
    let team = app.team().await;
    let first = app.intercept(&team.case_worker, "milano", json!({"alias": "First"})).await;
    let second = app.intercept(&team.case_worker, "milano", json!({"alias": "Second"})).await;
    let person = |case: &serde_json::Value| case["beneficiary"]["id"].as_str().unwrap().to_string();
    let id = |case: &serde_json::Value| case["id"].as_str().unwrap().to_string();
    let page =
        app.get("/api/v1/cases").token(&team.coordinator.access_token).header("X-Request-Id", "page-1").send().await;
    assert_eq!(page.body["items"].as_array().unwrap().len(), 2);

    let trail = app.get("/api/v1/audit?action=list").token(&team.coordinator.access_token).send().await;
    let entries = trail.body["items"].as_array().unwrap();
    assert_eq!(entries.len(), 1, "one entry for the page: {entries:?}");
    let entry = &entries[0];
    assert_eq!((entry["request_id"].as_str(), entry["district"].as_str()), (Some("page-1"), Some("milano")));
    assert_eq!((&entry["beneficiary_id"], &entry["case_id"]), (&serde_json::Value::Null, &serde_json::Value::Null));
    // Newest first, as the page showed them.
    let named = json!([
        {"beneficiary_id": person(&second), "case_id": id(&second)},
        {"beneficiary_id": person(&first), "case_id": id(&first)},
    ]);
    assert_eq!(entry["listed"], named);

    // Each person's access log has the page, naming them alone.
    for case in [&first, &second] {
        let log = app
            .get(&format!("/api/v1/beneficiaries/{}/access-log", person(case)))
            .token(&team.coordinator.access_token)
            .send()
            .await;
        let items = log.body["items"].as_array().unwrap();
        assert_eq!(items[0]["seq"], entry["seq"], "{items:?}");
        assert_eq!(items[0]["listed"], json!([{"beneficiary_id": person(case), "case_id": id(case)}]));
        assert_eq!(items[0]["actor_id"], team.coordinator.id.as_str());
        assert_eq!(items.len(), 3, "created twice (person and case), listed once: {items:?}");
    }
    // The trail of a case has the pages that showed it.
    let of_case =
        app.get(&format!("/api/v1/audit?case_id={}", id(&first))).token(&team.coordinator.access_token).send().await;
    let actions: Vec<_> =
        of_case.body["items"].as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
    assert_eq!(actions, ["list", "create"]);
}

#[actix_web::test]
async fn changes_are_audited_in_their_own_transaction() {
    let app = TestApp::new().await;
    let team = app.team().await;
    let case = app.intercept(&team.case_worker, "milano", json!({"alias": "T"})).await;
    let case_id = case["id"].as_str().unwrap();
    let reply = app
        .post(&format!("/api/v1/cases/{case_id}/transitions"))
        .token(&team.case_worker.access_token)
        .if_match(1)
        .json(&json!({"to": "screening", "effective_at": "2026-03-01T00:00:00Z"}))
        .send()
        .await;
    assert_eq!(reply.status, 200);
    let trail = app
        .get(&format!("/api/v1/audit?case_id={case_id}&action=transition"))
        .token(&app.admin.access_token)
        .send()
        .await;
    assert_eq!(trail.body["items"].as_array().unwrap().len(), 1);
    // A refused transition changes nothing and records nothing.
    let reply = app
        .post(&format!("/api/v1/cases/{case_id}/transitions"))
        .token(&team.case_worker.access_token)
        .if_match(2)
        .json(&json!({"to": "taken_in_charge", "effective_at": "2026-03-01T00:00:00Z"}))
        .send()
        .await;
    reply.problem(409);
    let trail = app
        .get(&format!("/api/v1/audit?case_id={case_id}&action=transition"))
        .token(&app.admin.access_token)
        .send()
        .await;
    assert_eq!(trail.body["items"].as_array().unwrap().len(), 1);
}

#[actix_web::test]
async fn audit_verify_detects_a_changed_or_removed_entry() {
    let app = TestApp::new().await;
    let team = app.team().await;
    for n in 0..3 {
        app.intercept(&team.case_worker, "milano", json!({"alias": format!("V{n}")})).await;
    }
    app.get("/api/v1/cases").token(&team.case_worker.access_token).send().await;
    let env = app.env();
    let verify = {
        let env = env.clone();
        move || {
            let env = env.clone();
            std::thread::spawn(move || run_cli(&["audit", "verify"], &env, "")).join().unwrap()
        }
    };
    let (code, out, err) = verify();
    assert_eq!(code, 0, "{err}");
    // Two per interception (the person and the case), one for the page of three.
    assert!(out.contains("audit chain intact: 7 entries"), "{out}");

    // Someone rewrites who read a record.
    app.execute_sql(&format!("UPDATE audit_events SET actor_id = '{}' WHERE seq = 4", team.coordinator.id)).await;
    let (code, _, err) = verify();
    assert_eq!(code, 1);
    assert!(err.contains("broken at entry 4"), "{err}");
    app.execute_sql(&format!("UPDATE audit_events SET actor_id = '{}' WHERE seq = 4", team.case_worker.id)).await;
    assert_eq!(verify().0, 0);

    // Someone takes a person off the page that showed them, or out of the index of the
    // pages that named them (their access log would no longer show it).
    let page = app.get("/api/v1/audit?action=list").token(&app.admin.access_token).send().await;
    let page = &page.body["items"][0];
    assert_eq!((page["seq"].as_i64(), page["listed"].as_array().map(Vec::len)), (Some(7), Some(3)), "{page}");
    let hidden = page["listed"][1]["beneficiary_id"].as_str().unwrap();
    app.execute_sql(&format!(
        "UPDATE audit_events SET listed = replace(listed, '{hidden}', '{}') WHERE seq = 7",
        uuid::Uuid::nil()
    ))
    .await;
    let (code, _, err) = verify();
    assert_eq!((code, err.contains("broken at entry 7")), (1, true), "{err}");
    app.execute_sql(&format!(
        "UPDATE audit_events SET listed = replace(listed, '{}', '{hidden}') WHERE seq = 7",
        uuid::Uuid::nil()
    ))
    .await;
    assert_eq!(verify().0, 0);
    app.execute_sql(&format!("DELETE FROM audit_listed WHERE beneficiary_id = '{hidden}'")).await;
    let (code, _, err) = verify();
    assert_eq!((code, err.contains(&format!("entry 7 names {hidden} on a page but the index"))), (1, true), "{err}");
    app.execute_sql(&format!("INSERT INTO audit_listed (beneficiary_id, seq) VALUES ('{hidden}', 7)")).await;
    assert_eq!(verify().0, 0);
    // The row moved to another person: the page leaves one log and enters another.
    let other = team.coordinator.id.as_str();
    app.execute_sql(&format!("UPDATE audit_listed SET beneficiary_id = '{other}' WHERE beneficiary_id = '{hidden}'"))
        .await;
    let (code, _, err) = verify();
    let named =
        err.contains(&format!("names {hidden} on a page")) || err.contains(&format!("lists {other} under entry 7"));
    assert_eq!((code, named), (1, true), "{err}");
    app.execute_sql(&format!("UPDATE audit_listed SET beneficiary_id = '{hidden}' WHERE beneficiary_id = '{other}'"))
        .await;
    // A row added, under an entry that does not name the person, or beyond the chain.
    for seq in [4, 99] {
        app.execute_sql(&format!("INSERT INTO audit_listed (beneficiary_id, seq) VALUES ('{hidden}', {seq})")).await;
        let (code, _, err) = verify();
        assert_eq!((code, err.contains(&format!("lists {hidden} under entry {seq}"))), (1, true), "{err}");
        app.execute_sql(&format!("DELETE FROM audit_listed WHERE seq = {seq}")).await;
    }
    assert_eq!(verify().0, 0);

    // A signed checkpoint kept outside the database, then the last entries removed and the
    // head moved back: the database alone verifies clean, the checkpoint does not.
    let checkpoints = tempfile_path("checkpoints");
    let checkpoint = |env: &std::collections::HashMap<String, String>| {
        let (env, file) = (env.clone(), checkpoints.clone());
        std::thread::spawn(move || run_cli(&["audit", "checkpoint", "--out", &file], &env, "")).join().unwrap()
    };
    let (code, out, err) = checkpoint(&env);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("checkpoint of 7 entries appended"), "{out}");
    let with_checkpoint = {
        let (env, file) = (env.clone(), checkpoints.clone());
        move || {
            let (env, file) = (env.clone(), file.clone());
            std::thread::spawn(move || run_cli(&["audit", "verify", "--checkpoint", &file], &env, "")).join().unwrap()
        }
    };
    let (code, out, err) = with_checkpoint();
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("consistent with 1 checkpoints"), "{out}");
    let head_at_5 = app.get("/api/v1/audit?limit=200").token(&app.admin.access_token).send().await.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["seq"] == 5)
        .map(|e| e["hash"].as_str().unwrap().to_string())
        .unwrap();
    app.execute_sql("DELETE FROM audit_listed WHERE seq >= 6").await;
    app.execute_sql("DELETE FROM audit_events WHERE seq >= 6").await;
    app.execute_sql(&format!("UPDATE audit_head SET seq = 5, hash = '{head_at_5}' WHERE id = 1")).await;
    assert_eq!(verify().0, 0, "the database alone cannot tell");
    let (code, _, err) = with_checkpoint();
    assert_eq!(code, 1);
    assert!(err.contains("broken at entry 6: the chain ends at entry 5 but the checkpoint"), "{err}");
    assert!(err.contains("signed 7 entries: entries were removed"), "{err}");
    // A checkpoint edited to fit is not signed by the key.
    let edited = std::fs::read_to_string(&checkpoints).unwrap().replace(".7.", ".5.");
    std::fs::write(&checkpoints, edited).unwrap();
    let (code, _, err) = with_checkpoint();
    assert_eq!((code, err.contains("was not signed with this audit key")), (1, true), "{err}");
    let _ = std::fs::remove_file(&checkpoints);

    // Someone removes the last entries without moving the head.
    app.execute_sql("DELETE FROM audit_events WHERE seq >= 4").await;
    let (code, _, err) = verify();
    assert_eq!(code, 1);
    assert!(err.contains("entries were removed"), "{err}");
}

/// A path in the temporary directory no other test uses.
fn tempfile_path(name: &str) -> String {
    std::env::temp_dir().join(format!("inlav-{name}-{}", uuid::Uuid::now_v7())).to_string_lossy().into_owned()
}

#[actix_web::test]
async fn concurrent_reads_are_committed_together_and_each_is_in_the_chain() {
    let app = TestApp::new().await;
    let team = app.team().await;
    let case = app.intercept(&team.case_worker, "milano", json!({"alias": "Concurrent"})).await;
    let path = format!("/api/v1/cases/{}", case["id"].as_str().unwrap());
    // Sixty reads in flight at once: the audit writer commits them in batches.
    let reads = (0..60).map(|_| app.get(&path).token(&team.coordinator.access_token).send());
    let replies = futures_util::future::join_all(reads).await;
    assert!(replies.iter().all(|r| r.status == 200));
    let trail = app
        .get(&format!("/api/v1/audit?case_id={}&action=read&limit=200", case["id"].as_str().unwrap()))
        .token(&team.coordinator.access_token)
        .send()
        .await;
    let reads_logged = trail.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["actor_id"] == team.coordinator.id.as_str())
        .count();
    assert_eq!(reads_logged, 60, "one entry per read, none lost");
    let env = app.env();
    let (code, out, err) = std::thread::spawn(move || run_cli(&["audit", "verify"], &env, "")).join().unwrap();
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("audit chain intact"), "{out}");
}
