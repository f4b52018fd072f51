//! Every kind of problem a client can receive, produced from the outside, each document
//! snapshotted (ids redacted): the closed list of `api::problem::ProblemCode` is what clients
//! see, and a kind no request can produce is a defect of the list.

use std::collections::BTreeSet;

use api::language::Language;
use api::problem::ProblemCode;
use serde_json::{Value, json};

use crate::support::{REGION_ID, Reply, TestApp, days_ago};

/// Kinds that no request produces by itself, with why; each is checked where it can be.
const PRODUCED_ELSEWHERE: &[(ProblemCode, &str)] = &[
    (ProblemCode::Conflict, "a constraint of stored data refusing a write: only two writers racing reach it"),
    (ProblemCode::HttpError, "the safety net for a bare status of the HTTP layer"),
    (ProblemCode::StorageFull, "a full disk: `storage_faults` fills a small filesystem under a load of creates"),
    (ProblemCode::ReadOnly, "a read-only database: mapped from SQLite's and PostgreSQL's words below"),
    (ProblemCode::StorageError, "a damaged database file: mapped from SQLite's words below"),
];

/// The kinds of problem produced, and the language they were asked in.
struct Produced {
    codes: BTreeSet<&'static str>,
    language: Language,
}

/// Checks the problem of `reply`, snapshots it under its code (in English) or checks it is
/// Italian, and records the code.
fn seen(produced: &mut Produced, reply: &Reply, status: u16, code: ProblemCode) {
    let body = reply.problem(status);
    assert_eq!(body["code"], code.code(), "{body}");
    assert_eq!(body["type"], code.type_uri(), "{body}");
    assert_eq!(reply.header("content-type"), Some("application/problem+json"));
    assert_eq!(reply.header("content-language"), Some(produced.language.tag()), "{body}");
    match produced.language {
        Language::En => insta::assert_json_snapshot!(code.code(), body, {
            ".candidates[].id" => "[id]",
            ".detail" => insta::dynamic_redaction(|value, _| redact_ids(value.as_str().unwrap_or_default())),
        }),
        Language::It => assert_italian(body, code),
    }
    produced.codes.insert(code.code());
}

/// The title is the catalogue's Italian one; detail and messages hold no English sentence.
fn assert_italian(body: &Value, code: ProblemCode) {
    assert_eq!(body["title"], code.title(Language::It), "{body}");
    let mut sentences = vec![body["detail"].as_str().unwrap_or_default().to_string()];
    for list in ["errors", "preconditions", "rules"] {
        for item in body[list].as_array().into_iter().flatten() {
            sentences.push(item["message"].as_str().unwrap_or_default().to_string());
        }
    }
    for sentence in sentences {
        let words: Vec<String> =
            sentence.to_lowercase().split(|c: char| !c.is_alphabetic()).map(String::from).collect();
        assert!(!sentence.is_empty(), "{body}");
        for english in ["the", "must", "is", "not", "your", "you", "be", "of", "required", "try"] {
            assert!(!words.iter().any(|w| w == english), "English `{english}` in {sentence:?}: {body}");
        }
    }
}

/// A person the rules take in charge.
fn eligible(alias: &str) -> Value {
    json!({"alias": alias, "citizenships": ["PK"], "permit": {"kind": "work", "expires_on": "2027-01-01"}})
}

