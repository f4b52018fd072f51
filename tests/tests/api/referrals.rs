//! Referrals, consent to share, and the partners' need-to-know access, for partner users and
//! partner systems.

use serde_json::{Value, json};

use crate::support::{Reply, Session, Team, TestApp};

struct Setup {
    team: Team,
    case: String,
    beneficiary: String,
    partner_org: String,
    /// A partner user of the referred organisation.
    partner: Session,
    /// A partner user of another organisation.
    stranger: Session,
}

async fn setup(app: &TestApp, kind: &str) -> Setup {
    let team = app.team().await;
    let partner_org = app.organization(&format!("Partner {}", uuid::Uuid::now_v7().simple()), kind, &["milano"]).await;
    let other_org = app.organization(&format!("Other {}", uuid::Uuid::now_v7().simple()), "ets", &["milano"]).await;
    let partner = app.user("partner", &partner_org, &[]).await;
    let stranger = app.user("partner", &other_org, &[]).await;
    let person = json!({
        "alias": "Referred", "first_name": "Bilal", "last_name": "Hussain", "citizenships": ["PK"], "languages": ["ur", "en"],
        "phone": "+39 345 0000001", "permit": {"kind": "art18ter"}
    });
    let (case, beneficiary) = app.case_in_charge(&team, person).await;
    Setup { team, case, beneficiary, partner_org, partner, stranger }
}

async fn refer(app: &TestApp, s: &Setup, joint_intake: bool) -> String {
    let reply = app
        .post(&format!("/api/v1/cases/{}/referrals", s.case))
        .token(&s.team.case_worker.access_token)
        .json(&json!({"to_organization_id": s.partner_org, "category": "protection_referral", "reason": "Presa in carico congiunta per emersione", "joint_intake": joint_intake}))
        .send()
        .await;
    assert_eq!(reply.status, 201, "{}", reply.body);
    assert_eq!(reply.body["status"], "proposed");
    reply.str("id").to_string()
}

async fn consent_to_share(app: &TestApp, s: &Setup) -> String {
    let reply = app
        .post(&format!("/api/v1/beneficiaries/{}/consents", s.beneficiary))
        .token(&s.team.case_worker.access_token)
        .json(&json!({"kind": "data_sharing", "organization_id": s.partner_org, "given_on": "2026-03-01", "method": "written", "language": "ur"}))
        .send()
        .await;
    assert_eq!(reply.status, 201, "{}", reply.body);
    reply.str("id").to_string()
}

async fn step(app: &TestApp, token: &str, referral: &str, body: Value) -> Reply {
    let version = app.get(&format!("/api/v1/referrals/{referral}")).token(token).send().await.body["version"]
        .as_i64()
        .unwrap_or(1);
    app.post(&format!("/api/v1/referrals/{referral}/transitions"))
        .token(token)
        .if_match(version)
        .json(&body)
        .send()
        .await
}

