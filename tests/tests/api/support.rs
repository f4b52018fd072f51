//! The test harness: the real application over HTTP (in process), on a fresh database per
//! test. SQLite by default; PostgreSQL when `TEST_DATABASE_URL` is set, with a fresh schema.

use std::collections::HashMap;
use std::path::PathBuf;
use std::rc::Rc;
use std::sync::{Arc, OnceLock};

use actix_web::body::BoxBody;
use actix_web::dev::ServiceResponse;
use actix_web::http::header::HeaderMap;
use actix_web::test::{self as actix_test, TestRequest};
use api::clock::ManualClock;
use api::openapi::RouteTable;
use api::server::{self, ServedSpec};
use chrono::{DateTime, Duration, Utc};
use diesel::{Connection, PgConnection, connection::SimpleConnection};
use futures_util::future::LocalBoxFuture;
use serde_json::{Value, json};

pub const ADMIN_EMAIL: &str = "admin@inlav.test";
pub const ADMIN_PASSWORD: &str = "admin-password-for-tests";
pub const PASSWORD: &str = "a-good-password-1";
pub const JWT_SECRET: &[u8] = b"test-secret-test-secret-test-secret-1234";
pub const PSEUDONYM_KEY: &[u8] = b"test-pseudonym-key-test-pseudonym-key-12";
pub const REGION_ID: &str = "01900000-0000-7000-8000-000000000001";

/// The instant every test starts at; tests move the clock explicitly.
pub fn start_time() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-03-02T09:00:00Z").map(|t| t.with_timezone(&Utc)).unwrap_or_default()
}

fn spec_and_routes() -> &'static (ServedSpec, RouteTable) {
    static SPEC: OnceLock<(ServedSpec, RouteTable)> = OnceLock::new();
    SPEC.get_or_init(|| {
        let spec = server::spec();
        (ServedSpec::new(&spec), RouteTable::from_spec(&spec))
    })
}

/// Which backend this run tests.
pub fn postgres_url() -> Option<String> {
    std::env::var("TEST_DATABASE_URL").ok().filter(|url| !url.trim().is_empty())
}

/// A fresh, empty database that is removed when dropped.
pub struct TestDb {
    pub url: String,
    cleanup: Cleanup,
}

enum Cleanup {
    Directory(PathBuf),
    Schema { base_url: String, schema: String },
}

impl TestDb {
    /// A database of the backend this run targets.
    pub fn new() -> TestDb {
        match postgres_url() {
            Some(base_url) => TestDb::postgres(&base_url),
            None => TestDb::sqlite(),
        }
    }

    /// A fresh SQLite file in a directory of its own.
    pub fn sqlite() -> TestDb {
        let dir = std::env::temp_dir().join(format!("inlav-test-{}", uuid::Uuid::now_v7().simple()));
        let url = format!("sqlite://{}/inlav.db", dir.display());
        TestDb { url, cleanup: Cleanup::Directory(dir) }
    }

    /// A fresh SQLite file in `dir` (which the caller made), whatever backend this run targets.
    pub fn sqlite_in(dir: PathBuf) -> TestDb {
        let url = format!("sqlite://{}/inlav.db", dir.display());
        TestDb { url, cleanup: Cleanup::Directory(dir) }
    }

    /// A fresh schema in the PostgreSQL database at `base_url`.
    pub fn postgres(base_url: &str) -> TestDb {
        let schema = format!("t_{}", uuid::Uuid::now_v7().simple());
        let mut conn =
            PgConnection::establish(base_url).unwrap_or_else(|e| panic!("TEST_DATABASE_URL {base_url}: {e}"));
        conn.batch_execute(&format!("CREATE SCHEMA {schema}")).expect("create test schema");
        let separator = if base_url.contains('?') { '&' } else { '?' };
        let url = format!("{base_url}{separator}options=-csearch_path%3D{schema}");
        TestDb { url, cleanup: Cleanup::Schema { base_url: base_url.to_string(), schema } }
    }

    /// The environment the service would be started with.
    pub fn env(&self) -> HashMap<String, String> {
        let data_dir = match &self.cleanup {
            Cleanup::Directory(dir) => dir.clone(),
            Cleanup::Schema { schema, .. } => std::env::temp_dir().join(format!("inlav-test-{schema}")),
        };
        HashMap::from([
            ("DATABASE_URL".to_string(), self.url.clone()),
            ("INLAV_DATA_DIR".to_string(), data_dir.display().to_string()),
            ("INLAV_LOG".to_string(), "error".to_string()),
        ])
    }
}

