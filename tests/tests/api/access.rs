//! The access matrix of beneficiaries and cases: every endpoint, each role, own district
//! against another, an outreach worker's own interceptions against another's.

use serde_json::{Value, json};

use crate::support::{Session, TestApp, days_ago};

/// Each endpoint of the capability, with a body where it takes one.
fn endpoints(case: &str, beneficiary: &str, consent: &str) -> Vec<(&'static str, String, Value)> {
    vec![
        ("GET", "/api/v1/cases".into(), Value::Null),
        ("GET", format!("/api/v1/cases/{case}"), Value::Null),
        ("PATCH", format!("/api/v1/cases/{case}"), json!({"profile": "grey_work"})),
        ("POST", format!("/api/v1/cases/{case}/transitions"), json!({"to": "screening", "effective_at": days_ago(1)})),
        ("GET", format!("/api/v1/cases/{case}/events"), Value::Null),
        ("GET", format!("/api/v1/cases/{case}/eligibility"), Value::Null),
        ("GET", format!("/api/v1/cases/{case}/risk"), Value::Null),
        ("POST", format!("/api/v1/cases/{case}/eligibility-override"), json!({"reason": "field judgement"})),
        ("POST", format!("/api/v1/cases/{case}/closure-approval"), json!({"decision": "approve"})),
        ("GET", "/api/v1/beneficiaries".into(), Value::Null),
        ("GET", format!("/api/v1/beneficiaries/{beneficiary}"), Value::Null),
        ("PATCH", format!("/api/v1/beneficiaries/{beneficiary}"), json!({"municipality": "Milano"})),
        ("GET", format!("/api/v1/beneficiaries/{beneficiary}/consents"), Value::Null),
        (
            "POST",
            format!("/api/v1/beneficiaries/{beneficiary}/consents"),
            json!({"kind": "research_use", "given_on": "2026-03-01", "method": "oral", "language": "ar"}),
        ),
        ("POST", format!("/api/v1/consents/{consent}/withdraw"), json!({})),
        ("GET", format!("/api/v1/beneficiaries/{beneficiary}/access-log"), Value::Null),
    ]
}

async fn call(app: &TestApp, who: &Session, method: &str, path: &str, body: &Value) -> u16 {
    let mut request = app.request(method, path).token(&who.access_token);
    if method == "PATCH" || path.ends_with("/transitions") || path.ends_with("-override") || path.ends_with("-approval")
    {
        // Read the current version as the case team would; a caller who cannot read gets "1".
        let target = path
            .trim_end_matches("/transitions")
            .trim_end_matches("/eligibility-override")
            .trim_end_matches("/closure-approval");
        let version = app.get(target).token(&app_reader(app).await).send().await.body["version"].as_i64().unwrap_or(1);
        request = request.if_match(version);
    }
    if !body.is_null() {
        request = request.json(body);
    }
    request.send().await.status
}

/// A coordinator of both districts, to read versions without being one of the callers.
async fn app_reader(app: &TestApp) -> String {
    app.user("district_coordinator", crate::support::REGION_ID, &["milano", "bergamo"]).await.access_token
}

/// What `who` gets from every endpoint about a case and its beneficiary.
async fn statuses(app: &TestApp, who: &Session, case: &Value, consent: &str) -> Vec<u16> {
    let case_id = case["id"].as_str().unwrap();
    let beneficiary = case["beneficiary"]["id"].as_str().unwrap_or_else(|| panic!("{case}"));
    let mut out = Vec::new();
    for (method, path, body) in endpoints(case_id, beneficiary, consent) {
        out.push(call(app, who, method, &path, &body).await);
    }
    out
}

async fn setup(app: &TestApp, recorder: &Session, district: &str, coordinator: &Session) -> (Value, String) {
    setup_person(app, recorder, district, coordinator, json!({"alias": format!("Person of {district}")})).await
}

