//! The change feed: each caller follows the changes of its own scope, in order, by kind and id,
//! without personal data, and from a cursor it keeps.

use serde_json::{Value, json};

use crate::support::TestApp;

/// Every change `who` follows from `after` on, page by page; with the last cursor.
async fn follow(app: &TestApp, token: &str, after: Option<&str>) -> (Vec<Value>, String) {
    let mut items = Vec::new();
    let mut cursor = after.map(ToString::to_string);
    loop {
        let path = match &cursor {
            Some(c) => format!("/api/v1/changes?limit=2&after={c}"),
            None => "/api/v1/changes?limit=2".to_string(),
        };
        let page = app.get(&path).token(token).send().await;
        assert_eq!(page.status, 200, "{}", page.body);
        let got = page.body["items"].as_array().cloned().unwrap_or_default();
        let next = page.str("next_cursor").to_string();
        if got.is_empty() {
            assert_eq!(Some(next.as_str()), cursor.as_deref().or(Some(next.as_str())), "an empty page keeps the place");
            return (items, next);
        }
        items.extend(got);
        cursor = Some(next);
    }
}

fn kinds(items: &[Value]) -> Vec<(String, String)> {
    items
        .iter()
        .map(|i| (i["resource"].as_str().unwrap_or("").to_string(), i["action"].as_str().unwrap_or("").to_string()))
        .collect()
}

fn pair(resource: &str, action: &str) -> (String, String) {
    (resource.to_string(), action.to_string())
}

#[actix_web::test]
async fn a_district_team_follows_its_cases_and_people_in_order_without_their_data() {
    let app = TestApp::new().await;
    let team = app.team().await;
    let worker = &team.case_worker.access_token;
    let (_, start) = follow(&app, worker, None).await;

    let case =
        app.intercept(&team.case_worker, "milano", json!({"alias": "Nel registro", "first_name": "Karim"})).await;
    let case_id = case["id"].as_str().unwrap();
    let patched = app
        .patch(&format!("/api/v1/cases/{case_id}"))
        .token(worker)
        .if_match(1)
        .json(&json!({"needs": ["housing"]}))
        .send()
        .await;
    assert_eq!(patched.status, 200, "{}", patched.body);
    let legal_note = json!({"body": "Valutare denuncia", "confidentiality": "legal"});
    let note = app
        .post(&format!("/api/v1/cases/{case_id}/notes"))
        .token(&team.legal_advisor.access_token)
        .json(&legal_note)
        .send()
        .await;
    assert_eq!(note.status, 201, "{}", note.body);
    app.intercept(&team.bergamo_case_worker, "bergamo", json!({"alias": "Altrove"})).await;

    let (items, last) = follow(&app, worker, Some(&start)).await;
    assert_eq!(kinds(&items), [pair("beneficiary", "created"), pair("case", "created"), pair("case", "updated")]);
    assert_eq!(items[1]["id"], case_id);
    assert_eq!(items[2]["version"], 2, "the version to read, as its ETag");
    let seqs: Vec<i64> = items.iter().map(|i| i["seq"].as_i64().unwrap()).collect();
    assert!(seqs.windows(2).all(|w| w[0] < w[1]), "{seqs:?}");
    let text = serde_json::to_string(&items).unwrap();
    assert!(!text.contains("Karim") && !text.contains("Nel registro") && !text.contains("housing"), "{text}");
    // Nothing new: the same cursor comes back.
    let (again, kept) = follow(&app, worker, Some(&last)).await;
    assert!(again.is_empty());
    assert_eq!(kept, last);

    // The legal advisor also follows the legal note; Bergamo follows only its own.
    let (legal, _) = follow(&app, &team.legal_advisor.access_token, Some(&start)).await;
    assert_eq!(kinds(&legal).last(), Some(&pair("note", "created")));
    let (bergamo, _) = follow(&app, &team.bergamo_case_worker.access_token, Some(&start)).await;
    assert_eq!(kinds(&bergamo), [pair("beneficiary", "created"), pair("case", "created")]);
    assert!(bergamo.iter().all(|i| i["id"] != case_id));

    // Roles that follow nothing, and a cursor that is not one.
    for who in [&team.evaluator, &team.regional, &team.outreach] {
        app.get("/api/v1/changes").token(&who.access_token).send().await.problem(403);
    }
    let bad = app.get("/api/v1/changes?after=garbage").token(worker).send().await;
    assert_eq!(bad.field_errors(), [("after".to_string(), "invalid_cursor".to_string())]);
}