impl TestDb {
    /// Everything the database holds as bytes, as someone with the files or a backup would read
    /// it: SQLite's file and its write-ahead log (a journal too, if one is left); PostgreSQL's
    /// `pg_dump` of the schema.
    pub fn stored_bytes(&self) -> Vec<u8> {
        match &self.cleanup {
            Cleanup::Directory(dir) => ["inlav.db", "inlav.db-wal", "inlav.db-journal"]
                .iter()
                .flat_map(|name| std::fs::read(dir.join(name)).unwrap_or_default())
                .collect(),
            Cleanup::Schema { base_url, schema } => {
                let dump = std::process::Command::new("pg_dump")
                    .args(["--schema", schema, base_url])
                    .output()
                    .unwrap_or_else(|e| panic!("pg_dump must be installed with PostgreSQL: {e}"));
                assert!(dump.status.success(), "pg_dump: {}", String::from_utf8_lossy(&dump.stderr));
                dump.stdout
            }
        }
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        match &self.cleanup {
            Cleanup::Directory(dir) => {
                let _ = std::fs::remove_dir_all(dir);
            }
            Cleanup::Schema { base_url, schema } => {
                if let Ok(mut conn) = PgConnection::establish(base_url) {
                    let _ = conn.batch_execute(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE"));
                }
                let _ = std::fs::remove_dir_all(std::env::temp_dir().join(format!("inlav-test-{schema}")));
            }
        }
    }
}

type Call = Rc<dyn Fn(actix_http::Request) -> LocalBoxFuture<'static, ServiceResponse<BoxBody>>>;

/// The application under test, with its clock and its admin.
pub struct TestApp {
    call: Call,
    pub clock: Arc<ManualClock>,
    pub state: api::state::AppState,
    /// Dropped with the app: the database goes away.
    db: TestDb,
    pub admin: Session,
    /// Sent as `Accept-Language` with every request, when set.
    accept_language: std::cell::RefCell<Option<String>>,
}

/// A logged-in user.
#[derive(Debug, Clone)]
pub struct Session {
    pub id: String,
    pub email: String,
    pub access_token: String,
    pub refresh_token: String,
}

impl TestApp {
    pub async fn new() -> TestApp {
        TestApp::on(TestDb::new()).await
    }

    /// The application over an existing database.
    pub async fn on(db: TestDb) -> TestApp {
        TestApp::configured(db, &[]).await
    }

    /// The application over an existing database that may take no writes: nobody logs in (a
    /// login writes), so only requests that need no token can be made.
    pub async fn without_login_on(db: TestDb) -> TestApp {
        TestApp::started(db, &[], false).await
    }

    /// The application on a fresh database, with settings of its own (`INLAV_…` variables).
    pub async fn with_settings(settings: &[(&str, &str)]) -> TestApp {
        TestApp::configured(TestDb::new(), settings).await
    }

    async fn configured(db: TestDb, settings: &[(&str, &str)]) -> TestApp {
        TestApp::started(db, settings, true).await
    }

    async fn started(db: TestDb, settings: &[(&str, &str)], log_in: bool) -> TestApp {
        let env = db.env();
        let mut env_with_admin = env.clone();
        for (name, value) in settings {
            env_with_admin.insert((*name).to_string(), (*value).to_string());
        }
        env_with_admin.insert("INLAV_ADMIN_EMAIL".into(), ADMIN_EMAIL.into());
        env_with_admin.insert("INLAV_ADMIN_PASSWORD".into(), ADMIN_PASSWORD.into());
        let config = api::config::Config::from_env(|name| env_with_admin.get(name).cloned()).expect("test config");
        let pool = server::open_database(&config).expect("open test database");
        let clock = Arc::new(ManualClock::new(start_time()));
        let secrets = server::Secrets {
            jwt: JWT_SECRET.to_vec(),
            pseudonym: PSEUDONYM_KEY.to_vec(),
            audit: PSEUDONYM_KEY.to_vec(),
        };
        let state = server::load_state(pool, &config, clock.clone(), &secrets).expect("load state");
        server::bootstrap_admin(&state, &config).await.expect("bootstrap admin");
        server::probe_storage_at_start(&state).await;
        let (spec, routes) = spec_and_routes().clone();
        let service =
            Rc::new(actix_test::init_service(server::app(state.clone(), spec, routes, config.web.clone())).await);
        let call: Call = Rc::new(move |request| {
            let service = service.clone();
            Box::pin(async move {
                match actix_test::try_call_service(&*service, request).await {
                    Ok(response) => response.map_into_boxed_body(),
                    Err(error) => panic!("the service failed outside a response: {error}"),
                }
            })
        });
        let mut app = TestApp {
            call,
            clock,
            state,
            db,
            admin: Session {
                id: String::new(),
                email: ADMIN_EMAIL.into(),
                access_token: String::new(),
                refresh_token: String::new(),
            },
            accept_language: std::cell::RefCell::new(None),
        };
        if log_in {
            app.admin = app.login(ADMIN_EMAIL, ADMIN_PASSWORD).await;
        }
        app
    }

