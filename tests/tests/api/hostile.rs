//! The committed corpus of hostile input (`tests/corpus/hostile.json`): each request gets its
//! 4xx problem document, nothing answers 5xx, and nothing is stored.

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use diesel::QueryableByName;
use diesel::sql_types::BigInt;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{Value, json};

use crate::support::{JWT_SECRET, TestApp, start_time};

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

/// Rows of every table a request could write to.
async fn stored(app: &TestApp) -> Vec<(String, i64)> {
    let tables = [
        "beneficiaries",
        "cases",
        "case_events",
        "case_needs",
        "consents",
        "users",
        "organizations",
        "referrals",
        "service_deliveries",
        "activities",
        "idempotency_keys",
    ];
    let mut counts = Vec::new();
    for table in tables {
        let n = app
            .state
            .database()
            .with_connection(move |conn| {
                let sql = format!("SELECT COUNT(*) AS n FROM {table}");
                let row: Count =
                    diesel::RunQueryDsl::get_result(diesel::sql_query(sql), conn).map_err(persistence::Error::from)?;
                Ok::<_, persistence::Error>(row.n)
            })
            .await
            .expect("count");
        counts.push((table.to_string(), n));
    }
    counts
}

/// The tokens the corpus names: forged in every way a token can be wrong.
fn token(kind: &str, valid: &str) -> String {
    let parts: Vec<&str> = valid.split('.').collect();
    let mut claims: Value =
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[1]).expect("payload")).expect("claims");
    let sign = |claims: &Value, algorithm: Algorithm, key: &[u8]| {
        jsonwebtoken::encode(&Header::new(algorithm), claims, &EncodingKey::from_secret(key)).expect("encode")
    };
    match kind {
        "alg_none" => {
            let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"none","typ":"JWT"}"#);
            format!("{header}.{}.", parts[1])
        }
        "wrong_key" => sign(&claims, Algorithm::HS256, b"another-secret-another-secret-another-1"),
        "expired" => {
            claims["exp"] = json!(start_time().timestamp() - 60);
            claims["iat"] = json!(start_time().timestamp() - 960);
            sign(&claims, Algorithm::HS256, JWT_SECRET)
        }
        "wrong_audience" => {
            claims["aud"] = json!("another-service");
            sign(&claims, Algorithm::HS256, JWT_SECRET)
        }
        "wrong_issuer" => {
            claims["iss"] = json!("https://attacker.example");
            sign(&claims, Algorithm::HS256, JWT_SECRET)
        }
        "tampered_payload" => {
            claims["districts"] = json!(["milano", "bergamo"]);
            format!("{}.{}.{}", parts[0], URL_SAFE_NO_PAD.encode(claims.to_string()), parts[2])
        }
        "truncated" => valid[..valid.len() - 5].to_string(),
        "garbage" => "a.b.c".to_string(),
        "alg_hs512" => sign(&claims, Algorithm::HS512, JWT_SECRET),
        "future_issue_missing_exp" => {
            claims.as_object_mut().expect("object").remove("exp");
            claims["iat"] = json!(start_time().timestamp() + 3600);
            sign(&claims, Algorithm::HS256, JWT_SECRET)
        }
        other => panic!("the corpus names an unknown token `{other}`"),
    }
}

#[actix_web::test]
async fn the_hostile_corpus_gets_problems_and_stores_nothing() {
    let app = TestApp::new().await;
    let team = app.team().await;
    let case = app.intercept(&team.case_worker, "milano", json!({"alias": "Target"})).await;
    let case_id = case["id"].as_str().expect("id").to_string();
    let bergamo = app.intercept(&team.bergamo_case_worker, "bergamo", json!({"alias": "Elsewhere"})).await;
    let bergamo_id = bergamo["id"].as_str().expect("id").to_string();
    let corpus: Value = serde_json::from_str(include_str!("../../corpus/hostile.json")).expect("the corpus is JSON");
    let before = stored(&app).await;
    let requests = corpus["requests"].as_array().expect("requests");
    assert!(requests.len() >= 60, "{} requests in the corpus", requests.len());
    for entry in requests {
        let name = entry["name"].as_str().expect("name");
        let path =
            entry["path"].as_str().expect("path").replace("{case}", &case_id).replace("{bergamo_case}", &bergamo_id);
        let mut request = app.request(entry["method"].as_str().expect("method"), &path);
        match entry["token"].as_str() {
            Some("coordinator") => request = request.token(&team.coordinator.access_token),
            Some(kind) => request = request.token(&token(kind, &team.coordinator.access_token)),
            None => {}
        }
        for (header, value) in entry["headers"].as_object().into_iter().flatten() {
            request = request.header(header, value.as_str().expect("header value"));
        }
        let body: Vec<u8> = match (entry.get("body"), entry.get("body_base64")) {
            (Some(text), _) => text.as_str().expect("body").as_bytes().to_vec(),
            (_, Some(encoded)) => STANDARD.decode(encoded.as_str().expect("base64")).expect("base64 body"),
            _ => Vec::new(),
        };
        if entry.get("body").is_some() || entry.get("body_base64").is_some() {
            request = request.raw(entry["content_type"].as_str().unwrap_or(""), body);
        }
        let reply = request.send().await;
        let expected = entry["expect"].as_u64().expect("expect") as u16;
        assert_eq!(reply.status, expected, "{name}: {}", reply.text());
        if expected >= 400 {
            assert_eq!(reply.header("content-type"), Some("application/problem+json"), "{name}");
            assert_eq!(reply.body["status"], expected, "{name}: {}", reply.body);
        }
        if let Some(items) = entry["items"].as_u64() {
            assert_eq!(reply.body["items"].as_array().map(Vec::len), Some(items as usize), "{name}");
        }
    }
    assert_eq!(stored(&app).await, before, "nothing is stored");
}
