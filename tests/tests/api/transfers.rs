//! People who move between districts: transfers asked for from a match and accepted with the
//! person's consent, registrations confirmed across districts, emergency access; and what each
//! side sees before, during and after.

use chrono::Duration;
use serde_json::{Value, json};

use crate::support::{PASSWORD, REGION_ID, Session, TestApp, days_ago};

/// A person as the Suzzara desk registered them in the summer.
fn karim() -> Value {
    json!({"alias": "Karim", "first_name": "Karim", "last_name": "Haddad", "birth_year": 1990, "citizenships": ["MA"]})
}

/// Registers `person` as `who`; answers the reply (201, or 409 with the match).
async fn register(app: &TestApp, who: &Session, person: &Value) -> crate::support::Reply {
    app.post("/api/v1/beneficiaries").token(&who.access_token).json(person).send().await
}

/// The match token a 409 gave for `district`.
fn token_for(reply: &crate::support::Reply, district: &str) -> String {
    let problem = reply.problem(409);
    assert_eq!(problem["code"], "possible_duplicate", "{problem}");
    let found = problem["elsewhere"].as_array().unwrap_or_else(|| panic!("no elsewhere in {problem}"));
    let entry = found.iter().find(|e| e["district"] == district).unwrap_or_else(|| panic!("{problem}"));
    entry["match_token"].as_str().expect("a token").to_string()
}

async fn ask(app: &TestApp, who: &Session, body: Value) -> crate::support::Reply {
    app.post("/api/v1/transfers").token(&who.access_token).json(&body).send().await
}

async fn answer(app: &TestApp, who: &Session, transfer: &str, version: i64, body: Value) -> crate::support::Reply {
    app.post(&format!("/api/v1/transfers/{transfer}/transitions"))
        .token(&who.access_token)
        .if_match(version)
        .json(&body)
        .send()
        .await
}

fn consent(granted: bool) -> Value {
    json!({"granted": granted, "given_on": &days_ago(0)[..10], "method": "oral", "language": "ar"})
}

/// The actions of a person's access log, oldest first.
async fn logged_actions(app: &TestApp, coordinator: &Session, beneficiary: &str) -> Vec<String> {
    let log = app
        .get(&format!("/api/v1/beneficiaries/{beneficiary}/access-log?limit=200"))
        .token(&coordinator.access_token)
        .send()
        .await;
    assert_eq!(log.status, 200, "{}", log.body);
    let mut actions: Vec<String> =
        log.body["items"].as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap().to_string()).collect();
    actions.reverse();
    actions
}

