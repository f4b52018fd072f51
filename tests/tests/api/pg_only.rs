//! Checks that need SQLite and PostgreSQL at once; they run in the PostgreSQL suite
//! (`make test-pg`), which sets `TEST_DATABASE_URL`.

use diesel::prelude::*;
use diesel::sql_types::{Bool, Text};
use persistence::db::{self, PoolSettings};

use crate::support::{TestDb, postgres_url};

#[derive(Debug, QueryableByName, PartialEq, Eq, PartialOrd, Ord)]
struct ColumnInfo {
    #[diesel(sql_type = Text)]
    table_name: String,
    #[diesel(sql_type = Text)]
    column_name: String,
    #[diesel(sql_type = Text)]
    data_type: String,
    #[diesel(sql_type = Bool)]
    not_null: bool,
}

const SQLITE_COLUMNS: &str = "SELECT m.name AS table_name, p.name AS column_name, lower(p.type) AS data_type, \
     p.\"notnull\" <> 0 OR p.pk > 0 AS not_null \
     FROM sqlite_master m JOIN pragma_table_info(m.name) p \
     WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' AND m.name <> '__diesel_schema_migrations'";

const POSTGRES_COLUMNS: &str = "SELECT table_name::text AS table_name, column_name::text AS column_name, \
     CASE data_type WHEN 'timestamp without time zone' THEN 'timestamp' ELSE data_type::text END AS data_type, \
     is_nullable = 'NO' AS not_null \
     FROM information_schema.columns \
     WHERE table_schema = current_schema() AND table_name <> '__diesel_schema_migrations'";

fn columns(url: &str, query: &str) -> Vec<ColumnInfo> {
    let pool = db::connect(persistence::DatabaseUrl::parse(url).unwrap(), PoolSettings::default()).unwrap();
    let mut conn = pool.get().unwrap();
    db::run_migrations(&mut conn).unwrap();
    let mut columns = diesel::sql_query(query).load::<ColumnInfo>(&mut *conn).unwrap();
    columns.sort();
    columns
}

#[test]
fn pg_only_both_migration_trees_produce_the_same_tables_and_columns() {
    let base = postgres_url().expect("the PostgreSQL suite sets TEST_DATABASE_URL");
    let sqlite = TestDb::sqlite();
    let postgres = TestDb::postgres(&base);
    let sqlite_columns = columns(&sqlite.url, SQLITE_COLUMNS);
    let postgres_columns = columns(&postgres.url, POSTGRES_COLUMNS);
    assert!(sqlite_columns.len() > 40, "{}", sqlite_columns.len());
    assert_eq!(sqlite_columns, postgres_columns);
}

#[derive(QueryableByName)]
struct Setting {
    #[diesel(sql_type = Text)]
    value: String,
}

#[test]
fn pg_only_connections_bound_statements_and_idle_transactions() {
    let base = postgres_url().expect("the PostgreSQL suite sets TEST_DATABASE_URL");
    let test_db = TestDb::postgres(&base);
    let settings = PoolSettings { statement_timeout: std::time::Duration::from_millis(300), ..PoolSettings::default() };
    let pool = db::connect(persistence::DatabaseUrl::parse(&test_db.url).unwrap(), settings).unwrap();
    let mut conn = pool.get().unwrap();
    let show = |conn: &mut persistence::DbConnection, name: &str| {
        diesel::sql_query(format!("SELECT current_setting('{name}') AS value"))
            .get_result::<Setting>(conn)
            .unwrap()
            .value
    };
    assert_eq!(show(&mut conn, "statement_timeout"), "300ms");
    assert_eq!(show(&mut conn, "idle_in_transaction_session_timeout"), "600ms");
    // A statement that runs too long is cancelled, and the error is an ordinary storage error.
    let slow = diesel::sql_query("SELECT pg_sleep(2)").execute(&mut *conn);
    let error = persistence::Error::from(slow.expect_err("the sleep was cancelled"));
    assert!(matches!(error, persistence::Error::Busy), "a timeout is worth a retry (503): {error:?}");
}

fn random_page_cost(url: &str) -> String {
    let pool = db::connect(persistence::DatabaseUrl::parse(url).unwrap(), PoolSettings::default()).unwrap();
    let mut conn = pool.get().unwrap();
    diesel::sql_query("SELECT current_setting('random_page_cost') AS value")
        .get_result::<Setting>(&mut *conn)
        .unwrap()
        .value
}

