//! Organisations: the directory every user reads and the admin keeps.

use serde_json::json;

use crate::support::{REGION_ID, TestApp};

#[actix_web::test]
async fn the_admin_registers_and_changes_organisations() {
    let app = TestApp::new().await;
    let reply = app
        .post("/api/v1/organizations")
        .token(&app.admin.access_token)
        .json(&json!({"name": " Fondazione  AVSI ", "kind": "ets", "municipality": "Milano", "districts": ["milano"]}))
        .send()
        .await;
    assert_eq!(reply.status, 201, "{}", reply.body);
    let id = reply.str("id").to_string();
    assert_eq!(reply.body["name"], "Fondazione  AVSI");
    assert_eq!(reply.header("location"), Some(format!("/api/v1/organizations/{id}").as_str()));

    // Names are unique ignoring case and spacing.
    let dup = app
        .post("/api/v1/organizations")
        .token(&app.admin.access_token)
        .json(&json!({"name": "fondazione avsi", "kind": "ets"}))
        .send()
        .await;
    dup.problem(409);

    let path = format!("/api/v1/organizations/{id}");
    let reply = app
        .patch(&path)
        .token(&app.admin.access_token)
        .if_match(1)
        .json(&json!({"municipality": null, "districts": ["milano", "desio"]}))
        .send()
        .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert!(reply.body["municipality"].is_null());
    assert_eq!(reply.body["districts"], json!(["desio", "milano"]));
    assert_eq!(reply.body["name"], "Fondazione  AVSI");

    app.patch(&path).token(&app.admin.access_token).if_match(1).json(&json!({"kind": "ets"})).send().await.problem(412);
    app.patch(&path).token(&app.admin.access_token).json(&json!({"kind": "ets"})).send().await.problem(428);
    app.patch(&path)
        .token(&app.admin.access_token)
        .if_match(2)
        .json(&json!({"name": "Regione LOMBARDIA"}))
        .send()
        .await
        .problem(409);

    let reply = app
        .post("/api/v1/organizations")
        .token(&app.admin.access_token)
        .json(&json!({"name": "", "kind": "club", "districts": ["x y"]}))
        .send()
        .await;
    assert_eq!(reply.field_errors(), [("kind".to_string(), "unknown_code".to_string())]);
    let reply = app
        .post("/api/v1/organizations")
        .token(&app.admin.access_token)
        .json(&json!({"name": "", "kind": "ets", "districts": ["x y"]}))
        .send()
        .await;
    assert_eq!(
        reply.field_errors(),
        [("name".to_string(), "required".to_string()), ("districts[0]".to_string(), "invalid_district".to_string())]
    );
}

#[actix_web::test]
async fn every_user_reads_the_directory_and_only_the_admin_writes_it() {
    let app = TestApp::new().await;
    let sessions = app.one_of_each_role().await;
    for (role, session) in &sessions {
        let token = &session.access_token;
        let list = app.get("/api/v1/organizations?kind=region").token(token).send().await;
        assert_eq!(list.status, 200, "{role}");
        assert_eq!(list.body["items"][0]["name"], "Regione Lombardia");
        let read = app.get(&format!("/api/v1/organizations/{REGION_ID}")).token(token).send().await;
        assert_eq!(read.status, 200, "{role}");
        assert_eq!(read.header("etag"), Some(format!("\"{}\"", read.body["version"]).as_str()));
        let create = app
            .post("/api/v1/organizations")
            .token(token)
            .json(&json!({"name": format!("Org of {role}"), "kind": "ets"}))
            .send()
            .await;
        let version = read.body["version"].as_i64().unwrap();
        let change = app
            .patch(&format!("/api/v1/organizations/{REGION_ID}"))
            .token(token)
            .if_match(version)
            .json(&json!({"municipality": "Milano"}))
            .send()
            .await;
        if role == "admin" {
            assert_eq!((create.status, change.status), (201, 200));
        } else {
            create.problem(403);
            change.problem(403);
        }
    }
}

#[actix_web::test]
async fn the_directory_is_sorted_filtered_and_paginated() {
    let app = TestApp::new().await;
    for (name, district) in [
        ("Cooperativa Lotta contro l'Emarginazione", "milano"),
        ("Fondazione Somaschi", "milano"),
        ("Cooperativa Farsi Prossimo", "milano"),
        ("Caritas Bergamo", "bergamo"),
    ] {
        app.organization(name, "ets", &[district]).await;
    }
    let page = app.get("/api/v1/organizations?district=milano&limit=2").token(&app.admin.access_token).send().await;
    let names: Vec<&str> = page.body["items"].as_array().unwrap().iter().map(|o| o["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["Cooperativa Farsi Prossimo", "Cooperativa Lotta contro l'Emarginazione"]);
    let cursor = page.str("next_cursor").to_string();
    let next = app
        .get(&format!("/api/v1/organizations?district=milano&limit=2&cursor={cursor}"))
        .token(&app.admin.access_token)
        .send()
        .await;
    let names: Vec<&str> = next.body["items"].as_array().unwrap().iter().map(|o| o["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["Fondazione Somaschi"]);
    assert!(next.body["next_cursor"].is_null());

    let search = app.get("/api/v1/organizations?q=cooperativa").token(&app.admin.access_token).send().await;
    assert_eq!(search.body["items"].as_array().unwrap().len(), 2);
    app.get("/api/v1/organizations/not-an-id").token(&app.admin.access_token).send().await.problem(404);
    app.get("/api/v1/organizations/01900000-0000-7000-8000-0000000000ff")
        .token(&app.admin.access_token)
        .send()
        .await
        .problem(404);
}
