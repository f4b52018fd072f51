//! The network's services, and services delivered within cases.

use chrono::Duration;
use serde_json::{Value, json};

use crate::support::TestApp;

fn service(organization: &str, areas: &[&str]) -> Value {
    json!({
        "organization_id": organization, "name": "Sportello lavoro e diritti", "description": "Consulenza su contratti e buste paga",
        "categories": ["orientation_work", "legal_advice", "orientation_work"], "service_areas": areas, "languages": ["it", "AR", "bn"],
        "required_documents": ["documento d'identità"], "address": {"address_1": "Via Pietro Mascagni 4", "city": "Milano", "postal_code": "20122"},
        "email": "Sportello@Ets.Example.org", "url": "https://ets.example.org", "phone": "+39 02 1234567",
        "schedule_description": "lun-ven 9-13", "status": "active"
    })
}

#[actix_web::test]
async fn services_are_managed_by_the_admin_and_coordinators_of_their_districts() {
    let app = TestApp::new().await;
    let team = app.team().await;
    let ets = app.organization("Cooperativa Farsi Prossimo", "ets", &["milano"]).await;
    let reply = app
        .post("/api/v1/network/services")
        .token(&team.coordinator.access_token)
        .json(&service(&ets, &["milano"]))
        .send()
        .await;
    assert_eq!(reply.status, 201, "{}", reply.body);
    assert_eq!(reply.body["categories"], json!(["orientation_work", "legal_advice"]));
    assert_eq!(reply.body["languages"], json!(["ar", "bn", "it"]));
    assert_eq!(reply.body["email"], "sportello@ets.example.org");
    let id = reply.str("id").to_string();

    // Not for districts beyond its own, and not for case workers.
    app.post("/api/v1/network/services")
        .token(&team.coordinator.access_token)
        .json(&service(&ets, &["milano", "desio"]))
        .send()
        .await
        .problem(403);
    app.post("/api/v1/network/services")
        .token(&team.case_worker.access_token)
        .json(&service(&ets, &["milano"]))
        .send()
        .await
        .problem(403);
    let regional = app
        .post("/api/v1/network/services")
        .token(&app.admin.access_token)
        .json(&service(&ets, &["milano", "desio"]))
        .send()
        .await;
    assert_eq!(regional.status, 201);
    let path = format!("/api/v1/network/services/{}", regional.str("id"));
    app.patch(&path)
        .token(&team.coordinator.access_token)
        .if_match(1)
        .json(&service(&ets, &["milano"]))
        .send()
        .await
        .problem(403);

    let mut changed = service(&ets, &["milano"]);
    changed["status"] = json!("temporarily_closed");
    let path = format!("/api/v1/network/services/{id}");
    app.patch(&path).token(&team.coordinator.access_token).json(&changed).send().await.problem(428);
    let reply = app.patch(&path).token(&team.coordinator.access_token).if_match(1).json(&changed).send().await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(reply.body["status"], "temporarily_closed");

    let mut bad = service(&ets, &["atlantide"]);
    bad["languages"] = json!(["klingon"]);
    bad["url"] = json!("ftp://x");
    bad["categories"] = json!([]);
    let reply = app.post("/api/v1/network/services").token(&app.admin.access_token).json(&bad).send().await;
    assert_eq!(reply.field_errors()[0], ("categories".to_string(), "length".to_string()));
}

#[actix_web::test]
async fn every_case_role_and_partners_read_the_network_with_filters() {
    let app = TestApp::new().await;
    let team = app.team().await;
    let ets = app.organization("Fondazione Somaschi", "ets", &["milano"]).await;
    let mut housing = service(&ets, &["milano"]);
    housing["name"] = json!("Casa accoglienza");
    housing["categories"] = json!(["orientation_housing"]);
    housing["languages"] = json!(["it", "fr"]);
    for body in [service(&ets, &["milano"]), housing, service(&ets, &["bergamo"])] {
        assert_eq!(
            app.post("/api/v1/network/services").token(&app.admin.access_token).json(&body).send().await.status,
            201
        );
    }
    for who in [&team.case_worker, &team.legal_advisor, &team.outreach, &team.partner, &team.coordinator] {
        assert_eq!(app.get("/api/v1/network/services").token(&who.access_token).send().await.status, 200);
    }
    for who in [&team.regional, &team.evaluator] {
        app.get("/api/v1/network/services").token(&who.access_token).send().await.problem(403);
    }
    let count = |reply: crate::support::Reply| reply.body["items"].as_array().map(Vec::len).unwrap_or(99);
    let token = &team.case_worker.access_token;
    assert_eq!(count(app.get("/api/v1/network/services?category=orientation_housing").token(token).send().await), 1);
    assert_eq!(count(app.get("/api/v1/network/services?district=milano").token(token).send().await), 2);
    assert_eq!(count(app.get("/api/v1/network/services?language=fr").token(token).send().await), 1);
    assert_eq!(count(app.get("/api/v1/network/services?q=buste%20paga").token(token).send().await), 3);
    assert_eq!(count(app.get("/api/v1/network/services?q=accoglienza&district=milano").token(token).send().await), 1);
}