#[test]
fn pg_only_the_planner_prices_random_reads_for_ssd_unless_someone_set_it() {
    let base = postgres_url().expect("the PostgreSQL suite sets TEST_DATABASE_URL");
    let db = TestDb::postgres(&base);
    // What the server says without us: its own value stands if it has one.
    let mut plain = PgConnection::establish(&base).unwrap();
    let server: Vec<Setting> = diesel::sql_query(
        "SELECT CASE source WHEN 'default' THEN '1.1' ELSE setting END AS value \
         FROM pg_settings WHERE name = 'random_page_cost'",
    )
    .load(&mut plain)
    .unwrap();
    assert_eq!(random_page_cost(&db.url), server[0].value);
    // Set by the connection's options (as a role or database setting would be): kept.
    assert_eq!(random_page_cost(&format!("{}%20-crandom_page_cost%3D2", db.url)), "2");
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    count: i64,
}

#[test]
fn pg_only_instances_starting_together_migrate_once_and_all_come_up() {
    let base = postgres_url().expect("the PostgreSQL suite sets TEST_DATABASE_URL");
    let test_db = TestDb::postgres(&base);
    let env = test_db.env();
    let start = std::sync::Barrier::new(4);
    let codes: Vec<(u8, String)> = std::thread::scope(|scope| {
        let starts: Vec<_> = (0..4)
            .map(|_| {
                scope.spawn(|| {
                    start.wait();
                    let (code, _, err) = crate::support::run_cli(&["migrate"], &env, "");
                    (code, err)
                })
            })
            .collect();
        starts.into_iter().map(|s| s.join().expect("a start")).collect()
    });
    assert!(codes.iter().all(|(code, _)| *code == 0), "every instance comes up: {codes:?}");
    let pool = db::connect(persistence::DatabaseUrl::parse(&test_db.url).unwrap(), PoolSettings::default()).unwrap();
    let applied = diesel::sql_query("SELECT count(*) AS count FROM __diesel_schema_migrations")
        .get_result::<Count>(&mut *pool.get().unwrap());
    let embedded = std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/../migrations/postgres")).unwrap().count();
    assert_eq!(applied.unwrap().count, embedded as i64, "each migration applied once");
}

#[test]
fn pg_only_a_postgresql_backup_keeps_the_secrets_and_the_chain_head_and_restore_checks_the_database() {
    let base = postgres_url().expect("the PostgreSQL suite sets TEST_DATABASE_URL");
    let test_db = TestDb::postgres(&base);
    let env = test_db.env();
    let test_db = actix_web::rt::System::new().block_on(async move {
        let app = crate::support::TestApp::on(test_db).await;
        let team = app.team().await;
        let case = app.intercept(&team.case_worker, "milano", serde_json::json!({"alias": "Persona"})).await;
        let path = format!("/api/v1/cases/{}", case["id"].as_str().unwrap());
        assert_eq!(app.get(&path).token(&team.coordinator.access_token).send().await.status, 200);
        app.into_db()
    });
    let backup = std::env::temp_dir().join(format!("inlav-pg-backup-{}", uuid::Uuid::now_v7().simple()));
    let (code, out, err) = crate::support::run_cli(&["backup", "--to", backup.to_str().unwrap()], &env, "");
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("pg_dump"), "the database itself is copied by PostgreSQL's tools: {out}");
    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(backup.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(manifest["backend"], "postgresql");
    assert!(manifest["audit"]["entries"].as_i64().unwrap() > 0);
    assert!(backup.join("audit-key").exists() && !backup.join("inlav.db").exists());

    // A new host: the database restored with pg_restore (here: the same one), an empty data
    // directory. The restore checks the chain against the backup's head and puts the secrets.
    let fresh = |name: &str| {
        let mut env = env.clone();
        let dir = std::env::temp_dir().join(format!("inlav-pg-{name}-{}", uuid::Uuid::now_v7().simple()));
        env.insert("INLAV_DATA_DIR".into(), dir.display().to_string());
        (env, dir)
    };
    let (restore_env, restored_dir) = fresh("restored");
    let (code, out, err) = crate::support::run_cli(&["restore", "--from", backup.to_str().unwrap()], &restore_env, "");
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("audit chain verified"), "{out}");
    assert_eq!(
        std::fs::read(restored_dir.join("audit-key")).unwrap(),
        std::fs::read(backup.join("audit-key")).unwrap()
    );

    // A database whose trail lost its newest entries (head moved back) does not match the backup.
    let mut conn = PgConnection::establish(&test_db.url).unwrap();
    for statement in crate::support::CUT_NEWEST_AUDIT_ENTRY {
        diesel::sql_query(statement).execute(&mut conn).unwrap();
    }
    let (refused_env, refused_dir) = fresh("refused");
    let (code, _, err) = crate::support::run_cli(&["restore", "--from", backup.to_str().unwrap()], &refused_env, "");
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("does not verify"), "{err}");
    assert!(!refused_dir.join("audit-key").exists(), "no secret is put beside a database that does not verify");
    for dir in [backup, restored_dir, refused_dir] {
        let _ = std::fs::remove_dir_all(dir);
    }
}

