//! The published spec: current, OpenAPI 3.1, and internally consistent.

use std::collections::BTreeSet;

use serde_json::Value;

fn committed_path() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../openapi/openapi.json")
}

#[test]
fn the_committed_spec_matches_the_code() {
    let committed = std::fs::read_to_string(committed_path()).unwrap_or_default();
    let generated = api::server::spec_json();
    assert!(
        committed == generated,
        "openapi/openapi.json differs from what the code generates: run `make openapi` and commit the result"
    );
}

#[test]
fn the_spec_is_openapi_3_1_and_every_reference_resolves() {
    let spec: Value = serde_json::from_str(&api::server::spec_json()).unwrap();
    assert_eq!(spec["openapi"], "3.1.0");
    let mut refs = BTreeSet::new();
    collect_refs(&spec, &mut refs);
    assert!(!refs.is_empty());
    for reference in refs {
        let pointer = reference.strip_prefix('#').unwrap_or_else(|| panic!("external reference {reference}"));
        assert!(spec.pointer(pointer).is_some(), "unresolved {reference}");
    }
}

#[test]
fn every_operation_is_named_tagged_and_documents_its_errors() {
    let spec: Value = serde_json::from_str(&api::server::spec_json()).unwrap();
    let mut operation_ids = BTreeSet::new();
    for (path, item) in spec["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            let id = operation["operationId"].as_str().unwrap_or_else(|| panic!("{method} {path} has no operationId"));
            assert!(operation_ids.insert(id.to_string()), "duplicate operationId {id}");
            assert!(operation["tags"].as_array().is_some_and(|t| !t.is_empty()), "{method} {path} has no tag");
            let responses = operation["responses"].as_object().unwrap();
            assert!(responses.contains_key("500"), "{method} {path}");
            if operation["security"].as_array().is_some_and(|s| !s.is_empty()) {
                assert!(responses.contains_key("401"), "{method} {path}");
            }
            if operation.get("requestBody").is_some() {
                for status in ["400", "413", "415", "422"] {
                    assert!(responses.contains_key(status), "{method} {path} lacks {status}");
                }
            }
            if path.contains('{') {
                assert!(responses.contains_key("404"), "{method} {path}");
            }
            let conditional = operation["parameters"].as_array().is_some_and(|params| {
                params.iter().any(|p| {
                    p["in"] == "header" && p["name"].as_str().is_some_and(|n| n.eq_ignore_ascii_case("if-match"))
                })
            });
            if conditional {
                assert!(responses.contains_key("412") && responses.contains_key("428"), "{method} {path}");
            }
            for (status, response) in responses {
                let problem = status.starts_with('4') || status.starts_with('5');
                let documented =
                    response.get("$ref").is_some() || response["content"].get("application/problem+json").is_some();
                assert!(!problem || documented, "{method} {path} {status} is not a problem document");
            }
        }
    }
}

fn collect_refs(value: &Value, out: &mut BTreeSet<String>) {
    match value {
        Value::Object(map) => {
            if let Some(Value::String(reference)) = map.get("$ref") {
                out.insert(reference.clone());
            }
            map.values().for_each(|v| collect_refs(v, out));
        }
        Value::Array(items) => items.iter().for_each(|v| collect_refs(v, out)),
        _ => {}
    }
}