/// A case of `district` recorded by `recorder` for `person`, read back in full, with the privacy
/// notice recorded; answers the case and the consent's id.
async fn setup_person(
    app: &TestApp,
    recorder: &Session,
    district: &str,
    coordinator: &Session,
    person: Value,
) -> (Value, String) {
    let reply = app
        .post("/api/v1/cases")
        .token(&recorder.access_token)
        .json(&json!({"beneficiary": person, "district": district, "channel": "street_outreach", "intercepted_at": days_ago(3)}))
        .send()
        .await;
    assert_eq!(reply.status, 201, "{}", reply.body);
    let case = reply.body;
    // Read back in full (an outreach recorder gets only the interception view).
    let full = app
        .get(&format!("/api/v1/cases/{}", case["id"].as_str().unwrap()))
        .token(&coordinator.access_token)
        .send()
        .await
        .body;
    let beneficiary = full["beneficiary"]["id"].as_str().unwrap();
    let consent = app
        .post(&format!("/api/v1/beneficiaries/{beneficiary}/consents"))
        .token(&coordinator.access_token)
        .json(&json!({"kind": "privacy_notice", "given_on": "2026-02-28", "method": "written", "language": "it"}))
        .send()
        .await;
    assert_eq!(consent.status, 201, "{}", consent.body);
    (full, consent.str("id").to_string())
}

#[actix_web::test]
async fn roles_without_personal_data_get_403_everywhere() {
    let app = TestApp::new().await;
    let team = app.team().await;
    let (case, consent) = setup(&app, &team.case_worker, "milano", &team.coordinator).await;
    for (name, who) in [
        ("admin", &app.admin),
        ("regional", &team.regional),
        ("evaluator", &team.evaluator),
        ("partner", &team.partner),
    ] {
        let got = statuses(&app, who, &case, &consent).await;
        assert!(got.iter().all(|s| *s == 403), "{name}: {got:?}");
        let create = app
            .post("/api/v1/cases")
            .token(&who.access_token)
            .json(&json!({"beneficiary": {"alias": "x"}, "district": "milano", "channel": "self_referral", "intercepted_at": days_ago(1)}))
            .send()
            .await;
        create.problem(403);
        app.post("/api/v1/beneficiaries")
            .token(&who.access_token)
            .json(&json!({"alias": "x"}))
            .send()
            .await
            .problem(403);
    }
}

#[actix_web::test]
async fn district_roles_see_their_districts_and_nothing_else() {
    let app = TestApp::new().await;
    let team = app.team().await;
    let (milano, milano_consent) = setup(&app, &team.case_worker, "milano", &team.coordinator).await;
    let (bergamo, bergamo_consent) = setup(&app, &team.bergamo_case_worker, "bergamo", &team.bergamo_coordinator).await;

    // Own district: order as in `endpoints`. Lists answer 200 in any case; the foreign
    // rows are checked below.
    let expected_own = |role: &str| -> Vec<u16> {
        match role {
            // Reads, changes, transitions, override; no closure is waiting (409); access log.
            "coordinator" => vec![200, 200, 200, 200, 200, 200, 200, 200, 409, 200, 200, 200, 200, 201, 200, 200],
            // No override, approval or access log.
            "case_worker" => vec![200, 200, 200, 200, 200, 200, 200, 403, 403, 200, 200, 200, 200, 201, 200, 403],
            // Reads and changes; no transitions.
            "legal_advisor" => vec![200, 200, 200, 403, 200, 200, 200, 403, 403, 200, 200, 200, 200, 201, 200, 403],
            _ => unreachable!(),
        }
    };
    for (role, who) in
        [("coordinator", &team.coordinator), ("case_worker", &team.case_worker), ("legal_advisor", &team.legal_advisor)]
    {
        // A fresh case each time, so every role starts from the same state.
        let (own, own_consent) = setup(&app, &team.case_worker, "milano", &team.coordinator).await;
        assert_eq!(statuses(&app, who, &own, &own_consent).await, expected_own(role), "{role} on its own district");
        let foreign = statuses(&app, who, &bergamo, &bergamo_consent).await;
        let expected_foreign: Vec<u16> = expected_own(role)
            .iter()
            .enumerate()
            .map(|(i, s)| {
                if [0, 9].contains(&i) {
                    200
                } else if *s == 403 {
                    403
                } else {
                    404
                }
            })
            .collect();
        assert_eq!(foreign, expected_foreign, "{role} on another district");
        // The lists hold only their district.
        let list = app.get("/api/v1/cases").token(&who.access_token).send().await;
        assert!(list.body["items"].as_array().unwrap().iter().all(|c| c["district"] == "milano"), "{role}");
        let people = app.get("/api/v1/beneficiaries").token(&who.access_token).send().await;
        assert!(people.body["items"].as_array().unwrap().iter().all(|b| b["district"] == "milano"), "{role}");
    }
    // And Bergamo's coordinator the other way round.
    let foreign = statuses(&app, &team.bergamo_coordinator, &milano, &milano_consent).await;
    assert_eq!(foreign, vec![200, 404, 404, 404, 404, 404, 404, 404, 404, 200, 404, 404, 404, 404, 404, 404]);
}

