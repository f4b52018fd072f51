//! Beneficiaries: registration, validation, duplicates, search, changes, consents.

use serde_json::json;

use crate::support::{TestApp, days_ago};

#[actix_web::test]
async fn registering_reading_and_changing_a_beneficiary() {
    let app = TestApp::new().await;
    let team = app.team().await;
    let token = &team.case_worker.access_token;
    let reply = app
        .post("/api/v1/beneficiaries")
        .token(token)
        .json(&json!({
            "alias": "Amina", "first_name": "Amina", "last_name": "Okafor", "gender": "female", "birth_year": 1991,
            "citizenships": ["ng"], "languages": ["EN", "yo"], "phone": "+39 333 1234567",
            "codice_fiscale": "rssmra85t10a562s", "permit": {"kind": "awaiting_renewal"},
            "documents": [{"kind": "spid", "status": "in_progress", "on": "2026-02-01"}]
        }))
        .send()
        .await;
    assert_eq!(reply.status, 201, "{}", reply.body);
    let id = reply.str("id").to_string();
    assert_eq!(reply.header("location"), Some(format!("/api/v1/beneficiaries/{id}").as_str()));
    assert_eq!(reply.body["district"], "milano");
    assert_eq!(reply.body["citizenships"], json!(["NG"]));
    assert_eq!(reply.body["languages"], json!(["en", "yo"]));
    assert_eq!(reply.body["codice_fiscale"], "RSSMRA85T10A562S");
    let documents = reply.body["documents"].as_array().unwrap();
    assert_eq!(documents.len(), 7);
    assert_eq!(documents.iter().find(|d| d["kind"] == "spid").unwrap()["status"], "in_progress");
    assert_eq!(documents.iter().find(|d| d["kind"] == "did").unwrap()["status"], "missing");

    let path = format!("/api/v1/beneficiaries/{id}");
    let read = app.get(&path).token(token).send().await;
    assert_eq!(read.status, 200);
    assert_eq!(read.header("etag"), Some("\"1\""));

    let reply = app
        .patch(&path)
        .token(token)
        .if_match(1)
        .json(&json!({"phone": null, "citizenships": [], "documents": [{"kind": "spid", "status": "obtained", "on": "2026-02-20"}], "permit": {"kind": "work", "expires_on": "2027-01-01"}}))
        .send()
        .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert!(reply.body["phone"].is_null());
    assert_eq!(reply.body["citizenships"], json!([]), "[] is stateless");
    assert_eq!(reply.body["languages"], json!(["en", "yo"]));
    assert_eq!(
        reply.body["documents"].as_array().unwrap().iter().find(|d| d["kind"] == "spid").unwrap()["status"],
        "obtained"
    );
    assert_eq!(reply.body["permit"]["kind"], "work");

    let reply = app.patch(&path).token(token).if_match(2).json(&json!({"citizenships": null})).send().await;
    assert!(reply.body["citizenships"].is_null(), "null is unknown");
    app.patch(&path).token(token).if_match(2).json(&json!({"alias": "x"})).send().await.problem(412);
    app.patch(&path).token(token).json(&json!({"alias": "x"})).send().await.problem(428);
}

#[actix_web::test]
async fn invalid_beneficiaries_are_refused_and_nothing_is_stored() {
    let app = TestApp::new().await;
    let team = app.team().await;
    let token = &team.case_worker.access_token;
    let reply = app
        .post("/api/v1/beneficiaries")
        .token(token)
        .json(&json!({"alias": "X", "codice_fiscale": "RSSMRA85T10A562T", "citizenships": ["ZZ"], "birth_date": "2012-05-01", "email": "nope"}))
        .send()
        .await;
    assert_eq!(
        reply.field_errors(),
        [
            ("citizenships[0]".to_string(), "unknown_country".to_string()),
            ("email".to_string(), "invalid_email".to_string()),
            ("codice_fiscale".to_string(), "invalid_codice_fiscale".to_string()),
        ]
    );
    // A minor is recorded without a guardian at first contact (taking in charge will need one).
    let reply = app
        .post("/api/v1/beneficiaries")
        .token(token)
        .json(&json!({"alias": "X", "birth_date": "2012-05-01", "codice_fiscale": "12345678903"}))
        .send()
        .await;
    assert_eq!(reply.status, 201, "{}", reply.body);
    assert!(reply.body["guardian"].is_null());
    let search = app.get("/api/v1/beneficiaries").token(token).send().await;
    assert_eq!(search.body["items"].as_array().unwrap().len(), 1);

    let reply =
        app.post("/api/v1/beneficiaries").token(token).json(&json!({"alias": "Y", "district": "bergamo"})).send().await;
    assert_eq!(reply.field_errors(), [("district".to_string(), "not_your_district".to_string())]);
    let reply =
        app.post("/api/v1/beneficiaries").token(token).json(&json!({"alias": "Y", "nickname": "y"})).send().await;
    assert_eq!(reply.field_errors(), [("nickname".to_string(), "unknown_field".to_string())]);
}

