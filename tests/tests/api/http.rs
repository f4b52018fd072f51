//! HTTP conventions: problem documents for every error, request ids, limits, health.

use serde_json::json;

use crate::support::TestApp;

#[actix_web::test]
async fn unknown_routes_and_wrong_methods_are_problems() {
    let app = TestApp::new().await;
    let reply = app.get("/api/v1/no-such-thing").send().await;
    reply.problem(404);
    let reply = app.get("/nothing/here").send().await;
    reply.problem(404);

    let reply = app.request("DELETE", "/api/v1/me").token(&app.admin.access_token).send().await;
    reply.problem(405);
    assert_eq!(reply.header("allow"), Some("GET"));

    let reply = app.request("PUT", &format!("/api/v1/users/{}", app.admin.id)).send().await;
    reply.problem(405);
    assert_eq!(reply.header("allow"), Some("GET, PATCH"));

    let reply = app.get("/api/v1/auth/login").send().await;
    reply.problem(405);
    assert_eq!(reply.header("allow"), Some("POST"));
}

#[actix_web::test]
async fn malformed_bodies_get_the_right_status() {
    let app = TestApp::new().await;
    let login = "/api/v1/auth/login";

    let reply = app.post(login).raw("application/json", "{\"email\": ").send().await;
    assert!(reply.problem(400)["detail"].as_str().unwrap().contains("malformed JSON"));

    app.post(login).raw("application/json", "").send().await.problem(400);
    app.post(login).raw("application/json", vec![0xff_u8, 0xfe, 0x00]).send().await.problem(400);

    let reply = app.post(login).raw("text/plain", "{\"email\":\"a@b.it\",\"password\":\"x\"}").send().await;
    reply.problem(415);
    app.post(login).raw("", "{\"email\":\"a@b.it\",\"password\":\"x\"}").send().await.problem(415);

    let huge = format!("{{\"email\":\"a@b.it\",\"password\":\"{}\"}}", "x".repeat(1024 * 1024));
    app.post(login).raw("application/json", huge).send().await.problem(413);

    let reply = app.post(login).json(&json!({"email": "a@b.it", "password": "x", "role": "admin"})).send().await;
    assert_eq!(reply.field_errors(), [("role".to_string(), "unknown_field".to_string())]);

    let reply = app.post(login).json(&json!({"email": 42, "password": "x"})).send().await;
    assert_eq!(reply.field_errors(), [("email".to_string(), "invalid_type".to_string())]);

    let reply = app.post(login).json(&json!({"password": "x"})).send().await;
    assert_eq!(reply.field_errors(), [("email".to_string(), "required".to_string())]);

    let reply = app.post(login).json(&json!({"email": "a\u{0}b@x.it", "password": "x"})).send().await;
    assert_eq!(reply.field_errors(), [("email".to_string(), "invalid_character".to_string())]);

    // application/*+json is JSON too.
    let reply = app
        .post(login)
        .raw("application/merge-patch+json; charset=utf-8", "{\"email\":\"a@b.it\",\"password\":\"wrong\"}")
        .send()
        .await;
    reply.problem(401);
}

#[actix_web::test]
async fn request_ids_are_echoed_or_generated() {
    let app = TestApp::new().await;
    let reply = app.get("/health").header("X-Request-Id", "client-abc.123").send().await;
    assert_eq!(reply.header("x-request-id"), Some("client-abc.123"));

    let generated = app.get("/health").send().await;
    let id = generated.header("x-request-id").expect("generated id").to_string();
    assert!(uuid::Uuid::parse_str(&id).is_ok(), "{id}");

    // Unsafe or over-long ids are replaced, not echoed.
    let reply = app.get("/health").header("X-Request-Id", &"x".repeat(300)).send().await;
    assert_ne!(reply.header("x-request-id"), Some("x".repeat(300).as_str()));
    let reply = app.get("/health").header("X-Request-Id", "<script>").send().await;
    assert_ne!(reply.header("x-request-id"), Some("<script>"));

    // Errors carry it too.
    let reply = app.get("/api/v1/me").header("X-Request-Id", "trace-1").send().await;
    reply.problem(401);
    assert_eq!(reply.header("x-request-id"), Some("trace-1"));
}

#[actix_web::test]
async fn health_and_readiness() {
    let app = TestApp::new().await;
    let reply = app.get("/health").send().await;
    assert_eq!((reply.status, reply.body.clone()), (200, json!({"status": "alive"})));
    let reply = app.get("/ready").send().await;
    assert_eq!((reply.status, reply.body.clone()), (200, json!({"status": "ready"})));
}

