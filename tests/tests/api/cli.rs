//! The `inlav` command line: settings errors, migrate, user creation, the spec.
//! These are plain tests: each command runs its own runtime.

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
fn user_create_reads_the_password_from_stdin_or_generates_one() {
    let db = TestDb::new();
    let env = db.env();
    // The test app logs in as this admin; with users present, no admin is bootstrapped.
    let (code, _, err) = run_cli(
        &[
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
            "--password-stdin",
        ],
        &env,
        &format!("{ADMIN_PASSWORD}\n"),
    );
    assert_eq!(code, 0, "{err}");
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
