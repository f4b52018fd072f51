//! User accounts: creation, validation, listing, changes with If-Match, access by role.

use serde_json::json;

use crate::support::{PASSWORD, REGION_ID, TestApp};

#[actix_web::test]
async fn the_admin_creates_reads_and_lists_users() {
    let app = TestApp::new().await;
    let reply = app
        .post("/api/v1/users")
        .token(&app.admin.access_token)
        .json(&json!({
            "email": "  Anna.Bianchi@PUA-Milano.example.org ", "display_name": " Anna Bianchi ",
            "role": "district_coordinator", "organization_id": REGION_ID,
            "districts": ["milano", "bergamo"], "password": PASSWORD
        }))
        .send()
        .await;
    assert_eq!(reply.status, 201, "{}", reply.body);
    let id = reply.str("id").to_string();
    assert_eq!(reply.header("location"), Some(format!("/api/v1/users/{id}").as_str()));
    assert_eq!(reply.header("etag"), Some("\"1\""));
    assert_eq!(reply.body["email"], "anna.bianchi@pua-milano.example.org");
    assert_eq!(reply.body["display_name"], "Anna Bianchi");
    assert_eq!(reply.body["districts"], json!(["bergamo", "milano"]));
    assert_eq!(reply.body["active"], true);
    assert!(reply.body.get("generated_password").is_none());
    assert!(reply.body.get("password").is_none() && reply.body.get("password_hash").is_none());

    let read = app.get(&format!("/api/v1/users/{id}")).token(&app.admin.access_token).send().await;
    assert_eq!(read.status, 200);
    assert_eq!(read.header("etag"), Some("\"1\""));
    assert_eq!(read.body["created_at"], "2026-03-02T09:00:00Z");

    let list =
        app.get("/api/v1/users?role=district_coordinator&district=bergamo").token(&app.admin.access_token).send().await;
    assert_eq!(list.status, 200, "{}", list.body);
    let ids: Vec<&str> = list.body["items"].as_array().unwrap().iter().map(|u| u["id"].as_str().unwrap()).collect();
    assert_eq!(ids, [id.as_str()]);
    assert!(list.body["next_cursor"].is_null());

    let search = app.get("/api/v1/users?q=BIANCHI").token(&app.admin.access_token).send().await;
    assert_eq!(search.body["items"].as_array().unwrap().len(), 1);
    let none = app.get("/api/v1/users?q=%25").token(&app.admin.access_token).send().await;
    assert_eq!(none.body["items"].as_array().unwrap().len(), 0, "a % in q is literal");
}

#[actix_web::test]
async fn a_missing_password_is_generated_returned_once_and_works() {
    let app = TestApp::new().await;
    let reply = app
        .post("/api/v1/users")
        .token(&app.admin.access_token)
        .json(
            &json!({"email": "new@pua.test", "display_name": "New", "role": "evaluator", "organization_id": REGION_ID}),
        )
        .send()
        .await;
    assert_eq!(reply.status, 201, "{}", reply.body);
    let password = reply.str("generated_password").to_string();
    assert_eq!(password.len(), 20);
    app.login("new@pua.test", &password).await;
    let read = app.get(&format!("/api/v1/users/{}", reply.str("id"))).token(&app.admin.access_token).send().await;
    assert!(read.body.get("generated_password").is_none());
}

#[actix_web::test]
async fn invalid_users_are_refused_with_every_field_error() {
    let app = TestApp::new().await;
    let reply = app
        .post("/api/v1/users")
        .token(&app.admin.access_token)
        .json(&json!({
            "email": "not-an-email", "display_name": "  ", "role": "case_worker",
            "organization_id": REGION_ID, "districts": ["milano", "atlantide", "milano"], "password": "short"
        }))
        .send()
        .await;
    assert_eq!(
        reply.field_errors(),
        [
            ("email".to_string(), "invalid_email".to_string()),
            ("display_name".to_string(), "required".to_string()),
            ("districts[1]".to_string(), "unknown_district".to_string()),
            ("districts[2]".to_string(), "duplicate".to_string()),
            ("password".to_string(), "too_short".to_string()),
        ]
    );

    let cases = [
        (json!({"role": "case_worker", "districts": []}), ("districts", "required")),
        (json!({"role": "evaluator", "districts": ["milano"]}), ("districts", "not_allowed")),
        (json!({"role": "partner", "districts": ["milano"]}), ("districts", "not_allowed")),
        (json!({"role": "superuser", "districts": []}), ("role", "unknown_code")),
        (
            json!({"role": "evaluator", "organization_id": "01900000-0000-7000-8000-0000000000ff"}),
            ("organization_id", "unknown_organization"),
        ),
        (json!({"role": "evaluator", "organization_id": "not-a-uuid"}), ("organization_id", "invalid_format")),
    ];
    for (overrides, (field, code)) in cases {
        let mut body =
            json!({"email": "x@pua.test", "display_name": "X", "organization_id": REGION_ID, "password": PASSWORD});
        for (key, value) in overrides.as_object().unwrap() {
            body[key] = value.clone();
        }
        let reply = app.post("/api/v1/users").token(&app.admin.access_token).json(&body).send().await;
        assert_eq!(reply.field_errors(), [(field.to_string(), code.to_string())], "{overrides}");
    }
    // Nothing was stored.
    let list = app.get("/api/v1/users").token(&app.admin.access_token).send().await;
    assert_eq!(list.body["items"].as_array().unwrap().len(), 1);
}

