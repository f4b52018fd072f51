//! Cases: the lifecycle end to end, the state machine's refusals, closure approval,
//! eligibility override, risk, effective dates, If-Match and idempotency.

use serde_json::{Value, json};

use crate::support::{Session, TestApp, days_ago};

fn adult(alias: &str) -> Value {
    json!({
        "alias": alias, "first_name": alias, "last_name": "Uddin", "birth_date": "1994-04-02",
        "gender": "male", "citizenships": ["BD"], "languages": ["bn", "en"],
        "permit": {"kind": "work", "expires_on": "2027-06-30"}
    })
}

async fn transition(app: &TestApp, who: &Session, case: &str, body: Value) -> crate::support::Reply {
    let path = format!("/api/v1/cases/{case}");
    let version = app.version_of(who, &path).await;
    app.post(&format!("{path}/transitions")).token(&who.access_token).if_match(version).json(&body).send().await
}

async fn patch_case(app: &TestApp, who: &Session, case: &str, body: Value) -> crate::support::Reply {
    let path = format!("/api/v1/cases/{case}");
    let version = app.version_of(who, &path).await;
    app.patch(&path).token(&who.access_token).if_match(version).json(&body).send().await
}

#[actix_web::test]
async fn the_lifecycle_end_to_end() {
    let app = TestApp::new().await;
    let team = app.team().await;
    let worker = &team.case_worker;
    let case = app.intercept(worker, "milano", adult("Rahim")).await;
    let id = case["id"].as_str().unwrap().to_string();
    assert_eq!(case["status"], "intercepted");
    assert_eq!(case["beneficiary"]["alias"], "Rahim");
    assert_eq!(case["intercepted_at"], days_ago(10).replace("+00:00", "Z"));

    // Not reachable in one step.
    let reply = transition(&app, worker, &id, json!({"to": "taken_in_charge", "effective_at": days_ago(9)})).await;
    let problem = reply.problem(409);
    assert_eq!(problem["code"], "invalid_transition");
    assert_eq!(problem["reachable"], json!(["screening", "closed"]));

    let reply = transition(&app, worker, &id, json!({"to": "screening", "effective_at": days_ago(9)})).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(reply.body["status"], "screening");

    // Taking in charge lists everything missing.
    let reply = transition(&app, worker, &id, json!({"to": "taken_in_charge", "effective_at": days_ago(8)})).await;
    let problem = reply.problem(409);
    assert_eq!(problem["code"], "preconditions_failed");
    let codes: Vec<&str> =
        problem["preconditions"].as_array().unwrap().iter().map(|p| p["code"].as_str().unwrap()).collect();
    assert_eq!(codes, ["consent_missing", "eligibility_undetermined", "no_need", "no_case_worker"]);

    let beneficiary = case["beneficiary"]["id"].as_str().unwrap();
    let reply = app
        .post(&format!("/api/v1/beneficiaries/{beneficiary}/consents"))
        .token(&worker.access_token)
        .json(&json!({"kind": "privacy_notice", "given_on": "2026-02-21", "method": "written", "language": "bn"}))
        .send()
        .await;
    assert_eq!(reply.status, 201, "{}", reply.body);
    let reply = patch_case(
        &app,
        worker,
        &id,
        json!({"needs": ["documents", "italian_language", "documents"], "work": {"contract": "irregular", "sector": "logistics"}, "case_worker_id": worker.id}),
    )
    .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(reply.body["needs"], json!(["italian_language", "documents"]));

    let eligibility = app.get(&format!("/api/v1/cases/{id}/eligibility")).token(&worker.access_token).send().await;
    assert_eq!(eligibility.status, 200, "{}", eligibility.body);
    assert_eq!(eligibility.body["verdict"], "eligible");
    assert_eq!(eligibility.body["rule_set"], "inlav_2023");
    assert!(eligibility.body["criteria"].as_array().unwrap().iter().all(|c| c["status"] == "met"));

    let reply = transition(&app, worker, &id, json!({"to": "taken_in_charge", "effective_at": days_ago(8)})).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(reply.body["taken_in_charge_at"], days_ago(8).replace("+00:00", "Z"));

    let reply = transition(&app, worker, &id, json!({"to": "suspended", "effective_at": days_ago(6)})).await;
    assert_eq!(reply.field_errors(), [("reason".to_string(), "required".to_string())]);
    let reply =
        transition(&app, worker, &id, json!({"to": "suspended", "effective_at": days_ago(6), "reason": "in hospital"}))
            .await;
    assert_eq!(reply.status, 200);
    let reply = transition(&app, worker, &id, json!({"to": "taken_in_charge", "effective_at": days_ago(4)})).await;
    assert_eq!(reply.status, 200);

    let reply = transition(&app, worker, &id, json!({"to": "closed", "effective_at": days_ago(2)})).await;
    assert_eq!(
        reply.field_errors(),
        [("outcome".to_string(), "required".to_string()), ("summary".to_string(), "required".to_string())]
    );
    let reply = transition(
        &app,
        worker,
        &id,
        json!({"to": "closed", "effective_at": days_ago(2), "outcome": "regular_employment", "summary": "Hired by a logistics cooperative"}),
    )
    .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(reply.body["closure"]["outcome"], "regular_employment");

    // A closed case is read-only, and only a coordinator reopens it.
    patch_case(&app, worker, &id, json!({"profile": "grey_work"})).await.problem(409);
    let reply = transition(
        &app,
        worker,
        &id,
        json!({"to": "taken_in_charge", "effective_at": days_ago(1), "reason": "job lost"}),
    )
    .await;
    reply.problem(403);
    let reply = transition(
        &app,
        &team.coordinator,
        &id,
        json!({"to": "taken_in_charge", "effective_at": days_ago(1), "reason": "job lost"}),
    )
    .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert!(reply.body["closure"].is_null());

    let events = app.get(&format!("/api/v1/cases/{id}/events")).token(&worker.access_token).send().await;
    assert_eq!(events.status, 200);
    let timeline: Vec<(String, String)> = events.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["kind"].as_str().unwrap().to_string(), e["to_status"].as_str().unwrap_or("").to_string()))
        .collect();
    let expected = [
        ("interception", "intercepted"),
        ("transition", "screening"),
        ("update", ""),
        ("assignment", ""),
        ("transition", "taken_in_charge"),
        ("transition", "suspended"),
        ("transition", "taken_in_charge"),
        ("transition", "closed"),
        ("transition", "taken_in_charge"),
    ];
    assert_eq!(timeline, expected.map(|(k, s)| (k.to_string(), s.to_string())));
    let reopen = events.body["items"].as_array().unwrap().last().unwrap();
    assert_eq!(reopen["actor_id"], team.coordinator.id.as_str());
    assert_eq!(reopen["reason"], "job lost");
    assert_eq!(reopen["from_status"], "closed");
}