#[actix_web::test]
async fn outreach_workers_see_only_alias_channel_and_status_of_their_own_interceptions() {
    let app = TestApp::new().await;
    let team = app.team().await;
    let own = app
        .post("/api/v1/cases")
        .token(&team.outreach.access_token)
        .json(&json!({"beneficiary": {"alias": "Night shift", "first_name": "Yusuf", "phone": "+39 320 0000000"}, "district": "milano", "channel": "street_outreach", "intercepted_at": days_ago(2)}))
        .send()
        .await;
    assert_eq!(own.status, 201, "{}", own.body);
    let keys: Vec<&str> = own.body.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(keys, ["alias", "channel", "id", "intercepted_at", "status", "view"]);
    assert_eq!(own.body["view"], "interception", "a client tells the views apart by `view`");
    // The phone as given or normalised; not "320" alone, which a random id may hold.
    let leaked = ["Yusuf", "+39", "320 0000000", "3200000000"].iter().any(|shown| own.text().contains(shown));
    assert!(!leaked, "{}", own.text());

    let (own_full, own_consent) = {
        let full = app
            .get(&format!("/api/v1/cases/{}", own.str("id")))
            .token(&team.coordinator.access_token)
            .send()
            .await
            .body;
        let consent = app
            .post(&format!("/api/v1/beneficiaries/{}/consents", full["beneficiary"]["id"].as_str().unwrap()))
            .token(&team.coordinator.access_token)
            .json(&json!({"kind": "privacy_notice", "given_on": "2026-03-01", "method": "oral", "language": "ar"}))
            .send()
            .await;
        (full, consent.str("id").to_string())
    };
    let (theirs, their_consent) = setup(&app, &team.other_outreach, "milano", &team.coordinator).await;

    // Own interception: list and read (reduced view); nothing else.
    let got = statuses(&app, &team.outreach, &own_full, &own_consent).await;
    assert_eq!(got, vec![200, 200, 403, 403, 403, 403, 403, 403, 403, 403, 403, 403, 403, 403, 403, 403]);
    let read = app.get(&format!("/api/v1/cases/{}", own.str("id"))).token(&team.outreach.access_token).send().await;
    assert_eq!(read.body, own.body);
    // Another outreach worker's interception in the same district: not found.
    let got = statuses(&app, &team.outreach, &theirs, &their_consent).await;
    assert_eq!(got, vec![200, 404, 403, 403, 403, 403, 403, 403, 403, 403, 403, 403, 403, 403, 403, 403]);
    let list = app.get("/api/v1/cases").token(&team.outreach.access_token).send().await;
    let items = list.body["items"].as_array().unwrap();
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["id"], own.body["id"]);
    assert!(items[0].get("beneficiary").is_none());

    // A new interception of someone they met before is allowed; of someone else, not.
    let again = json!({"beneficiary_id": own_full["beneficiary"]["id"], "district": "milano", "channel": "street_outreach", "intercepted_at": days_ago(1)});
    assert_eq!(app.post("/api/v1/cases").token(&team.outreach.access_token).json(&again).send().await.status, 201);
    let other = json!({"beneficiary_id": theirs["beneficiary"]["id"], "district": "milano", "channel": "street_outreach", "intercepted_at": days_ago(1)});
    let reply = app.post("/api/v1/cases").token(&team.outreach.access_token).json(&other).send().await;
    assert_eq!(reply.field_errors(), [("beneficiary_id".to_string(), "unknown_beneficiary".to_string())]);
}