/// Ids and dates in a detail vary from run to run.
fn redact_ids(detail: &str) -> String {
    detail
        .split(' ')
        .map(|word| {
            if uuid::Uuid::parse_str(word.trim_matches(|c: char| !c.is_alphanumeric() && c != '-')).is_ok() {
                "[id]"
            } else {
                word
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

#[actix_web::test]
async fn every_kind_of_problem_is_produced_and_documented() {
    produce_every_kind(Language::En).await;
}

#[actix_web::test]
async fn every_kind_of_problem_is_answered_in_italian_when_asked() {
    produce_every_kind(Language::It).await;
}

async fn produce_every_kind(language: Language) {
    let app = TestApp::new().await;
    if language == Language::It {
        app.speak("it-IT,it;q=0.9,en;q=0.5");
    }
    let team = app.team().await;
    let admin = &app.admin.access_token;
    let coordinator = &team.coordinator.access_token;
    let worker = &team.case_worker.access_token;
    let mut produced = Produced { codes: BTreeSet::new(), language };

    // The HTTP edge.
    let reply = app.post("/api/v1/auth/login").raw("application/json", "{").send().await;
    seen(&mut produced, &reply, 400, ProblemCode::BadRequest);
    seen(&mut produced, &app.get("/api/v1/cases").send().await, 401, ProblemCode::Unauthorized);
    seen(&mut produced, &app.get("/api/v1/cases").token(admin).send().await, 403, ProblemCode::Forbidden);
    let reset = app.user("case_worker", REGION_ID, &["milano"]).await;
    let reset_id = app.get("/api/v1/me").token(&reset.access_token).send().await.str("id").to_string();
    let reply = app
        .patch(&format!("/api/v1/users/{reset_id}"))
        .token(admin)
        .if_match(1)
        .json(&json!({"password": "set-by-the-admin-1"}))
        .send()
        .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    let restricted = app
        .post("/api/v1/auth/login")
        .json(&json!({"email": reset.email, "password": "set-by-the-admin-1"}))
        .send()
        .await;
    let reply = app.get("/api/v1/cases").token(restricted.str("access_token")).send().await;
    seen(&mut produced, &reply, 403, ProblemCode::PasswordChangeRequired);
    let nowhere = format!("/api/v1/cases/{}", uuid::Uuid::now_v7());
    seen(&mut produced, &app.get(&nowhere).token(coordinator).send().await, 404, ProblemCode::NotFound);
    let reply = app.request("DELETE", "/api/v1/cases").token(coordinator).send().await;
    seen(&mut produced, &reply, 405, ProblemCode::MethodNotAllowed);
    let reply = app.post("/api/v1/auth/login").raw("application/json", vec![b' '; 2 * 1024 * 1024]).send().await;
    seen(&mut produced, &reply, 413, ProblemCode::PayloadTooLarge);
    let reply = app.post("/api/v1/auth/login").raw("text/plain", "hello").send().await;
    seen(&mut produced, &reply, 415, ProblemCode::UnsupportedMediaType);
    let reply = app.get("/api/v1/cases").token(coordinator).header("X-Padding", &"x".repeat(9 * 1024)).send().await;
    seen(&mut produced, &reply, 431, ProblemCode::RequestHeaderFieldsTooLarge);
    let reply = app.post("/api/v1/auth/login").json(&json!({})).send().await;
    seen(&mut produced, &reply, 422, ProblemCode::ValidationFailed);

    // Versions.
    let case = app.intercept(&team.case_worker, "milano", json!({"alias": "Problemi 1"})).await;
    let case_path = format!("/api/v1/cases/{}", case["id"].as_str().unwrap_or_default());
    let reply = app.patch(&case_path).token(worker).json(&json!({"needs": ["housing"]})).send().await;
    seen(&mut produced, &reply, 428, ProblemCode::PreconditionRequired);
    let reply = app.patch(&case_path).token(worker).if_match(7).json(&json!({"needs": ["housing"]})).send().await;
    seen(&mut produced, &reply, 412, ProblemCode::PreconditionFailed);

    // The lifecycle.
    let transitions = format!("{case_path}/transitions");
    let reply = app
        .post(&transitions)
        .token(worker)
        .if_match(1)
        .json(&json!({"to": "taken_in_charge", "effective_at": days_ago(1)}))
        .send()
        .await;
    seen(&mut produced, &reply, 409, ProblemCode::InvalidTransition);
    assert_eq!(reply.body["reachable"], json!(["screening", "closed"]));
    let reply = app
        .post(&transitions)
        .token(worker)
        .if_match(1)
        .json(&json!({"to": "screening", "effective_at": days_ago(2)}))
        .send()
        .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    let reply = app
        .post(&transitions)
        .token(worker)
        .if_match(2)
        .json(&json!({"to": "taken_in_charge", "effective_at": days_ago(1)}))
        .send()
        .await;
    seen(&mut produced, &reply, 409, ProblemCode::PreconditionsFailed);
    let reply = app
        .post(&format!("{case_path}/services"))
        .token(worker)
        .json(&json!({"category": "job_placement", "delivered_on": "2026-03-01"}))
        .send()
        .await;
    seen(&mut produced, &reply, 409, ProblemCode::CaseNotInCharge);
    let reply = app
        .post(&format!("{case_path}/work-grants"))
        .token(worker)
        .json(&json!({"funder_organization_id": REGION_ID, "host_employer": "Ditta", "start_on": "2026-03-02",
            "end_on": "2026-06-01", "monthly_amount_cents": 50000, "hours_per_week": 20}))
        .send()
        .await;
    seen(&mut produced, &reply, 409, ProblemCode::GrantNotEligible);
    assert!(reply.body["rules"].as_array().is_some_and(|rules| !rules.is_empty()), "{}", reply.body);
    let reply = app
        .post(&format!("{case_path}/closure-approval"))
        .token(coordinator)
        .if_match(2)
        .json(&json!({"decision": "approve"}))
        .send()
        .await;
    seen(&mut produced, &reply, 409, ProblemCode::NoClosureRequest);

    // A closure waiting for approval, then the data corrected under it.
    let district = app.get("/api/v1/districts").token(admin).send().await;
    let milano = district.body["items"]
        .as_array()
        .and_then(|d| d.iter().find(|d| d["code"] == "milano"))
        .cloned()
        .unwrap_or(Value::Null);
    let reply = app
        .patch("/api/v1/districts/milano")
        .token(admin)
        .if_match(milano["version"].as_i64().unwrap_or_default())
        .json(&json!({"closure_requires_approval": true}))
        .send()
        .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    let (in_charge, person) = app.case_in_charge(&team, eligible("Problemi 2")).await;
    let in_charge_path = format!("/api/v1/cases/{in_charge}");
    let close =
        json!({"to": "closed", "effective_at": days_ago(1), "outcome": "lost_contact", "summary": "Non risponde"});
    let reply = app.post(&format!("{in_charge_path}/transitions")).token(worker).if_match(4).json(&close).send().await;
    assert_eq!(reply.status, 202, "{}", reply.body);
    app.execute_sql(&format!(
        "UPDATE cases SET closure_request_effective_at = '2020-01-01 00:00:00' WHERE id = '{in_charge}'"
    ))
    .await;
    let reply = app
        .post(&format!("{in_charge_path}/closure-approval"))
        .token(coordinator)
        .if_match(5)
        .json(&json!({"decision": "approve"}))
        .send()
        .await;
    seen(&mut produced, &reply, 409, ProblemCode::ClosureRequestOutdated);
    let reply =
        app.post(&format!("{in_charge_path}/transitions")).token(coordinator).if_match(5).json(&close).send().await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    let reply =
        app.patch(&in_charge_path).token(coordinator).if_match(6).json(&json!({"needs": ["housing"]})).send().await;
    seen(&mut produced, &reply, 409, ProblemCode::CaseClosed);

    // People and consents.
    let person_body = json!({"alias": "Amina", "first_name": "Amina", "last_name": "Khan", "birth_year": 1990, "citizenships": ["PK"]});
    let reply = app.post("/api/v1/beneficiaries").token(worker).json(&person_body).send().await;
    assert_eq!(reply.status, 201, "{}", reply.body);
    let reply = app.post("/api/v1/beneficiaries").token(worker).json(&person_body).send().await;
    seen(&mut produced, &reply, 409, ProblemCode::PossibleDuplicate);
    assert_eq!(reply.body["other_matches"], 0);
    let consent = app
        .post(&format!("/api/v1/beneficiaries/{person}/consents"))
        .token(worker)
        .json(&json!({"kind": "research_use", "given_on": "2026-02-20", "method": "written", "language": "it"}))
        .send()
        .await;
    assert_eq!(consent.status, 201, "{}", consent.body);
    let withdraw = format!("/api/v1/consents/{}/withdraw", consent.str("id"));
    assert_eq!(app.post(&withdraw).token(worker).json(&json!({})).send().await.status, 200);
    let reply = app.post(&withdraw).token(worker).json(&json!({})).send().await;
    seen(&mut produced, &reply, 409, ProblemCode::ConsentAlreadyWithdrawn);

    // Referrals.
    let partner_org = app.organization("Cooperativa Problemi", "ets", &["milano"]).await;
    let (referred, _) = app.case_in_charge(&team, eligible("Problemi 3")).await;
    let reply = app
        .post(&format!("/api/v1/cases/{referred}/referrals"))
        .token(worker)
        .json(&json!({"to_organization_id": partner_org, "category": "job_placement", "reason": "Tirocinio"}))
        .send()
        .await;
    assert_eq!(reply.status, 201, "{}", reply.body);
    let reply = app
        .post(&format!("/api/v1/referrals/{}/transitions", reply.str("id")))
        .token(worker)
        .if_match(1)
        .json(&json!({"to": "sent"}))
        .send()
        .await;
    seen(&mut produced, &reply, 409, ProblemCode::ConsentMissing);

    // Accounts and reference data.
    let reply = app
        .post("/api/v1/users")
        .token(admin)
        .json(
            &json!({"email": app.admin.email, "display_name": "Again", "role": "admin", "organization_id": REGION_ID}),
        )
        .send()
        .await;
    seen(&mut produced, &reply, 409, ProblemCode::AlreadyExists);
    let me = app.get(&format!("/api/v1/users/{}", app.admin.id)).token(admin).send().await;
    let reply = app
        .patch(&format!("/api/v1/users/{}", app.admin.id))
        .token(admin)
        .if_match(me.body["version"].as_i64().unwrap_or_default())
        .json(&json!({"active": false}))
        .send()
        .await;
    seen(&mut produced, &reply, 409, ProblemCode::OwnAccount);
    let (account, _, _) = app.service_account(&partner_org, &["referrals:read"]).await;
    let revoke = app.post(&format!("/api/v1/service-accounts/{account}/revoke")).token(admin).if_match(1).send().await;
    assert_eq!(revoke.status, 200, "{}", revoke.body);
    let reply = app
        .post(&format!("/api/v1/service-accounts/{account}/rotate"))
        .token(admin)
        .if_match(revoke.body["version"].as_i64().unwrap_or_default())
        .send()
        .await;
    seen(&mut produced, &reply, 409, ProblemCode::ServiceAccountRevoked);
    let hook = json!({"organization_id": partner_org, "url": "https://gestionale.example.org/hooks", "events": ["referral.updated"]});
    let mut last = Value::Null;
    for _ in 0..domain::webhooks::MAX_WEBHOOKS_PER_ORGANIZATION {
        let registered = app.post("/api/v1/webhooks").token(admin).json(&hook).send().await;
        assert_eq!(registered.status, 201, "{}", registered.body);
        last = registered.body.clone();
    }
    let reply = app.post("/api/v1/webhooks").token(admin).json(&hook).send().await;
    seen(&mut produced, &reply, 409, ProblemCode::WebhookLimit);
    let hook_path = format!("/api/v1/webhooks/{}", last["id"].as_str().unwrap_or_default());
    let off = app.patch(&hook_path).token(admin).if_match(1).json(&json!({"enabled": false})).send().await;
    assert_eq!(off.status, 200, "{}", off.body);
    let reply = app.post(&format!("{hook_path}/test")).token(admin).send().await;
    seen(&mut produced, &reply, 409, ProblemCode::WebhookDisabled);
    let targets = json!({"from": "2025-06-01", "to": "2025-06-30", "intercepted_min": 1, "intercepted_max": 2,
        "taken_in_charge_min": 1, "taken_in_charge_max": 2});
    let reply = app.post("/api/v1/districts/milano/targets").token(admin).json(&targets).send().await;
    seen(&mut produced, &reply, 409, ProblemCode::PeriodOverlaps);
    let held = app.intercept(&team.case_worker, "milano", json!({"alias": "Held"})).await;
    let procedure = json!({"kind": "complaint", "status": "pending", "filed_on": "2026-02-27"});
    let filed = app
        .post(&format!("/api/v1/cases/{}/legal-procedures", held["id"].as_str().unwrap_or_default()))
        .token(&team.legal_advisor.access_token)
        .json(&procedure)
        .send()
        .await;
    assert_eq!(filed.status, 201, "{}", filed.body);
    let person = held["beneficiary"]["id"].as_str().unwrap_or_default();
    let reply = app
        .post(&format!("/api/v1/beneficiaries/{person}/erasure"))
        .token(coordinator)
        .if_match(1)
        .json(&json!({"reason": "richiesta dell'interessato"}))
        .send()
        .await;
    seen(&mut produced, &reply, 409, ProblemCode::LegalHold);

    // Throttling.
    for _ in 0..5 {
        let wrong = json!({"email": team.case_worker.email, "password": "not-the-password"});
        assert_eq!(app.post("/api/v1/auth/login").json(&wrong).send().await.status, 401);
    }
    let reply =
        app.post("/api/v1/auth/login").json(&json!({"email": team.case_worker.email, "password": "x"})).send().await;
    seen(&mut produced, &reply, 429, ProblemCode::TooManyRequests);
    assert!(reply.header("retry-after").is_some());

    // Stored data that does not fit the domain: a tally of a figure no report knows, written
    // directly in the database with a new version of the figures (the report kept from before
    // would otherwise still be answered).
    let report = "/api/v1/reports/indicators?district=milano";
    assert_eq!(app.get(report).token(coordinator).send().await.status, 200, "the first report recounts everything");
    app.execute_sql(
        "INSERT INTO report_tallies (district_code, period, day, figure, item, detail, count) \
         VALUES ('milano', 'day', '2026-03-01', 'bogus', '', '', 1)",
    )
    .await;
    app.execute_sql("UPDATE report_tally_state SET figures_version = 'changed by hand'").await;
    seen(&mut produced, &app.get(report).token(coordinator).send().await, 500, ProblemCode::Internal);

    let storage = storage_problems(&mut produced).await;
    let produced = produced.codes;
    let expected: BTreeSet<&str> = ProblemCode::ALL.iter().map(|p| p.code()).collect();
    let elsewhere: BTreeSet<&str> = PRODUCED_ELSEWHERE.iter().map(|(p, _)| p.code()).collect();
    let missing: Vec<&&str> = expected.difference(&produced).filter(|c| !elsewhere.contains(*c)).collect();
    assert!(missing.is_empty(), "kinds of problem no request produced: {missing:?}");
    assert!(storage, "the storage problems were produced");
}

/// The database busy (its connections all taken) and the long-read budget full.
async fn storage_problems(produced: &mut Produced) -> bool {
    let app = TestApp::with_settings(&[
        ("INLAV_DB_POOL_SIZE", "2"),
        ("INLAV_DB_TIMEOUT_MS", "100"),
        ("INLAV_LONG_READS", "1"),
    ])
    .await;
    if produced.language == Language::It {
        app.speak("it");
    }
    let evaluator = app.user("evaluator", REGION_ID, &[]).await;

    // One long read runs and four wait (the queue holds four per turn): the next is refused
    // at once, with the time to wait.
    let (release, released) = std::sync::mpsc::channel::<()>();
    let released = std::sync::Arc::new(std::sync::Mutex::new(released));
    let mut held = Vec::new();
    for _ in 0..5 {
        let database = app.state.database().clone();
        let released = released.clone();
        held.push(actix_web::rt::spawn(async move {
            database
                .snapshot(move |_| {
                    let _ = released.lock().map(|r| r.recv_timeout(std::time::Duration::from_secs(20)));
                    Ok::<_, persistence::Error>(())
                })
                .await
        }));
    }
    actix_web::rt::time::sleep(std::time::Duration::from_millis(200)).await;
    let reply = app.get("/api/v1/exports/cases").token(&evaluator.access_token).send().await;
    seen(produced, &reply, 503, ProblemCode::LongReadsBusy);
    assert_eq!(reply.header("retry-after"), Some("5"));
    drop(release);
    for long_read in held {
        assert!(long_read.await.is_ok_and(|done| done.is_ok()), "the waiting long reads ran");
    }

    // Both connections taken: a request waits its 100 ms for one, then is told to come back.
    let taken: Vec<_> = (0..2).map(|_| app.state.database().pool().get()).collect();
    assert!(taken.iter().all(Result::is_ok));
    let reply = app.get("/api/v1/vocabularies").token(&evaluator.access_token).send().await;
    seen(produced, &reply, 503, ProblemCode::Unavailable);
    assert_eq!(reply.header("retry-after"), Some("1"));
    true
}

#[test]
fn every_kind_is_listed_in_the_served_spec_and_the_readme() {
    let spec = api::server::spec_json();
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../README.md")).unwrap_or_default();
    for problem in ProblemCode::ALL {
        assert!(spec.contains(&format!("\"{}\"", problem.type_uri())), "the spec names the type of {problem:?}");
        assert!(spec.contains(&format!("| `{}` |", problem.code())), "the spec describes {problem:?}");
        assert!(readme.contains(&format!("`{}`", problem.code())), "the README lists {problem:?}");
    }
}

#[test]
fn the_kinds_no_request_produces_answer_as_documented() {
    use actix_web::ResponseError;
    let stored = api::error::ApiError::from(app::Error::from(persistence::Error::Conflict("UNIQUE".into())));
    assert_eq!(stored.code(), ProblemCode::Conflict);
    assert_eq!(stored.status().as_u16(), 409);
    // The storage's faults, as SQLite and PostgreSQL word them: 503 with a time to retry.
    for (message, code, retry) in [
        ("database or disk is full", ProblemCode::StorageFull, "30"),
        ("could not extend file \"base/16384/2619\": No space left on device", ProblemCode::StorageFull, "30"),
        ("attempt to write a readonly database", ProblemCode::ReadOnly, "30"),
        ("cannot execute INSERT in a read-only transaction", ProblemCode::ReadOnly, "30"),
        ("database disk image is malformed", ProblemCode::StorageError, "60"),
        ("file is not a database", ProblemCode::StorageError, "60"),
        ("disk I/O error", ProblemCode::StorageError, "60"),
    ] {
        let fault = persistence::error::storage_fault(message).unwrap_or_else(|| panic!("{message}"));
        let problem = api::error::ApiError::from(app::Error::from(fault));
        assert_eq!(problem.code(), code, "{message}");
        let response = problem.error_response();
        assert_eq!(response.status().as_u16(), 503, "{message}");
        assert_eq!(response.headers().get("retry-after").and_then(|v| v.to_str().ok()), Some(retry), "{message}");
    }
    assert!(persistence::error::storage_fault("UNIQUE constraint failed: users.email").is_none());
    let bare = api::error::ApiError::for_status(actix_web::http::StatusCode::IM_A_TEAPOT);
    assert_eq!(bare.code(), ProblemCode::HttpError);
    assert_eq!(bare.error_response().status().as_u16(), 418);
}

#[actix_web::test]
async fn a_body_with_three_wrong_fields_is_refused_naming_all_three() {
    let app = TestApp::new().await;
    let team = app.team().await;
    let body = json!({
        "channel": "carrier_pigeon",
        "intercepted_at": 20260302,
        "beneficiary": {"alias": "Tre errori", "colour": "red"}
    });
    for (accept, language) in [("en", Language::En), ("it", Language::It)] {
        let reply = app
            .post("/api/v1/cases")
            .token(&team.case_worker.access_token)
            .header("Accept-Language", accept)
            .json(&body)
            .send()
            .await;
        let problem = reply.problem(422);
        let errors: Vec<(String, String)> = reply.field_errors();
        for expected in [
            ("district", "required"),
            ("channel", "unknown_code"),
            ("intercepted_at", "invalid_type"),
            ("beneficiary.colour", "unknown_field"),
        ] {
            assert!(errors.contains(&(expected.0.to_string(), expected.1.to_string())), "{expected:?}: {problem}");
        }
        assert_eq!(errors.len(), 4, "{problem}");
        assert_eq!(reply.header("content-language"), Some(language.tag()));
        let channel = problem["errors"].as_array().into_iter().flatten().find(|e| e["field"] == "channel");
        let message = channel.and_then(|e| e["message"].as_str()).unwrap_or_default();
        let expected_start = if language == Language::It { "deve essere uno tra: " } else { "must be one of: " };
        assert!(message.starts_with(expected_start) && message.contains("street_outreach"), "{message}");
        for error in problem["errors"].as_array().into_iter().flatten() {
            let message = error["message"].as_str().unwrap_or_default();
            assert!(!message.contains("i32") && !message.contains('`') && !message.contains("struct"), "{message}");
        }
    }
    let list = app.get("/api/v1/cases").token(&team.case_worker.access_token).send().await;
    assert_eq!(list.body["items"], json!([]), "nothing was stored");
}