#[actix_web::test]
async fn sending_needs_consent_or_a_coordinators_audited_override() {
    let app = TestApp::new().await;
    let s = setup(&app, "ets").await;
    let referral = refer(&app, &s, false).await;
    let reply = step(&app, &s.team.case_worker.access_token, &referral, json!({"to": "sent"})).await;
    assert_eq!(reply.problem(409)["code"], "consent_missing");
    step(&app, &s.team.case_worker.access_token, &referral, json!({"to": "sent", "consent_override_reason": "urgent"}))
        .await
        .problem(403);
    let reply = step(
        &app,
        &s.team.coordinator.access_token,
        &referral,
        json!({"to": "sent", "consent_override_reason": "risk to life: cannot wait for a signature"}),
    )
    .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(reply.body["consent_override_reason"], "risk to life: cannot wait for a signature");
    let events = reply.body["events"].as_array().unwrap();
    assert!(events.last().unwrap()["reason"].as_str().unwrap().starts_with("sent without data-sharing consent"));
    // Audited as an override of its own, its reason in the entry (bound by the chain's hash),
    // not as an ordinary send.
    let trail = app
        .get(&format!("/api/v1/audit?case_id={}&action=consent_override", s.case))
        .token(&s.team.coordinator.access_token)
        .send()
        .await;
    let entry = &trail.body["items"][0];
    assert_eq!(entry["actor_id"], s.team.coordinator.id.as_str());
    assert_eq!(entry["reason"], "risk to life: cannot wait for a signature");
    let sends = app
        .get(&format!("/api/v1/audit?case_id={}&action=transition", s.case))
        .token(&s.team.coordinator.access_token)
        .send()
        .await;
    let by_coordinator =
        sends.body["items"].as_array().unwrap().iter().filter(|e| e["actor_id"] == s.team.coordinator.id.as_str());
    assert_eq!(by_coordinator.count(), 0, "{}", sends.body);

    // With consent, a case worker sends; a withdrawn consent does not count.
    let second = refer(&app, &s, false).await;
    let consent = consent_to_share(&app, &s).await;
    app.post(&format!("/api/v1/consents/{consent}/withdraw"))
        .token(&s.team.case_worker.access_token)
        .json(&json!({"reason": "revocato"}))
        .send()
        .await;
    assert_eq!(
        step(&app, &s.team.case_worker.access_token, &second, json!({"to": "sent"})).await.problem(409)["code"],
        "consent_missing"
    );
    consent_to_share(&app, &s).await;
    assert_eq!(step(&app, &s.team.case_worker.access_token, &second, json!({"to": "sent"})).await.status, 200);
}

#[actix_web::test]
async fn a_partner_sees_the_header_when_sent_the_case_when_accepted_and_nothing_after() {
    let app = TestApp::new().await;
    let s = setup(&app, "ets").await;
    let referral = refer(&app, &s, false).await;
    let path = format!("/api/v1/referrals/{referral}");
    let services = format!("/api/v1/cases/{}/services", s.case);
    let service = json!({"category": "orientation_housing", "delivered_on": "2026-03-02"});

    // Proposed: the partner does not know of it.
    app.get(&path).token(&s.partner.access_token).send().await.problem(404);
    assert_eq!(
        app.get("/api/v1/referrals").token(&s.partner.access_token).send().await.body["items"]
            .as_array()
            .unwrap()
            .len(),
        0
    );

    consent_to_share(&app, &s).await;
    step(&app, &s.team.case_worker.access_token, &referral, json!({"to": "sent"})).await;
    // Sent: the header, to decide; not the case.
    let header = app.get(&path).token(&s.partner.access_token).send().await;
    assert_eq!(header.status, 200, "{}", header.body);
    assert!(header.body["case_id"].is_null());
    assert_eq!(header.body["reason"], "Presa in carico congiunta per emersione");
    assert!(!header.text().contains("Bilal") && !header.text().contains(&s.beneficiary));
    app.get(&format!("{path}/case")).token(&s.partner.access_token).send().await.problem(404);
    app.post(&services).token(&s.partner.access_token).json(&service).send().await.problem(404);
    // Another organisation's partner knows nothing, ever.
    app.get(&path).token(&s.stranger.access_token).send().await.problem(404);
    assert_eq!(
        app.get("/api/v1/referrals").token(&s.stranger.access_token).send().await.body["items"]
            .as_array()
            .unwrap()
            .len(),
        0
    );
    // Nor may a partner read the case through the PUA's endpoints.
    app.get(&format!("/api/v1/cases/{}", s.case)).token(&s.partner.access_token).send().await.problem(403);

    // The partner answers.
    assert_eq!(step(&app, &s.partner.access_token, &referral, json!({"to": "accepted"})).await.status, 200);
    let case = app.get(&format!("{path}/case")).token(&s.partner.access_token).send().await;
    assert_eq!(case.status, 200, "{}", case.body);
    assert_eq!(case.body["alias"], "Referred");
    assert_eq!(case.body["first_name"], "Bilal");
    assert_eq!(case.body["languages"], json!(["en", "ur"]));
    assert_eq!(case.body["phone"], "+39 345 0000001");
    assert_eq!(case.body["needs"], json!(["job_placement"]));
    assert!(case.body["joint_intake"].is_null());
    for hidden in ["Hussain", "PK", "art18ter"] {
        assert!(!case.text().contains(hidden), "{hidden} leaked: {}", case.text());
    }
    let reply = app.post(&services).token(&s.partner.access_token).json(&service).send().await;
    assert_eq!(reply.status, 201, "{}", reply.body);
    assert_eq!(reply.body["delivered_by"], s.partner_org.as_str());
    assert_eq!(reply.body["recorded_by_role"], "partner");
    // Reading the case is audited under the partner.
    let log = app
        .get(&format!("/api/v1/beneficiaries/{}/access-log", s.beneficiary))
        .token(&s.team.coordinator.access_token)
        .send()
        .await;
    assert!(
        log.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["actor_id"] == s.partner.id.as_str() && e["action"] == "read")
    );

    // The sender revokes: access ends; the partner's own history stays.
    let reply =
        step(&app, &s.team.case_worker.access_token, &referral, json!({"to": "revoked", "reason": "the person moved"}))
            .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    app.get(&format!("{path}/case")).token(&s.partner.access_token).send().await.problem(404);
    app.post(&services).token(&s.partner.access_token).json(&service).send().await.problem(404);
    let history = app.get(&path).token(&s.partner.access_token).send().await;
    assert_eq!(history.status, 200);
    assert_eq!(history.body["status"], "revoked");
    assert!(history.body["case_id"].is_null());
    let events: Vec<&str> =
        history.body["events"].as_array().unwrap().iter().map(|e| e["to_status"].as_str().unwrap()).collect();
    assert_eq!(events, ["accepted"], "only its own actions");
}

