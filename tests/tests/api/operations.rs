//! Running the service for years: backups taken under load and restored, the command line an
//! administrator's and an integration script's work is done with.

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use diesel::{Connection, RunQueryDsl, SqliteConnection};
use serde_json::{Value, json};

use crate::support::{ADMIN_EMAIL, REGION_ID, TestApp, TestDb, run_cli};

fn scratch_dir(name: &str) -> PathBuf {
    std::env::temp_dir().join(format!("inlav-{name}-{}", uuid::Uuid::now_v7().simple()))
}

/// A person to intercept, different each time.
fn person(n: usize) -> Value {
    json!({"alias": format!("Persona {n}")})
}

#[test]
fn a_backup_under_load_restores_every_write_acknowledged_before_it_began() {
    let source = TestDb::sqlite();
    let env = source.env();
    let backup_dir = scratch_dir("backup");
    let restored = TestDb::sqlite();
    let restored_env = restored.env();
    let before_backup: Vec<String> = actix_web::rt::System::new().block_on(async {
        let app = TestApp::on(source).await;
        let team = app.team().await;
        let acknowledged = RefCell::new(Vec::new());
        let stop = Cell::new(false);
        let backup_done = Arc::new(AtomicBool::new(false));
        let writes = async {
            let mut n = 0;
            while !stop.get() {
                let case = app.intercept(&team.case_worker, "milano", person(n)).await;
                acknowledged.borrow_mut().push(case["id"].as_str().unwrap().to_string());
                n += 1;
                // Let the other future run between writes.
                actix_web::rt::time::sleep(std::time::Duration::from_millis(1)).await;
            }
        };
        let backup = async {
            while acknowledged.borrow().len() < 20 {
                actix_web::rt::time::sleep(std::time::Duration::from_millis(5)).await;
            }
            let before = acknowledged.borrow().clone();
            let (done, env, dir) = (backup_done.clone(), env.clone(), backup_dir.clone());
            let thread = std::thread::spawn(move || {
                let result = run_cli(&["backup", "--to", dir.to_str().unwrap()], &env, "");
                done.store(true, Ordering::SeqCst);
                result
            });
            while !backup_done.load(Ordering::SeqCst) {
                actix_web::rt::time::sleep(std::time::Duration::from_millis(5)).await;
            }
            let during = acknowledged.borrow().len() - before.len();
            stop.set(true);
            let (code, out, err) = thread.join().unwrap();
            assert_eq!(code, 0, "{err}");
            assert!(out.contains("backup written"), "{out}");
            (before, during)
        };
        let ((), (before, during)) = futures_util::future::join(writes, backup).await;
        assert!(during > 0, "writes went on while the backup ran");
        before
    });
    let manifest: Value =
        serde_json::from_str(&std::fs::read_to_string(backup_dir.join("manifest.json")).unwrap()).unwrap();
    assert!(manifest["audit"]["entries"].as_i64().unwrap() > 0, "{manifest}");
    let names: Vec<&str> = manifest["files"].as_array().unwrap().iter().map(|f| f["name"].as_str().unwrap()).collect();
    assert!(names.contains(&"inlav.db") && names.contains(&"audit-key"), "{names:?}");

    let (code, out, err) = run_cli(&["restore", "--from", backup_dir.to_str().unwrap()], &restored_env, "");
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("audit chain verified"), "{out}");
    let (code, out, err) = run_cli(&["audit", "verify"], &restored_env, "");
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("audit chain intact"), "{out}");
    actix_web::rt::System::new().block_on(async {
        let app = TestApp::on(restored).await;
        let coordinator = app.user("district_coordinator", REGION_ID, &["milano"]).await;
        for id in &before_backup {
            let reply = app.get(&format!("/api/v1/cases/{id}")).token(&coordinator.access_token).send().await;
            assert_eq!(reply.status, 200, "case {id} acknowledged before the backup: {}", reply.body);
        }
    });
    let _ = std::fs::remove_dir_all(&backup_dir);
}