/// An instance left connected to a standby after a failover, played by a database whose
/// sessions start read-only: reads that write nothing work, writes answer 503 `read_only` and
/// `/ready` says so; once lifted, the pool drops its read-only sessions and writes work again
/// without a restart.
#[actix_web::test]
async fn a_read_only_postgresql_answers_read_only_and_the_pool_heals_without_a_restart() {
    use crate::support::TestApp;
    let base = postgres_url().expect("the PostgreSQL suite sets TEST_DATABASE_URL");
    let name = format!("inlav_ro_{}", uuid::Uuid::now_v7().simple());
    let mut admin = PgConnection::establish(&base).expect("connect");
    diesel::sql_query(format!("CREATE DATABASE {name}")).execute(&mut admin).expect("create the database");
    let url = database_url(&base, &name);
    let sessions = |setting: &str| format!("ALTER DATABASE {name} {setting}");
    let terminate = format!(
        "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = '{name}' AND pid <> pg_backend_pid()"
    );
    {
        let app = TestApp::on(TestDb::postgres(&url)).await;
        let team = app.team().await;
        let worker = team.case_worker.access_token.clone();
        let create = || app.post("/api/v1/beneficiaries").token(&worker).json(&serde_json::json!({"alias": "Standby"}));
        assert_eq!(create().send().await.status, 201);

        diesel::sql_query(sessions("SET default_transaction_read_only = on")).execute(&mut admin).expect("read-only");
        diesel::sql_query(&terminate).execute(&mut admin).expect("end the sessions");
        let mut refused = None;
        for _ in 0..5 {
            let reply = create().send().await;
            if reply.status == 503 && reply.body["code"] == "read_only" {
                refused = Some(reply);
                break;
            }
        }
        let refused = refused.expect("writes answer read_only");
        assert_eq!(refused.header("retry-after"), Some("30"));
        assert_eq!(app.get("/api/v1/vocabularies").token(&worker).send().await.status, 200, "reads work");
        assert_eq!(app.get("/ready").send().await.problem(503)["code"], "read_only");

        // Lifted, with the read-only sessions still open: /ready's probe drops each refused one,
        // and says ready once a probe writes, before any request has written.
        diesel::sql_query(sessions("RESET default_transaction_read_only")).execute(&mut admin).expect("writable");
        assert_eq!(crate::storage_faults::ready_within(&app, 12).await, 200, "/ready mends by itself");
        let stored = create().send().await;
        assert_eq!(stored.status, 201, "{}", stored.body);
    }
    diesel::sql_query(format!("DROP DATABASE {name} WITH (FORCE)")).execute(&mut admin).expect("drop the database");
}

/// The URL of database `name` on the server of `base`, with the same options.
fn database_url(base: &str, name: &str) -> String {
    let (server, query) = base.split_once('?').map_or((base, ""), |(s, q)| (s, q));
    let server = &server[..server.rfind('/').expect("a database in the URL")];
    if query.is_empty() { format!("{server}/{name}") } else { format!("{server}/{name}?{query}") }
}