#[actix_web::test]
async fn duplicates_answer_409_with_the_candidates_the_caller_may_see() {
    let app = TestApp::new().await;
    let team = app.team().await;
    let person = json!({"alias": "Mo", "first_name": "Mohamed", "last_name": "El Amrani", "birth_year": 1990, "citizenships": ["MA"]});
    let first = app.post("/api/v1/beneficiaries").token(&team.case_worker.access_token).json(&person).send().await;
    assert_eq!(first.status, 201);

    // The same name in another order, the same year and a shared citizenship.
    let again = json!({"alias": "M.", "first_name": "EL AMRANI", "last_name": "Mohamed", "birth_year": 1990, "citizenships": ["TN", "MA"]});
    let reply = app.post("/api/v1/beneficiaries").token(&team.coordinator.access_token).json(&again).send().await;
    let problem = reply.problem(409);
    assert_eq!(problem["code"], "possible_duplicate");
    assert_eq!(problem["candidates"][0]["id"], first.body["id"]);
    assert_eq!(problem["other_matches"], 0);

    // Another district sees none of them, only how many there are.
    let reply =
        app.post("/api/v1/beneficiaries").token(&team.bergamo_case_worker.access_token).json(&again).send().await;
    let problem = reply.problem(409);
    assert_eq!(problem["candidates"], json!([]));
    assert_eq!(problem["other_matches"], 1);
    assert!(!reply.text().contains("El Amrani"));

    let mut confirmed = again.clone();
    confirmed["confirm_new"] = json!(true);
    confirmed["confirm_new_reason"] = json!("another person: met with their own documents");
    let reply =
        app.post("/api/v1/beneficiaries").token(&team.bergamo_case_worker.access_token).json(&confirmed).send().await;
    assert_eq!(reply.status, 201);

    // The same codice fiscale is a duplicate whatever the name.
    let with_code = json!({"alias": "A", "codice_fiscale": "MRTMTT25D09F205Z"});
    assert_eq!(
        app.post("/api/v1/beneficiaries").token(&team.case_worker.access_token).json(&with_code).send().await.status,
        201
    );
    let reply = app
        .post("/api/v1/beneficiaries")
        .token(&team.case_worker.access_token)
        .json(&json!({"alias": "B", "codice_fiscale": "mrtmtt25d09f205z"}))
        .send()
        .await;
    assert_eq!(reply.problem(409)["candidates"].as_array().unwrap().len(), 1);

    // A different year is another person.
    let other_year = json!({"alias": "Mo2", "first_name": "Mohamed", "last_name": "El Amrani", "birth_year": 1991, "citizenships": ["MA"]});
    assert_eq!(
        app.post("/api/v1/beneficiaries").token(&team.case_worker.access_token).json(&other_year).send().await.status,
        201
    );
}

#[actix_web::test]
async fn search_by_name_code_year_citizenship_and_district() {
    let app = TestApp::new().await;
    let team = app.team().await;
    let token = &team.case_worker.access_token;
    for person in [
        json!({"alias": "Zoë", "first_name": "Zoë", "last_name": "Müller", "birth_year": 1988, "citizenships": ["UA"], "codice_fiscale": "BNCLRA90A41F205I"}),
        json!({"alias": "Sami", "first_name": "Sami", "last_name": "Haddad", "birth_year": 1995, "citizenships": ["EG"]}),
        json!({"alias": "Nameless"}),
    ] {
        assert_eq!(app.post("/api/v1/beneficiaries").token(token).json(&person).send().await.status, 201);
    }
    app.post("/api/v1/beneficiaries")
        .token(&team.bergamo_case_worker.access_token)
        .json(&json!({"alias": "Sami B"}))
        .send()
        .await;

    let aliases = |reply: crate::support::Reply| -> Vec<String> {
        reply.body["items"].as_array().unwrap().iter().map(|b| b["alias"].as_str().unwrap().to_string()).collect()
    };
    assert_eq!(aliases(app.get("/api/v1/beneficiaries?q=MULLER").token(token).send().await), ["Zoë"]);
    assert_eq!(aliases(app.get("/api/v1/beneficiaries?q=zoe").token(token).send().await), ["Zoë"]);
    assert_eq!(aliases(app.get("/api/v1/beneficiaries?q=sami").token(token).send().await), ["Sami"]);
    assert_eq!(
        aliases(app.get("/api/v1/beneficiaries?codice_fiscale=bnclra90a41f205i").token(token).send().await),
        ["Zoë"]
    );
    assert_eq!(aliases(app.get("/api/v1/beneficiaries?birth_year=1995").token(token).send().await), ["Sami"]);
    assert_eq!(aliases(app.get("/api/v1/beneficiaries?citizenship=eg").token(token).send().await), ["Sami"]);
    assert_eq!(aliases(app.get("/api/v1/beneficiaries?district=milano&limit=1").token(token).send().await).len(), 1);
    assert_eq!(aliases(app.get("/api/v1/beneficiaries").token(token).send().await), ["Nameless", "Sami", "Zoë"]);
    app.get("/api/v1/beneficiaries?citizenship=XX").token(token).send().await.problem(422);
}