/// A backup of a database holding a few cases.
fn backup_of_a_few_cases() -> (TestDb, PathBuf) {
    let db = TestDb::sqlite();
    let env = db.env();
    let dir = scratch_dir("backup");
    let db = actix_web::rt::System::new().block_on(async move {
        let app = TestApp::on(db).await;
        let team = app.team().await;
        for n in 0..3 {
            let case = app.intercept(&team.case_worker, "milano", person(n)).await;
            let path = format!("/api/v1/cases/{}", case["id"].as_str().unwrap());
            assert_eq!(app.get(&path).token(&team.coordinator.access_token).send().await.status, 200);
        }
        app.into_db()
    });
    let (code, _, err) = run_cli(&["backup", "--to", dir.to_str().unwrap()], &env, "");
    assert_eq!(code, 0, "{err}");
    (db, dir)
}

fn copy_dir(from: &Path) -> PathBuf {
    let to = scratch_dir("altered");
    std::fs::create_dir_all(&to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), to.join(entry.file_name())).unwrap();
    }
    to
}

/// Restores `backup` into a fresh data directory; answers the exit code, the error, and whether
/// a database was left behind.
fn restore_into_fresh(backup: &Path) -> (u8, String, bool) {
    let target = TestDb::sqlite();
    let env = target.env();
    let (code, _, err) = run_cli(&["restore", "--from", backup.to_str().unwrap()], &env, "");
    let left = Path::new(&env["INLAV_DATA_DIR"]).join("inlav.db").exists();
    (code, err, left)
}

fn set_manifest_checksum(dir: &Path, name: &str) {
    let path = dir.join("manifest.json");
    let mut manifest: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    let bytes = std::fs::read(dir.join(name)).unwrap();
    use sha2::Digest;
    let sha = format!("{:x}", sha2::Sha256::digest(&bytes));
    for file in manifest["files"].as_array_mut().unwrap() {
        if file["name"] == name {
            file["sha256"] = json!(sha);
            file["bytes"] = json!(bytes.len());
        }
    }
    std::fs::write(&path, serde_json::to_vec_pretty(&manifest).unwrap()).unwrap();
}

#[test]
fn a_torn_or_altered_backup_is_refused_and_leaves_nothing_behind() {
    let (_db, backup) = backup_of_a_few_cases();
    let (code, err, _) = restore_into_fresh(&backup);
    assert_eq!(code, 0, "the untouched backup restores: {err}");

    // Torn: the database copy cut short.
    let torn = copy_dir(&backup);
    let bytes = std::fs::read(torn.join("inlav.db")).unwrap();
    std::fs::write(torn.join("inlav.db"), &bytes[..bytes.len() / 2]).unwrap();
    let (code, err, left) = restore_into_fresh(&torn);
    assert_eq!((code, left), (1, false), "{err}");
    assert!(err.contains("torn or was altered") && err.lines().count() == 1, "{err}");

    // Altered, the checksum fixed to match: an audit entry's district rewritten. The chain
    // catches it, and the half-restored database is removed.
    let altered = copy_dir(&backup);
    let mut conn = SqliteConnection::establish(altered.join("inlav.db").to_str().unwrap()).unwrap();
    let changed = diesel::sql_query("UPDATE audit_events SET district_code = 'bergamo' WHERE seq = 1")
        .execute(&mut conn)
        .unwrap();
    assert_eq!(changed, 1);
    drop(conn);
    set_manifest_checksum(&altered, "inlav.db");
    let (code, err, left) = restore_into_fresh(&altered);
    assert_eq!((code, left), (1, false), "{err}");
    assert!(err.contains("audit chain is broken"), "{err}");

    // The newest audit entries cut off, head moved back, checksum fixed: the manifest's signed
    // checkpoint still names the old head.
    let cut = copy_dir(&backup);
    let mut conn = SqliteConnection::establish(cut.join("inlav.db").to_str().unwrap()).unwrap();
    for statement in crate::support::CUT_NEWEST_AUDIT_ENTRY {
        diesel::sql_query(statement).execute(&mut conn).unwrap();
    }
    drop(conn);
    set_manifest_checksum(&cut, "inlav.db");
    let (code, err, left) = restore_into_fresh(&cut);
    assert_eq!((code, left), (1, false), "{err}");
    assert!(err.contains("audit chain"), "{err}");

    // A manifest whose checkpoint was changed is refused before anything is copied.
    let forged = copy_dir(&backup);
    let path = forged.join("manifest.json");
    let text =
        std::fs::read_to_string(&path).unwrap().replace("inlav-audit-checkpoint.v1.", "inlav-audit-checkpoint.v1.9");
    std::fs::write(&path, text).unwrap();
    let (code, err, left) = restore_into_fresh(&forged);
    assert_eq!((code, left), (1, false), "{err}");
    assert!(err.contains("checkpoint"), "{err}");

    // Nothing is overwritten: a data directory that holds a database is refused.
    let occupied = TestDb::sqlite();
    let env = occupied.env();
    std::fs::create_dir_all(&env["INLAV_DATA_DIR"]).unwrap();
    std::fs::write(Path::new(&env["INLAV_DATA_DIR"]).join("inlav.db"), b"precious").unwrap();
    let (code, _, err) = run_cli(&["restore", "--from", backup.to_str().unwrap()], &env, "");
    assert_eq!(code, 1);
    assert!(err.contains("empty data directory"), "{err}");
    assert_eq!(std::fs::read(Path::new(&env["INLAV_DATA_DIR"]).join("inlav.db")).unwrap(), b"precious");
    // Nor is a backup written into a directory that is not empty.
    let (code, _, err) = run_cli(&["backup", "--to", backup.to_str().unwrap()], &_db.env(), "");
    assert_eq!(code, 1);
    assert!(err.contains("not empty"), "{err}");
    for dir in [backup, torn, altered, cut, forged] {
        let _ = std::fs::remove_dir_all(dir);
    }
}

