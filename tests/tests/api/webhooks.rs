//! Webhooks: a partner system registers an endpoint, learns of a referral sent to it from a
//! signed message it verifies as the documentation says, through retries; addresses that are
//! not public are refused; the endpoint's owner manages it, nobody else sees it.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};

use api::clock::Clock;
use app::webhooks::{DispatchSettings, Sender, dispatch_due};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use domain::webhooks::AllowList;
use hmac::{Hmac, Mac};
use serde_json::{Value, json};
use sha2::Sha256;

use crate::support::{Session, TestApp};

/// A message as the receiver got it.
#[derive(Debug, Clone)]
struct Received {
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Received {
    fn header(&self, name: &str) -> &str {
        self.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map_or("", |(_, v)| v.as_str())
    }

    fn json(&self) -> Value {
        serde_json::from_slice(&self.body).expect("a JSON body")
    }
}

/// An HTTP endpoint on 127.0.0.1 that answers 500 to the first `failures` messages, then 204.
struct Receiver {
    port: u16,
    received: Arc<Mutex<Vec<Received>>>,
}

impl Receiver {
    fn start(failures: usize) -> Receiver {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind a receiver");
        let port = listener.local_addr().expect("its address").port();
        let received = Arc::new(Mutex::new(Vec::new()));
        let log = Arc::clone(&received);
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { return };
                let mut reader = BufReader::new(stream.try_clone().expect("clone the stream"));
                let mut headers = Vec::new();
                loop {
                    let mut line = String::new();
                    if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                        break;
                    }
                    if let Some((name, value)) = line.trim_end().split_once(':') {
                        headers.push((name.trim().to_string(), value.trim().to_string()));
                    }
                }
                let length = headers
                    .iter()
                    .find(|(n, _)| n.eq_ignore_ascii_case("content-length"))
                    .and_then(|(_, v)| v.parse::<usize>().ok())
                    .unwrap_or(0);
                let mut body = vec![0; length];
                let _ = reader.read_exact(&mut body);
                let count = {
                    let mut log = log.lock().expect("the log");
                    log.push(Received { headers, body });
                    log.len()
                };
                let status = if count <= failures { "500 Internal Server Error" } else { "204 No Content" };
                let _ = stream.write_all(
                    format!("HTTP/1.1 {status}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n").as_bytes(),
                );
            }
        });
        Receiver { port, received }
    }

    fn url(&self) -> String {
        format!("http://127.0.0.1:{}/hooks/inlav", self.port)
    }

    fn received(&self) -> Vec<Received> {
        self.received.lock().expect("the log").clone()
    }
}

/// Checks `webhook-signature` as the README tells a receiver to: HMAC-SHA256 keyed by the
/// base64-decoded secret after `whsec_`, over `id.timestamp.body`; any one signature matching.
fn signed_by(message: &Received, secret: &str) -> bool {
    let key = STANDARD.decode(secret.trim_start_matches("whsec_")).expect("a base64 secret");
    let mut mac = Hmac::<Sha256>::new_from_slice(&key).expect("a key");
    mac.update(format!("{}.{}.", message.header("webhook-id"), message.header("webhook-timestamp")).as_bytes());
    mac.update(&message.body);
    let expected = format!("v1,{}", STANDARD.encode(mac.finalize().into_bytes()));
    message.header("webhook-signature").split(' ').any(|signature| signature == expected)
}

fn client(allow: &str) -> Arc<dyn Sender> {
    Arc::new(api::webhook_client::WebhookClient::new(allow.parse::<AllowList>().expect("an allow-list")))
}

/// One round of the dispatcher `hours` after the test clock's time (an hour is longer than any
/// retry delay); the clock itself stays, so that sessions do not expire.
async fn dispatch_round(app: &TestApp, sender: &Arc<dyn Sender>, hours: i64) -> usize {
    let settings = DispatchSettings { retry_base: std::time::Duration::from_secs(5), ..DispatchSettings::default() };
    let at = app.clock.now() + chrono::Duration::hours(hours);
    dispatch_due(app.state.context(), Arc::clone(sender), settings, at).await.expect("a round")
}