#[actix_web::test]
async fn every_secured_operation_refuses_anonymous_and_forged_callers() {
    let app = TestApp::new().await;
    let spec = serde_json::to_value(api::server::spec()).unwrap();
    let forged = forge_token(&app.admin.access_token);
    let mut checked = 0;
    for (path, item) in spec["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            let secured = operation["security"].as_array().is_some_and(|s| !s.is_empty());
            let concrete = path.replace("{id}", &app.admin.id).replace("{code}", "milano");
            let anonymous = app.request(&method.to_uppercase(), &concrete).json(&json!({})).send().await;
            if secured {
                anonymous.problem(401);
                assert!(
                    anonymous.header("www-authenticate").is_some_and(|v| v.starts_with("Bearer")),
                    "{method} {path}"
                );
                app.request(&method.to_uppercase(), &concrete)
                    .token(&forged)
                    .json(&json!({}))
                    .send()
                    .await
                    .problem(401);
                app.request(&method.to_uppercase(), &concrete)
                    .token("not-a-jwt")
                    .json(&json!({}))
                    .send()
                    .await
                    .problem(401);
                checked += 1;
            } else {
                assert_ne!(anonymous.status, 401, "{method} {path} is documented as public");
            }
        }
    }
    assert!(checked >= 10, "only {checked} secured operations found");
}

/// The admin's token with its payload changed to another role: the signature no longer fits.
fn forge_token(token: &str) -> String {
    use base64::Engine;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let parts: Vec<&str> = token.split('.').collect();
    let payload = URL_SAFE_NO_PAD.decode(parts[1]).unwrap();
    let mut claims: serde_json::Value = serde_json::from_slice(&payload).unwrap();
    claims["role"] = json!("district_coordinator");
    let forged = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&claims).unwrap());
    format!("{}.{}.{}", parts[0], forged, parts[2])
}

#[actix_web::test]
async fn swagger_ui_is_served_from_the_binary_and_calls_nothing_outside() {
    let app = TestApp::new().await;
    let reply = app.get("/docs").send().await;
    assert_eq!(reply.status, 308);
    assert_eq!(reply.header("location"), Some("/docs/"));

    let page = app.get("/docs/").send().await;
    assert_eq!(page.status, 200);
    assert!(page.text().contains("swagger-ui"), "{}", page.text());

    let initializer = app.get("/docs/swagger-initializer.js").send().await;
    assert_eq!(initializer.status, 200);
    let script: String = initializer.text().split_whitespace().collect();
    assert!(script.contains("\"url\":\"/api/v1/openapi.json\""), "{script}");
    assert!(script.contains("\"validatorUrl\":\"none\""), "{script}");

    // Nothing the page loads points off the machine.
    for asset in ["/docs/", "/docs/index.css", "/docs/swagger-ui.css", "/docs/swagger-initializer.js"] {
        let body = app.get(asset).send().await.text();
        for url in
            body.split(['"', '\'', '(', ')', ' ']).filter(|s| s.starts_with("http://") || s.starts_with("https://"))
        {
            assert!(url.starts_with("http://www.w3.org/"), "{asset} references {url}");
        }
    }

    let spec = app.get("/api/v1/openapi.json").send().await;
    assert_eq!(spec.status, 200);
    assert_eq!(spec.body["openapi"], "3.1.0");
}

#[actix_web::test]
async fn personal_data_is_never_cached_sniffed_or_framed() {
    let app = TestApp::new().await;
    let worker = app.user("case_worker", crate::support::REGION_ID, &["milano"]).await;
    let case = app.intercept(&worker, "milano", json!({"alias": "Sara", "citizenships": ["EG"]})).await;
    let id = case["id"].as_str().expect("case id");
    let framed = |reply: &crate::support::Reply, what: &str| {
        assert_eq!(reply.header("x-content-type-options"), Some("nosniff"), "{what}");
        assert_eq!(reply.header("x-frame-options"), Some("DENY"), "{what}");
        assert!(
            reply.header("content-security-policy").is_some_and(|p| p.contains("frame-ancestors 'none'")),
            "{what}"
        );
    };
    // A person's case, a list, a problem and a login: kept by no browser and no proxy.
    for (reply, what) in [
        (app.get(&format!("/api/v1/cases/{id}")).token(&worker.access_token).send().await, "a case"),
        (app.get("/api/v1/cases?limit=5").token(&worker.access_token).send().await, "a list"),
        (app.get("/api/v1/cases/not-a-case").token(&worker.access_token).send().await, "a problem"),
        (app.get("/api/v1/beneficiaries").send().await, "an anonymous refusal"),
    ] {
        assert_eq!(reply.header("cache-control"), Some("no-store"), "{what}");
        assert_eq!(reply.header("pragma"), Some("no-cache"), "{what}");
        framed(&reply, what);
    }
    // The spec and the Swagger UI name no one: cacheable, never framed.
    let spec = app.get("/api/v1/openapi.json").send().await;
    assert_eq!(spec.status, 200);
    assert_ne!(spec.header("cache-control"), Some("no-store"));
    framed(&spec, "the spec");
    let docs = app.get("/docs/").send().await;
    assert_eq!(docs.status, 200);
    framed(&docs, "the Swagger UI");
}