#[test]
fn help_lists_the_environment_and_the_exit_codes() {
    let (code, out, _) = run_cli(&["--help"], &HashMap::new(), "");
    assert_eq!(code, 0);
    for variable in ["DATABASE_URL", "INLAV_DATA_DIR", "INLAV_JWT_SECRET", "INLAV_METRICS_TOKEN", "INLAV_LOG"] {
        assert!(out.contains(variable), "{variable} in {out}");
    }
    for (exit, _) in api::cli::EXIT_CODES {
        assert!(out.contains(&format!("{exit} ")), "exit code {exit} in {out}");
    }
    for command in ["user", "org", "service-account", "reports", "export", "backup", "restore", "audit", "retention"] {
        assert!(out.contains(&format!("  {command} ")), "{command} in {out}");
    }
}

#[test]
fn user_commands_list_show_deactivate_reset_and_change_roles() {
    let db = TestDb::new();
    let env = db.env();
    let db = actix_web::rt::System::new().block_on(async move {
        let app = TestApp::on(db).await;
        app.user("case_worker", REGION_ID, &["milano"]).await;
        app.into_db()
    });
    let (code, out, err) = run_cli(&["user", "list", "--json"], &env, "");
    assert_eq!(code, 0, "{err}");
    let users: Vec<Value> = serde_json::from_str(&out).unwrap();
    assert_eq!(users.len(), 2, "{out}");
    assert!(users.iter().all(|u| u.get("password_hash").is_none() && u["version"].is_number()));
    let worker = users.iter().find(|u| u["role"] == "case_worker").unwrap()["email"].as_str().unwrap().to_string();
    let (code, out, _) = run_cli(&["user", "list", "--role", "case_worker"], &env, "");
    assert_eq!(code, 0);
    assert!(out.contains(&worker) && !out.contains(ADMIN_EMAIL) && out.contains("1 record"), "{out}");
    let (code, out, _) = run_cli(&["user", "show", &worker], &env, "");
    assert_eq!(code, 0);
    assert!(out.contains("case_worker") && out.contains("milano"), "{out}");
    let (code, _, err) = run_cli(&["user", "show", "nobody@example.org"], &env, "");
    assert_eq!(code, 1);
    assert!(err.starts_with("inlav: no user has") && err.lines().count() == 1, "{err}");

    let (code, out, err) =
        run_cli(&["user", "set-role", &worker, "--role", "district_coordinator", "--district", "bergamo"], &env, "");
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("district_coordinator") && out.contains("bergamo"), "{out}");
    let (code, _, err) = run_cli(&["user", "set-role", &worker, "--role", "evaluator"], &env, "");
    assert_eq!(code, 1, "an evaluator works in no district");
    assert!(err.contains("--district") && !err.contains("422"), "{err}");

    let (code, out, err) = run_cli(&["user", "reset-password", &worker], &env, "");
    assert_eq!(code, 0, "{err}");
    let password = out.split("password ").nth(1).unwrap().split(' ').next().unwrap().to_string();
    let (code, _, err) = run_cli(&["user", "deactivate", &worker], &env, "");
    assert_eq!(code, 0, "{err}");

    actix_web::rt::System::new().block_on(async move {
        let app = TestApp::on(db).await;
        let login = |password: String| {
            app.post("/api/v1/auth/login").json(&json!({"email": worker.clone(), "password": password})).send()
        };
        assert_eq!(login(password.clone()).await.status, 401, "a deactivated account cannot log in");
        let (code, _, err) = run_cli(&["user", "activate", &worker], &env, "");
        assert_eq!(code, 0, "{err}");
        let reply = login(password.clone()).await;
        assert_eq!(reply.status, 200, "{}", reply.body);
        assert_eq!(reply.body["password_change_required"], true, "a reset password is changed at once: {}", reply.body);
    });
}