#[actix_web::test]
async fn a_person_met_in_suzzara_then_in_bergamo_is_transferred_with_consent() {
    let app = TestApp::new().await;
    let team = app.team().await;
    let suzzara = app.user("district_coordinator", REGION_ID, &["suzzara"]).await;
    let suzzara_worker = app.user("case_worker", REGION_ID, &["suzzara"]).await;
    let bergamo = &team.bergamo_case_worker;

    let summer = app.intercept(&suzzara_worker, "suzzara", karim()).await;
    let old_case = summer["id"].as_str().unwrap().to_string();
    let person = summer["beneficiary"]["id"].as_str().unwrap().to_string();

    // Bergamo registers the person in winter: a match in another district, nothing of them.
    let refused = register(&app, bergamo, &karim()).await;
    let token = token_for(&refused, "suzzara");
    let problem = refused.problem(409);
    assert_eq!(problem["candidates"], json!([]));
    assert_eq!(problem["other_matches"], 1);
    for personal in ["Karim", "Haddad", "1990", person.as_str()] {
        assert!(!refused.text().contains(personal), "{personal} in {}", refused.body);
    }
    assert!(problem["detail"].as_str().unwrap().contains("transfer"), "{problem}");

    // Bergamo asks; it still sees nothing of the person.
    let asked = ask(&app, bergamo, json!({"match_token": token, "reason": "works in Bergamo for the winter"})).await;
    assert_eq!(asked.status, 201, "{}", asked.body);
    let transfer = asked.str("id").to_string();
    assert_eq!(asked.body["status"], "requested");
    assert_eq!(asked.body["from_district"], "suzzara");
    assert_eq!(asked.body["to_district"], "bergamo");
    assert_eq!(asked.body["beneficiary_id"], Value::Null);
    assert_eq!(asked.header("location"), Some(format!("/api/v1/transfers/{transfer}").as_str()));
    app.get(&format!("/api/v1/beneficiaries/{person}")).token(&bergamo.access_token).send().await.problem(404);
    app.get(&format!("/api/v1/cases/{old_case}")).token(&bergamo.access_token).send().await.problem(404);
    let again = ask(&app, &team.bergamo_coordinator, json!({"match_token": token, "reason": "twice"})).await;
    assert_eq!(again.status, 422, "the token is its holder's alone: {}", again.body);

    // Suzzara sees the request, with the person; only its coordinator answers, with consent.
    let listed = app.get("/api/v1/transfers?status=requested").token(&suzzara.access_token).send().await;
    assert_eq!(listed.status, 200, "{}", listed.body);
    assert_eq!(listed.body["items"][0]["beneficiary_id"], person.as_str());
    let answered =
        answer(&app, &suzzara_worker, &transfer, 1, json!({"to": "accepted", "consent": consent(true)})).await;
    answered.problem(403);
    let bare = answer(&app, &suzzara, &transfer, 1, json!({"to": "accepted"})).await;
    assert_eq!(bare.field_errors(), [("consent".to_string(), "required".to_string())]);
    let accepted = answer(&app, &suzzara, &transfer, 1, json!({"to": "accepted", "consent": consent(true)})).await;
    assert_eq!(accepted.status, 200, "{}", accepted.body);
    assert_eq!(accepted.body["status"], "accepted");
    assert_eq!(accepted.body["consent"]["granted"], true);
    assert_eq!(accepted.body["opened_case_id"], Value::Null, "the new case is Bergamo's business");
    let replay = answer(&app, &suzzara, &transfer, 2, json!({"to": "declined", "note": "too late"})).await;
    assert_eq!(replay.problem(409)["code"], "invalid_transition");

    // Bergamo now holds the person and a case opened for them, and opens another.
    let seen = app.get(&format!("/api/v1/transfers/{transfer}")).token(&bergamo.access_token).send().await;
    assert_eq!(seen.body["beneficiary_id"], person.as_str(), "{}", seen.body);
    let opened = seen.str("opened_case_id").to_string();
    let record = app.get(&format!("/api/v1/beneficiaries/{person}")).token(&bergamo.access_token).send().await;
    assert_eq!(record.status, 200, "{}", record.body);
    assert_eq!(record.body["district"], "bergamo");
    let new_case = app.get(&format!("/api/v1/cases/{opened}")).token(&bergamo.access_token).send().await;
    assert_eq!(new_case.body["district"], "bergamo", "{}", new_case.body);
    assert_eq!(new_case.body["status"], "intercepted");
    assert_eq!(new_case.body["channel"], "service_referral");
    let winter = app
        .post("/api/v1/cases")
        .token(&bergamo.access_token)
        .json(&json!({"beneficiary_id": person, "district": "bergamo", "channel": "self_referral", "intercepted_at": days_ago(0)}))
        .send()
        .await;
    assert_eq!(winter.status, 201, "{}", winter.body);

    // Suzzara keeps its closed case as read-only history, and no longer the person.
    let history = app.get(&format!("/api/v1/cases/{old_case}")).token(&suzzara.access_token).send().await;
    assert_eq!(history.status, 200, "{}", history.body);
    assert_eq!(history.body["status"], "closed");
    assert_eq!(history.body["closure"]["outcome"], "transferred");
    let version = history.body["version"].as_i64().unwrap();
    let reopen = app
        .post(&format!("/api/v1/cases/{old_case}/transitions"))
        .token(&suzzara.access_token)
        .if_match(version)
        .json(&json!({"to": "taken_in_charge", "effective_at": days_ago(0), "reason": "back"}))
        .send()
        .await;
    assert_eq!(reopen.problem(409)["code"], "case_closed");
    app.get(&format!("/api/v1/beneficiaries/{person}")).token(&suzzara.access_token).send().await.problem(404);
    let theirs = app.get("/api/v1/beneficiaries").token(&suzzara.access_token).send().await;
    assert!(theirs.body["items"].as_array().unwrap().iter().all(|b| b["id"] != person.as_str()));

    // The Region's people figures count the person once, across both districts.
    let both = app.user("district_coordinator", REGION_ID, &["suzzara", "bergamo"]).await;
    let report = app
        .get("/api/v1/reports/indicators?district=suzzara&district=bergamo&from=2026-01-01&to=2026-12-31")
        .token(&both.access_token)
        .send()
        .await;
    assert_eq!(report.status, 200, "{}", report.body);
    assert_eq!(report.body["total"]["people_intercepted"]["total"]["count"], 1, "{}", report.body["total"]);
    // Each case counts where it was opened; the transfer is a figure of its own, each way.
    let district = |code: &str| {
        report.body["districts"].as_array().unwrap().iter().find(|d| d["district"] == code).cloned().unwrap()
    };
    let (from, to) = (district("suzzara"), district("bergamo"));
    assert_eq!(from["cases_opened"]["count"], 1, "{from}");
    assert_eq!(to["cases_opened"]["count"], 2, "the case opened on acceptance and the new one: {to}");
    assert_eq!(from["transfers_out"]["count"], 1, "{from}");
    assert_eq!(from["transfers_in"]["count"], 0, "{from}");
    assert_eq!(to["transfers_in"]["count"], 1, "{to}");
    let outcome = |d: &Value| d["outcomes"].as_array().unwrap().iter().find(|o| o["code"] == "transferred").cloned();
    assert_eq!(outcome(&from).unwrap()["count"], 1, "{from}");

    // Both districts follow the transfer on the change feed: asked, then answered.
    for who in [&suzzara, bergamo] {
        let feed = app.get("/api/v1/changes?limit=200").token(&who.access_token).send().await;
        assert_eq!(feed.status, 200, "{}", feed.body);
        let steps: Vec<&str> = feed.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|c| c["resource"] == "transfer" && c["id"] == transfer.as_str())
            .map(|c| c["action"].as_str().unwrap())
            .collect();
        assert_eq!(steps, ["created", "updated"], "{}", feed.body);
    }

    // Every step is in the person's access log, now read by Bergamo's coordinator.
    let actions = logged_actions(&app, &team.bergamo_coordinator, &person).await;
    for step in ["transfer", "transition", "create"] {
        assert!(actions.iter().any(|a| a == step), "{step} missing from {actions:?}");
    }
    assert_eq!(actions.iter().filter(|a| *a == "transfer").count(), 2, "asked and accepted: {actions:?}");
}