#[actix_web::test]
async fn a_network_manager_works_the_network_of_its_districts_and_sees_no_person() {
    let app = TestApp::new().await;
    let team = app.team().await;
    let region = crate::support::REGION_ID;
    let manager = app.user("network_manager", region, &["milano"]).await;
    let bergamo_manager = app.user("network_manager", region, &["bergamo"]).await;
    let (case, consent) = setup(&app, &team.case_worker, "milano", &team.coordinator).await;

    // No case, no person, no figures, no audit trail, no notes.
    let got = statuses(&app, &manager, &case, &consent).await;
    assert!(got.iter().all(|s| *s == 403), "{got:?}");
    let case_id = case["id"].as_str().unwrap();
    for path in [
        "/api/v1/reports/indicators".to_string(),
        "/api/v1/exports/cases".to_string(),
        "/api/v1/audit".to_string(),
        "/api/v1/alerts".to_string(),
        "/api/v1/referrals".to_string(),
        format!("/api/v1/cases/{case_id}/notes"),
        format!("/api/v1/cases/{case_id}/referrals"),
    ] {
        app.get(&path).token(&manager.access_token).send().await.problem(403);
    }
    let intercept = json!({"beneficiary": {"alias": "x"}, "district": "milano", "channel": "self_referral", "intercepted_at": days_ago(1)});
    app.post("/api/v1/cases").token(&manager.access_token).json(&intercept).send().await.problem(403);

    // The network services of its districts, and no others.
    let ets = app.organization("Rete Milano Sud", "ets", &["milano"]).await;
    let service = |areas: &[&str]| json!({"organization_id": ets, "name": "Sportello casa", "categories": ["orientation_housing"], "service_areas": areas, "status": "active"});
    let created =
        app.post("/api/v1/network/services").token(&manager.access_token).json(&service(&["milano"])).send().await;
    assert_eq!(created.status, 201, "{}", created.body);
    let wider = app
        .post("/api/v1/network/services")
        .token(&manager.access_token)
        .json(&service(&["milano", "desio"]))
        .send()
        .await;
    wider.problem(403);
    assert_eq!(app.get("/api/v1/network/services").token(&manager.access_token).send().await.status, 200);

    // The territorial pacts of its districts.
    let pact = json!({"title": "Patto di rete", "status": "drafting", "signatories": [ets]});
    let signed = app.post("/api/v1/districts/milano/pacts").token(&manager.access_token).json(&pact).send().await;
    assert_eq!(signed.status, 201, "{}", signed.body);
    app.post("/api/v1/districts/bergamo/pacts").token(&manager.access_token).json(&pact).send().await.problem(403);

    // Activities: network meetings, trainings, outreach of its districts.
    let meeting = json!({"district": "milano", "kind": "operator_training", "held_on": "2026-02-20", "participants": {"female": 6, "male": 4}, "contacts_made": 0});
    let recorded = app.post("/api/v1/activities").token(&manager.access_token).json(&meeting).send().await;
    assert_eq!(recorded.status, 201, "{}", recorded.body);
    let mut elsewhere = meeting.clone();
    elsewhere["district"] = json!("bergamo");
    let refused = app.post("/api/v1/activities").token(&manager.access_token).json(&elsewhere).send().await;
    assert!([403, 422].contains(&refused.status), "{}", refused.body);
    let listed = app.get("/api/v1/activities").token(&manager.access_token).send().await;
    assert_eq!(listed.body["items"].as_array().map(Vec::len), Some(1), "{}", listed.body);

    // The district's referrals: organisation, status, dates, case and alias; never the reason.
    let (referred_case, beneficiary) =
        app.case_in_charge(&team, json!({"alias": "Seguito in rete", "first_name": "Amina", "citizenships": ["PK"], "permit": {"kind": "work", "expires_on": "2027-01-01"}})).await;
    let referral = app
        .post(&format!("/api/v1/cases/{referred_case}/referrals"))
        .token(&team.case_worker.access_token)
        .json(&json!({"to_organization_id": ets, "category": "orientation_housing", "reason": "Sfratto imminente in via Padova", "joint_intake": false}))
        .send()
        .await;
    assert_eq!(referral.status, 201, "{}", referral.body);
    let followed = app.get("/api/v1/network/referrals").token(&manager.access_token).send().await;
    assert_eq!(followed.status, 200, "{}", followed.body);
    let items = followed.body["items"].as_array().cloned().unwrap_or_default();
    assert_eq!(items.len(), 1, "{}", followed.body);
    let mut keys: Vec<&str> = items[0].as_object().unwrap().keys().map(String::as_str).collect();
    keys.sort_unstable();
    assert_eq!(
        keys,
        [
            "beneficiary_alias",
            "case_id",
            "category",
            "created_at",
            "district",
            "id",
            "joint_intake",
            "network_service_id",
            "sent_at",
            "status",
            "steps",
            "to_organization_id",
            "updated_at"
        ]
    );
    assert_eq!(items[0]["beneficiary_alias"], "Seguito in rete");
    assert_eq!(items[0]["case_id"], referred_case.as_str());
    assert_eq!(items[0]["steps"][0]["to"], "proposed");
    for secret in ["Sfratto", "Padova", "Amina"] {
        assert!(!followed.text().contains(secret), "{secret} leaked: {}", followed.body);
    }
    // Another district's manager follows none of them; the case team uses its own list.
    let other = app.get("/api/v1/network/referrals").token(&bergamo_manager.access_token).send().await;
    assert_eq!(other.body["items"], json!([]));
    app.get("/api/v1/network/referrals").token(&team.case_worker.access_token).send().await.problem(403);
    app.get("/api/v1/network/referrals").token(&team.partner.access_token).send().await.problem(403);
    // Following names the person: the access log shows it.
    let log = app
        .get(&format!("/api/v1/beneficiaries/{beneficiary}/access-log"))
        .token(&team.coordinator.access_token)
        .send()
        .await;
    assert!(
        log.body["items"].as_array().into_iter().flatten().any(|e| e["actor_role"] == "network_manager"),
        "{}",
        log.body
    );
}

