//! Alerts, on a fixed clock.

use chrono::Duration;
use serde_json::json;

use crate::support::{PASSWORD, TestApp};

#[actix_web::test]
async fn alerts_of_a_district_on_a_fixed_day() {
    let app = TestApp::new().await;
    let team = app.team().await;
    let ets = app.organization("Partner alerts", "ets", &["milano"]).await;
    // Permit expiring in 30 days (from the start of the clock; the clock moves 15 days below).
    let (permit_case, _) = app
        .case_in_charge(
            &team,
            json!({"alias": "Permit", "citizenships": ["MA"], "permit": {"kind": "work", "expires_on": "2026-04-01"}}),
        )
        .await;
    // A minor without a guardian.
    let minor = app.intercept(&team.case_worker, "milano", json!({"alias": "Minor", "birth_date": "2011-01-01"})).await;
    // A referral sent and never answered.
    let (referred, beneficiary) = app
        .case_in_charge(
            &team,
            json!({"alias": "Referred", "citizenships": ["NG"], "permit": {"kind": "awaiting_renewal"}}),
        )
        .await;
    app.post(&format!("/api/v1/beneficiaries/{beneficiary}/consents"))
        .token(&team.case_worker.access_token)
        .json(&json!({"kind": "data_sharing", "organization_id": ets, "given_on": "2026-03-01", "method": "written", "language": "en"}))
        .send()
        .await;
    let referral = app
        .post(&format!("/api/v1/cases/{referred}/referrals"))
        .token(&team.case_worker.access_token)
        .json(&json!({"to_organization_id": ets, "category": "job_placement", "reason": "inserimento"}))
        .send()
        .await;
    let referral_id = referral.str("id").to_string();
    app.post(&format!("/api/v1/referrals/{referral_id}/transitions"))
        .token(&team.case_worker.access_token)
        .if_match(1)
        .json(&json!({"to": "sent"}))
        .send()
        .await;
    // A legal deadline 10 days after the day of the alerts.
    app.post(&format!("/api/v1/cases/{referred}/legal-procedures"))
        .token(&team.legal_advisor.access_token)
        .json(&json!({"kind": "labour_dispute", "status": "pending", "next_deadline": "2026-03-27"}))
        .send()
        .await;
    // Bergamo's cases are not Milano's alerts.
    app.intercept(&team.bergamo_case_worker, "bergamo", json!({"alias": "Elsewhere", "birth_date": "2012-01-01"}))
        .await;

    // Fifteen days later; the referral was sent 15 days ago, the cases taken in charge 23
    // days ago; a note keeps one case active.
    app.advance(Duration::days(15));
    let coordinator = app.login(&team.coordinator.email, PASSWORD).await;
    let worker = app.login(&team.case_worker.email, PASSWORD).await;
    let reply = app
        .post(&format!("/api/v1/cases/{permit_case}/notes"))
        .token(&worker.access_token)
        .json(&json!({"body": "sentito al telefono", "confidentiality": "team"}))
        .send()
        .await;
    assert_eq!(reply.status, 201);

    let alerts = app.get("/api/v1/alerts").token(&coordinator.access_token).send().await;
    assert_eq!(alerts.status, 200, "{}", alerts.body);
    let got: Vec<(String, String)> = alerts.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| (a["kind"].as_str().unwrap().to_string(), a["alias"].as_str().unwrap().to_string()))
        .collect();
    let expected = [
        ("permit_expiring", "Permit"),
        ("referral_unanswered", "Referred"),
        ("legal_deadline", "Referred"),
        ("minor_without_guardian", "Minor"),
    ];
    assert_eq!(got, expected.map(|(k, a)| (k.to_string(), a.to_string())));
    let legal = alerts.body["items"].as_array().unwrap().iter().find(|a| a["kind"] == "legal_deadline").unwrap();
    assert_eq!(legal["date"], "2026-03-27");
    assert_eq!(alerts.body["items"][1]["referral_id"], referral_id.as_str());

    // The case worker does not see legal deadlines.
    let mine = app.get("/api/v1/alerts").token(&worker.access_token).send().await;
    assert!(mine.body["items"].as_array().unwrap().iter().all(|a| a["kind"] != "legal_deadline"));
    assert_eq!(mine.body["items"].as_array().unwrap().len(), 3);

    // Eight more days: the case without activity since its taking in charge becomes idle
    // (31 days); the one with a note 8 days ago does not.
    app.advance(Duration::days(8));
    let coordinator = app.login(&team.coordinator.email, PASSWORD).await;
    let alerts = app.get("/api/v1/alerts").token(&coordinator.access_token).send().await;
    let idle: Vec<&str> = alerts.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["kind"] == "case_idle")
        .map(|a| a["alias"].as_str().unwrap())
        .collect();
    assert_eq!(idle, ["Referred"]);
    assert!(alerts.body["items"].as_array().unwrap().iter().all(|a| a["district"] == "milano"));
    assert_eq!(minor["status"], "intercepted");
    for who in [&team.outreach, &team.partner, &team.regional, &team.evaluator] {
        let session = app.login(&who.email, PASSWORD).await;
        app.get("/api/v1/alerts").token(&session.access_token).send().await.problem(403);
    }
}