#[actix_web::test]
async fn a_minor_is_taken_in_charge_only_with_a_guardian() {
    let app = TestApp::new().await;
    let team = app.team().await;
    let mut minor = adult("Minor");
    minor["birth_date"] = json!("2010-06-01");
    let case = app.intercept(&team.case_worker, "milano", minor).await;
    let id = case["id"].as_str().unwrap();
    let beneficiary = case["beneficiary"]["id"].as_str().unwrap();
    app.post(&format!("/api/v1/beneficiaries/{beneficiary}/consents"))
        .token(&team.case_worker.access_token)
        .json(&json!({"kind": "privacy_notice", "given_on": "2026-02-21", "method": "written", "language": "bn"}))
        .send()
        .await;
    patch_case(
        &app,
        &team.case_worker,
        id,
        json!({"needs": ["training"], "work": {"contract": "irregular"}, "case_worker_id": team.case_worker.id}),
    )
    .await;
    transition(&app, &team.case_worker, id, json!({"to": "screening", "effective_at": days_ago(9)})).await;
    let eligibility =
        app.get(&format!("/api/v1/cases/{id}/eligibility")).token(&team.case_worker.access_token).send().await;
    let warnings: Vec<&str> =
        eligibility.body["warnings"].as_array().unwrap().iter().map(|w| w["code"].as_str().unwrap()).collect();
    assert_eq!(warnings, ["minor", "guardian_missing"]);
    let reply =
        transition(&app, &team.case_worker, id, json!({"to": "taken_in_charge", "effective_at": days_ago(8)})).await;
    let codes: Vec<&str> =
        reply.problem(409)["preconditions"].as_array().unwrap().iter().map(|p| p["code"].as_str().unwrap()).collect();
    assert_eq!(codes, ["guardian_missing"]);
    let reply = app
        .patch(&format!("/api/v1/beneficiaries/{beneficiary}"))
        .token(&team.case_worker.access_token)
        .if_match(1)
        .json(&json!({"guardian": {"name": "Tutore nominato dal tribunale", "relation": "tutore legale"}}))
        .send()
        .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    let reply =
        transition(&app, &team.case_worker, id, json!({"to": "taken_in_charge", "effective_at": days_ago(8)})).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
}