async fn sent_referral(app: &TestApp, team: &crate::support::Team, organization: &str) -> String {
    let person =
        json!({"alias": "Segnalato", "citizenships": ["PK"], "permit": {"kind": "work", "expires_on": "2027-01-01"}});
    let (case, beneficiary) = app.case_in_charge(team, person).await;
    let referral = app.propose_referral(&team.case_worker, &case, &beneficiary, organization).await;
    let worker = &team.case_worker.access_token;
    let sent = app
        .post(&format!("/api/v1/referrals/{referral}/transitions"))
        .token(worker)
        .if_match(1)
        .json(&json!({"to": "sent"}))
        .send()
        .await;
    assert_eq!(sent.status, 200, "{}", sent.body);
    referral
}

async fn register(app: &TestApp, token: &str, body: Value) -> Value {
    let reply = app.post("/api/v1/webhooks").token(token).json(&body).send().await;
    assert_eq!(reply.status, 201, "{}", reply.body);
    assert_eq!(reply.header("cache-control"), Some("no-store"));
    reply.body.clone()
}

#[actix_web::test]
async fn a_partner_system_learns_of_a_sent_referral_by_a_signed_webhook_through_three_failures() {
    let app = TestApp::with_settings(&[("INLAV_WEBHOOK_ALLOW", "127.0.0.1")]).await;
    let team = app.team().await;
    let organization = app.organization("Cooperativa in ascolto", "ets", &["milano"]).await;
    let (_, client_id, client_secret) = app.service_account(&organization, &["referrals:read", "webhooks:write"]).await;
    let system = app.system_token(&client_id, &client_secret).await;
    let receiver = Receiver::start(3);
    let endpoint = register(&app, &system, json!({"url": receiver.url(), "events": ["referral.updated"]})).await;
    let (webhook, secret) = (endpoint["id"].as_str().unwrap(), endpoint["secret"].as_str().unwrap());
    assert!(secret.starts_with("whsec_"));
    assert_eq!(endpoint["organization_id"], organization.as_str(), "a partner's own organisation by default");
    let read = app.get(&format!("/api/v1/webhooks/{webhook}")).token(&system).send().await;
    assert_eq!(read.status, 200);
    assert!(read.body.get("secret").is_none(), "the secret is shown once");

    let referral = sent_referral(&app, &team, &organization).await;
    let sender = client("127.0.0.1");
    for hour in 0..4 {
        assert_eq!(dispatch_round(&app, &sender, hour).await, 1);
    }
    assert_eq!(dispatch_round(&app, &sender, 4).await, 0, "delivered: nothing more to send");

    let received = receiver.received();
    assert_eq!(received.len(), 4, "three refusals, then the message");
    for message in &received {
        assert!(signed_by(message, secret), "every attempt is signed: {:?}", message.headers);
        assert_eq!(message.header("webhook-id"), received[0].header("webhook-id"), "one message, one id");
        assert_eq!(message.body, received[0].body, "the same body at every attempt");
    }
    assert!(!signed_by(&received[0], "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"), "another secret does not verify");
    let payload = received[0].json();
    assert_eq!(payload["type"], "referral.updated");
    assert_eq!(payload["data"]["resource"], "referral");
    assert_eq!(payload["data"]["id"], referral.as_str());
    assert_eq!(payload["data"]["action"], "updated");
    let text = String::from_utf8_lossy(&received[0].body);
    for personal in ["Segnalato", "Cerca lavoro", "PK"] {
        assert!(!text.contains(personal), "no personal data in a message: {text}");
    }
    // The body is what the spec's `webhooks` section documents.
    let spec = app.get("/api/v1/openapi.json").send().await.body;
    for (schema, object) in [("WebhookPayload", &payload), ("ChangeView", &payload["data"])] {
        let mut documented: Vec<&str> = spec["components"]["schemas"][schema]["properties"]
            .as_object()
            .map(|p| p.keys().map(String::as_str).collect())
            .unwrap_or_default();
        let mut sent: Vec<&str> =
            object.as_object().map(|o| o.keys().map(String::as_str).collect()).unwrap_or_default();
        documented.sort();
        sent.sort();
        assert_eq!(sent, documented, "{schema}");
    }
    assert!(spec["webhooks"]["referral.updated"]["post"].is_object());

    let log = app.get(&format!("/api/v1/webhooks/{webhook}/deliveries")).token(&system).send().await;
    assert_eq!(log.status, 200, "{}", log.body);
    let deliveries = log.body["items"].as_array().cloned().unwrap_or_default();
    assert_eq!(deliveries.len(), 1);
    assert_eq!(deliveries[0]["id"], received[0].header("webhook-id"));
    assert_eq!(deliveries[0]["status"], "delivered");
    let attempts = deliveries[0]["attempts"].as_array().cloned().unwrap_or_default();
    let outcomes: Vec<(&str, i64)> = attempts
        .iter()
        .map(|a| (a["outcome"].as_str().unwrap_or(""), a["response_code"].as_i64().unwrap_or(0)))
        .collect();
    assert_eq!(outcomes, [("rejected", 500), ("rejected", 500), ("rejected", 500), ("succeeded", 204)]);
    assert!(attempts[..3].iter().all(|a| a["next_attempt_at"].is_string()), "each failure says when next");
    assert!(attempts[3]["next_attempt_at"].is_null());

    // With only its credentials, the partner reads the referral it was told of.
    let referral_read = app.get(&format!("/api/v1/referrals/{referral}")).token(&system).send().await;
    assert_eq!(referral_read.status, 200, "{}", referral_read.body);

    // Redelivered on demand: a fifth attempt of the same message.
    let message = deliveries[0]["id"].as_str().unwrap();
    let again =
        app.post(&format!("/api/v1/webhooks/{webhook}/deliveries/{message}/redeliver")).token(&system).send().await;
    assert_eq!(again.status, 202, "{}", again.body);
    assert_eq!(dispatch_round(&app, &sender, 5).await, 1);
    assert_eq!(receiver.received().len(), 5);
    assert_eq!(receiver.received()[4].header("webhook-id"), message);
}