#[test]
fn org_and_service_account_commands_register_partners_and_their_systems() {
    let db = TestDb::new();
    let env = db.env();
    let db = actix_web::rt::System::new().block_on(async move { TestApp::on(db).await.into_db() });
    let (code, out, err) = run_cli(
        &["org", "create", "--name", "Cooperativa Farsi Prossimo", "--kind", "ets", "--district", "milano", "--json"],
        &env,
        "",
    );
    assert_eq!(code, 0, "{err}");
    let organization: Value = serde_json::from_str(&out).unwrap();
    let (code, _, err) =
        run_cli(&["org", "create", "--name", "cooperativa  farsi prossimo", "--kind", "ets"], &env, "");
    assert_eq!(code, 1);
    assert!(err.contains("already exists"), "{err}");
    let (code, out, _) = run_cli(&["org", "list", "--kind", "ets"], &env, "");
    assert_eq!(code, 0);
    assert!(out.contains("Cooperativa Farsi Prossimo"), "{out}");

    let create = ["service-account", "create", "--organization", "Cooperativa Farsi Prossimo", "--name", "Gestionale"];
    let (code, _, err) =
        run_cli(&[&create[..], &["--scope", "referrals:read", "--by", "nobody@example.org"]].concat(), &env, "");
    assert_eq!(code, 1);
    assert!(err.contains("no user"), "{err}");
    let (code, out, err) =
        run_cli(&[&create[..], &["--scope", "referrals:read,services:write", "--by", ADMIN_EMAIL]].concat(), &env, "");
    assert_eq!(code, 0, "{err}");
    let issued: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(issued["organization_id"], organization["id"]);
    let client_id = issued["client_id"].as_str().unwrap().to_string();
    let first_secret = issued["client_secret"].as_str().unwrap().to_string();
    let (code, out, _) = run_cli(&["service-account", "list", "--json"], &env, "");
    assert_eq!(code, 0);
    assert!(out.contains(&client_id) && !out.contains(&first_secret), "the secret is shown once: {out}");
    let (code, out, err) = run_cli(&["service-account", "rotate", &client_id], &env, "");
    assert_eq!(code, 0, "{err}");
    let second_secret = serde_json::from_str::<Value>(&out).unwrap()["client_secret"].as_str().unwrap().to_string();

    actix_web::rt::System::new().block_on(async move {
        let app = TestApp::on(db).await;
        let exchange = |secret: &str| {
            let form = format!("grant_type=client_credentials&client_id={client_id}&client_secret={secret}");
            app.post("/api/v1/auth/token").raw("application/x-www-form-urlencoded", form).send()
        };
        assert_eq!(exchange(&first_secret).await.status, 401, "the rotated secret stopped");
        assert_eq!(exchange(&second_secret).await.status, 200);
        let (code, out, err) = run_cli(&["service-account", "revoke", &client_id], &env, "");
        assert_eq!(code, 0, "{err}");
        assert!(out.contains("revoked"), "{out}");
        assert_eq!(exchange(&second_secret).await.status, 401, "a revoked system gets no token");
    });
}