#[actix_web::test]
async fn effective_dates_are_neither_in_the_future_nor_before_the_previous_event() {
    let app = TestApp::new().await;
    let team = app.team().await;
    let case = app.intercept(&team.case_worker, "milano", adult("R")).await;
    let id = case["id"].as_str().unwrap();
    let reply =
        transition(&app, &team.case_worker, id, json!({"to": "screening", "effective_at": "2026-03-02T09:00:01Z"}))
            .await;
    assert_eq!(reply.field_errors(), [("effective_at".to_string(), "in_future".to_string())]);
    let reply = transition(&app, &team.case_worker, id, json!({"to": "screening", "effective_at": days_ago(11)})).await;
    assert_eq!(reply.field_errors(), [("effective_at".to_string(), "before_previous_event".to_string())]);

    let reply = app
        .post("/api/v1/cases")
        .token(&team.case_worker.access_token)
        .json(&json!({"beneficiary": {"alias": "F"}, "district": "milano", "channel": "self_referral", "intercepted_at": "2026-03-03T00:00:00Z"}))
        .send()
        .await;
    assert_eq!(reply.field_errors(), [("intercepted_at".to_string(), "in_future".to_string())]);
}

#[actix_web::test]
async fn updates_and_transitions_need_the_current_version() {
    let app = TestApp::new().await;
    let team = app.team().await;
    let case = app.intercept(&team.case_worker, "milano", adult("R")).await;
    let path = format!("/api/v1/cases/{}", case["id"].as_str().unwrap());
    let token = &team.case_worker.access_token;
    app.patch(&path).token(token).json(&json!({"profile": "grey_work"})).send().await.problem(428);
    app.patch(&path).token(token).if_match(9).json(&json!({"profile": "grey_work"})).send().await.problem(412);
    let body = json!({"to": "screening", "effective_at": days_ago(1)});
    app.post(&format!("{path}/transitions")).token(token).json(&body).send().await.problem(428);
    app.post(&format!("{path}/transitions")).token(token).if_match(9).json(&body).send().await.problem(412);
    let reply = app.post(&format!("{path}/transitions")).token(token).if_match(1).json(&body).send().await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(reply.header("etag"), Some("\"2\""));
    // The version read before the transition is stale now.
    app.patch(&path).token(token).if_match(1).json(&json!({"profile": "grey_work"})).send().await.problem(412);
}