#[actix_web::test]
async fn addresses_that_are_not_public_are_refused_unless_allow_listed() {
    let app = TestApp::new().await;
    let organization = app.organization("Cooperativa prudente", "ets", &["milano"]).await;
    let partner = app.user("partner", &organization, &[]).await;
    for url in [
        "https://127.0.0.1/hook",
        "https://10.1.2.3/hook",
        "https://169.254.169.254/latest/meta-data",
        "https://[::1]/hook",
        "https://[::ffff:192.168.0.1]/hook",
    ] {
        let reply = app
            .post("/api/v1/webhooks")
            .token(&partner.access_token)
            .json(&json!({"url": url, "events": ["referral.updated"]}))
            .send()
            .await;
        reply.problem(422);
        assert_eq!(reply.field_errors(), [("url".to_string(), "private_address".to_string())], "{url}");
    }
    let plain = app
        .post("/api/v1/webhooks")
        .token(&partner.access_token)
        .json(&json!({"url": "http://partner.example.org/hook", "events": ["referral.updated"]}))
        .send()
        .await;
    assert_eq!(plain.field_errors(), [("url".to_string(), "not_https".to_string())]);

    // A name is checked where it matters, when a delivery resolves it: `localhost` is 127.0.0.1.
    let receiver = Receiver::start(0);
    let endpoint = register(
        &app,
        &partner.access_token,
        json!({"url": format!("https://localhost:{}/hook", receiver.port), "events": ["referral.updated"]}),
    )
    .await;
    let webhook = endpoint["id"].as_str().unwrap();
    let queued = app.post(&format!("/api/v1/webhooks/{webhook}/test")).token(&partner.access_token).send().await;
    assert_eq!(queued.status, 202, "{}", queued.body);
    assert_eq!(dispatch_round(&app, &client(""), 0).await, 1);
    assert!(receiver.received().is_empty(), "no connection to a loopback address");
    let log = app.get(&format!("/api/v1/webhooks/{webhook}/deliveries")).token(&partner.access_token).send().await;
    let attempt = &log.body["items"][0]["attempts"][0];
    assert_eq!(attempt["outcome"], "unreachable");
    assert!(attempt["error"].as_str().unwrap_or("").contains("not a public address"), "{attempt}");
    assert_eq!(log.body["items"][0]["status"], "pending", "tried again later");
}

