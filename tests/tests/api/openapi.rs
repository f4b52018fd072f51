//! The published spec: current, OpenAPI 3.1, and internally consistent.

use std::collections::BTreeSet;

use serde_json::Value;

use crate::support::TestApp;

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
fn partner_systems_get_their_token_by_client_credentials_and_throttles_say_when_to_retry() {
    let spec: Value = serde_json::from_str(&api::server::spec_json()).unwrap();
    let flow = &spec["components"]["securitySchemes"]["partner"]["flows"]["clientCredentials"];
    let token_url = flow["tokenUrl"].as_str().expect("a token URL");
    assert!(spec["paths"][token_url]["post"].is_object(), "{token_url} is the token endpoint");
    let scopes: BTreeSet<&str> = flow["scopes"].as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(scopes, BTreeSet::from(["referrals:read", "referrals:write", "services:write", "webhooks:write"]));
    let partner_of = |path: &str, method: &str| spec["paths"][path][method]["security"][1]["partner"].clone();
    assert_eq!(partner_of("/api/v1/referrals/{id}/transitions", "post"), serde_json::json!(["referrals:write"]));
    assert_eq!(partner_of("/api/v1/cases/{id}/services", "post"), serde_json::json!(["services:write"]));
    assert_eq!(partner_of("/api/v1/webhooks/{id}", "patch"), serde_json::json!(["webhooks:write"]));
    assert_eq!(partner_of("/api/v1/webhooks/{id}", "delete"), serde_json::json!(["webhooks:write"]));
    assert!(spec["paths"]["/api/v1/users"]["get"]["security"].as_array().unwrap().len() == 1, "admins' only");
    assert!(spec["components"]["responses"]["Unavailable"]["headers"]["Retry-After"].is_object());
    let mut throttled = 0;
    for item in spec["paths"].as_object().unwrap().values() {
        for operation in item.as_object().unwrap().values() {
            if let Some(answer) = operation["responses"].get("429") {
                assert!(answer["headers"]["Retry-After"].is_object(), "{answer}");
                throttled += 1;
            }
        }
    }
    assert!(throttled >= 2, "login, the token and the password change are throttled");
}

#[test]
fn format_offers_exactly_the_formats_each_endpoint_serves() {
    let spec: Value = serde_json::from_str(&api::server::spec_json()).unwrap();
    let formats = |path: &str| -> Vec<String> {
        let parameters = spec["paths"][path]["get"]["parameters"].as_array().unwrap();
        let format = parameters.iter().find(|p| p["name"] == "format").expect("a format parameter");
        format["schema"]["enum"].as_array().unwrap().iter().map(|f| f.as_str().unwrap().to_string()).collect()
    };
    assert_eq!(formats("/api/v1/reports/indicators"), ["json", "csv", "xlsx"]);
    assert_eq!(formats("/api/v1/exports/cases"), ["jsonl", "csv", "xlsx"]);
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

/// The served spec is the committed one, and its surface (every operation with its parameters,
/// bodies and responses, every schema with its members) is snapshotted: a change of the contract
/// frontend and partner developers build on shows up as a diff to review, not only as a new file.
#[actix_web::test]
async fn the_served_spec_is_the_committed_one_and_its_surface_is_snapshotted() {
    let app = TestApp::new().await;
    let reply = app.get("/api/v1/openapi.json").send().await;
    assert_eq!(reply.status, 200);
    let committed: Value = serde_json::from_str(&std::fs::read_to_string(committed_path()).unwrap()).unwrap();
    assert!(reply.body == committed, "the served spec differs from openapi/openapi.json");
    insta::assert_snapshot!("spec_surface", surface(&reply.body));
    insta::assert_json_snapshot!("spec_info", reply.body["info"], { ".version" => "[version]" });
}

/// One line per operation and per schema, in the spec's own order.
fn surface(spec: &Value) -> String {
    let name = |reference: &Value| reference.as_str().unwrap_or("").rsplit('/').next().unwrap_or("").to_string();
    let schema_of = |content: &Value| -> String {
        let schema = &content["schema"];
        if schema.get("$ref").is_some() {
            name(&schema["$ref"])
        } else if schema["items"].get("$ref").is_some() {
            format!("[{}]", name(&schema["items"]["$ref"]))
        } else {
            schema["type"].as_str().unwrap_or("any").to_string()
        }
    };
    let mut lines = Vec::new();
    for (path, item) in spec["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            lines.push(format!("{} {path}  {}", method.to_uppercase(), operation["operationId"].as_str().unwrap()));
            let security: Vec<String> = operation["security"]
                .as_array()
                .into_iter()
                .flatten()
                .flat_map(|s| s.as_object().into_iter().flat_map(|o| o.keys().cloned()))
                .collect();
            if !security.is_empty() {
                lines.push(format!("    security: {}", security.join(", ")));
            }
            for parameter in operation["parameters"].as_array().into_iter().flatten() {
                let required = if parameter["required"] == true { "" } else { "?" };
                lines.push(format!(
                    "    {} {}{required}: {}",
                    parameter["in"].as_str().unwrap(),
                    parameter["name"].as_str().unwrap(),
                    schema_of(parameter)
                ));
            }
            if let Some(content) = operation["requestBody"]["content"].as_object() {
                for (media, body) in content {
                    lines.push(format!("    body {media}: {}", schema_of(body)));
                }
            }
            for (status, response) in operation["responses"].as_object().unwrap() {
                let described = match response.get("$ref") {
                    Some(reference) => format!("-> {}", name(reference)),
                    None => response["content"]
                        .as_object()
                        .into_iter()
                        .flatten()
                        .map(|(media, body)| format!("{media}: {}", schema_of(body)))
                        .collect::<Vec<_>>()
                        .join(" | "),
                };
                lines.push(format!("    {status} {described}").trim_end().to_string());
            }
        }
    }
    for (schema, definition) in spec["components"]["schemas"].as_object().unwrap() {
        let required: BTreeSet<&str> =
            definition["required"].as_array().into_iter().flatten().filter_map(Value::as_str).collect();
        let members: Vec<String> = definition["properties"]
            .as_object()
            .into_iter()
            .flatten()
            .map(|(member, _)| if required.contains(member.as_str()) { member.clone() } else { format!("{member}?") })
            .collect();
        let variants: Vec<String> =
            definition["enum"].as_array().into_iter().flatten().filter_map(Value::as_str).map(String::from).collect();
        let shape = match (members.is_empty(), variants.is_empty()) {
            (false, _) => format!("{{{}}}", members.join(", ")),
            (true, false) => variants.join(" | "),
            (true, true) if definition.get("oneOf").is_some() => "one of several".to_string(),
            (true, true) => definition["type"].as_str().unwrap_or("any").to_string(),
        };
        lines.push(format!("schema {schema}: {shape}"));
    }
    lines.join("\n")
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