    pub fn request(&self, method: &str, path: &str) -> Req<'_> {
        let method = actix_web::http::Method::from_bytes(method.as_bytes()).expect("method");
        let mut inner = TestRequest::default().method(method).uri(path);
        if let Some(language) = self.accept_language.borrow().as_deref() {
            inner = inner.insert_header(("Accept-Language", language.to_string()));
        }
        Req { app: self, inner }
    }

    /// From now on, every request asks for answers in `accept_language`.
    pub fn speak(&self, accept_language: &str) {
        *self.accept_language.borrow_mut() = Some(accept_language.to_string());
    }

    pub fn get(&self, path: &str) -> Req<'_> {
        self.request("GET", path)
    }

    pub fn post(&self, path: &str) -> Req<'_> {
        self.request("POST", path)
    }

    pub fn patch(&self, path: &str) -> Req<'_> {
        self.request("PATCH", path)
    }

    /// Logs in and panics unless it works.
    pub async fn login(&self, email: &str, password: &str) -> Session {
        let reply = self.post("/api/v1/auth/login").json(&json!({"email": email, "password": password})).send().await;
        assert_eq!(reply.status, 200, "login of {email}: {}", reply.body);
        let me = self.get("/api/v1/me").token(reply.str("access_token")).send().await;
        assert_eq!(me.status, 200, "{}", me.body);
        Session {
            id: me.str("id").to_string(),
            email: email.to_string(),
            access_token: reply.str("access_token").to_string(),
            refresh_token: reply.str("refresh_token").to_string(),
        }
    }

    /// Creates an organisation as the admin; answers its id.
    pub async fn organization(&self, name: &str, kind: &str, districts: &[&str]) -> String {
        let reply = self
            .post("/api/v1/organizations")
            .token(&self.admin.access_token)
            .json(&json!({"name": name, "kind": kind, "districts": districts, "municipality": "Milano"}))
            .send()
            .await;
        assert_eq!(reply.status, 201, "{}", reply.body);
        reply.str("id").to_string()
    }

    /// Creates a user of `role` in `organization_id` with the given districts and logs in.
    pub async fn user(&self, role: &str, organization_id: &str, districts: &[&str]) -> Session {
        let email = format!("{role}.{}@pua.test", uuid::Uuid::now_v7().simple());
        let reply = self
            .post("/api/v1/users")
            .token(&self.admin.access_token)
            .json(&json!({
                "email": email, "display_name": format!("Test {role}"), "role": role,
                "organization_id": organization_id, "districts": districts, "password": PASSWORD
            }))
            .send()
            .await;
        assert_eq!(reply.status, 201, "{}", reply.body);
        self.login(&email, PASSWORD).await
    }

    /// One user of each role: district roles in `milano`, the others without districts.
    pub async fn one_of_each_role(&self) -> Vec<(String, Session)> {
        let partner_org =
            self.organization(&format!("ETS {}", uuid::Uuid::now_v7().simple()), "ets", &["milano"]).await;
        let mut sessions = Vec::new();
        for role in [
            "admin",
            "regional_coordinator",
            "evaluator",
            "district_coordinator",
            "case_worker",
            "legal_advisor",
            "outreach_worker",
            "partner",
        ] {
            let session = match role {
                "district_coordinator" | "case_worker" | "legal_advisor" | "outreach_worker" => {
                    self.user(role, REGION_ID, &["milano"]).await
                }
                "partner" => self.user(role, &partner_org, &[]).await,
                _ => self.user(role, REGION_ID, &[]).await,
            };
            sessions.push((role.to_string(), session));
        }
        sessions
    }

    /// The environment of the app's database, for the command line.
    pub fn env(&self) -> HashMap<String, String> {
        self.db.env()
    }

    pub fn advance(&self, by: Duration) {
        self.clock.advance(by);
    }
}