/// What a role gets from every endpoint about a case and person of another district.
fn foreign(role: &str) -> Vec<u16> {
    match role {
        "coordinator" => vec![200, 404, 404, 404, 404, 404, 404, 404, 404, 200, 404, 404, 404, 404, 404, 404],
        "case_worker" => vec![200, 404, 404, 404, 404, 404, 404, 403, 403, 200, 404, 404, 404, 404, 404, 403],
        _ => unreachable!(),
    }
}

#[actix_web::test]
async fn a_transfer_opens_nothing_before_acceptance_and_leaves_only_history_behind() {
    let app = TestApp::new().await;
    let team = app.team().await;
    let person = json!({"alias": "Moving", "first_name": "Amina", "last_name": "Diallo", "birth_year": 1994, "citizenships": ["SN"]});
    let (case, consent) = setup_person(&app, &team.case_worker, "milano", &team.coordinator, person.clone()).await;
    let bergamo = [("coordinator", &team.bergamo_coordinator), ("case_worker", &team.bergamo_case_worker)];
    let milano = [("coordinator", &team.coordinator), ("case_worker", &team.case_worker)];

    let refused =
        app.post("/api/v1/beneficiaries").token(&team.bergamo_case_worker.access_token).json(&person).send().await;
    let token = refused.problem(409)["elsewhere"][0]["match_token"].as_str().expect("a token").to_string();
    let asked = app
        .post("/api/v1/transfers")
        .token(&team.bergamo_case_worker.access_token)
        .json(&json!({"match_token": token, "reason": "lives in Bergamo now"}))
        .send()
        .await;
    assert_eq!(asked.status, 201, "{}", asked.body);
    // Asked, not answered: Bergamo reaches nothing of the person.
    for (role, who) in bergamo {
        assert_eq!(statuses(&app, who, &case, &consent).await, foreign(role), "{role} of Bergamo, before acceptance");
    }
    let accepted = app
        .post(&format!("/api/v1/transfers/{}/transitions", asked.str("id")))
        .token(&team.coordinator.access_token)
        .if_match(1)
        .json(&json!({"to": "accepted", "consent": {"granted": true, "given_on": &days_ago(0)[..10], "method": "written", "language": "fr"}}))
        .send()
        .await;
    assert_eq!(accepted.status, 200, "{}", accepted.body);

    // Milano keeps its case to read, changes nothing, and no longer reaches the person.
    let history = |role: &str| -> Vec<u16> {
        match role {
            "coordinator" => vec![200, 200, 409, 409, 200, 200, 200, 409, 409, 200, 404, 404, 404, 404, 404, 404],
            "case_worker" => vec![200, 200, 409, 409, 200, 200, 200, 403, 403, 200, 404, 404, 404, 404, 404, 403],
            _ => unreachable!(),
        }
    };
    for (role, who) in milano {
        assert_eq!(statuses(&app, who, &case, &consent).await, history(role), "{role} of Milano, after acceptance");
    }
    // Bergamo holds the person (their consents and access log too), not Milano's case.
    let holder = |role: &str| -> Vec<u16> {
        match role {
            "coordinator" => vec![200, 404, 404, 404, 404, 404, 404, 404, 404, 200, 200, 200, 200, 201, 200, 200],
            "case_worker" => vec![200, 404, 404, 404, 404, 404, 404, 403, 403, 200, 200, 200, 200, 201, 200, 403],
            _ => unreachable!(),
        }
    };
    for (role, who) in bergamo {
        // A fresh consent each time: the first caller withdraws it.
        let fresh = app
            .post(&format!("/api/v1/beneficiaries/{}/consents", case["beneficiary"]["id"].as_str().unwrap()))
            .token(&team.bergamo_coordinator.access_token)
            .json(&json!({"kind": "privacy_notice", "given_on": &days_ago(0)[..10], "method": "written", "language": "it"}))
            .send()
            .await;
        assert_eq!(fresh.status, 201, "{}", fresh.body);
        assert_eq!(
            statuses(&app, who, &case, fresh.str("id")).await,
            holder(role),
            "{role} of Bergamo, after acceptance"
        );
    }
}