#[actix_web::test]
async fn a_refused_consent_declines_and_nothing_moves() {
    let app = TestApp::new().await;
    let team = app.team().await;
    let milano_case = app.intercept(&team.case_worker, "milano", karim()).await;
    let person = milano_case["beneficiary"]["id"].as_str().unwrap().to_string();
    let bergamo = &team.bergamo_coordinator;

    let token = token_for(&register(&app, bergamo, &karim()).await, "milano");
    let missing = ask(&app, bergamo, json!({"match_token": token})).await;
    assert_eq!(missing.field_errors(), [("reason".to_string(), "required".to_string())]);
    let both = ask(&app, bergamo, json!({"match_token": token, "codice_fiscale": "X", "reason": "r"})).await;
    assert_eq!(both.field_errors(), [("match_token".to_string(), "one_of".to_string())]);
    let asked = ask(&app, bergamo, json!({"match_token": token, "reason": "moved to Bergamo"})).await;
    assert_eq!(asked.status, 201, "{}", asked.body);
    let transfer = asked.str("id").to_string();
    let second = ask(&app, bergamo, json!({"match_token": token, "reason": "again"})).await;
    assert_eq!(second.problem(409)["code"], "already_exists");

    // The asking district cannot answer for the person; the holder cannot withdraw the request.
    answer(&app, bergamo, &transfer, 1, json!({"to": "accepted", "consent": consent(true)})).await.problem(403);
    answer(&app, &team.coordinator, &transfer, 1, json!({"to": "cancelled"})).await.problem(403);
    let refused =
        answer(&app, &team.coordinator, &transfer, 1, json!({"to": "accepted", "consent": consent(false)})).await;
    assert_eq!(refused.field_errors(), [("consent.granted".to_string(), "refused".to_string())]);
    let declined =
        answer(&app, &team.coordinator, &transfer, 1, json!({"to": "declined", "consent": consent(false)})).await;
    assert_eq!(declined.status, 200, "{}", declined.body);
    assert_eq!(declined.body["status"], "declined");

    app.get(&format!("/api/v1/beneficiaries/{person}")).token(&bergamo.access_token).send().await.problem(404);
    let still = app.get(&format!("/api/v1/beneficiaries/{person}")).token(&team.coordinator.access_token).send().await;
    assert_eq!(still.body["district"], "milano");
    let case = app
        .get(&format!("/api/v1/cases/{}", milano_case["id"].as_str().unwrap()))
        .token(&team.coordinator.access_token)
        .send()
        .await;
    assert_eq!(case.body["status"], "intercepted", "{}", case.body);

    // Asked again, then withdrawn by the district that asked.
    let again = ask(&app, bergamo, json!({"match_token": token, "reason": "asked again"})).await;
    assert_eq!(again.status, 201, "{}", again.body);
    let withdrawn = answer(&app, &team.bergamo_case_worker, again.str("id"), 1, json!({"status": "cancelled"})).await;
    assert_eq!(withdrawn.body["status"], "cancelled", "{}", withdrawn.body);

    // Roles that do not ask for transfers.
    for who in [&team.legal_advisor, &team.outreach, &team.regional, &team.partner] {
        ask(&app, who, json!({"match_token": token, "reason": "r"})).await.problem(403);
        app.get("/api/v1/transfers").token(&who.access_token).send().await.problem(403);
    }
    // A transfer of other districts is not found.
    let stranger = app.user("district_coordinator", REGION_ID, &["lecco"]).await;
    app.get(&format!("/api/v1/transfers/{transfer}")).token(&stranger.access_token).send().await.problem(404);

    // A token lasts half an hour; one never issued names nobody.
    app.advance(Duration::minutes(31));
    let bergamo = &app.login(&bergamo.email, PASSWORD).await;
    let late = ask(&app, bergamo, json!({"match_token": token, "reason": "late"})).await;
    assert_eq!(late.field_errors(), [("match_token".to_string(), "unknown".to_string())]);
    let forged = ask(&app, bergamo, json!({"match_token": "not-a-token", "reason": "r"})).await;
    assert_eq!(forged.field_errors(), [("match_token".to_string(), "unknown".to_string())]);
}