/// A request being built.
pub struct Req<'a> {
    app: &'a TestApp,
    inner: TestRequest,
}

impl Req<'_> {
    pub fn token(mut self, token: &str) -> Self {
        self.inner = self.inner.insert_header(("Authorization", format!("Bearer {token}")));
        self
    }

    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.inner = self.inner.insert_header((name.to_string(), value.to_string()));
        self
    }

    pub fn if_match(self, version: i64) -> Self {
        self.header("If-Match", &format!("\"{version}\""))
    }

    pub fn json(mut self, body: &Value) -> Self {
        self.inner = self.inner.insert_header(("Content-Type", "application/json")).set_payload(body.to_string());
        self
    }

    pub fn raw(mut self, content_type: &str, body: impl Into<actix_web::web::Bytes>) -> Self {
        if !content_type.is_empty() {
            self.inner = self.inner.insert_header(("Content-Type", content_type.to_string()));
        }
        self.inner = self.inner.set_payload(body.into());
        self
    }

    pub async fn send(self) -> Reply {
        let response = (self.app.call)(self.inner.to_request()).await;
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        // Streamed bodies (exports) are read to the end; a body that fails midway fails the test.
        let bytes = actix_web::body::to_bytes(response.into_body())
            .await
            .unwrap_or_else(|err| panic!("the body failed midway: {err}"));
        let body = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        Reply { status, headers, body, bytes: bytes.to_vec() }
    }
}

/// A response.
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: Value,
    pub bytes: Vec<u8>,
}

impl Reply {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// A string member of the JSON body; panics when absent.
    pub fn str(&self, member: &str) -> &str {
        self.body[member].as_str().unwrap_or_else(|| panic!("no string `{member}` in {}", self.body))
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.bytes).into_owned()
    }

    /// Asserts a problem document of this status; answers it for further checks.
    #[track_caller]
    pub fn problem(&self, status: u16) -> &Value {
        assert_eq!(self.status, status, "expected {status}, got {}: {}", self.status, self.text());
        assert_eq!(self.header("content-type"), Some("application/problem+json"), "{}", self.text());
        assert_eq!(self.body["status"], status);
        assert!(self.body["type"].as_str().is_some_and(|t| t.starts_with("urn:inlav:problem:")), "{}", self.body);
        assert!(self.body["title"].is_string());
        &self.body
    }

    /// The `(field, code)` pairs of a validation problem.
    #[track_caller]
    pub fn field_errors(&self) -> Vec<(String, String)> {
        self.problem(422)["errors"]
            .as_array()
            .map(|errors| {
                errors
                    .iter()
                    .map(|e| {
                        (
                            e["field"].as_str().unwrap_or_default().to_string(),
                            e["code"].as_str().unwrap_or_default().to_string(),
                        )
                    })
                    .collect()
            })
            .unwrap_or_default()
    }
}

/// Runs a command line as `inlav` would, with `env` as its whole environment.
pub fn run_cli(args: &[&str], env: &HashMap<String, String>, stdin: &str) -> (u8, String, String) {
    let mut input = std::io::Cursor::new(stdin.as_bytes().to_vec());
    let mut out = Vec::new();
    let mut err = Vec::new();
    let args = std::iter::once("inlav").chain(args.iter().copied()).map(String::from).collect();
    // Quiet unless a test sets INLAV_LOG: the log subscriber is global to the test process.
    let lookup = |name: &str| env.get(name).cloned().or_else(|| (name == "INLAV_LOG").then(|| "error".to_string()));
    // On a thread of its own: the command line starts its own runtime, which cannot be
    // started from within a test's (a test may run it beside a live app).
    let code = std::thread::scope(|scope| {
        scope
            .spawn(|| api::cli::run(args, &lookup, &mut input, &mut out, &mut err))
            .join()
            .expect("the command line panicked")
    });
    (code, String::from_utf8_lossy(&out).into_owned(), String::from_utf8_lossy(&err).into_owned())
}