#[actix_web::test]
async fn a_joint_intake_with_an_anti_trafficking_body_shares_what_protection_needs() {
    let app = TestApp::new().await;
    let s = setup(&app, "anti_trafficking").await;
    let token = &s.team.case_worker.access_token;
    let case_path = format!("/api/v1/cases/{}", s.case);
    let version = app.version_of(&s.team.case_worker, &case_path).await;
    app.patch(&case_path)
        .token(token)
        .if_match(version)
        .json(&json!({"indicators": [{"indicator": "debt_bondage", "noted_on": "2026-02-20"}]}))
        .send()
        .await;
    app.post(&format!("{case_path}/notes"))
        .token(token)
        .json(&json!({"body": "Teme ritorsioni dal datore", "confidentiality": "team"}))
        .send()
        .await;
    app.post(&format!("{case_path}/notes"))
        .token(&s.team.legal_advisor.access_token)
        .json(&json!({"body": "Strategia legale riservata", "confidentiality": "legal"}))
        .send()
        .await;
    app.post(&format!("{case_path}/legal-procedures"))
        .token(&s.team.legal_advisor.access_token)
        .json(&json!({"kind": "permit_art18ter", "status": "filed", "filed_on": "2026-02-26", "authority": "questura"}))
        .send()
        .await;
    consent_to_share(&app, &s).await;

    for joint in [false, true] {
        let referral = refer(&app, &s, joint).await;
        step(&app, token, &referral, json!({"to": "sent"})).await;
        step(&app, &s.partner.access_token, &referral, json!({"to": "accepted"})).await;
        let case = app.get(&format!("/api/v1/referrals/{referral}/case")).token(&s.partner.access_token).send().await;
        assert_eq!(case.status, 200);
        if joint {
            let shared = &case.body["joint_intake"];
            assert_eq!(shared["citizenships"], json!(["PK"]));
            assert_eq!(shared["permit_kind"], "art18ter");
            assert_eq!(shared["indicators"][0]["indicator"], "debt_bondage");
            assert_eq!(shared["legal_procedures"][0]["kind"], "permit_art18ter");
            let notes: Vec<&str> =
                shared["notes"].as_array().unwrap().iter().map(|n| n["body"].as_str().unwrap()).collect();
            assert_eq!(notes, ["Teme ritorsioni dal datore"]);
            assert!(!case.text().contains("Strategia legale"));
        } else {
            assert!(
                case.body["joint_intake"].is_null(),
                "a joint intake is needed, not only an anti-trafficking receiver"
            );
        }
        step(&app, token, &referral, json!({"to": "revoked", "reason": "test"})).await;
    }
}

