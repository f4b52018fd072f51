//! Reference data: districts with targets, vocabularies, and the stored taxonomy.

use domain::Vocabulary;
use domain::services::ServiceCategory;

use crate::support::{REGION_ID, TestApp};

#[actix_web::test]
async fn the_twelve_districts_with_their_default_targets() {
    let app = TestApp::new().await;
    let worker = app.user("outreach_worker", REGION_ID, &["lecco"]).await;
    let reply = app.get("/api/v1/districts").token(&worker.access_token).send().await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    let items = reply.body["items"].as_array().unwrap();
    let names: Vec<&str> = items.iter().map(|d| d["name"].as_str().unwrap()).collect();
    assert_eq!(
        names,
        [
            "Alto e Basso Pavese",
            "Bergamo",
            "Carate Brianza",
            "Desio",
            "Sebino",
            "Lecco",
            "Mariano Comense",
            "Milano",
            "Somma Lombardo",
            "Suzzara",
            "Tradate",
            "Treviglio"
        ]
    );
    let milano = items.iter().find(|d| d["code"] == "milano").unwrap();
    let targets = &milano["targets"][0];
    assert_eq!(
        (
            targets["intercepted_min"].as_i64(),
            targets["intercepted_max"].as_i64(),
            targets["taken_in_charge_min"].as_i64(),
            targets["taken_in_charge_max"].as_i64()
        ),
        (Some(70), Some(100), Some(30), Some(50))
    );
    assert_eq!(targets["from"], "2025-05-01");
    assert_eq!(targets["to"], "2025-11-30");
    assert!(items.iter().all(|d| d["targets"].as_array().unwrap().len() == 1));
}

#[actix_web::test]
async fn vocabularies_serve_every_code_list_with_both_labels() {
    let app = TestApp::new().await;
    let reply = app.get("/api/v1/vocabularies").token(&app.admin.access_token).send().await;
    assert_eq!(reply.status, 200);
    for list in ["roles", "organization_kinds", "service_category_groups", "service_categories"] {
        let entries = reply.body[list].as_array().unwrap_or_else(|| panic!("{list}"));
        assert!(!entries.is_empty(), "{list}");
        for entry in entries {
            for key in ["code", "label_it", "label_en"] {
                assert!(entry[key].as_str().is_some_and(|s| !s.is_empty()), "{list}: {entry}");
            }
        }
    }
    let legal =
        reply.body["service_categories"].as_array().unwrap().iter().find(|c| c["code"] == "legal_advice").unwrap();
    assert_eq!(legal["group"], "pathway");
    assert_eq!(legal["label_it"], "Consulenza legale");
    let roles: Vec<&str> =
        reply.body["roles"].as_array().unwrap().iter().map(|r| r["code"].as_str().unwrap()).collect();
    assert_eq!(roles.len(), 9);
    assert!(roles.contains(&"network_manager"));
}

#[actix_web::test]
async fn the_stored_taxonomy_matches_the_domain() {
    let app = TestApp::new().await;
    let stored = app.state.database().with_connection(persistence::districts::service_categories).await.unwrap();
    let expected: Vec<(String, String)> =
        ServiceCategory::ALL.iter().map(|c| (c.code().to_string(), c.group().code().to_string())).collect();
    assert_eq!(stored, expected);
}

#[test]
fn both_migration_trees_hold_the_same_migration_names() {
    let names = |tree: &str| {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../migrations").join(tree);
        let mut names: Vec<String> =
            std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
        names.sort();
        names
    };
    assert_eq!(names("sqlite"), names("postgres"));
    assert!(!names("sqlite").is_empty());
}