#[actix_web::test]
async fn a_spa_on_a_listed_origin_may_call_the_api_and_no_other_origin_may() {
    const SPA: &str = "https://pua.example.org";
    let app = TestApp::with_settings(&[("INLAV_CORS_ORIGINS", "https://pua.example.org, http://localhost:5173")]).await;
    let preflight = |origin: &str| {
        app.request("OPTIONS", "/api/v1/cases")
            .header("Origin", origin)
            .header("Access-Control-Request-Method", "POST")
            .header("Access-Control-Request-Headers", "authorization, content-type, idempotency-key")
    };
    let reply = preflight(SPA).send().await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(reply.header("access-control-allow-origin"), Some(SPA));
    assert!(reply.header("access-control-allow-methods").is_some_and(|m| m.contains("POST") && m.contains("PATCH")));
    let allowed = reply.header("access-control-allow-headers").unwrap_or_default().to_lowercase();
    for header in ["authorization", "content-type", "idempotency-key"] {
        assert!(allowed.contains(header), "{header} in {allowed}");
    }
    assert_eq!(reply.header("access-control-max-age"), Some("3600"));
    assert!(reply.header("vary").is_some_and(|v| v.to_lowercase().contains("origin")), "{:?}", reply.header("vary"));

    // The answer itself names the origin and lets the page read the headers it needs.
    let reply = app.get("/api/v1/me").token(&app.admin.access_token).header("Origin", SPA).send().await;
    assert_eq!(reply.status, 200);
    assert_eq!(reply.header("access-control-allow-origin"), Some(SPA));
    let exposed = reply.header("access-control-expose-headers").unwrap_or_default().to_lowercase();
    for header in ["etag", "location", "x-request-id", "idempotent-replayed", "retry-after", "inlav-anonymity"] {
        assert!(exposed.contains(header), "{header} in {exposed}");
    }
    // So does an error the page must read.
    let reply = app.get("/api/v1/me").header("Origin", SPA).send().await;
    assert_eq!((reply.status, reply.header("access-control-allow-origin")), (401, Some(SPA)));

    // An origin not listed gets no CORS header: the browser gives its page nothing.
    let reply = preflight("https://evil.example.com").send().await;
    assert_eq!(reply.header("access-control-allow-origin"), None);
    assert_ne!(reply.status, 200);
    let reply =
        app.get("/api/v1/me").token(&app.admin.access_token).header("Origin", "https://evil.example.com").send().await;
    assert_eq!(reply.header("access-control-allow-origin"), None);

    // Without INLAV_CORS_ORIGINS, no origin is allowed.
    let closed = TestApp::new().await;
    let reply = closed
        .request("OPTIONS", "/api/v1/cases")
        .header("Origin", SPA)
        .header("Access-Control-Request-Method", "POST")
        .send()
        .await;
    assert_eq!((reply.status, reply.header("access-control-allow-origin")), (405, None));
}

#[actix_web::test]
async fn answers_are_compressed_when_asked_and_the_spec_is_revalidated_by_its_etag() {
    use std::io::Read;
    let app = TestApp::new().await;
    let spec = app.get("/api/v1/openapi.json").header("Accept-Encoding", "gzip").send().await;
    assert_eq!((spec.status, spec.header("content-encoding")), (200, Some("gzip")));
    let mut json = String::new();
    flate2::read::GzDecoder::new(&spec.bytes[..]).read_to_string(&mut json).expect("gzip");
    let document: serde_json::Value = serde_json::from_str(&json).expect("the spec");
    assert_eq!(document["openapi"], "3.1.0");
    assert!(spec.bytes.len() * 4 < json.len(), "{} bytes for {}", spec.bytes.len(), json.len());

    let etag = spec.header("etag").expect("the spec's ETag").to_string();
    let again = app.get("/api/v1/openapi.json").header("If-None-Match", &etag).send().await;
    assert_eq!((again.status, again.bytes.len()), (304, 0));
    let changed = app.get("/api/v1/openapi.json").header("If-None-Match", "\"another\"").send().await;
    assert_eq!(changed.status, 200);

    let cases = app.get("/api/v1/cases").token(&app.admin.access_token).header("Accept-Encoding", "br").send().await;
    assert_eq!(cases.header("content-encoding"), Some("br"));
    let plain = app.get("/api/v1/me").token(&app.admin.access_token).send().await;
    assert_eq!((plain.header("content-encoding"), plain.status), (None, 200), "nothing compressed unless asked");

    let bundle = app.get("/docs/swagger-ui-bundle.js").send().await;
    assert_eq!((bundle.status, bundle.header("cache-control")), (200, Some("public, max-age=604800")));
    assert_eq!(app.get("/docs/swagger-initializer.js").send().await.header("cache-control"), None);
}