#[actix_web::test]
async fn each_side_makes_only_its_moves() {
    let app = TestApp::new().await;
    let s = setup(&app, "ets").await;
    consent_to_share(&app, &s).await;
    let referral = refer(&app, &s, false).await;
    // The partner cannot send; the sender can.
    app.post(&format!("/api/v1/referrals/{referral}/transitions"))
        .token(&s.partner.access_token)
        .if_match(1)
        .json(&json!({"to": "sent"}))
        .send()
        .await
        .problem(404);
    step(&app, &s.team.case_worker.access_token, &referral, json!({"to": "sent"})).await;
    step(&app, &s.partner.access_token, &referral, json!({"to": "revoked", "reason": "x"})).await.problem(403);
    let reply = step(&app, &s.partner.access_token, &referral, json!({"to": "declined"})).await;
    assert_eq!(reply.field_errors(), [("reason".to_string(), "required".to_string())]);
    let reply = step(&app, &s.partner.access_token, &referral, json!({"to": "completed"})).await;
    assert_eq!(reply.problem(409)["code"], "invalid_transition");
    // The PUA may record the partner's answer on its behalf (many partners work on paper).
    let reply = step(&app, &s.team.case_worker.access_token, &referral, json!({"to": "accepted"})).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    let reply = step(&app, &s.partner.access_token, &referral, json!({"to": "completed"})).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    // Legal advisors read referrals, but do not move them.
    assert_eq!(
        app.get(&format!("/api/v1/referrals/{referral}")).token(&s.team.legal_advisor.access_token).send().await.status,
        200
    );
    let outgoing = app
        .get("/api/v1/referrals?direction=outgoing&status=completed")
        .token(&s.team.coordinator.access_token)
        .send()
        .await;
    assert_eq!(outgoing.body["items"].as_array().unwrap().len(), 1);
    app.get("/api/v1/referrals?direction=incoming").token(&s.team.coordinator.access_token).send().await.problem(403);
    app.get("/api/v1/referrals?direction=outgoing").token(&s.partner.access_token).send().await.problem(403);
    app.get(&format!("/api/v1/referrals/{referral}"))
        .token(&s.team.bergamo_coordinator.access_token)
        .send()
        .await
        .problem(404);
    for who in [&s.team.regional, &s.team.evaluator, &app.admin] {
        app.get("/api/v1/referrals").token(&who.access_token).send().await.problem(403);
    }
}

