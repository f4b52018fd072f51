//! The Milan PUA's table from the programme's slides ("Profili e bisogni dei beneficiari, da
//! maggio a novembre 2025"): intercepted 122 men and 16 women, 138 against a target of 70–100;
//! taken in charge 55 and 12, 67 against 30–50. Reproduced through the API, then one person is
//! intercepted again: the people figures stay, the cases opened move.

use chrono::{DateTime, Duration, Utc};
use serde_json::{Value, json};

use crate::support::{Session, TestApp};

const COUNTRIES: [&str; 7] = ["BD", "PK", "EG", "UA", "MA", "NG", "AL"];

fn may_2025() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2025-05-02T08:00:00Z").map(|t| t.with_timezone(&Utc)).unwrap_or_default()
}

async fn created(app: &TestApp, who: &Session, path: &str, body: Value) -> Value {
    let reply = app.post(path).token(&who.access_token).json(&body).send().await;
    assert_eq!(reply.status, 201, "{path}: {}", reply.body);
    reply.body
}

async fn report(app: &TestApp, who: &Session, format: &str) -> crate::support::Reply {
    let path = format!("/api/v1/reports/indicators?from=2025-05-01&to=2025-11-30&district=milano{format}");
    let reply = app.get(&path).token(&who.access_token).send().await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    reply
}

#[actix_web::test]
async fn the_milan_table_counts_people_and_judges_the_targets() {
    let app = TestApp::new().await;
    let team = app.team().await;
    // The targets of the period (70–100 and 30–50) come with the reference data.
    let worker = &team.case_worker;
    let mut first_person = None;
    for i in 0..138usize {
        let gender = if i < 122 { "male" } else { "female" };
        let taken_in_charge = i < 55 || (122..134).contains(&i);
        let intercepted_at = may_2025() + Duration::hours(36 * i as i64);
        let beneficiary = json!({
            "alias": format!("Beneficiario {i}"), "gender": gender, "citizenships": [COUNTRIES[i % 7]],
            "birth_year": 1985 + (i % 20) as i32, "permit": {"kind": "art18ter"}, "confirm_new": true,
        });
        let case = created(
            &app,
            worker,
            "/api/v1/cases",
            json!({"beneficiary": beneficiary, "district": "milano", "channel": "street_outreach", "intercepted_at": intercepted_at}),
        )
        .await;
        let (id, person) = (case["id"].as_str().unwrap_or_default(), case["beneficiary"]["id"].clone());
        first_person.get_or_insert(person.clone());
        if !taken_in_charge {
            continue;
        }
        let path = format!("/api/v1/cases/{id}");
        let changes = json!({"needs": ["job_placement"], "work": {"contract": "irregular"}, "case_worker_id": worker.id, "profile": "grey_work"});
        let reply = app.patch(&path).token(&worker.access_token).if_match(1).json(&changes).send().await;
        assert_eq!(reply.status, 200, "{}", reply.body);
        let on = intercepted_at.date_naive();
        let consent = json!({"kind": "privacy_notice", "given_on": on, "method": "written", "language": "it"});
        created(
            &app,
            worker,
            &format!("/api/v1/beneficiaries/{}/consents", person.as_str().unwrap_or_default()),
            consent,
        )
        .await;
        for (version, step) in [
            (2, json!({"to": "screening", "effective_at": intercepted_at + Duration::hours(1)})),
            (3, json!({"to": "taken_in_charge", "effective_at": intercepted_at + Duration::days(3)})),
        ] {
            let reply = app
                .post(&format!("{path}/transitions"))
                .token(&worker.access_token)
                .if_match(version)
                .json(&step)
                .send()
                .await;
            assert_eq!(reply.status, 200, "{}", reply.body);
        }
    }

    let check = |report: &Value, cases: i64| {
        let milano = &report["districts"][0];
        assert_eq!(milano["district"], "milano");
        for block in [milano, &report["total"]] {
            let intercepted = &block["people_intercepted"];
            let counts = ["male", "female", "total"].map(|k| intercepted[k]["count"].as_i64());
            assert_eq!(counts, [Some(122), Some(16), Some(138)], "{intercepted}");
            assert_eq!((intercepted["target_min"].as_i64(), intercepted["target_max"].as_i64()), (Some(70), Some(100)));
            assert_eq!(intercepted["target_status"], "above");
            assert_eq!(intercepted["target_share"], 1.971, "138 of a minimum of 70");
            let taken = &block["people_taken_in_charge"];
            let counts = ["male", "female", "total"].map(|k| taken[k]["count"].as_i64());
            assert_eq!(counts, [Some(55), Some(12), Some(67)], "{taken}");
            assert_eq!(taken["target_status"], "above");
            assert_eq!(block["cases_opened"]["count"], cases);
            let countries: i64 =
                block["countries"].as_array().into_iter().flatten().filter_map(|c| c["count"].as_i64()).sum();
            assert_eq!(countries, 138, "one citizenship each");
        }
    };
    check(&report(&app, &team.coordinator, "").await.body, 138);

    // The first person is intercepted again in November: a new case, the same person.
    let again = json!({"beneficiary_id": first_person, "district": "milano", "channel": "self_referral", "intercepted_at": "2025-11-10T09:00:00Z"});
    created(&app, worker, "/api/v1/cases", again).await;
    check(&report(&app, &team.coordinator, "").await.body, 139);
    check(&report(&app, &team.regional, "").await.body, 139);

    // The table an officer pastes: Italian labels, the targets judged.
    let csv = report(&app, &team.regional, "&format=csv").await.text();
    let row = |section: &str, item: &str| -> Vec<String> {
        csv.lines()
            .map(|line| line.split(',').map(str::to_string).collect::<Vec<_>>())
            .find(|cells| cells.first().is_some_and(|s| s == section) && cells.get(1).is_some_and(|i| i == item))
            .unwrap_or_else(|| panic!("no row {section} / {item} in {csv}"))
    };
    assert_eq!(row("Persone intercettate", "Uomini")[2..], ["122", "122"]);
    assert_eq!(row("Persone intercettate", "Donne")[2..], ["16", "16"]);
    assert_eq!(row("Persone intercettate", "Totale")[2..], ["138", "138"]);
    assert_eq!(row("Persone intercettate", "Rispetto agli obiettivi")[2..], ["sopra", "sopra"]);
    assert_eq!(row("Persone prese in carico", "Totale")[2..], ["67", "67"]);
    assert_eq!(row("Casi aperti", "Intercettazioni (una per caso)")[2..], ["139", "139"]);
    // Countries by their Italian names, as in the slides: "Bangladesh, Pakistan, Egitto, …".
    for (name, people) in
        [("Bangladesh", "20"), ("Pakistan", "20"), ("Egitto", "20"), ("Ucraina", "20"), ("Albania", "19")]
    {
        assert_eq!(row("Cittadinanza", name)[2..], [people, people], "{name}");
    }
    let json = report(&app, &team.regional, "").await.body;
    let egypt = json["total"]["countries"].as_array().into_iter().flatten().find(|c| c["code"] == "EG").cloned();
    assert_eq!(egypt.map(|c| (c["label_en"].clone(), c["label_it"].clone())), Some((json!("Egypt"), json!("Egitto"))));

    // For Excel with Italian settings: a byte-order mark, `;`, decimal commas.
    let excel = report(&app, &team.regional, "&format=csv&dialect=excel-it").await;
    assert_eq!(&excel.bytes[..3], [0xEF, 0xBB, 0xBF], "UTF-8 with a byte-order mark");
    let text = excel.text();
    assert!(text.contains("\r\nPersone intercettate;Totale;138;138\r\n"), "{text}");
    assert!(text.contains("Persone intercettate;Quota dell'obiettivo minimo;1,971;1,971\r\n"), "{text}");
    let reply =
        app.get("/api/v1/reports/indicators?format=csv&dialect=excel").token(&team.regional.access_token).send().await;
    assert_eq!(reply.field_errors(), [("dialect".to_string(), "unknown_dialect".to_string())]);
}