/// Removes the newest audit entry and moves the chain's head back to the one before: a
/// rewrite the database alone cannot tell from an honest trail.
pub const CUT_NEWEST_AUDIT_ENTRY: [&str; 2] = [
    "DELETE FROM audit_events WHERE seq = (SELECT MAX(seq) FROM audit_events)",
    "UPDATE audit_head SET seq = (SELECT MAX(seq) FROM audit_events), \
     hash = (SELECT hash FROM audit_events ORDER BY seq DESC LIMIT 1)",
];

/// An instant `days` before the start of the test clock, as RFC 3339.
pub fn days_ago(days: i64) -> String {
    (start_time() - chrono::Duration::days(days)).to_rfc3339()
}

/// A district team in Milano, the same in Bergamo, and the roles without districts.
pub struct Team {
    pub coordinator: Session,
    pub case_worker: Session,
    pub legal_advisor: Session,
    pub outreach: Session,
    pub other_outreach: Session,
    pub bergamo_coordinator: Session,
    pub bergamo_case_worker: Session,
    pub regional: Session,
    pub evaluator: Session,
    pub partner: Session,
}

impl TestApp {
    pub async fn team(&self) -> Team {
        let partner_org =
            self.organization(&format!("ETS {}", uuid::Uuid::now_v7().simple()), "ets", &["milano"]).await;
        Team {
            coordinator: self.user("district_coordinator", REGION_ID, &["milano"]).await,
            case_worker: self.user("case_worker", REGION_ID, &["milano"]).await,
            legal_advisor: self.user("legal_advisor", REGION_ID, &["milano"]).await,
            outreach: self.user("outreach_worker", REGION_ID, &["milano"]).await,
            other_outreach: self.user("outreach_worker", REGION_ID, &["milano"]).await,
            bergamo_coordinator: self.user("district_coordinator", REGION_ID, &["bergamo"]).await,
            bergamo_case_worker: self.user("case_worker", REGION_ID, &["bergamo"]).await,
            regional: self.user("regional_coordinator", REGION_ID, &[]).await,
            evaluator: self.user("evaluator", REGION_ID, &[]).await,
            partner: self.user("partner", &partner_org, &[]).await,
        }
    }

    /// Records an interception with a new beneficiary; answers the case as returned.
    pub async fn intercept(&self, who: &Session, district: &str, beneficiary: Value) -> Value {
        let reply = self
            .post("/api/v1/cases")
            .token(&who.access_token)
            .json(&json!({
                "beneficiary": beneficiary, "district": district, "channel": "street_outreach",
                "intercepted_at": days_ago(10)
            }))
            .send()
            .await;
        assert_eq!(reply.status, 201, "{}", reply.body);
        reply.body
    }

    /// Reads a case as `who` and answers its current version.
    pub async fn version_of(&self, who: &Session, path: &str) -> i64 {
        let reply = self.get(path).token(&who.access_token).send().await;
        assert_eq!(reply.status, 200, "{}", reply.body);
        reply.body["version"].as_i64().unwrap_or_else(|| panic!("no version in {}", reply.body))
    }

    /// The database, kept after the app is dropped (to run the command line on it).
    pub fn into_db(self) -> TestDb {
        self.db
    }

    /// Everything the database holds as bytes (see [`TestDb::stored_bytes`]).
    pub fn stored_bytes(&self) -> Vec<u8> {
        self.db.stored_bytes()
    }

    /// Runs SQL against the test database (to inspect or to tamper in tests).
    pub async fn execute_sql(&self, sql: &str) -> usize {
        let sql = sql.to_string();
        self.state
            .database()
            .with_connection(move |conn| {
                diesel::RunQueryDsl::execute(diesel::sql_query(sql), conn).map_err(persistence::Error::from)
            })
            .await
            .expect("sql")
    }
}