/// Writes in flight together are committed together on SQLite (one group, each write in a
/// savepoint of its own): the ones refused inside the group leave no trace, the others all land.
#[actix_web::test]
async fn concurrent_writes_all_land_and_the_refused_ones_leave_no_trace() {
    let app = TestApp::new().await;
    let team = app.team().await;
    let case = app.intercept(&team.case_worker, "milano", adult("Contended")).await;
    let id = case["id"].as_str().unwrap().to_string();
    let path = format!("/api/v1/cases/{id}");
    let token = &team.case_worker.access_token;
    let body = json!({"to": "screening", "effective_at": days_ago(1)});
    // Twelve transitions of one case from version 1 (one may win), twenty new interceptions,
    // and interceptions refused inside the transaction, after their person was written (an
    // unknown intercepting organisation).
    let transitions =
        (0..12).map(|_| app.post(&format!("{path}/transitions")).token(token).if_match(1).json(&body).send());
    let creates = (0..20).map(|n| {
        app.post("/api/v1/cases")
            .token(token)
            .json(&json!({
                "beneficiary": {"alias": format!("Group {n}"), "gender": "male", "citizenships": ["PK"]},
                "district": "milano", "channel": "street_outreach", "intercepted_at": days_ago(3)
            }))
            .send()
    });
    let refused = (0..5).map(|n| {
        app.post("/api/v1/cases")
            .token(token)
            .json(&json!({
                "beneficiary": {"alias": format!("Refused {n}"), "gender": "male", "citizenships": ["PK"]},
                "district": "milano", "channel": "street_outreach", "intercepted_at": days_ago(3),
                "intercepting_organization_id": "0190aaaa-0000-7000-8000-000000000000"
            }))
            .send()
    });
    let (transitions, creates, refused) = futures_util::future::join3(
        futures_util::future::join_all(transitions),
        futures_util::future::join_all(creates),
        futures_util::future::join_all(refused),
    )
    .await;
    let statuses: Vec<u16> = transitions.iter().map(|r| r.status).collect();
    assert_eq!(statuses.iter().filter(|s| **s == 200).count(), 1, "{statuses:?}");
    assert_eq!(statuses.iter().filter(|s| **s == 412).count(), 11, "{statuses:?}");
    assert!(creates.iter().all(|r| r.status == 201), "{:?}", creates.iter().map(|r| r.status).collect::<Vec<_>>());
    assert!(refused.iter().all(|r| r.status == 422), "{:?}", refused.iter().map(|r| &r.body).collect::<Vec<_>>());

    let events = app.get(&format!("{path}/events")).token(token).send().await;
    let transitions_stored =
        events.body["items"].as_array().unwrap().iter().filter(|e| e["kind"] == "transition").count();
    assert_eq!(transitions_stored, 1, "{}", events.body);
    assert_eq!(app.version_of(&team.case_worker, &path).await, 2);
    // The rows an idle update touches: a count that works on both backends.
    let people = |alias: &str| format!("UPDATE beneficiaries SET alias = alias WHERE alias LIKE '{alias}%'");
    assert_eq!(app.execute_sql(&people("Group ")).await, 20);
    assert_eq!(app.execute_sql(&people("Refused ")).await, 0, "a refused write stores nothing");
    let env = app.env();
    let (code, out, err) =
        std::thread::spawn(move || crate::support::run_cli(&["audit", "verify"], &env, "")).join().unwrap();
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("audit chain intact"), "{out}");
}