#[actix_web::test]
async fn pathway_and_support_services_need_the_case_in_charge_on_the_day() {
    let app = TestApp::new().await;
    let team = app.team().await;
    let intercepted = app.intercept(&team.case_worker, "milano", json!({"alias": "New"})).await;
    let path = format!("/api/v1/cases/{}/services", intercepted["id"].as_str().unwrap());
    let token = &team.case_worker.access_token;
    let orientation =
        json!({"category": "orientation_italian_language", "delivered_on": "2026-02-25", "duration_minutes": 60});
    let reply = app.post(&path).token(token).json(&orientation).send().await;
    assert_eq!(reply.status, 201, "{}", reply.body);
    assert_eq!(reply.body["operator_id"], team.case_worker.id.as_str());
    let placement = json!({"category": "job_placement", "delivered_on": "2026-02-25"});
    assert_eq!(app.post(&path).token(token).json(&placement).send().await.problem(409)["code"], "case_not_in_charge");

    let (case, _) = app
        .case_in_charge(
            &team,
            json!({"alias": "InCharge", "citizenships": ["PK"], "permit": {"kind": "awaiting_renewal"}}),
        )
        .await;
    let path = format!("/api/v1/cases/{case}/services");
    // Taken in charge 8 days ago: the day before is refused, the day itself accepted.
    let before = json!({"category": "job_placement", "delivered_on": (crate::support::start_time() - Duration::days(9)).date_naive()});
    assert_eq!(app.post(&path).token(token).json(&before).send().await.problem(409)["code"], "case_not_in_charge");
    let on = json!({"category": "job_placement", "delivered_on": (crate::support::start_time() - Duration::days(8)).date_naive(), "outcome": "completed"});
    assert_eq!(app.post(&path).token(token).json(&on).send().await.status, 201);
    let future = json!({"category": "training", "delivered_on": "2026-03-03"});
    assert_eq!(
        app.post(&path).token(token).json(&future).send().await.field_errors(),
        [("delivered_on".to_string(), "in_future".to_string())]
    );
    let early = json!({"category": "training", "delivered_on": "2026-01-01"});
    assert_eq!(
        app.post(&path).token(token).json(&early).send().await.field_errors(),
        [("delivered_on".to_string(), "before_interception".to_string())]
    );
}

#[actix_web::test]
async fn the_author_amends_for_seven_days_then_only_coordinators() {
    let app = TestApp::new().await;
    let team = app.team().await;
    let case = app.intercept(&team.case_worker, "milano", json!({"alias": "A"})).await;
    let path = format!("/api/v1/cases/{}/services", case["id"].as_str().unwrap());
    let body =
        json!({"category": "prevention_health_safety", "delivered_on": "2026-03-01", "notes": "incontro in sede"});
    let created = app.post(&path).token(&team.case_worker.access_token).json(&body).send().await;
    let record = format!("{path}/{}", created.str("id"));
    let mut changed = body.clone();
    changed["duration_minutes"] = json!(45);

    // Another case worker is not the author.
    let colleague = app.user("case_worker", crate::support::REGION_ID, &["milano"]).await;
    app.patch(&record).token(&colleague.access_token).if_match(1).json(&changed).send().await.problem(403);
    let reply = app.patch(&record).token(&team.case_worker.access_token).if_match(1).json(&changed).send().await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(reply.body["duration_minutes"], 45);

    app.advance(Duration::days(8));
    let token = app.login(&team.case_worker.email, crate::support::PASSWORD).await.access_token;
    app.patch(&record).token(&token).if_match(2).json(&body).send().await.problem(403);
    app.request("DELETE", &record).token(&token).if_match(2).send().await.problem(403);
    let coordinator = app.login(&team.coordinator.email, crate::support::PASSWORD).await.access_token;
    app.request("DELETE", &record).token(&coordinator).send().await.problem(428);
    let reply = app.request("DELETE", &record).token(&coordinator).if_match(2).send().await;
    assert_eq!(reply.status, 204);
    let list = app.get(&path).token(&coordinator).send().await;
    assert_eq!(list.body["items"].as_array().unwrap().len(), 0);
    app.get(&record).token(&coordinator).send().await.problem(405);

    // Every change is audited.
    let admin = app.login(crate::support::ADMIN_EMAIL, crate::support::ADMIN_PASSWORD).await;
    let trail = app
        .get(&format!("/api/v1/audit?case_id={}", case["id"].as_str().unwrap()))
        .token(&admin.access_token)
        .send()
        .await;
    let actions: Vec<&str> =
        trail.body["items"].as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
    assert_eq!(actions.iter().filter(|a| **a == "update").count(), 2, "{actions:?}");
}