#[test]
fn a_script_runs_the_indicators_and_the_research_export_without_logging_in() {
    let db = TestDb::new();
    // The service's pseudonym key, as the API's exports below use it.
    let mut env = db.env();
    env.insert("INLAV_PSEUDONYM_KEY".into(), String::from_utf8(crate::support::PSEUDONYM_KEY.to_vec()).unwrap());
    let dir = scratch_dir("reports");
    std::fs::create_dir_all(&dir).unwrap();
    let db = actix_web::rt::System::new().block_on(async move {
        let app = TestApp::on(db).await;
        let team = app.team().await;
        for n in 0..6 {
            app.intercept(&team.case_worker, "milano", person(n)).await;
        }
        app.into_db()
    });
    let range = ["--from", "2026-01-01", "--to", "2026-12-31"];
    let mut cli_cases = std::collections::BTreeSet::new();
    let (code, out, err) =
        run_cli(&[&["reports", "indicators"][..], &range[..], &["--district", "milano"]].concat(), &env, "");
    assert_eq!(code, 0, "{err}");
    let report: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(report["districts"][0]["district"], "milano", "{report}");
    assert_eq!(report["small_counts_suppressed"], true, "read as the Region reads it");
    for (format, name) in [("csv", "indicatori.csv"), ("xlsx", "indicatori.xlsx")] {
        let file = dir.join(name);
        let args =
            [&["reports", "indicators", "--format", format, "--out", file.to_str().unwrap()][..], &range[..]].concat();
        let (code, out, err) = run_cli(&args, &env, "");
        assert_eq!(code, 0, "{err}");
        assert!(out.contains("written to"), "{out}");
        let bytes = std::fs::read(&file).unwrap();
        if format == "csv" {
            assert!(String::from_utf8(bytes).unwrap().to_lowercase().contains("milano"));
        } else {
            assert!(bytes.starts_with(b"PK"), "an XLSX is a zip");
        }
    }
    let (code, _, err) = run_cli(&["reports", "indicators", "--format", "xlsx"], &env, "");
    assert_eq!(code, 1);
    assert!(err.contains("--out"), "{err}");

    for format in ["jsonl", "csv", "xlsx"] {
        let file = dir.join(format!("casi.{format}"));
        let args = [&["export", "cases", "--format", format, "--out", file.to_str().unwrap()][..], &range[..]].concat();
        let (code, out, err) = run_cli(&args, &env, "");
        assert_eq!(code, 0, "{err}");
        assert!(out.contains("6 cases") && out.contains("anonymity: k=5"), "{out}");
        let bytes = std::fs::read(&file).unwrap();
        assert!(!dir.join(format!("casi.{format}.partial")).exists());
        if format == "jsonl" {
            let rows: Vec<Value> =
                String::from_utf8(bytes).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect();
            assert_eq!(rows.len(), 6);
            assert!(rows.iter().all(|r| r.get("first_name").is_none() && r["person"].as_str().unwrap().len() > 10));
            cli_cases = rows.iter().map(|r| r["case"].as_str().unwrap().to_string()).collect();
        }
    }
    actix_web::rt::System::new().block_on(async move {
        let app = TestApp::on(db).await;
        // Each export is in the audit trail, under the machine's nil id.
        let trail = app.get("/api/v1/audit?action=export").token(&app.admin.access_token).send().await;
        assert_eq!(trail.status, 200, "{}", trail.body);
        let entries = trail.body["items"].as_array().unwrap();
        assert!(entries.len() >= 3, "{}", trail.body);
        assert!(entries.iter().all(|e| e["actor_id"] == uuid::Uuid::nil().to_string()), "{}", trail.body);
        // The same pseudonyms as the API's export: the service's key, not one of its own.
        let evaluator = app.user("evaluator", REGION_ID, &[]).await;
        let exported =
            app.get("/api/v1/exports/cases?from=2026-01-01&to=2026-12-31").token(&evaluator.access_token).send().await;
        assert_eq!(exported.status, 200);
        let api_cases: std::collections::BTreeSet<String> = exported
            .text()
            .lines()
            .map(|l| serde_json::from_str::<Value>(l).unwrap()["case"].as_str().unwrap().to_string())
            .collect();
        assert_eq!(api_cases, cli_cases);
    });
    let _ = std::fs::remove_dir_all(dir);
}