#[actix_web::test]
async fn a_retried_interception_is_recorded_once() {
    let app = TestApp::new().await;
    let team = app.team().await;
    let token = &team.case_worker.access_token;
    let body = json!({"beneficiary": {"alias": "Once"}, "district": "milano", "channel": "self_referral", "intercepted_at": days_ago(1)});
    let first = app.post("/api/v1/cases").token(token).header("Idempotency-Key", "k-1").json(&body).send().await;
    assert_eq!(first.status, 201, "{}", first.body);
    // The same request again, with its keys in another order: the first answer.
    let reordered = json!({"intercepted_at": days_ago(1), "channel": "self_referral", "district": "milano", "beneficiary": {"alias": "Once"}});
    let second = app.post("/api/v1/cases").token(token).header("Idempotency-Key", "k-1").json(&reordered).send().await;
    assert_eq!(second.status, 201);
    assert_eq!(second.body, first.body);
    assert_eq!(second.header("location"), first.header("location"));
    assert_eq!(second.header("idempotent-replayed"), Some("true"));
    let list = app.get("/api/v1/cases").token(token).send().await;
    assert_eq!(list.body["items"].as_array().unwrap().len(), 1);

    // Another body under the same key is refused.
    let other = json!({"beneficiary": {"alias": "Twice"}, "district": "milano", "channel": "self_referral", "intercepted_at": days_ago(1)});
    let reply = app.post("/api/v1/cases").token(token).header("Idempotency-Key", "k-1").json(&other).send().await;
    assert_eq!(reply.field_errors(), [("Idempotency-Key".to_string(), "key_reused".to_string())]);
    // Keys belong to their caller.
    let reply = app
        .post("/api/v1/cases")
        .token(&team.coordinator.access_token)
        .header("Idempotency-Key", "k-1")
        .json(&other)
        .send()
        .await;
    assert_eq!(reply.status, 201);
    // A transition retried with its key is applied once.
    let id = first.body["id"].as_str().unwrap();
    let path = format!("/api/v1/cases/{id}/transitions");
    let step = json!({"to": "screening", "effective_at": days_ago(0)});
    let a = app.post(&path).token(token).if_match(1).header("Idempotency-Key", "t-1").json(&step).send().await;
    let b = app.post(&path).token(token).if_match(1).header("Idempotency-Key", "t-1").json(&step).send().await;
    assert_eq!((a.status, b.status), (200, 200));
    assert_eq!(a.body, b.body);
    let events = app.get(&format!("/api/v1/cases/{id}/events")).token(token).send().await;
    assert_eq!(events.body["items"].as_array().unwrap().len(), 2);
    app.post("/api/v1/cases")
        .token(token)
        .header("Idempotency-Key", "bad key with spaces")
        .json(&body)
        .send()
        .await
        .problem(400);
}

#[actix_web::test]
async fn closures_wait_for_approval_where_the_district_requires_it() {
    let app = TestApp::new().await;
    let team = app.team().await;
    let districts = app.get("/api/v1/districts").token(&app.admin.access_token).send().await;
    let milano = districts.body["items"].as_array().unwrap().iter().find(|d| d["code"] == "milano").unwrap().clone();
    assert_eq!(milano["closure_requires_approval"], false);
    let reply = app
        .patch("/api/v1/districts/milano")
        .token(&app.admin.access_token)
        .if_match(milano["version"].as_i64().unwrap())
        .json(&json!({"closure_requires_approval": true}))
        .send()
        .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    app.patch("/api/v1/districts/milano")
        .token(&team.coordinator.access_token)
        .if_match(2)
        .json(&json!({}))
        .send()
        .await
        .problem(403);

    let case = app.intercept(&team.case_worker, "milano", adult("R")).await;
    let id = case["id"].as_str().unwrap();
    let close = json!({"to": "closed", "effective_at": days_ago(5), "outcome": "declined", "summary": "Does not want to go on", "reason": "talked on the phone"});
    let reply = transition(&app, &team.case_worker, id, close.clone()).await;
    assert_eq!(reply.status, 202, "{}", reply.body);
    assert_eq!(reply.body["status"], "intercepted");
    assert_eq!(reply.body["closure_request"]["outcome"], "declined");
    assert_eq!(reply.body["closure_request"]["by"], team.case_worker.id.as_str());

    let path = format!("/api/v1/cases/{id}/closure-approval");
    let version = app.version_of(&team.coordinator, &format!("/api/v1/cases/{id}")).await;
    app.post(&path)
        .token(&team.case_worker.access_token)
        .if_match(version)
        .json(&json!({"decision": "approve"}))
        .send()
        .await
        .problem(403);
    let reply = app
        .post(&path)
        .token(&team.coordinator.access_token)
        .if_match(version)
        .json(&json!({"decision": "reject"}))
        .send()
        .await;
    assert_eq!(reply.field_errors(), [("reason".to_string(), "required".to_string())]);
    let reply = app
        .post(&path)
        .token(&team.coordinator.access_token)
        .if_match(version)
        .json(&json!({"decision": "reject", "reason": "try the training course first"}))
        .send()
        .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert!(reply.body["closure_request"].is_null());
    let reply = app
        .post(&path)
        .token(&team.coordinator.access_token)
        .if_match(version + 1)
        .json(&json!({"decision": "approve"}))
        .send()
        .await;
    assert_eq!(reply.problem(409)["code"], "no_closure_request");

    let reply = transition(&app, &team.case_worker, id, close).await;
    assert_eq!(reply.status, 202);
    let version = app.version_of(&team.coordinator, &format!("/api/v1/cases/{id}")).await;
    let reply = app
        .post(&path)
        .token(&team.coordinator.access_token)
        .if_match(version)
        .json(&json!({"decision": "approve"}))
        .send()
        .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(reply.body["status"], "closed");
    assert_eq!(reply.body["status_since"], days_ago(5).replace("+00:00", "Z"));
    assert_eq!(reply.body["closure"]["summary"], "Does not want to go on");

    // A coordinator's own closure needs no approval.
    let other = app.intercept(&team.case_worker, "milano", adult("S")).await;
    let reply = transition(
        &app,
        &team.coordinator,
        other["id"].as_str().unwrap(),
        json!({"to": "closed", "effective_at": days_ago(1), "outcome": "lost_contact", "summary": "No answer"}),
    )
    .await;
    assert_eq!(reply.status, 200);
    assert_eq!(reply.body["status"], "closed");
}