impl TestApp {
    /// A case of Milano taken in charge 8 days before the start of the clock, with the privacy
    /// notice, a need, irregular work and the team's case worker. Answers `(case, beneficiary)`.
    pub async fn case_in_charge(&self, team: &Team, person: Value) -> (String, String) {
        let case = self.intercept(&team.case_worker, "milano", person).await;
        let id = case["id"].as_str().expect("case id").to_string();
        let beneficiary = case["beneficiary"]["id"].as_str().expect("beneficiary id").to_string();
        let token = &team.case_worker.access_token;
        let reply = self
            .post(&format!("/api/v1/beneficiaries/{beneficiary}/consents"))
            .token(token)
            .json(&json!({"kind": "privacy_notice", "given_on": "2026-02-20", "method": "written", "language": "it"}))
            .send()
            .await;
        assert_eq!(reply.status, 201, "{}", reply.body);
        let path = format!("/api/v1/cases/{id}");
        let reply = self
            .patch(&path)
            .token(token)
            .if_match(1)
            .json(&json!({"needs": ["job_placement"], "work": {"contract": "irregular"}, "case_worker_id": team.case_worker.id}))
            .send()
            .await;
        assert_eq!(reply.status, 200, "{}", reply.body);
        for (step, (to, days)) in [("screening", 9), ("taken_in_charge", 8)].iter().enumerate() {
            let reply = self
                .post(&format!("{path}/transitions"))
                .token(token)
                .if_match(2 + step as i64)
                .json(&json!({"to": to, "effective_at": days_ago(*days)}))
                .send()
                .await;
            assert_eq!(reply.status, 200, "{}", reply.body);
        }
        (id, beneficiary)
    }

    /// Registers a partner system of `organization` with `scopes`; answers `(client_id, secret)`.
    pub async fn service_account(&self, organization: &str, scopes: &[&str]) -> (String, String, String) {
        let reply = self
            .post("/api/v1/service-accounts")
            .token(&self.admin.access_token)
            .json(&json!({"organization_id": organization, "name": "Gestionale ETS", "scopes": scopes}))
            .send()
            .await;
        assert_eq!(reply.status, 201, "{}", reply.body);
        (reply.str("id").to_string(), reply.str("client_id").to_string(), reply.str("client_secret").to_string())
    }

    /// A referral of `case` to `organization` proposed by `worker`, after the person's consent
    /// to share their data with it; answers its id.
    pub async fn propose_referral(
        &self,
        worker: &Session,
        case: &str,
        beneficiary: &str,
        organization: &str,
    ) -> String {
        let consent = self
            .post(&format!("/api/v1/beneficiaries/{beneficiary}/consents"))
            .token(&worker.access_token)
            .json(&json!({"kind": "data_sharing", "organization_id": organization, "given_on": "2026-03-01", "method": "written", "language": "ur"}))
            .send()
            .await;
        assert_eq!(consent.status, 201, "{}", consent.body);
        let proposed = self
            .post(&format!("/api/v1/cases/{case}/referrals"))
            .token(&worker.access_token)
            .json(&json!({"to_organization_id": organization, "category": "orientation_work", "reason": "Cerca lavoro regolare", "joint_intake": false}))
            .send()
            .await;
        assert_eq!(proposed.status, 201, "{}", proposed.body);
        proposed.str("id").to_string()
    }

    /// A partner system's token, by the client-credentials form.
    pub async fn system_token(&self, client_id: &str, secret: &str) -> String {
        let form = format!("grant_type=client_credentials&client_id={client_id}&client_secret={secret}");
        let reply = self.post("/api/v1/auth/token").raw("application/x-www-form-urlencoded", form).send().await;
        assert_eq!(reply.status, 200, "{}", reply.body);
        reply.str("access_token").to_string()
    }
}

/// The quasi-identifiers of a research export's row.
pub const QUASI_IDENTIFIERS: [&str; 7] =
    ["district", "gender", "age_band", "citizenship", "intercepted_month", "channel", "profile"];

/// The parts of an `InLav-Anonymity` header, by name.
pub fn anonymity_of(header: &str) -> HashMap<String, String> {
    header.split("; ").filter_map(|part| part.split_once('=')).map(|(k, v)| (k.to_string(), v.to_string())).collect()
}

/// The fewest people (by `person` pseudonym) sharing the quasi-identifiers of a row of an
/// export; 0 when it has none.
pub fn smallest_class(rows: &[Value]) -> usize {
    let mut classes: HashMap<Vec<String>, std::collections::HashSet<String>> = HashMap::new();
    for row in rows {
        let key = QUASI_IDENTIFIERS.iter().map(|column| row[*column].to_string()).collect();
        classes.entry(key).or_default().insert(row["person"].as_str().expect("person").to_string());
    }
    classes.values().map(|people| people.len()).min().unwrap_or(0)
}