async fn patch(app: &TestApp, who: &Session, webhook: &str, version: i64, body: Value) -> Value {
    let reply = app
        .patch(&format!("/api/v1/webhooks/{webhook}"))
        .token(&who.access_token)
        .if_match(version)
        .json(&body)
        .send()
        .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    reply.body.clone()
}

#[actix_web::test]
async fn an_endpoint_failing_for_a_day_is_disabled_and_its_owner_enables_it_again() {
    let app = TestApp::with_settings(&[("INLAV_WEBHOOK_ALLOW", "127.0.0.1")]).await;
    let organization = app.organization("Cooperativa distratta", "ets", &["milano"]).await;
    let partner = app.user("partner", &organization, &[]).await;
    let receiver = Receiver::start(usize::MAX);
    let endpoint =
        register(&app, &partner.access_token, json!({"url": receiver.url(), "events": ["referral.updated"]})).await;
    let webhook = endpoint["id"].as_str().unwrap();
    let test = app.post(&format!("/api/v1/webhooks/{webhook}/test")).token(&partner.access_token).send().await;
    assert_eq!(test.status, 202);
    let sender = client("127.0.0.1");
    let mut rounds = 0;
    loop {
        let attempted = dispatch_round(&app, &sender, rounds).await;
        let state = app.get(&format!("/api/v1/webhooks/{webhook}")).token(&partner.access_token).send().await;
        if !state.body["enabled"].as_bool().unwrap_or(true) {
            assert_eq!(state.body["disabled_reason"], "failing");
            break;
        }
        assert_eq!(attempted, 1, "retried every hour at the most");
        rounds += 1;
        assert!(rounds <= 26, "disabled after a day");
    }
    assert!(rounds >= 24, "not before a day: {rounds}");
    let log = app.get(&format!("/api/v1/webhooks/{webhook}/deliveries")).token(&partner.access_token).send().await;
    assert_eq!(log.body["items"][0]["status"], "failed", "given up after a day");
    let refused = app.post(&format!("/api/v1/webhooks/{webhook}/test")).token(&partner.access_token).send().await;
    assert_eq!(refused.problem(409)["code"], "webhook_disabled");

    let version =
        app.get(&format!("/api/v1/webhooks/{webhook}")).token(&partner.access_token).send().await.body["version"]
            .as_i64()
            .unwrap_or_default();
    let enabled = patch(&app, &partner, webhook, version, json!({"enabled": true})).await;
    assert_eq!((enabled["enabled"].as_bool(), enabled["failing_since"].is_null()), (Some(true), true));
    let test = app.post(&format!("/api/v1/webhooks/{webhook}/test")).token(&partner.access_token).send().await;
    assert_eq!(test.status, 202);
}