const METRICS_TOKEN: &str = "metrics-token-of-the-test-0123456789";

#[actix_web::test]
async fn metrics_are_served_with_the_token_in_the_prometheus_format_and_name_nobody() {
    let app = TestApp::with_settings(&[("INLAV_METRICS_TOKEN", METRICS_TOKEN)]).await;
    let team = app.team().await;
    let case = app.intercept(&team.case_worker, "milano", person(1)).await;
    let id = case["id"].as_str().unwrap().to_string();
    let person_id = case["beneficiary_id"].as_str().unwrap_or_default().to_string();
    assert_eq!(app.get(&format!("/api/v1/cases/{id}")).token(&team.coordinator.access_token).send().await.status, 200);
    assert_eq!(app.get("/api/v1/no-such-thing/42").send().await.status, 404);

    let anonymous = app.get("/metrics").send().await;
    assert_eq!(anonymous.status, 401);
    assert_eq!(anonymous.header("content-type"), Some("application/problem+json"));
    assert_eq!(app.get("/metrics").token("metrics-token-of-the-test-wrong").send().await.status, 401);
    let scraped = app.get("/metrics").token(METRICS_TOKEN).send().await;
    assert_eq!(scraped.status, 200);
    assert!(scraped.header("content-type").unwrap().starts_with("text/plain; version=0.0.4"));
    let text = scraped.text();
    let parsed = openmetrics_parser::prometheus::parse_prometheus(&text).expect("the Prometheus text format");
    let family = |name: &str| parsed.families.get(name).unwrap_or_else(|| panic!("{name} in {text}"));
    // The samples of a family, each as its labels.
    let series = |name: &str| -> Vec<HashMap<String, String>> {
        family(name)
            .iter_samples()
            .map(|sample| {
                let labels = sample.get_labelset().expect("labels");
                labels.iter().map(|(k, v)| (k.clone(), v.clone())).collect()
            })
            .collect()
    };
    let requests = series("inlav_http_requests_total");
    let read = requests.iter().find(|l| l["route"] == "/api/v1/cases/{id}").expect("requests by route template");
    assert_eq!((read["method"].as_str(), read["status"].as_str()), ("GET", "200"));
    assert!(requests.iter().any(|l| l["route"] == "unmatched" && l["status"] == "404"), "unknown paths: one series");
    assert!(series("inlav_http_request_duration_seconds").iter().any(|l| l["route"] == "/api/v1/cases/{id}"));
    let latency = family("inlav_http_request_duration_seconds");
    assert!(
        latency.iter_samples().all(|s| matches!(&s.value, openmetrics_parser::PrometheusValue::Histogram(_))),
        "latency is a histogram"
    );
    assert_eq!(series("inlav_db_pool_connections").len(), 2, "in use and idle");
    for name in [
        "inlav_db_pool_wait_seconds",
        "inlav_writer_queue_jobs",
        "inlav_writer_group_jobs",
        "inlav_writer_group_audit_entries",
        "inlav_long_reads_running",
        "inlav_long_reads_waiting",
        "inlav_build_info",
    ] {
        assert!(family(name).iter_samples().count() > 0, "{name}");
    }
    // No label names a case, a person, a user or a path as sent.
    for secret in [id.as_str(), person_id.as_str(), team.coordinator.id.as_str(), "/api/v1/no-such-thing"] {
        assert!(secret.is_empty() || !text.contains(secret), "{secret} in the metrics");
    }
    for name in parsed.families.keys() {
        for labels in series(name) {
            for value in labels.values() {
                assert!(!value.split('/').any(|part| uuid::Uuid::parse_str(part).is_ok()), "an id in {name}: {value}");
            }
        }
    }

    // Without the setting there is no /metrics at all.
    let plain = TestApp::new().await;
    assert_eq!(plain.get("/metrics").token(METRICS_TOKEN).send().await.status, 404);
}
