//! The `inlav` command line: settings errors, migrate, user creation, the spec.
//! These are plain tests: each command runs its own runtime.

use diesel::RunQueryDsl;
use serde_json::{Value, json};

use crate::support::{ADMIN_EMAIL, ADMIN_PASSWORD, TestApp, TestDb, run_cli};

#[test]
fn openapi_prints_the_spec() {
    let (code, out, _) = run_cli(&["openapi"], &Default::default(), "");
    assert_eq!(code, 0);
    assert_eq!(out, api::server::spec_json());
}

#[test]
fn bad_settings_stop_with_a_one_line_reason() {
    let cases = [
        (vec![("DATABASE_URL", "mysql://root@localhost/inlav")], "inlav: DATABASE_URL: unsupported scheme `mysql`", 2),
        (vec![("INLAV_BIND", "everywhere")], "inlav: INLAV_BIND:", 2),
        (vec![("INLAV_JWT_SECRET", "too-short")], "inlav: INLAV_JWT_SECRET: too short", 2),
        (vec![("INLAV_LOG", "info,[")], "inlav: INLAV_LOG:", 2),
        (
            vec![("DATABASE_URL", "postgres://postgres@127.0.0.1:1/inlav")],
            "inlav: database postgres://postgres@127.0.0.1:1/inlav:",
            1,
        ),
    ];
    for (env, expected, expected_code) in cases {
        let env = env.into_iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        for command in [vec!["migrate"], vec!["serve"], vec![]] {
            let (code, _, err) = run_cli(&command, &env, "");
            assert_eq!(code, expected_code, "{command:?}: {err}");
            assert!(err.starts_with(expected), "{command:?}: {err}");
            assert_eq!(err.trim_end().lines().count(), 1, "{err}");
        }
    }
}

#[test]
fn migrate_applies_the_migrations_once() {
    let db = TestDb::new();
    let (code, out, err) = run_cli(&["migrate"], &db.env(), "");
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("up to date"), "{out}");
    let (code, _, err) = run_cli(&["migrate"], &db.env(), "");
    assert_eq!(code, 0, "{err}");
}

#[test]
fn migrate_check_says_what_an_upgrade_would_apply_and_an_older_binary_is_refused() {
    let db = TestDb::new();
    let (code, out, _) = run_cli(&["migrate", "--check"], &db.env(), "");
    assert_eq!(code, 3, "a new database lacks every migration: {out}");
    assert!(out.contains("2026-11-24-000001_foundation") && out.contains("webhooks"), "{out}");
    assert_eq!(run_cli(&["migrate"], &db.env(), "").0, 0);
    let (code, out, _) = run_cli(&["migrate", "--check"], &db.env(), "");
    assert_eq!((code, out.contains("up to date")), (0, true), "{out}");

    // A newer binary migrated the database: this one refuses to start, to migrate or to check.
    let url = persistence::DatabaseUrl::parse(&db.env()["DATABASE_URL"]).expect("a URL");
    let pool = persistence::db::connect(url, persistence::PoolSettings::default()).expect("connect");
    let mut conn = pool.get().expect("a connection");
    diesel::sql_query("INSERT INTO __diesel_schema_migrations (version) VALUES ('29991231000001')")
        .execute(&mut *conn)
        .expect("a migration from the future");
    for command in [vec!["migrate", "--check"], vec!["migrate"], vec!["serve"]] {
        let (code, _, err) = run_cli(&command, &db.env(), "");
        assert_eq!(code, 1, "{command:?}");
        assert!(err.contains("migrated by a newer inlav") && err.contains("29991231000001"), "{command:?}: {err}");
    }
}

#[test]
fn user_create_reads_the_password_from_stdin_or_generates_one() {
    let db = TestDb::new();
    let env = db.env();
    // The test app logs in as this admin; with users present, no admin is bootstrapped.
    admin_first(&env);
    let (code, out, err) = run_cli(
        &[
            "user",
            "create",
            "--email",
            "Coord@PUA.test",
            "--name",
            "Coordinatrice",
            "--role",
            "district_coordinator",
            "--organization",
            "regione lombardia",
            "--district",
            "milano,bergamo",
            "--password-stdin",
        ],
        &env,
        "a-password-from-stdin\n",
    );
    assert_eq!(code, 0, "{err}");
    let created: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(created["email"], "coord@pua.test");
    assert_eq!(created["districts"], json!(["bergamo", "milano"]));
    assert!(created.get("generated_password").is_none());

    let (code, out, err) = run_cli(
        &[
            "user",
            "create",
            "--email",
            "eval@pua.test",
            "--name",
            "Valutatrice",
            "--role",
            "evaluator",
            "--organization",
            "01900000-0000-7000-8000-000000000003",
        ],
        &env,
        "",
    );
    assert_eq!(code, 0, "{err}");
    let generated: Value = serde_json::from_str(&out).unwrap();
    let password = generated["generated_password"].as_str().unwrap().to_string();

    let runtime = actix_web::rt::System::new();
    runtime.block_on(async move {
        let app = TestApp::on(db).await;
        app.login("coord@pua.test", "a-password-from-stdin").await;
        app.login("eval@pua.test", &password).await;
    });
}