#[actix_web::test]
async fn another_district_can_neither_see_a_person_nor_open_a_case_on_them() {
    let app = TestApp::new().await;
    let team = app.team().await;
    let case = app.intercept(&team.case_worker, "milano", json!({"alias": "Moved"})).await;
    let beneficiary = case["beneficiary"]["id"].as_str().unwrap();
    let path = format!("/api/v1/beneficiaries/{beneficiary}");
    app.get(&path).token(&team.bergamo_case_worker.access_token).send().await.problem(404);
    // Bergamo cannot open a case on someone it cannot see.
    let body = json!({"beneficiary_id": beneficiary, "district": "bergamo", "channel": "service_referral", "intercepted_at": days_ago(1)});
    let reply = app.post("/api/v1/cases").token(&team.bergamo_case_worker.access_token).json(&body).send().await;
    assert_eq!(reply.field_errors(), [("beneficiary_id".to_string(), "unknown_beneficiary".to_string())]);
    // Milano opens one in Bergamo? No: only in its own districts.
    let reply = app.post("/api/v1/cases").token(&team.case_worker.access_token).json(&body).send().await;
    assert_eq!(reply.field_errors(), [("district".to_string(), "not_your_district".to_string())]);
}

#[actix_web::test]
async fn consents_are_recorded_listed_and_withdrawn() {
    let app = TestApp::new().await;
    let team = app.team().await;
    let partner = app.organization("Cooperativa Farsi Prossimo", "ets", &["milano"]).await;
    let token = &team.case_worker.access_token;
    let case = app.intercept(&team.case_worker, "milano", json!({"alias": "C"})).await;
    let beneficiary = case["beneficiary"]["id"].as_str().unwrap();
    let path = format!("/api/v1/beneficiaries/{beneficiary}/consents");

    let reply = app
        .post(&path)
        .token(token)
        .json(&json!({"kind": "data_sharing", "given_on": "2026-02-27", "method": "written", "language": "it"}))
        .send()
        .await;
    assert_eq!(reply.field_errors(), [("organization_id".to_string(), "required".to_string())]);
    let reply = app
        .post(&path)
        .token(token)
        .json(&json!({"kind": "data_sharing", "organization_id": partner, "given_on": "2026-02-27", "method": "written", "language": "it"}))
        .send()
        .await;
    assert_eq!(reply.status, 201, "{}", reply.body);
    let consent = reply.str("id").to_string();
    let reply = app.post(&path).token(token).json(&json!({"kind": "research_use", "granted": false, "given_on": "2026-02-27", "method": "oral", "language": "xx"})).send().await;
    assert_eq!(reply.field_errors(), [("language".to_string(), "unknown_language".to_string())]);
    let reply = app.post(&path).token(token).json(&json!({"kind": "research_use", "granted": false, "given_on": "2026-03-05", "method": "oral", "language": "ar"})).send().await;
    assert_eq!(reply.field_errors(), [("given_on".to_string(), "in_future".to_string())]);

    let withdraw = format!("/api/v1/consents/{consent}/withdraw");
    app.post(&withdraw).token(&team.bergamo_case_worker.access_token).json(&json!({})).send().await.problem(404);
    let reply = app.post(&withdraw).token(token).json(&json!({"withdrawn_on": "2026-02-20"})).send().await;
    assert_eq!(reply.field_errors(), [("withdrawn_on".to_string(), "before_given".to_string())]);
    let reply = app.post(&withdraw).token(token).json(&json!({"reason": "changed her mind"})).send().await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(reply.body["withdrawn_on"], "2026-03-02");
    assert_eq!(reply.body["withdrawn_by"], team.case_worker.id.as_str());
    app.post(&withdraw).token(token).json(&json!({})).send().await.problem(409);

    let list = app.get(&path).token(&team.legal_advisor.access_token).send().await;
    assert_eq!(list.status, 200);
    assert_eq!(list.body["items"].as_array().unwrap().len(), 1);
    app.get(&path).token(&team.bergamo_coordinator.access_token).send().await.problem(404);
}