#[actix_web::test]
async fn a_coordinator_may_override_eligibility_with_a_reason() {
    let app = TestApp::new().await;
    let team = app.team().await;
    let mut person = adult("Ion");
    person["citizenships"] = json!(["RO"]);
    let case = app.intercept(&team.case_worker, "milano", person).await;
    let id = case["id"].as_str().unwrap();
    let beneficiary = case["beneficiary"]["id"].as_str().unwrap();
    app.post(&format!("/api/v1/beneficiaries/{beneficiary}/consents"))
        .token(&team.case_worker.access_token)
        .json(&json!({"kind": "privacy_notice", "given_on": "2026-02-20", "method": "oral", "language": "ro"}))
        .send()
        .await;
    patch_case(
        &app,
        &team.case_worker,
        id,
        json!({"needs": ["legal"], "work": {"contract": "grey"}, "case_worker_id": team.case_worker.id}),
    )
    .await;
    transition(&app, &team.case_worker, id, json!({"to": "screening", "effective_at": days_ago(5)})).await;

    let eligibility =
        app.get(&format!("/api/v1/cases/{id}/eligibility")).token(&team.case_worker.access_token).send().await;
    assert_eq!(eligibility.body["verdict"], "not_eligible");
    let citizenship = &eligibility.body["criteria"][0];
    assert_eq!(
        (citizenship["criterion"].as_str(), citizenship["status"].as_str()),
        (Some("third_country_national"), Some("not_met"))
    );
    assert!(citizenship["explanation"].as_str().unwrap().contains("RO"));

    let reply =
        transition(&app, &team.case_worker, id, json!({"to": "taken_in_charge", "effective_at": days_ago(4)})).await;
    let codes: Vec<&str> =
        reply.problem(409)["preconditions"].as_array().unwrap().iter().map(|p| p["code"].as_str().unwrap()).collect();
    assert_eq!(codes, ["eligibility_not_met"]);

    let path = format!("/api/v1/cases/{id}/eligibility-override");
    let version = app.version_of(&team.coordinator, &format!("/api/v1/cases/{id}")).await;
    app.post(&path)
        .token(&team.case_worker.access_token)
        .if_match(version)
        .json(&json!({"reason": "x"}))
        .send()
        .await
        .problem(403);
    let reply = app
        .post(&path)
        .token(&team.coordinator.access_token)
        .if_match(version)
        .json(&json!({"reason": "  "}))
        .send()
        .await;
    assert_eq!(reply.field_errors(), [("reason".to_string(), "required".to_string())]);
    let reply = app
        .post(&path)
        .token(&team.coordinator.access_token)
        .if_match(version)
        .json(&json!({"reason": "EU citizen in severe exploitation: the Milan PUA follows exploitation regardless of nationality"}))
        .send()
        .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(reply.body["eligibility_override"]["by"], team.coordinator.id.as_str());
    assert_eq!(reply.body["view"], "full");
    let trail = app
        .get(&format!("/api/v1/audit?case_id={id}&action=eligibility_override"))
        .token(&team.coordinator.access_token)
        .send()
        .await;
    assert_eq!(trail.body["items"].as_array().map(Vec::len), Some(1), "{}", trail.body);
    assert!(trail.body["items"][0]["reason"].as_str().unwrap().starts_with("EU citizen in severe exploitation"));

    let reply =
        transition(&app, &team.case_worker, id, json!({"to": "taken_in_charge", "effective_at": days_ago(4)})).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
}