/// PostgreSQL out of disk: the database's tablespace on a small tmpfs fills under creates, and
/// the answers are those of the SQLite full disk — 503 `storage_full` (SQLSTATE 53100, "could not
/// extend file"), nothing half-written, `/ready` 503 — mended once space is freed. Needs the
/// server on this machine and root to mount the tmpfs (as in CI); says `SKIPPED` otherwise.
#[actix_web::test]
async fn a_full_postgresql_tablespace_answers_storage_full_and_mends() {
    use std::os::unix::fs::{MetadataExt, PermissionsExt};

    use crate::storage_faults::{SmallDisk, creates_fill_the_disk_then_work_again};
    use crate::support::TestApp;
    let base = postgres_url().expect("the PostgreSQL suite sets TEST_DATABASE_URL");
    let mut admin = PgConnection::establish(&base).expect("connect");
    let data_directory = diesel::sql_query("SELECT setting AS value FROM pg_settings WHERE name = 'data_directory'")
        .get_result::<Setting>(&mut admin)
        .expect("the data directory")
        .value;
    // The tablespace's directory must belong to the server's own user, who owns its data.
    let Ok(server_files) = std::fs::metadata(&data_directory) else {
        eprintln!("SKIPPED: the PostgreSQL server is not on this machine ({data_directory} not found)");
        return;
    };
    let Some(disk) = SmallDisk::tmpfs(64) else { return };
    let location = disk.dir.join("tablespace");
    std::fs::create_dir(&location).expect("the tablespace's directory");
    std::os::unix::fs::chown(&location, Some(server_files.uid()), Some(server_files.gid())).expect("chown");
    std::fs::set_permissions(&location, std::fs::Permissions::from_mode(0o700)).expect("chmod");
    let name = format!("inlav_full_{}", uuid::Uuid::now_v7().simple());
    let dropped_first =
        DroppedBeforeTheDisk { admin_url: base.clone(), name: name.clone(), ballast: disk.dir.join("ballast") };
    for statement in [
        format!("CREATE TABLESPACE {name} LOCATION '{}'", location.display()),
        // Copied file by file, so that its blocks are on the tmpfs before it fills: copied
        // through the buffers (the default), a checkpoint would have to find room for them, and
        // a failed checkpoint fails every `DROP DATABASE` on the server.
        format!("CREATE DATABASE {name} TABLESPACE {name} STRATEGY FILE_COPY"),
    ] {
        diesel::sql_query(&statement).execute(&mut admin).unwrap_or_else(|e| panic!("{statement}: {e}"));
    }
    let app = TestApp::on(TestDb::postgres(&database_url(&base, &name))).await;
    creates_fill_the_disk_then_work_again(&app, &disk, 256).await;
    drop(app);
    drop(dropped_first);
}

/// The database and tablespace of a test on a small disk, dropped before the disk is unmounted
/// even when the test fails: the server would otherwise keep buffers it can never write, and
/// every checkpoint (so every `DROP DATABASE` on the server) would fail until they are dropped.
struct DroppedBeforeTheDisk {
    admin_url: String,
    name: String,
    ballast: std::path::PathBuf,
}

impl Drop for DroppedBeforeTheDisk {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.ballast);
        let Ok(mut admin) = PgConnection::establish(&self.admin_url) else { return };
        for statement in [
            format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name),
            format!("DROP TABLESPACE IF EXISTS {}", self.name),
        ] {
            if let Err(err) = diesel::sql_query(&statement).execute(&mut admin) {
                eprintln!("{statement}: {err}");
            }
        }
    }
}

/// `inlav check` on PostgreSQL: amcheck on every index of the schema (where the extension can be
/// installed), then the audit chain.
#[actix_web::test]
async fn inlav_check_passes_a_sound_postgresql_database() {
    use crate::support::{TestApp, run_cli};
    let app = TestApp::on(TestDb::postgres(&postgres_url().expect("the PostgreSQL suite"))).await;
    let team = app.team().await;
    app.intercept(&team.case_worker, "milano", serde_json::json!({"alias": "Checked"})).await;
    let amcheck = app.execute_sql("CREATE EXTENSION IF NOT EXISTS amcheck").await;
    let env = app.env();
    let (code, out, err) = std::thread::spawn(move || run_cli(&["check"], &env, "")).join().unwrap();
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("is sound"), "amcheck {amcheck}: {out}");
}