#[actix_web::test]
async fn a_partner_system_learns_of_a_referral_when_it_is_sent_to_it() {
    let app = TestApp::new().await;
    let team = app.team().await;
    let partner_org = app.organization("Cooperativa del feed", "ets", &["milano"]).await;
    let person =
        json!({"alias": "Inviato", "citizenships": ["PK"], "permit": {"kind": "work", "expires_on": "2027-01-01"}});
    let (case, beneficiary) = app.case_in_charge(&team, person).await;
    let (_, client_id, secret) = app.service_account(&partner_org, &["referrals:read"]).await;
    let system = app.system_token(&client_id, &secret).await;
    let (_, start) = follow(&app, &system, None).await;

    let referral = app.propose_referral(&team.case_worker, &case, &beneficiary, &partner_org).await;
    let (before, _) = follow(&app, &system, Some(&start)).await;
    assert!(before.is_empty(), "a proposal is the PUA's own business: {before:?}");
    let sent = app
        .post(&format!("/api/v1/referrals/{referral}/transitions"))
        .token(&team.case_worker.access_token)
        .if_match(1)
        .json(&json!({"to": "sent"}))
        .send()
        .await;
    assert_eq!(sent.status, 200, "{}", sent.body);
    let (items, _) = follow(&app, &system, Some(&start)).await;
    assert_eq!(kinds(&items), [pair("referral", "updated")]);
    assert_eq!(items[0]["id"], referral.as_str());
    // The referral is read through its endpoint, where need-to-know applies.
    let read = app.get(&format!("/api/v1/referrals/{referral}")).token(&system).send().await;
    assert_eq!(read.status, 200, "{}", read.body);

    // Another organisation's partner follows none of it; a token without referrals:read, nothing.
    let other = app.organization("Altro ente", "ets", &["milano"]).await;
    let stranger = app.user("partner", &other, &[]).await;
    let (theirs, _) = follow(&app, &stranger.access_token, Some(&start)).await;
    assert!(theirs.is_empty());
    let (_, writer_id, writer_secret) = app.service_account(&partner_org, &["services:write"]).await;
    let writer = app.system_token(&writer_id, &writer_secret).await;
    app.get("/api/v1/changes").token(&writer).send().await.problem(403);

    // The admin follows accounts and organisations, not cases.
    let (accounts, _) = follow(&app, &app.admin.access_token, None).await;
    assert!(accounts.iter().all(|i| ["user", "organization"].contains(&i["resource"].as_str().unwrap_or(""))));
    assert!(accounts.iter().any(|i| i["resource"] == "organization" && i["id"] == partner_org.as_str()));
}

#[actix_web::test]
async fn lists_give_what_changed_since_an_instant_in_the_order_of_change() {
    use api::clock::Clock;
    let app = TestApp::new().await;
    let team = app.team().await;
    let worker = &team.case_worker.access_token;
    let mut ids = Vec::new();
    for alias in ["Primo", "Secondo", "Terzo"] {
        let case = app.intercept(&team.case_worker, "milano", json!({"alias": alias})).await;
        ids.push((case["id"].as_str().unwrap().to_string(), case["beneficiary"]["id"].as_str().unwrap().to_string()));
    }
    app.advance(chrono::Duration::minutes(1));
    let since = app.clock.now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    // The third case changes first, then the first; the second not at all.
    for (case, _) in [&ids[2], &ids[0]] {
        app.advance(chrono::Duration::seconds(5));
        let reply = app
            .patch(&format!("/api/v1/cases/{case}"))
            .token(worker)
            .if_match(1)
            .json(&json!({"needs": ["documents"]}))
            .send()
            .await;
        assert_eq!(reply.status, 200, "{}", reply.body);
    }
    let person = &ids[1].1;
    let reply = app
        .patch(&format!("/api/v1/beneficiaries/{person}"))
        .token(worker)
        .if_match(1)
        .json(&json!({"municipality": "Milano"}))
        .send()
        .await;
    assert_eq!(reply.status, 200, "{}", reply.body);

    // Page by page, one at a time, in the order they changed.
    let mut seen = Vec::new();
    let mut path = format!("/api/v1/cases?updated_since={since}&limit=1");
    loop {
        let page = app.get(&path).token(worker).send().await;
        assert_eq!(page.status, 200, "{}", page.body);
        seen.extend(page.body["items"].as_array().unwrap().iter().map(|c| c["id"].as_str().unwrap().to_string()));
        match page.body["next_cursor"].as_str() {
            Some(cursor) => path = format!("/api/v1/cases?updated_since={since}&limit=1&cursor={cursor}"),
            None => break,
        }
    }
    assert_eq!(seen, [ids[2].0.clone(), ids[0].0.clone()]);
    let people = app.get(&format!("/api/v1/beneficiaries?updated_since={since}")).token(worker).send().await;
    let people: Vec<&str> =
        people.body["items"].as_array().unwrap().iter().map(|b| b["id"].as_str().unwrap()).collect();
    assert_eq!(people, [person.as_str()]);

    // A referral proposed after the instant, and none before it.
    let organization = app.organization("Ente del delta", "ets", &["milano"]).await;
    let proposed = app
        .post(&format!("/api/v1/cases/{}/referrals", ids[0].0))
        .token(worker)
        .json(&json!({"to_organization_id": organization, "category": "orientation_work", "reason": "Lavoro", "joint_intake": false}))
        .send()
        .await;
    assert_eq!(proposed.status, 201, "{}", proposed.body);
    let referrals = app.get(&format!("/api/v1/referrals?updated_since={since}")).token(worker).send().await;
    assert_eq!(referrals.body["items"].as_array().map(Vec::len), Some(1), "{}", referrals.body);
    let services = format!("/api/v1/cases/{}/services", ids[0].0);
    let delivered = json!({"category": "orientation_work", "delivered_on": app.clock.now().date_naive()});
    let recorded = app.post(&services).token(worker).json(&delivered).send().await;
    assert_eq!(recorded.status, 201, "{}", recorded.body);
    let changed = app.get(&format!("{services}?updated_since={since}")).token(worker).send().await;
    assert_eq!(changed.body["items"][0]["id"], recorded.body["id"], "{}", changed.body);
    app.advance(chrono::Duration::minutes(1));
    let later = app.clock.now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let none = app.get(&format!("/api/v1/referrals?updated_since={later}")).token(worker).send().await;
    assert_eq!(none.body["items"], json!([]));
    let none = app.get(&format!("{services}?updated_since={later}")).token(worker).send().await;
    assert_eq!(none.body["items"], json!([]));

    // A cursor of the other order is refused.
    let ordinary = app.get("/api/v1/cases?limit=1").token(worker).send().await;
    let cursor = ordinary.str("next_cursor").to_string();
    let mixed = app.get(&format!("/api/v1/cases?updated_since={since}&cursor={cursor}")).token(worker).send().await;
    assert_eq!(mixed.field_errors(), [("cursor".to_string(), "invalid_cursor".to_string())]);
}