#[actix_web::test]
async fn partner_systems_act_as_partners_within_their_scopes_until_revoked() {
    let app = TestApp::new().await;
    let s = setup(&app, "ets").await;
    consent_to_share(&app, &s).await;
    let referral = refer(&app, &s, false).await;
    step(&app, &s.team.case_worker.access_token, &referral, json!({"to": "sent"})).await;

    let (account, client_id, secret) =
        app.service_account(&s.partner_org, &["referrals:read", "referrals:write", "services:write"]).await;
    let (_, reader_id, reader_secret) = app.service_account(&s.partner_org, &["referrals:read"]).await;
    // The three ways to present credentials.
    let token = app.system_token(&client_id, &secret).await;
    let json_token = app
        .post("/api/v1/auth/token")
        .json(&json!({"grant_type": "client_credentials", "client_id": client_id, "client_secret": secret}))
        .send()
        .await;
    assert_eq!(json_token.status, 200, "{}", json_token.body);
    assert_eq!(json_token.body["scope"], "referrals:read referrals:write services:write");
    use base64::Engine;
    let basic = base64::engine::general_purpose::STANDARD.encode(format!("{client_id}:{secret}"));
    let via_basic = app
        .post("/api/v1/auth/token")
        .header("Authorization", &format!("Basic {basic}"))
        .raw("application/x-www-form-urlencoded", "grant_type=client_credentials")
        .send()
        .await;
    assert_eq!(via_basic.status, 200, "{}", via_basic.body);
    let narrow = app
        .post("/api/v1/auth/token")
        .raw(
            "application/x-www-form-urlencoded",
            format!("grant_type=client_credentials&client_id={client_id}&client_secret={secret}&scope=referrals:read"),
        )
        .send()
        .await;
    assert_eq!(narrow.body["scope"], "referrals:read");

    // Wrong secret, unknown client, wrong grant.
    let wrong = app
        .post("/api/v1/auth/token")
        .raw(
            "application/x-www-form-urlencoded",
            format!("grant_type=client_credentials&client_id={client_id}&client_secret=nope"),
        )
        .send()
        .await;
    assert_eq!(wrong.problem(401)["error"], "invalid_client");
    let unknown = app
        .post("/api/v1/auth/token")
        .raw("application/x-www-form-urlencoded", "grant_type=client_credentials&client_id=x&client_secret=nope")
        .send()
        .await;
    assert_eq!(unknown.body, wrong.body);
    let grant = app
        .post("/api/v1/auth/token")
        .raw("application/x-www-form-urlencoded", "grant_type=password&username=a&password=b")
        .send()
        .await;
    assert_eq!(grant.problem(400)["error"], "unsupported_grant_type");
    assert_eq!(grant.body["error_description"], grant.body["detail"]);
    // A JSON body that does not fit the request is an OAuth `invalid_request`.
    let json_body = app.post("/api/v1/auth/token").json(&json!({"client_id": client_id})).send().await;
    assert_eq!(json_body.problem(422)["error"], "invalid_request", "{}", json_body.body);
    assert_eq!(json_body.field_errors(), [("grant_type".to_string(), "required".to_string())]);

    // Incoming referrals, as the organisation's users see them.
    let incoming = app.get("/api/v1/referrals").token(&token).send().await;
    assert_eq!(incoming.body["items"].as_array().unwrap().len(), 1, "{}", incoming.body);
    // A read-only system cannot answer.
    let reader = app.system_token(&reader_id, &reader_secret).await;
    step(&app, &reader, &referral, json!({"to": "accepted"})).await.problem(403);
    let reply = step(&app, &token, &referral, json!({"to": "accepted"})).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(reply.body["events"][0]["actor_id"], account.as_str());
    let services = format!("/api/v1/cases/{}/services", s.case);
    let service = json!({"category": "orientation_legal", "delivered_on": "2026-03-02"});
    app.post(&services).token(&reader).json(&service).send().await.problem(403);
    let recorded = app.post(&services).token(&token).json(&service).send().await;
    assert_eq!(recorded.status, 201, "{}", recorded.body);
    assert!(recorded.body["operator_id"].is_null());
    // Partner systems never reach the PUA's endpoints.
    app.get(&format!("/api/v1/cases/{}", s.case)).token(&token).send().await.problem(403);
    app.get("/api/v1/beneficiaries").token(&token).send().await.problem(403);

    // Rotation: the old secret and the old token stop; the new ones work.
    let path = format!("/api/v1/service-accounts/{account}");
    let rotated = app.post(&format!("{path}/rotate")).token(&app.admin.access_token).if_match(1).send().await;
    assert_eq!(rotated.status, 200, "{}", rotated.body);
    app.get("/api/v1/referrals").token(&token).send().await.problem(401);
    assert_eq!(
        app.post("/api/v1/auth/token")
            .raw(
                "application/x-www-form-urlencoded",
                format!("grant_type=client_credentials&client_id={client_id}&client_secret={secret}")
            )
            .send()
            .await
            .status,
        401
    );
    let fresh = app.system_token(&client_id, rotated.str("client_secret")).await;
    assert_eq!(app.get("/api/v1/referrals").token(&fresh).send().await.status, 200);
    // Revocation stops its tokens at once.
    let revoked = app.post(&format!("{path}/revoke")).token(&app.admin.access_token).if_match(2).send().await;
    assert_eq!(revoked.status, 200);
    assert_eq!(revoked.body["active"], false);
    app.get("/api/v1/referrals").token(&fresh).send().await.problem(401);
    assert_eq!(
        app.post("/api/v1/auth/token")
            .raw(
                "application/x-www-form-urlencoded",
                format!(
                    "grant_type=client_credentials&client_id={client_id}&client_secret={}",
                    rotated.str("client_secret")
                )
            )
            .send()
            .await
            .status,
        401
    );
    app.post(&format!("{path}/rotate")).token(&app.admin.access_token).if_match(3).send().await.problem(409);
}