#[test]
fn user_create_explains_what_is_wrong() {
    let db = TestDb::new();
    let env = db.env();
    let base = ["user", "create", "--email", "x@pua.test", "--name", "X"];
    let run = |extra: &[&str], stdin: &str| {
        let args: Vec<&str> = base.iter().chain(extra).copied().collect();
        run_cli(&args, &env, stdin)
    };
    let (code, _, err) = run(&["--role", "boss", "--organization", "x"], "");
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("unknown roles code `boss`"), "{err}");

    let (code, _, err) = run(&["--role", "evaluator", "--organization", "Nessuno"], "");
    assert_eq!(code, 1);
    assert!(err.contains("--organization: no organisation"), "{err}");

    let (code, _, err) = run(&["--role", "case_worker", "--organization", "Regione Lombardia"], "");
    assert_eq!(code, 1);
    assert!(err.contains("--district:"), "{err}");

    let (code, _, err) =
        run(&["--role", "evaluator", "--organization", "Regione Lombardia", "--password-stdin"], "short\n");
    assert_eq!(code, 1);
    assert!(err.contains("--password:"), "{err}");

    let (code, _, err) = run(&["--role", "evaluator", "--organization", "Regione Lombardia", "--password-stdin"], "");
    assert_eq!(code, 1);
    assert!(err.contains("no password"), "{err}");
}

/// Creates the admin the test app logs in as, before other users exist.
fn admin_first(env: &std::collections::HashMap<String, String>) {
    let args = [
        "user",
        "create",
        "--email",
        ADMIN_EMAIL,
        "--name",
        "Admin",
        "--role",
        "admin",
        "--organization",
        "Regione Lombardia",
    ];
    let (code, _, err) = run_cli(&[&args[..], &["--password-stdin"]].concat(), env, &format!("{ADMIN_PASSWORD}\n"));
    assert_eq!(code, 0, "{err}");
}

#[test]
fn seed_demo_fills_an_empty_database_with_known_users_and_200_cases() {
    let db = TestDb::new();
    let env = db.env();
    admin_first(&env);
    let (code, out, err) = run_cli(&["seed", "--demo"], &env, "");
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("seeded 200 cases"), "{out}");
    assert!(out.contains(&format!("password: {}", api::cli::DEMO_PASSWORD)), "{out}");
    for role in [
        "admin",
        "district_coordinator",
        "case_worker",
        "legal_advisor",
        "outreach_worker",
        "regional_coordinator",
        "evaluator",
        "partner",
    ] {
        assert!(out.lines().any(|l| l.trim_start().starts_with(role)), "{role} in {out}");
    }
    let (code, _, err) = run_cli(&["seed", "--demo"], &env, "");
    assert_eq!(code, 1, "a second demo is refused");
    assert!(err.contains("already holds cases"), "{err}");

    actix_web::rt::System::new().block_on(async move {
        let app = TestApp::on(db).await;
        let coordinator = app.login("coordinatore.milano@demo.inlav.local", api::cli::DEMO_PASSWORD).await;
        let cases = app.get("/api/v1/cases?limit=200").token(&coordinator.access_token).send().await;
        assert_eq!(cases.status, 200);
        let items = cases.body["items"].as_array().unwrap();
        assert!(items.len() > 30, "Milano holds about a third of 200: {}", items.len());
        // Every generated case reads back through the API, with its timeline.
        for case in items.iter().take(25) {
            let path = format!("/api/v1/cases/{}", case["id"].as_str().unwrap());
            for suffix in ["", "/events", "/services", "/referrals", "/notes"] {
                let reply = app.get(&format!("{path}{suffix}")).token(&coordinator.access_token).send().await;
                assert_eq!(reply.status, 200, "{path}{suffix}: {}", reply.body);
            }
        }
        let partner = app.login("partner@demo.inlav.local", api::cli::DEMO_PASSWORD).await;
        assert_eq!(app.get("/api/v1/referrals").token(&partner.access_token).send().await.status, 200);
        // The demo's administrator manages accounts.
        let admin = app.login("admin@demo.inlav.local", api::cli::DEMO_PASSWORD).await;
        assert_eq!(app.get("/api/v1/users").token(&admin.access_token).send().await.status, 200);
    });
}