#[actix_web::test]
async fn emergency_access_opens_one_record_to_read_and_nothing_after_a_day() {
    let app = TestApp::new().await;
    let team = app.team().await;
    let person = json!({"alias": "Urgent", "first_name": "Samir", "last_name": "Benali", "birth_year": 1988, "citizenships": ["DZ"]});
    let (case, consent) = setup_person(&app, &team.case_worker, "milano", &team.coordinator, person.clone()).await;
    let beneficiary = case["beneficiary"]["id"].as_str().unwrap();
    let bergamo = &team.bergamo_coordinator;
    app.post("/api/v1/beneficiaries").token(&bergamo.access_token).json(&person).send().await.problem(409);
    let opened = app
        .post(&format!("/api/v1/beneficiaries/{beneficiary}/emergency-access"))
        .token(&bergamo.access_token)
        .json(&json!({"reason": "protection referral tonight"}))
        .send()
        .await;
    assert_eq!(opened.status, 201, "{}", opened.body);
    let mut during = foreign("coordinator");
    during[10] = 200;
    assert_eq!(statuses(&app, bergamo, &case, &consent).await, during, "during the access: the record, read-only");
    // Its day over (the clock of the test's other sessions stays where it is).
    assert_eq!(app.execute_sql("UPDATE emergency_accesses SET expires_at = opened_at").await, 1);
    assert_eq!(statuses(&app, bergamo, &case, &consent).await, foreign("coordinator"), "after a day: nothing");
}