#[actix_web::test]
async fn registering_anyway_across_districts_needs_a_reason_and_is_audited() {
    let app = TestApp::new().await;
    let team = app.team().await;
    app.intercept(&team.case_worker, "milano", karim()).await;
    // Within one's own districts a confirmation needs no reason, as before.
    let mut own = karim();
    own["confirm_new"] = json!(true);
    assert_eq!(register(&app, &team.case_worker, &own).await.status, 201);
    let mut anyway = karim();
    anyway["confirm_new"] = json!(true);
    let bare = register(&app, &team.bergamo_case_worker, &anyway).await;
    assert_eq!(bare.field_errors(), [("confirm_new_reason".to_string(), "required".to_string())]);
    anyway["confirm_new_reason"] = json!("a different Karim Haddad: another date of arrival and family");
    let registered = register(&app, &team.bergamo_case_worker, &anyway).await;
    assert_eq!(registered.status, 201, "{}", registered.body);
    let person = registered.str("id").to_string();
    let log = app
        .get(&format!("/api/v1/beneficiaries/{person}/access-log"))
        .token(&team.bergamo_coordinator.access_token)
        .send()
        .await;
    let confirmed = log.body["items"].as_array().unwrap().iter().find(|e| e["action"] == "duplicate_confirmed");
    let confirmed = confirmed.unwrap_or_else(|| panic!("{}", log.body));
    assert!(confirmed["reason"].as_str().unwrap().contains("different Karim"), "{confirmed}");
}