#[test]
fn seed_synthetic_writes_n_cases_in_the_programmes_proportions() {
    let db = TestDb::new();
    let env = db.env();
    admin_first(&env);
    let (code, out, err) = run_cli(&["seed", "--synthetic", "1500", "--seed", "7"], &env, "");
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("seeded 1500 cases"), "{out}");
    actix_web::rt::System::new().block_on(async move {
        let app = TestApp::on(db).await;
        let regional = app.user("regional_coordinator", crate::support::REGION_ID, &[]).await;
        let report = app
            .get("/api/v1/reports/indicators?from=2020-01-01&to=2030-12-31")
            .token(&regional.access_token)
            .send()
            .await;
        assert_eq!(report.status, 200, "{}", report.body);
        let total = &report.body["total"];
        assert_eq!(total["people_intercepted"]["total"]["count"], 1500);
        // The information the protection costs, in the programme's proportions (README).
        eprintln!("withholding at 1500 cases: {}", report.body["withholding"]);
        let male = total["people_intercepted"]["male"]["count"].as_i64().unwrap();
        assert!((1260..=1425).contains(&male), "about 90% men: {male}");
        // The few of other genders are withheld for the Region; with the total and the men
        // published, the women go with them, or they could be worked out.
        let (female, other) = (&total["people_intercepted"]["female"], &total["people_intercepted"]["other"]);
        match female["count"].as_i64() {
            Some(female) => assert!((75..=240).contains(&female), "about 10% women: {female}"),
            None => assert_eq!(other["suppressed"], true, "women withheld as a complement: {other}"),
        }
        let districts_with_cases = report.body["districts"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|d| d["people_intercepted"]["total"]["count"] != 0)
            .count();
        assert_eq!(districts_with_cases, 12);
        let in_charge_or_closed = total["people_taken_in_charge"]["total"]["count"].as_i64().unwrap();
        assert!(in_charge_or_closed > 600, "most cases were taken in charge: {in_charge_or_closed}");
        let countries = total["countries"].as_array().unwrap();
        assert_eq!(countries[0]["code"], "PK", "the main country of origin first: {countries:?}");
        let services = total["services_by_category"].as_array().unwrap();
        assert!(services.iter().map(|s| s["count"].as_i64().unwrap_or(0)).sum::<i64>() > 1500);

        // The research export of the same data: every row shared by five people.
        let evaluator = app.user("evaluator", crate::support::REGION_ID, &[]).await;
        let path = "/api/v1/exports/cases?from=2020-01-01&to=2030-12-31";
        let reply = app.get(path).token(&evaluator.access_token).send().await;
        assert_eq!(reply.status, 200, "{}", reply.text());
        let header = reply.header("inlav-anonymity").expect("InLav-Anonymity").to_string();
        // The information the export gives up, in the programme's proportions (README).
        eprintln!("research export of 1500 cases: {header}");
        let rows: Vec<Value> = reply.text().lines().map(|l| serde_json::from_str(l).expect("a JSON line")).collect();
        let anonymity = crate::support::anonymity_of(&header);
        assert!(rows.len() > 1200, "all but those who refused research use: {}", rows.len());
        assert_eq!(anonymity["rows"], rows.len().to_string());
        let smallest = crate::support::smallest_class(&rows);
        assert!(smallest >= 5, "a row shared by {smallest} people");
        assert_eq!(anonymity["smallest_class"], smallest.to_string());
        let in_their_district = rows.iter().filter(|r| r["district"] != "other").count();
        assert!(in_their_district * 100 >= rows.len() * 90, "districts are kept: {header}");

        // As a workbook: the rows on a first sheet, how they were anonymised on a second.
        let xlsx = app.get(&format!("{path}&format=xlsx")).token(&evaluator.access_token).send().await;
        assert_eq!(xlsx.status, 200);
        assert_eq!(xlsx.header("inlav-anonymity"), Some(header.as_str()));
        let mut archive = zip::ZipArchive::new(std::io::Cursor::new(&xlsx.bytes[..])).expect("an XLSX archive");
        let mut part = |name: &str| {
            let mut xml = String::new();
            std::io::Read::read_to_string(&mut archive.by_name(name).expect(name), &mut xml).expect(name);
            xml
        };
        let workbook = part("xl/workbook.xml");
        assert!(workbook.contains("name=\"Casi\"") && workbook.contains("name=\"Anonimizzazione\""), "{workbook}");
        assert_eq!(part("xl/worksheets/sheet1.xml").matches("<row ").count(), rows.len() + 1, "a header and the rows");
    });
}

#[test]
fn the_demo_seeds_research_export_is_k_anonymous() {
    let db = TestDb::new();
    let env = db.env();
    admin_first(&env);
    let (code, _, err) = run_cli(&["seed", "--demo"], &env, "");
    assert_eq!(code, 0, "{err}");
    actix_web::rt::System::new().block_on(async move {
        let app = TestApp::on(db).await;
        let evaluator = app.user("evaluator", crate::support::REGION_ID, &[]).await;
        let reply =
            app.get("/api/v1/exports/cases?from=2020-01-01&to=2030-12-31").token(&evaluator.access_token).send().await;
        assert_eq!(reply.status, 200, "{}", reply.text());
        let header = reply.header("inlav-anonymity").expect("InLav-Anonymity").to_string();
        eprintln!("research export of the demo seed: {header}");
        let rows: Vec<Value> = reply.text().lines().map(|l| serde_json::from_str(l).expect("a JSON line")).collect();
        assert!(rows.len() > 100, "{} rows", rows.len());
        assert!(crate::support::smallest_class(&rows) >= 5, "{header}");
    });
}