#[actix_web::test]
async fn only_the_admin_manages_partner_systems() {
    let app = TestApp::new().await;
    let team = app.team().await;
    let ets = app.organization("Cooperativa Lotta contro l'Emarginazione", "ets", &["milano"]).await;
    let body = json!({"organization_id": ets, "name": "Gestionale", "scopes": ["referrals:read"]});
    for who in [&team.coordinator, &team.case_worker, &team.partner, &team.regional] {
        app.post("/api/v1/service-accounts").token(&who.access_token).json(&body).send().await.problem(403);
        app.get("/api/v1/service-accounts").token(&who.access_token).send().await.problem(403);
    }
    let created = app.post("/api/v1/service-accounts").token(&app.admin.access_token).json(&body).send().await;
    assert_eq!(created.status, 201);
    assert!(created.str("client_secret").len() >= 40);
    let listed = app.get("/api/v1/service-accounts").token(&app.admin.access_token).send().await;
    assert!(!listed.text().contains(created.str("client_secret")));
    let region = json!({"organization_id": crate::support::REGION_ID, "name": "x", "scopes": ["referrals:read"]});
    let reply = app.post("/api/v1/service-accounts").token(&app.admin.access_token).json(&region).send().await;
    assert_eq!(reply.field_errors(), [("organization_id".to_string(), "not_a_partner".to_string())]);
    let none = json!({"organization_id": ets, "name": "x", "scopes": []});
    assert_eq!(
        app.post("/api/v1/service-accounts").token(&app.admin.access_token).json(&none).send().await.field_errors()[0]
            .0,
        "scopes"
    );
}

#[actix_web::test]
async fn the_token_endpoint_throttles_failures_per_client() {
    let app = TestApp::new().await;
    let ets = app.organization("Caritas", "ets", &["milano"]).await;
    let (_, client_id, secret) = app.service_account(&ets, &["referrals:read"]).await;
    for _ in 0..5 {
        let form = format!("grant_type=client_credentials&client_id={client_id}&client_secret=wrong");
        app.post("/api/v1/auth/token").raw("application/x-www-form-urlencoded", form).send().await.problem(401);
    }
    let form = format!("grant_type=client_credentials&client_id={client_id}&client_secret={secret}");
    app.post("/api/v1/auth/token").raw("application/x-www-form-urlencoded", form).send().await.problem(429);
    app.advance(chrono::Duration::minutes(16));
    assert!(!app.system_token(&client_id, &secret).await.is_empty());
}

#[actix_web::test]
async fn an_answer_received_on_paper_is_recorded_on_the_day_it_was_given() {
    use chrono::Duration;

    use crate::support::start_time;
    let app = TestApp::new().await;
    let s = setup(&app, "ets").await;
    let referral = refer(&app, &s, false).await;
    consent_to_share(&app, &s).await;
    assert_eq!(step(&app, &s.team.case_worker.access_token, &referral, json!({"to": "sent"})).await.status, 200);
    app.advance(Duration::days(5));
    let worker = &app.login(&s.team.case_worker.email, crate::support::PASSWORD).await.access_token;
    let at = |days: i64| (start_time() + Duration::days(days)).to_rfc3339();
    let reply = step(&app, worker, &referral, json!({"to": "accepted", "effective_at": at(6)})).await;
    assert_eq!(reply.field_errors(), [("effective_at".to_string(), "in_future".to_string())]);
    let reply = step(&app, worker, &referral, json!({"to": "accepted", "effective_at": at(-1)})).await;
    assert_eq!(reply.field_errors(), [("effective_at".to_string(), "before_previous_event".to_string())]);
    // Accepted on paper two days after it was sent, recorded three days later.
    let reply = step(&app, worker, &referral, json!({"to": "accepted", "effective_at": at(2)})).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    let answered = &reply.body["events"].as_array().unwrap().last().unwrap()["at"];
    assert_eq!(answered.as_str().map(|t| t.starts_with("2026-03-04T09:00:00")), Some(true), "{answered}");
    // The next step cannot come before it.
    let reply = step(&app, worker, &referral, json!({"to": "completed", "effective_at": at(1)})).await;
    assert_eq!(reply.field_errors(), [("effective_at".to_string(), "before_previous_event".to_string())]);
}
