//! Reports kept between requests: the same report is not counted again while nothing it counts
//! changed, every write that changes a figure shows in the next report, and a crowd asking for
//! a report not kept waits for one count instead of each taking a long read.

use serde_json::{Value, json};

use crate::support::{Reply, TestApp};

const YEAR: &str = "/api/v1/reports/indicators?from=2026-01-01&to=2026-12-31";
const MILANO_YEAR: &str = "/api/v1/reports/indicators?district=milano&from=2026-01-01&to=2026-12-31";

async fn ok(reply: Reply) -> Value {
    assert_eq!(reply.status, 200, "{}", reply.body);
    reply.body
}

fn milano(report: &Value) -> &Value {
    report["districts"].as_array().and_then(|d| d.iter().find(|d| d["district"] == "milano")).expect("milano's block")
}

/// Milano's work grants in `status`.
fn grants_in(report: &Value, status: &str) -> i64 {
    let grants = milano(report)["work_grants"].as_array().cloned().unwrap_or_default();
    grants.iter().find(|g| g["code"] == status).and_then(|g| g["count"].as_i64()).unwrap_or(0)
}

#[actix_web::test]
async fn a_report_names_its_version_and_a_client_holding_it_is_told_304() {
    let app = TestApp::new().await;
    let team = app.team().await;
    app.intercept(&team.case_worker, "milano", json!({"alias": "R1"})).await;
    let regional = team.regional.access_token.as_str();

    let first = app.get(YEAR).token(regional).send().await;
    assert_eq!(first.status, 200, "{}", first.body);
    let etag = first.header("etag").expect("an ETag").to_string();
    let again = app.get(YEAR).token(regional).send().await;
    assert_eq!(again.header("etag"), Some(etag.as_str()), "the same report, the same ETag");
    assert_eq!(again.body, first.body);

    for held in [etag.clone(), format!("W/{etag}"), format!("\"other\", {etag}")] {
        let reply = app.get(YEAR).token(regional).header("If-None-Match", &held).send().await;
        assert_eq!(reply.status, 304, "If-None-Match: {held}");
        assert_eq!(reply.header("etag"), Some(etag.as_str()));
    }
    // Another format is another document.
    let csv = app.get(&format!("{YEAR}&format=csv")).token(regional).header("If-None-Match", &etag).send().await;
    assert_eq!(csv.status, 200);
    assert_ne!(csv.header("etag"), Some(etag.as_str()));
    // The district's exact report of the same range is another document too.
    let exact = app.get(YEAR).token(&team.coordinator.access_token).header("If-None-Match", &etag).send().await;
    assert_eq!(exact.status, 200);

    // A new interception: to the Region the report is the same (1 and 2 are both withheld),
    // to the district a new one, and the ETag it held no longer matches.
    let coordinator = team.coordinator.access_token.as_str();
    let held = exact.header("etag").expect("an ETag").to_string();
    app.intercept(&team.case_worker, "milano", json!({"alias": "R2"})).await;
    assert_eq!(app.get(YEAR).token(regional).header("If-None-Match", &etag).send().await.status, 304);
    let changed = app.get(YEAR).token(coordinator).header("If-None-Match", &held).send().await;
    assert_eq!(changed.status, 200, "{}", changed.body);
    assert_ne!(changed.header("etag"), Some(held.as_str()));
    assert_eq!(changed.body["total"]["people_intercepted"]["total"]["count"], 2);
    // Asking is no right to read: a role without reports gets its 403, whatever it holds.
    app.get(YEAR).token(&team.partner.access_token).header("If-None-Match", "*").send().await.problem(403);
}