#[actix_web::test]
async fn emergency_access_is_read_only_alerted_audited_and_ends_after_a_day() {
    let app = TestApp::new().await;
    let team = app.team().await;
    let milano_case = app.intercept(&team.case_worker, "milano", karim()).await;
    let person = milano_case["beneficiary"]["id"].as_str().unwrap().to_string();
    let bergamo = &team.bergamo_coordinator;
    let open = |who: &Session| {
        app.post(&format!("/api/v1/beneficiaries/{person}/emergency-access"))
            .token(&who.access_token)
            .json(&json!({"reason": "reported held by an employer tonight"}))
    };

    // Without a match, the person is not found; case workers do not open emergency access.
    open(bergamo).send().await.problem(404);
    register(&app, bergamo, &karim()).await.problem(409);
    open(&team.bergamo_case_worker).send().await.problem(403);
    let opened = open(bergamo).send().await;
    assert_eq!(opened.status, 201, "{}", opened.body);
    assert_eq!(opened.body["owner_district"], "milano");
    assert_eq!(opened.body["opened_for"], "bergamo");

    // Read-only, the person's record alone.
    let read = app.get(&format!("/api/v1/beneficiaries/{person}")).token(&bergamo.access_token).send().await;
    assert_eq!(read.status, 200, "{}", read.body);
    assert_eq!(read.body["alias"], "Karim");
    let patch = app
        .patch(&format!("/api/v1/beneficiaries/{person}"))
        .token(&bergamo.access_token)
        .if_match(1)
        .json(&json!({"municipality": "Bergamo"}))
        .send()
        .await;
    patch.problem(404);
    let case = milano_case["id"].as_str().unwrap();
    app.get(&format!("/api/v1/cases/{case}")).token(&bergamo.access_token).send().await.problem(404);

    // Milano's coordinators are alerted; its audit trail names the reason, on the read too.
    let alerts = app.get("/api/v1/alerts").token(&team.coordinator.access_token).send().await;
    let alert = alerts.body["items"].as_array().unwrap().iter().find(|a| a["kind"] == "emergency_access");
    let alert = alert.unwrap_or_else(|| panic!("{}", alerts.body));
    assert_eq!(alert["beneficiary_id"], person.as_str());
    assert!(alert["message"].as_str().unwrap().contains("bergamo"), "{alert}");
    let case_worker_alerts = app.get("/api/v1/alerts").token(&team.case_worker.access_token).send().await;
    assert!(case_worker_alerts.body["items"].as_array().unwrap().iter().all(|a| a["kind"] != "emergency_access"));
    let log = app
        .get(&format!("/api/v1/beneficiaries/{person}/access-log"))
        .token(&team.coordinator.access_token)
        .send()
        .await;
    let items = log.body["items"].as_array().unwrap();
    let by_bergamo: Vec<&Value> = items.iter().filter(|e| e["actor_id"] == bergamo.id.as_str()).collect();
    assert!(by_bergamo.iter().any(|e| e["action"] == "emergency_access"), "{}", log.body);
    assert!(
        by_bergamo
            .iter()
            .any(|e| e["action"] == "read" && e["reason"].as_str().is_some_and(|r| r.contains("held by an employer"))),
        "{}",
        log.body
    );

    // It ends by itself after 24 hours, and the alert with it.
    app.advance(Duration::hours(24) + Duration::seconds(1));
    let bergamo = &app.login(&bergamo.email, PASSWORD).await;
    let coordinator = app.login(&team.coordinator.email, PASSWORD).await;
    app.get(&format!("/api/v1/beneficiaries/{person}")).token(&bergamo.access_token).send().await.problem(404);
    let later = app.get("/api/v1/alerts").token(&coordinator.access_token).send().await;
    assert!(later.body["items"].as_array().unwrap().iter().all(|a| a["kind"] != "emergency_access"));
}

#[actix_web::test]
async fn a_transfer_may_be_asked_by_codice_fiscale() {
    let app = TestApp::new().await;
    let team = app.team().await;
    let person = json!({"alias": "Matteo", "codice_fiscale": "MRTMTT25D09F205Z"});
    let case = app.intercept(&team.case_worker, "milano", person).await;
    let id = case["beneficiary"]["id"].as_str().unwrap().to_string();

    let own = ask(&app, &team.case_worker, json!({"codice_fiscale": "mrtmtt25d09f205z", "reason": "r"})).await;
    assert_eq!(own.field_errors(), [("codice_fiscale".to_string(), "already_yours".to_string())]);
    let nobody =
        ask(&app, &team.bergamo_case_worker, json!({"codice_fiscale": "RSSMRA80A01H501U", "reason": "r"})).await;
    assert_eq!(nobody.field_errors(), [("codice_fiscale".to_string(), "unknown".to_string())]);
    let asked = ask(
        &app,
        &team.bergamo_case_worker,
        json!({"codice_fiscale": "MRT MTT 25D09 F205Z", "reason": "his employer moved him to Bergamo"}),
    )
    .await;
    assert_eq!(asked.status, 201, "{}", asked.body);
    assert_eq!(asked.body["from_district"], "milano");
    assert_eq!(asked.body["beneficiary_id"], Value::Null);
    let seen =
        app.get(&format!("/api/v1/transfers/{}", asked.str("id"))).token(&team.coordinator.access_token).send().await;
    assert_eq!(seen.body["beneficiary_id"], id.as_str(), "{}", seen.body);
}