#[actix_web::test]
async fn the_open_rule_set_of_a_district_ignores_nationality() {
    let app = TestApp::new().await;
    let team = app.team().await;
    let reply = app
        .patch("/api/v1/districts/milano")
        .token(&app.admin.access_token)
        .if_match(1)
        .json(&json!({"eligibility_rule_set": "inlav_2023_any_nationality"}))
        .send()
        .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    let mut person = adult("Ion");
    person["citizenships"] = json!(["RO"]);
    let case = app.intercept(&team.case_worker, "milano", person).await;
    let id = case["id"].as_str().unwrap();
    patch_case(&app, &team.case_worker, id, json!({"work": {"contract": "irregular"}})).await;
    let eligibility =
        app.get(&format!("/api/v1/cases/{id}/eligibility")).token(&team.case_worker.access_token).send().await;
    assert_eq!(eligibility.body["rule_set"], "inlav_2023_any_nationality");
    assert_eq!(eligibility.body["verdict"], "eligible");
    assert_eq!(eligibility.body["criteria"].as_array().unwrap().len(), 2);
}

#[actix_web::test]
async fn risk_is_read_from_the_recorded_indicators() {
    let app = TestApp::new().await;
    let team = app.team().await;
    let case = app.intercept(&team.case_worker, "milano", adult("R")).await;
    let id = case["id"].as_str().unwrap();
    let risk = app.get(&format!("/api/v1/cases/{id}/risk")).token(&team.legal_advisor.access_token).send().await;
    assert_eq!(risk.status, 200);
    assert_eq!(risk.body["level"], "none");

    let reply = patch_case(
        &app,
        &team.legal_advisor,
        id,
        json!({"indicators": [{"indicator": "deception", "noted_on": "2026-02-25"}, {"indicator": "retention_of_documents", "noted_on": "2026-02-25"}]}),
    )
    .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    let risk = app.get(&format!("/api/v1/cases/{id}/risk")).token(&team.case_worker.access_token).send().await;
    assert_eq!(risk.body["level"], "severe");
    let actions: Vec<&str> =
        risk.body["actions"].as_array().unwrap().iter().map(|a| a["code"].as_str().unwrap()).collect();
    assert_eq!(
        actions,
        ["protection_referral", "permit_art18ter", "labour_inspectorate", "legal_advice", "documents_recovery"]
    );

    let reply = patch_case(&app, &team.case_worker, id, json!({"indicators": [{"indicator": "deception", "noted_on": "2026-03-03"}, {"indicator": "deception", "noted_on": "2026-02-01"}]})).await;
    assert_eq!(
        reply.field_errors(),
        [
            ("indicators[0].noted_on".to_string(), "in_future".to_string()),
            ("indicators[1].indicator".to_string(), "duplicate".to_string())
        ]
    );
}

