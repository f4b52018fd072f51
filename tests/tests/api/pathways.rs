//! Legal procedures, work grants and notes.

use serde_json::json;

use crate::support::{REGION_ID, TestApp};

#[actix_web::test]
async fn legal_procedures_exist_only_for_legal_advisors_and_coordinators() {
    let app = TestApp::new().await;
    let team = app.team().await;
    let case = app.intercept(&team.outreach, "milano", json!({"alias": "L"})).await;
    let case_id = app.get("/api/v1/cases").token(&team.coordinator.access_token).send().await.body["items"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(case["id"].as_str().unwrap(), case_id);
    let path = format!("/api/v1/cases/{case_id}/legal-procedures");
    let body = json!({"kind": "complaint", "status": "filed", "authority": "questura", "filed_on": "2026-02-27", "next_deadline": "2026-03-10", "notes": "denuncia presentata"});
    let reply = app.post(&path).token(&team.legal_advisor.access_token).json(&body).send().await;
    assert_eq!(reply.status, 201, "{}", reply.body);
    let procedure = format!("{path}/{}", reply.str("id"));
    for who in [&team.legal_advisor, &team.coordinator] {
        assert_eq!(app.get(&path).token(&who.access_token).send().await.body["items"].as_array().unwrap().len(), 1);
        assert_eq!(app.get(&procedure).token(&who.access_token).send().await.status, 200);
    }
    // Everyone else: as if nothing existed (404, not 403).
    let other_legal = app.user("legal_advisor", REGION_ID, &["bergamo"]).await;
    for who in
        [&team.case_worker, &team.outreach, &team.partner, &team.regional, &team.evaluator, &app.admin, &other_legal]
    {
        app.get(&path).token(&who.access_token).send().await.problem(404);
        app.get(&procedure).token(&who.access_token).send().await.problem(404);
        app.post(&path).token(&who.access_token).json(&body).send().await.problem(404);
        app.patch(&procedure).token(&who.access_token).if_match(1).json(&body).send().await.problem(404);
    }
    let mut decided = body.clone();
    decided["status"] = json!("granted");
    decided["decided_on"] = json!("2026-02-20");
    let reply = app.patch(&procedure).token(&team.legal_advisor.access_token).if_match(1).json(&decided).send().await;
    assert_eq!(reply.field_errors(), [("decided_on".to_string(), "before_filed".to_string())]);
    decided["decided_on"] = json!("2026-03-01");
    let reply = app.patch(&procedure).token(&team.coordinator.access_token).if_match(1).json(&decided).send().await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    app.patch(&procedure).token(&team.coordinator.access_token).if_match(1).json(&decided).send().await.problem(412);
}

#[actix_web::test]
async fn work_grants_name_the_rules_they_break() {
    let app = TestApp::new().await;
    let team = app.team().await;
    let celav = app.organization("CeLav - Centro di Mediazione al Lavoro", "municipal_service", &["milano"]).await;
    let grant = |start: &str, end: &str| json!({"funder_organization_id": celav, "host_employer": "Cooperativa Sociale Esempio", "start_on": start, "end_on": end, "monthly_amount_cents": 50000, "hours_per_week": 20});
    // Not in charge, and residence unknown.
    let intercepted = app.intercept(&team.case_worker, "milano", json!({"alias": "G0"})).await;
    let reply = app
        .post(&format!("/api/v1/cases/{}/work-grants", intercepted["id"].as_str().unwrap()))
        .token(&team.case_worker.access_token)
        .json(&grant("2026-04-01", "2026-09-30"))
        .send()
        .await;
    let problem = reply.problem(409);
    let rules: Vec<&str> = problem["rules"].as_array().unwrap().iter().map(|r| r["code"].as_str().unwrap()).collect();
    assert_eq!(rules, ["case_not_in_charge", "residence_unknown"]);

    let (elsewhere, _) = app.case_in_charge(&team, json!({"alias": "G1", "municipality": "Sesto San Giovanni", "citizenships": ["EG"], "permit": {"kind": "work", "expires_on": "2027-01-01"}})).await;
    let reply = app
        .post(&format!("/api/v1/cases/{elsewhere}/work-grants"))
        .token(&team.case_worker.access_token)
        .json(&grant("2026-04-01", "2026-09-30"))
        .send()
        .await;
    assert_eq!(reply.problem(409)["rules"][0]["code"], "municipality_mismatch");

    let (case, _) = app.case_in_charge(&team, json!({"alias": "G2", "municipality": "milano", "citizenships": ["EG"], "permit": {"kind": "work", "expires_on": "2027-01-01"}})).await;
    let path = format!("/api/v1/cases/{case}/work-grants");
    let reply =
        app.post(&path).token(&team.case_worker.access_token).json(&grant("2026-04-01", "2026-09-30")).send().await;
    assert_eq!(reply.status, 201, "{}", reply.body);
    assert_eq!(reply.body["status"], "proposed");
    let id = reply.str("id").to_string();
    let reply =
        app.post(&path).token(&team.case_worker.access_token).json(&grant("2026-09-01", "2026-12-31")).send().await;
    assert_eq!(reply.problem(409)["rules"][0]["code"], "overlapping_grant");
    let reply =
        app.post(&path).token(&team.case_worker.access_token).json(&grant("2026-10-01", "2026-09-01")).send().await;
    assert_eq!(reply.field_errors(), [("end_on".to_string(), "before_start".to_string())]);

    let moves = format!("{path}/{id}/transitions");
    app.post(&moves)
        .token(&team.case_worker.access_token)
        .if_match(1)
        .json(&json!({"to": "approved"}))
        .send()
        .await
        .problem(403);
    app.post(&moves)
        .token(&team.legal_advisor.access_token)
        .if_match(1)
        .json(&json!({"to": "approved"}))
        .send()
        .await
        .problem(403);
    let reply =
        app.post(&moves).token(&team.coordinator.access_token).if_match(1).json(&json!({"to": "active"})).send().await;
    assert_eq!(reply.problem(409)["code"], "invalid_transition");
    let reply = app
        .post(&moves)
        .token(&team.coordinator.access_token)
        .if_match(1)
        .json(&json!({"to": "approved"}))
        .send()
        .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(reply.body["approved_by"], team.coordinator.id.as_str());
    let reply =
        app.post(&moves).token(&team.case_worker.access_token).if_match(2).json(&json!({"to": "active"})).send().await;
    assert_eq!(reply.status, 200);
    let reply = app
        .post(&moves)
        .token(&team.case_worker.access_token)
        .if_match(3)
        .json(&json!({"to": "completed"}))
        .send()
        .await;
    assert_eq!(reply.status, 200);
    // A completed grant no longer holds its period.
    assert_eq!(
        app.post(&path)
            .token(&team.case_worker.access_token)
            .json(&grant("2026-09-01", "2026-12-31"))
            .send()
            .await
            .status,
        201
    );
    assert_eq!(
        app.get(&path).token(&team.legal_advisor.access_token).send().await.body["items"].as_array().unwrap().len(),
        2
    );
    // The indicators count the grants whose period overlaps the report's days, by status.
    let grants_in = |from: &'static str, to: &'static str| {
        let app = &app;
        let token = team.coordinator.access_token.clone();
        async move {
            let reply = app
                .get(&format!("/api/v1/reports/indicators?district=milano&from={from}&to={to}"))
                .token(&token)
                .send()
                .await;
            assert_eq!(reply.status, 200, "{}", reply.body);
            let milano =
                reply.body["districts"].as_array().unwrap().iter().find(|d| d["district"] == "milano").cloned();
            let grants = milano.expect("a block for milano")["work_grants"].as_array().unwrap().clone();
            grants
                .iter()
                .filter(|g| g["count"] != json!(0))
                .map(|g| (g["code"].as_str().unwrap().to_string(), g["count"].clone()))
                .collect::<Vec<_>>()
        }
    };
    let counted =
        |pairs: &[(&str, i64)]| pairs.iter().map(|(code, n)| (code.to_string(), json!(n))).collect::<Vec<_>>();
    let mut year = grants_in("2026-01-01", "2026-12-31").await;
    year.sort_by(|a, b| a.0.cmp(&b.0));
    assert_eq!(year, counted(&[("completed", 1), ("proposed", 1)]));
    assert_eq!(grants_in("2026-04-01", "2026-06-30").await, counted(&[("completed", 1)]));
    assert_eq!(grants_in("2027-01-01", "2027-03-31").await, counted(&[]));
}

#[actix_web::test]
async fn each_note_level_is_read_only_by_its_roles() {
    let app = TestApp::new().await;
    let team = app.team().await;
    let case = app.intercept(&team.case_worker, "milano", json!({"alias": "N"})).await;
    let path = format!("/api/v1/cases/{}/notes", case["id"].as_str().unwrap());
    let write = |who: &crate::support::Session, level: &str, body: &str| {
        app.post(&path).token(&who.access_token).json(&json!({"body": body, "confidentiality": level})).send()
    };
    let team_note = write(&team.case_worker, "team", "Ha chiesto informazioni sul corso di italiano").await;
    assert_eq!(team_note.status, 201, "{}", team_note.body);
    write(&team.case_worker, "legal", "x").await.problem(403);
    assert_eq!(write(&team.legal_advisor, "legal", "Valutare vertenza").await.status, 201);
    write(&team.legal_advisor, "coordinators", "x").await.problem(403);
    assert_eq!(write(&team.coordinator, "coordinators", "Segnalazione riservata").await.status, 201);

    let bodies = |reply: crate::support::Reply| -> Vec<String> {
        reply.body["items"].as_array().unwrap().iter().map(|n| n["body"].as_str().unwrap().to_string()).collect()
    };
    assert_eq!(
        bodies(app.get(&path).token(&team.case_worker.access_token).send().await),
        ["Ha chiesto informazioni sul corso di italiano"]
    );
    assert_eq!(bodies(app.get(&path).token(&team.legal_advisor.access_token).send().await).len(), 2);
    assert_eq!(bodies(app.get(&path).token(&team.coordinator.access_token).send().await).len(), 3);
    for who in [&team.outreach, &team.partner, &team.regional] {
        app.get(&path).token(&who.access_token).send().await.problem(403);
    }
    app.get(&path).token(&team.bergamo_coordinator.access_token).send().await.problem(404);

    // Append-only: a correction points at the note it corrects; nothing changes it.
    let correction = app
        .post(&path)
        .token(&team.case_worker.access_token)
        .json(&json!({"body": "Correzione: corso di italiano A2, non A1", "confidentiality": "team", "corrects": team_note.str("id")}))
        .send()
        .await;
    assert_eq!(correction.status, 201);
    assert_eq!(correction.body["corrects"], team_note.body["id"]);
    for method in ["PATCH", "DELETE", "PUT"] {
        assert_eq!(app.request(method, &path).token(&team.coordinator.access_token).send().await.status, 405);
    }
    let legal_id = app.get(&path).token(&team.legal_advisor.access_token).send().await.body["items"][1]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let reply = app
        .post(&path)
        .token(&team.case_worker.access_token)
        .json(&json!({"body": "x", "confidentiality": "team", "corrects": legal_id}))
        .send()
        .await;
    assert_eq!(reply.field_errors(), [("corrects".to_string(), "unknown_note".to_string())]);
}