#[actix_web::test]
async fn e_mail_addresses_are_unique_ignoring_case() {
    let app = TestApp::new().await;
    let body = |email: &str| json!({"email": email, "display_name": "X", "role": "evaluator", "organization_id": REGION_ID, "password": PASSWORD});
    assert_eq!(
        app.post("/api/v1/users").token(&app.admin.access_token).json(&body("dup@pua.test")).send().await.status,
        201
    );
    app.post("/api/v1/users").token(&app.admin.access_token).json(&body("DUP@pua.test")).send().await.problem(409);
}

#[actix_web::test]
async fn updates_need_the_current_version() {
    let app = TestApp::new().await;
    let worker = app.user("case_worker", REGION_ID, &["milano"]).await;
    let path = format!("/api/v1/users/{}", worker.id);

    app.patch(&path).token(&app.admin.access_token).json(&json!({"display_name": "Y"})).send().await.problem(428);
    app.patch(&path)
        .token(&app.admin.access_token)
        .if_match(7)
        .json(&json!({"display_name": "Y"}))
        .send()
        .await
        .problem(412);
    app.patch(&path)
        .token(&app.admin.access_token)
        .header("If-Match", "W/\"1\"")
        .json(&json!({"display_name": "Y"}))
        .send()
        .await
        .problem(412);

    let reply = app
        .patch(&path)
        .token(&app.admin.access_token)
        .if_match(1)
        .json(&json!({"districts": ["bergamo", "milano"]}))
        .send()
        .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(reply.header("etag"), Some("\"2\""));
    assert_eq!(reply.body["districts"], json!(["bergamo", "milano"]));

    // The same stale version again loses.
    app.patch(&path)
        .token(&app.admin.access_token)
        .if_match(1)
        .json(&json!({"display_name": "Z"}))
        .send()
        .await
        .problem(412);

    // A role change must still fit the districts.
    let reply =
        app.patch(&path).token(&app.admin.access_token).if_match(2).json(&json!({"role": "evaluator"})).send().await;
    assert_eq!(reply.field_errors(), [("districts".to_string(), "not_allowed".to_string())]);
    let reply = app
        .patch(&path)
        .token(&app.admin.access_token)
        .if_match(2)
        .json(&json!({"role": "evaluator", "districts": []}))
        .send()
        .await;
    assert_eq!(reply.status, 200, "{}", reply.body);

    app.patch("/api/v1/users/01900000-0000-7000-8000-0000000000ff")
        .token(&app.admin.access_token)
        .if_match(1)
        .json(&json!({}))
        .send()
        .await
        .problem(404);
    app.patch("/api/v1/users/../etc/passwd")
        .token(&app.admin.access_token)
        .if_match(1)
        .json(&json!({}))
        .send()
        .await
        .problem(404);
}

#[actix_web::test]
async fn the_admin_cannot_lock_itself_out() {
    let app = TestApp::new().await;
    let path = format!("/api/v1/users/{}", app.admin.id);
    app.patch(&path)
        .token(&app.admin.access_token)
        .if_match(1)
        .json(&json!({"active": false}))
        .send()
        .await
        .problem(409);
    app.patch(&path)
        .token(&app.admin.access_token)
        .if_match(1)
        .json(&json!({"role": "evaluator"}))
        .send()
        .await
        .problem(409);
}

#[actix_web::test]
async fn only_the_admin_manages_users() {
    let app = TestApp::new().await;
    let sessions = app.one_of_each_role().await;
    for (role, session) in &sessions {
        let token = &session.access_token;
        let create = app
            .post("/api/v1/users")
            .token(token)
            .json(&json!({"email": format!("by-{role}@pua.test"), "display_name": "X", "role": "evaluator", "organization_id": REGION_ID, "password": PASSWORD}))
            .send()
            .await;
        let list = app.get("/api/v1/users").token(token).send().await;
        let read = app.get(&format!("/api/v1/users/{}", app.admin.id)).token(token).send().await;
        let change = app
            .patch(&format!("/api/v1/users/{}", session.id))
            .token(token)
            .if_match(1)
            .json(&json!({"display_name": "Me"}))
            .send()
            .await;
        // Everyone reads their own account.
        assert_eq!(app.get("/api/v1/me").token(token).send().await.status, 200, "{role}");
        if role == "admin" {
            assert_eq!((create.status, list.status, read.status, change.status), (201, 200, 200, 200), "{role}");
        } else {
            for reply in [&create, &list, &read, &change] {
                reply.problem(403);
            }
        }
    }
}

#[actix_web::test]
async fn lists_are_paginated_with_cursors() {
    let app = TestApp::new().await;
    for n in 0..5 {
        let reply = app
            .post("/api/v1/users")
            .token(&app.admin.access_token)
            .json(&json!({"email": format!("page{n}@pua.test"), "display_name": "P", "role": "evaluator", "organization_id": REGION_ID, "password": PASSWORD}))
            .send()
            .await;
        assert_eq!(reply.status, 201);
    }
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let path = match &cursor {
            Some(c) => format!("/api/v1/users?limit=2&cursor={c}"),
            None => "/api/v1/users?limit=2".to_string(),
        };
        let page = app.get(&path).token(&app.admin.access_token).send().await;
        assert_eq!(page.status, 200, "{}", page.body);
        let items = page.body["items"].as_array().unwrap();
        assert!(items.len() <= 2);
        seen.extend(items.iter().map(|u| u["email"].as_str().unwrap().to_string()));
        match page.body["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_string()),
            None => break,
        }
    }
    assert_eq!(seen.len(), 6, "{seen:?}");
    let mut unique = seen.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), 6);

    for bad in ["limit=0", "limit=201", "limit=x", "cursor=garbage", "role=boss", "district=atlantide", "unknown=1"] {
        app.get(&format!("/api/v1/users?{bad}")).token(&app.admin.access_token).send().await.problem(422);
    }
}