#[actix_web::test]
async fn assignments_follow_roles_and_districts() {
    let app = TestApp::new().await;
    let team = app.team().await;
    let case = app.intercept(&team.case_worker, "milano", adult("R")).await;
    let id = case["id"].as_str().unwrap();
    // A case worker assigns themselves, not others.
    assert_eq!(
        patch_case(&app, &team.case_worker, id, json!({"case_worker_id": team.case_worker.id})).await.status,
        200
    );
    patch_case(&app, &team.case_worker, id, json!({"case_worker_id": team.coordinator.id})).await.problem(403);
    patch_case(&app, &team.case_worker, id, json!({"legal_advisor_id": team.legal_advisor.id})).await.problem(403);
    // A coordinator assigns, but only people of the right role and district.
    let reply = patch_case(&app, &team.coordinator, id, json!({"legal_advisor_id": team.legal_advisor.id})).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    let reply = patch_case(&app, &team.coordinator, id, json!({"case_worker_id": team.bergamo_case_worker.id})).await;
    assert_eq!(reply.field_errors(), [("case_worker_id".to_string(), "invalid_assignee".to_string())]);
    let reply = patch_case(&app, &team.coordinator, id, json!({"legal_advisor_id": team.case_worker.id})).await;
    assert_eq!(reply.field_errors(), [("legal_advisor_id".to_string(), "invalid_assignee".to_string())]);
    // assigned_to=me finds them.
    let mine = app.get("/api/v1/cases?assigned_to=me").token(&team.legal_advisor.access_token).send().await;
    assert_eq!(mine.body["items"].as_array().unwrap().len(), 1);
    let none = app.get("/api/v1/cases?assigned_to=me").token(&team.coordinator.access_token).send().await;
    assert_eq!(none.body["items"].as_array().unwrap().len(), 0);
}

#[actix_web::test]
async fn the_case_list_filters_and_pages_newest_first() {
    let app = TestApp::new().await;
    let team = app.team().await;
    let token = &team.case_worker.access_token;
    let mut ids = Vec::new();
    for (n, (day, channel)) in
        [(20, "street_outreach"), (15, "self_referral"), (10, "street_outreach"), (5, "word_of_mouth")]
            .iter()
            .enumerate()
    {
        let reply = app
            .post("/api/v1/cases")
            .token(token)
            .json(&json!({"beneficiary": {"alias": format!("P{n}"), "first_name": "Ana", "last_name": format!("Pérez{n}")}, "district": "milano", "channel": channel, "intercepted_at": days_ago(*day)}))
            .send()
            .await;
        assert_eq!(reply.status, 201, "{}", reply.body);
        ids.push(reply.str("id").to_string());
    }
    app.intercept(&team.bergamo_case_worker, "bergamo", adult("B")).await;

    let all = app.get("/api/v1/cases?limit=3").token(token).send().await;
    let first: Vec<&str> = all.body["items"].as_array().unwrap().iter().map(|c| c["id"].as_str().unwrap()).collect();
    assert_eq!(first, [ids[3].as_str(), ids[2].as_str(), ids[1].as_str()]);
    let next = app.get(&format!("/api/v1/cases?limit=3&cursor={}", all.str("next_cursor"))).token(token).send().await;
    let rest: Vec<&str> = next.body["items"].as_array().unwrap().iter().map(|c| c["id"].as_str().unwrap()).collect();
    assert_eq!(rest, [ids[0].as_str()]);

    let count = |reply: &crate::support::Reply| reply.body["items"].as_array().map(Vec::len).unwrap_or(usize::MAX);
    assert_eq!(count(&app.get("/api/v1/cases?channel=street_outreach").token(token).send().await), 2);
    assert_eq!(
        count(
            &app.get("/api/v1/cases?intercepted_from=2026-02-15&intercepted_to=2026-02-20").token(token).send().await
        ),
        2
    );
    assert_eq!(count(&app.get("/api/v1/cases?q=perez2").token(token).send().await), 1);
    assert_eq!(count(&app.get("/api/v1/cases?status=intercepted&district=milano").token(token).send().await), 4);
    assert_eq!(count(&app.get("/api/v1/cases?district=bergamo").token(token).send().await), 0);
    app.get("/api/v1/cases?intercepted_from=2026-02-20&intercepted_to=2026-02-15")
        .token(token)
        .send()
        .await
        .problem(422);
    app.get("/api/v1/cases?assigned_to=someone").token(token).send().await.problem(422);
}
