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