/// Cases opened in Bergamo per month of 2025, as the coordinator reads them.
async fn bergamo_cases_by_month(app: &TestApp, who: &Session) -> [i64; 3] {
    let mut counts = [0; 3];
    for (i, (from, to)) in [("2025-04-01", "2025-04-30"), ("2025-05-01", "2025-05-31"), ("2025-06-01", "2025-06-30")]
        .into_iter()
        .enumerate()
    {
        let path = format!("/api/v1/reports/indicators?from={from}&to={to}&district=bergamo");
        let reply = app.get(&path).token(&who.access_token).send().await;
        assert_eq!(reply.status, 200, "{}", reply.body);
        counts[i] = reply.body["total"]["cases_opened"]["count"].as_i64().unwrap_or(-1);
    }
    counts
}

#[actix_web::test]
async fn days_are_italian_calendar_days_unless_configured_otherwise() {
    for (settings, expected) in [(vec![], [0, 2, 1]), (vec![("INLAV_TIME_ZONE", "UTC")], [1, 2, 0])] {
        let app = TestApp::with_settings(&settings).await;
        let team = app.team().await;
        // 00:30 on 1 May in Rome (summer time, UTC+2); 23:30 on 31 May; 00:30 on 1 June.
        for (i, at) in ["2025-04-30T22:30:00Z", "2025-05-31T21:30:00Z", "2025-05-31T22:30:00Z"].into_iter().enumerate()
        {
            let beneficiary = json!({"alias": format!("Notte {i}"), "confirm_new": true});
            let body = json!({"beneficiary": beneficiary, "district": "bergamo", "channel": "street_outreach", "intercepted_at": at});
            created(&app, &team.bergamo_case_worker, "/api/v1/cases", body).await;
        }
        assert_eq!(bergamo_cases_by_month(&app, &team.bergamo_coordinator).await, expected, "{settings:?}");
    }
}