#[actix_web::test]
async fn only_the_owner_and_the_admin_manage_an_endpoint() {
    let app = TestApp::with_settings(&[("INLAV_WEBHOOK_ALLOW", "127.0.0.1")]).await;
    let team = app.team().await;
    let organization = app.organization("Cooperativa titolare", "ets", &["milano"]).await;
    let other = app.organization("Cooperativa curiosa", "ets", &["milano"]).await;
    let owner = app.user("partner", &organization, &[]).await;
    let stranger = app.user("partner", &other, &[]).await;
    let receiver = Receiver::start(0);
    let body =
        json!({"url": receiver.url(), "events": ["referral.updated", "service.created"], "description": "Gestionale"});
    let endpoint = register(&app, &owner.access_token, body.clone()).await;
    let webhook = endpoint["id"].as_str().unwrap();

    let path = format!("/api/v1/webhooks/{webhook}");
    app.get(&path).token(&stranger.access_token).send().await.problem(404);
    let theirs = app.get("/api/v1/webhooks").token(&stranger.access_token).send().await;
    assert_eq!(theirs.body["items"], json!([]));
    let for_other = app
        .post("/api/v1/webhooks")
        .token(&stranger.access_token)
        .json(&json!({"organization_id": organization, "url": receiver.url(), "events": ["referral.updated"]}))
        .send()
        .await;
    for_other.problem(403);
    app.get("/api/v1/webhooks").token(&team.case_worker.access_token).send().await.problem(403);
    let (_, reader_id, reader_secret) = app.service_account(&organization, &["referrals:read"]).await;
    let reader = app.system_token(&reader_id, &reader_secret).await;
    app.get("/api/v1/webhooks").token(&reader).send().await.problem(403);

    // The admin names the organisation, and sees every organisation's endpoints.
    let unnamed = app.post("/api/v1/webhooks").token(&app.admin.access_token).json(&body).send().await;
    assert_eq!(unnamed.field_errors(), [("organization_id".to_string(), "required".to_string())]);
    let mut for_partner = body.clone();
    for_partner["organization_id"] = json!(other);
    register(&app, &app.admin.access_token, for_partner).await;
    let all = app.get("/api/v1/webhooks").token(&app.admin.access_token).send().await;
    assert_eq!(all.body["items"].as_array().map(Vec::len), Some(2));
    let municipal = app.organization("Regione che non riceve", "region", &["milano"]).await;
    let mut for_municipality = body.clone();
    for_municipality["organization_id"] = json!(municipal);
    let refused = app.post("/api/v1/webhooks").token(&app.admin.access_token).json(&for_municipality).send().await;
    assert_eq!(refused.field_errors(), [("organization_id".to_string(), "not_a_partner".to_string())]);

    // Rotation: for a day both secrets sign, so the receiver can switch without a gap.
    let rotated = app.post(&format!("{path}/rotate-secret")).token(&owner.access_token).if_match(1).send().await;
    assert_eq!(rotated.status, 200, "{}", rotated.body);
    let new_secret = rotated.str("secret").to_string();
    assert_ne!(new_secret, endpoint["secret"].as_str().unwrap_or_default());
    let queued = app.post(&format!("{path}/test")).token(&owner.access_token).send().await;
    assert_eq!(queued.status, 202);
    let sender = client("127.0.0.1");
    assert_eq!(dispatch_round(&app, &sender, 0).await, 1);
    let message = &receiver.received()[0];
    assert!(signed_by(message, &new_secret) && signed_by(message, endpoint["secret"].as_str().unwrap()));
    assert_eq!(message.json()["type"], "webhook.test");
    assert_eq!(message.json()["data"]["webhook_id"], webhook);
    // A day later, the new one only.
    assert_eq!(app.post(&format!("{path}/test")).token(&owner.access_token).send().await.status, 202);
    assert_eq!(dispatch_round(&app, &sender, 25).await, 1);
    let later = &receiver.received()[1];
    assert!(signed_by(later, &new_secret) && !signed_by(later, endpoint["secret"].as_str().unwrap()));

    // Changed, disabled, deleted by its owner.
    let changed = patch(&app, &owner, webhook, 2, json!({"events": ["service.created"], "description": ""})).await;
    assert_eq!((changed["events"].clone(), changed["description"].clone()), (json!(["service.created"]), Value::Null));
    assert_eq!(app.post(&format!("{path}/test")).token(&owner.access_token).send().await.status, 202);
    let now = app.clock.now();
    let database = app.state.database().clone();
    let due = move || {
        let database = database.clone();
        async move { database.read(move |conn| persistence::webhooks::any_due(conn, now)).await.ok() }
    };
    assert_eq!(due().await, Some(true));
    let disabled = patch(&app, &owner, webhook, 3, json!({"enabled": false})).await;
    assert_eq!(disabled["disabled_reason"], "owner");
    // A disabled endpoint's pending message does not wake the dispatcher.
    assert_eq!(due().await, Some(false));
    let bad = app.patch(&path).token(&owner.access_token).if_match(4).json(&json!({"events": []})).send().await;
    assert!(bad.status == 422, "{}", bad.body);
    let deleted = app.request("DELETE", &path).token(&owner.access_token).if_match(4).send().await;
    assert_eq!(deleted.status, 204, "{}", deleted.body);
    app.get(&path).token(&owner.access_token).send().await.problem(404);
}