#[actix_web::test]
async fn every_write_to_a_figure_counted_from_its_rows_shows_in_the_next_report() {
    let app = TestApp::new().await;
    let team = app.team().await;
    let coordinator = team.coordinator.access_token.as_str();
    let before = ok(app.get(MILANO_YEAR).token(coordinator).send().await).await;
    assert_eq!(milano(&before)["activities"][0]["count"], 0, "{}", milano(&before)["activities"]);

    // An activity, then its participants changed.
    let activity = json!({"kind": "awareness_session", "held_on": "2026-02-10", "duration_minutes": 60, "location_label": "Piazza", "topics": ["prevention_irregular_work"], "participants": {"female": 3, "male": 2}});
    let created = app.post("/api/v1/activities").token(coordinator).json(&activity).send().await;
    assert_eq!(created.status, 201, "{}", created.body);
    let report = ok(app.get(MILANO_YEAR).token(coordinator).send().await).await;
    assert_eq!(milano(&report)["activities"][0]["participants"], 5);
    let mut more = activity.clone();
    more["participants"] = json!({"female": 7, "male": 2});
    let path = format!("/api/v1/activities/{}", created.str("id"));
    assert_eq!(app.patch(&path).token(coordinator).if_match(1).json(&more).send().await.status, 200);
    let report = ok(app.get(MILANO_YEAR).token(coordinator).send().await).await;
    assert_eq!(milano(&report)["activities"][0]["participants"], 9);

    // Targets for the year, then raised.
    let regional = team.regional.access_token.as_str();
    let targets = json!({"from": "2026-01-01", "to": "2026-12-31", "intercepted_min": 70, "intercepted_max": 100, "taken_in_charge_min": 30, "taken_in_charge_max": 50});
    let created = app.post("/api/v1/districts/milano/targets").token(regional).json(&targets).send().await;
    assert_eq!(created.status, 201, "{}", created.body);
    let report = ok(app.get(MILANO_YEAR).token(coordinator).send().await).await;
    assert_eq!(milano(&report)["people_intercepted"]["target_max"], 100);
    let mut raised = targets.clone();
    raised["intercepted_max"] = json!(120);
    let path = format!("/api/v1/districts/milano/targets/{}", created.str("id"));
    assert_eq!(app.patch(&path).token(regional).if_match(1).json(&raised).send().await.status, 200);
    let report = ok(app.get(MILANO_YEAR).token(coordinator).send().await).await;
    assert_eq!(milano(&report)["people_intercepted"]["target_max"], 120);

    // A work grant proposed, then approved.
    let celav = app.organization("CeLav", "municipal_service", &["milano"]).await;
    let person = json!({"alias": "W1", "municipality": "milano", "citizenships": ["EG"], "permit": {"kind": "work", "expires_on": "2027-01-01"}});
    let (case, _) = app.case_in_charge(&team, person).await;
    let grant = json!({"funder_organization_id": celav, "host_employer": "Cooperativa", "start_on": "2026-04-01", "end_on": "2026-09-30", "monthly_amount_cents": 50000, "hours_per_week": 20});
    let grants = format!("/api/v1/cases/{case}/work-grants");
    let created = app.post(&grants).token(&team.case_worker.access_token).json(&grant).send().await;
    assert_eq!(created.status, 201, "{}", created.body);
    let report = ok(app.get(MILANO_YEAR).token(coordinator).send().await).await;
    assert_eq!(grants_in(&report, "proposed"), 1, "{}", milano(&report)["work_grants"]);
    let approve = format!("{grants}/{}/transitions", created.str("id"));
    let reply = app.post(&approve).token(coordinator).if_match(1).json(&json!({"to": "approved"})).send().await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    let report = ok(app.get(MILANO_YEAR).token(coordinator).send().await).await;
    assert_eq!(grants_in(&report, "approved"), 1, "{}", milano(&report)["work_grants"]);
    assert_eq!(grants_in(&report, "proposed"), 0, "{}", milano(&report)["work_grants"]);
}

#[actix_web::test]
async fn a_crowd_asking_for_a_report_not_kept_waits_for_one_count() {
    // One long read at a time and four waiting: a crowd of twenty counting each for itself
    // would have fifteen refused with 503.
    let app = TestApp::with_settings(&[("INLAV_LONG_READS", "1")]).await;
    let team = app.team().await;
    for alias in ["C1", "C2", "C3"] {
        app.intercept(&team.case_worker, "milano", json!({"alias": alias})).await;
    }
    let regional = team.regional.access_token.as_str();
    let crowd = (0..20).map(|_| app.get(YEAR).token(regional).send());
    let replies = futures_util::future::join_all(crowd).await;
    let statuses: Vec<(u16, String)> =
        replies.iter().map(|reply| (reply.status, reply.body["code"].to_string())).collect();
    assert!(statuses.iter().all(|(status, _)| *status == 200), "{statuses:?}");
    let etags: std::collections::BTreeSet<Option<&str>> = replies.iter().map(|reply| reply.header("etag")).collect();
    assert_eq!(etags.len(), 1, "one report: {etags:?}");
}
