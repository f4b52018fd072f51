//! Assembly of the application and the start-up sequence: database, migrations, reference
//! data, signing secret, first administrator, HTTP server.

use std::sync::Arc;
use std::time::Duration;

use actix_cors::Cors;
use actix_web::body::MessageBody;
use actix_web::dev::{ServiceFactory, ServiceRequest, ServiceResponse};
use actix_web::http::header;
use actix_web::http::header::ContentType;
use actix_web::middleware::{Compress, Condition, ErrorHandlers, from_fn};
use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use app::Context;
use app::users::NewAccount;
use domain::users::Role;
use persistence::{Database, Pool};
use utoipa::openapi::OpenApi;
use utoipa_actix_web::{AppExt, UtoipaApp, scope};
use utoipa_swagger_ui::{Config as SwaggerConfig, SwaggerUi};
use uuid::Uuid;

use crate::body_schemas::BodySchemas;
use crate::clock::{Clock, SystemClock};
use crate::config::{Config, WebSettings};
use crate::housekeeping;
use crate::openapi::{self, RouteTable};
use crate::response_headers::protect_responses;
use crate::routes;
use crate::secrets::{self, SecretSource};
use crate::state::AppState;
use crate::telemetry::{ensure_problem, fallback, limit_headers, request_context};
use crate::tokens::TokenKeys;

/// Regione Lombardia, seeded by the first migration: the organisation of the first admin.
pub const REGION_ORGANIZATION_ID: Uuid = Uuid::from_u128(0x01900000_0000_7000_8000_000000000001);
pub const DEFAULT_ADMIN_EMAIL: &str = "admin@inlav.local";

/// Registers every route; the spec is collected from the same registration.
fn register<T>(app: UtoipaApp<T>) -> UtoipaApp<T>
where
    T: ServiceFactory<ServiceRequest, Config = (), Error = actix_web::Error, InitError = ()>,
{
    app.service(
        scope::scope("/api/v1")
            .configure(routes::auth::configure)
            .configure(routes::service_accounts::configure)
            .configure(routes::users::configure)
            .configure(routes::beneficiaries::configure)
            .configure(routes::transfers::configure)
            .configure(routes::consents::configure)
            .configure(routes::cases::configure)
            .configure(routes::changes::configure)
            .configure(routes::webhooks::configure)
            .configure(routes::audit::configure)
            .configure(routes::network::configure)
            .configure(routes::services::configure)
            .configure(routes::referrals::configure)
            .configure(routes::legal::configure)
            .configure(routes::work_grants::configure)
            .configure(routes::notes::configure)
            .configure(routes::alerts::configure)
            .configure(routes::activities::configure)
            .configure(routes::pacts::configure)
            .configure(routes::reports::configure)
            .configure(routes::exports::configure)
            .configure(routes::organizations::configure)
            .configure(routes::districts::configure)
            .configure(routes::vocabularies::configure),
    )
    .configure(routes::health::configure)
}

/// The OpenAPI document of this build.
pub fn spec() -> OpenApi {
    let (_, mut spec) = register(App::new().into_utoipa_app().openapi(openapi::base())).split_for_parts();
    routes::webhooks::document(&mut spec);
    openapi::complete(&mut spec);
    spec
}

/// The spec as committed in `openapi/openapi.json`.
pub fn spec_json() -> String {
    match serde_json::to_string_pretty(&spec()) {
        Ok(json) => json + "\n",
        Err(err) => format!("{{\"error\": \"{err}\"}}\n"),
    }
}

/// The spec as served at `/api/v1/openapi.json`: serialised once and shared by every worker.
/// Swagger UI's own handler would keep a copy of the whole document tree in each worker and
/// serialise it on every request; the tree is several megabytes, the JSON 370 KB.
/// It carries an `ETag` (its SHA-256), so that a client asks again with `If-None-Match` and
/// gets 304 until the service is upgraded.
#[derive(Clone)]
pub struct ServedSpec {
    body: web::Bytes,
    etag: String,
    body_schemas: web::Data<BodySchemas>,
}

impl ServedSpec {
    pub fn new(spec: &OpenApi) -> ServedSpec {
        // Serialising a tree of strings and maps cannot fail; should it, the document says so.
        let body = serde_json::to_vec(spec).unwrap_or_else(|err| format!("{{\"error\": \"{err}\"}}").into_bytes());
        let etag = crate::extract::content_etag(&body);
        let body_schemas = web::Data::new(BodySchemas::from_spec(spec));
        ServedSpec { body: web::Bytes::from(body), etag, body_schemas }
    }

    /// The request bodies' schemas, shared by every worker.
    pub fn body_schemas(&self) -> web::Data<BodySchemas> {
        self.body_schemas.clone()
    }

    fn answer(&self, req: &HttpRequest) -> HttpResponse {
        let unchanged = crate::extract::client_has(req, &self.etag);
        let mut answer = if unchanged { HttpResponse::NotModified() } else { HttpResponse::Ok() };
        answer.insert_header((header::ETAG, self.etag.clone())).insert_header((header::CACHE_CONTROL, "no-cache"));
        if unchanged { answer.finish() } else { answer.insert_header(ContentType::json()).body(self.body.clone()) }
    }
}

const SPEC_PATH: &str = "/api/v1/openapi.json";

/// The application: routes, Swagger UI at `/docs/`, request ids, problem documents, and CORS
/// for the origins named.
pub fn app(
    state: AppState,
    spec: ServedSpec,
    routes: RouteTable,
    settings: WebSettings,
) -> App<
    impl ServiceFactory<
        ServiceRequest,
        Config = (),
        Response = ServiceResponse<impl MessageBody>,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    // Swagger UI (and the spec it serves under /api/v1) is registered before the /api/v1
    // scope, which would otherwise take every path under it.
    let base = App::new()
        .app_data(web::Data::new(state))
        .app_data(web::Data::new(routes))
        .app_data(web::Data::new(settings.default_language))
        .app_data(spec.body_schemas())
        .service(
            SwaggerUi::new("/docs/{_:.*}")
                // No call to the public validator: loading the page sends nothing off the machine.
                .config(SwaggerConfig::new([SPEC_PATH]).validator_url("none")),
        )
        .route(
            SPEC_PATH,
            web::get().to(move |req: HttpRequest| {
                let answer = spec.answer(&req);
                async move { answer }
            }),
        );
    let (app, _) = register(base.into_utoipa_app().openapi(openapi::base())).split_for_parts();
    app.route(
        "/docs",
        web::get().to(|| async { HttpResponse::PermanentRedirect().insert_header(("Location", "/docs/")).finish() }),
    )
    .configure(crate::metrics::configure(settings.metrics_token.clone()))
    .default_service(web::to(fallback))
    // Inside the problem handler: a refused preflight becomes a problem document, without CORS
    // headers; every other answer keeps those CORS added.
    .wrap(Condition::new(!settings.cors_origins.is_empty(), cors(&settings.cors_origins)))
    .wrap(ErrorHandlers::new().default_handler(ensure_problem))
    // Every answer a client accepts compressed (gzip or brotli, by `Accept-Encoding`), problems
    // included. An XLSX, a zip already, gains little and is compressed all the same: marking it
    // `Content-Encoding: identity` would put a value in that header which RFC 9110 reserves.
    .wrap(Compress::default())
    .wrap(from_fn(limit_headers))
    .wrap(from_fn(follow_storage))
    .wrap(from_fn(request_context))
    .wrap(from_fn(protect_responses))
}

/// What a browser on one of `origins` may send and read. Requests with another `Origin` still
/// reach the API (non-browser clients, Swagger UI on the service's own origin send one), but
/// without CORS headers the browser hands their answers to no page.
fn cors(origins: &[String]) -> Cors {
    use actix_web::http::Method;
    let cors = origins.iter().fold(Cors::default(), |cors, origin| cors.allowed_origin(origin));
    cors.allowed_methods([Method::GET, Method::POST, Method::PATCH, Method::PUT, Method::DELETE])
        .allowed_headers([
            header::AUTHORIZATION,
            header::CONTENT_TYPE,
            header::ACCEPT,
            header::ACCEPT_LANGUAGE,
            header::IF_MATCH,
            header::HeaderName::from_static("idempotency-key"),
            header::HeaderName::from_static("x-request-id"),
        ])
        .expose_headers([
            header::ETAG,
            header::LOCATION,
            header::RETRY_AFTER,
            header::CONTENT_DISPOSITION,
            header::HeaderName::from_static("x-request-id"),
            header::HeaderName::from_static("idempotent-replayed"),
            header::HeaderName::from_static("inlav-anonymity"),
            header::HeaderName::from_static("ratelimit"),
            header::HeaderName::from_static("ratelimit-policy"),
        ])
        .block_on_origin_mismatch(false)
        .max_age(3600)
}

/// Opens the database named by the configuration and applies pending migrations.
pub fn open_database(config: &Config) -> Result<Pool, String> {
    let target = config.database_url.redacted();
    let pool = persistence::db::connect(config.database_url.clone(), config.pool.clone())
        .map_err(|err| format!("database {target}: {}", one_line(&err.to_string())))?;
    let mut conn = pool.get().map_err(|err| format!("database {target}: {}", one_line(&err.to_string())))?;
    let applied = persistence::db::run_migrations(&mut conn)
        .map_err(|err| format!("database {target}: {}", one_line(&err.to_string())))?;
    for name in &applied {
        tracing::info!(migration = %name, "migration applied");
    }
    Ok(pool)
}

/// The shared state over an open, migrated database.
pub fn load_state(pool: Pool, config: &Config, clock: Arc<dyn Clock>, secrets: &Secrets) -> Result<AppState, String> {
    let database = |err: persistence::Error| format!("database: {}", one_line(&err.to_string()));
    let mut conn = pool.get().map_err(|err| format!("database: {}", one_line(&err.to_string())))?;
    let districts = persistence::districts::list(&mut conn).map_err(database)?;
    // The tallies count the configured zone's days; counted in another, they are recounted.
    persistence::reports::tallies::count_days_of(&mut conn, config.time_zone).map_err(database)?;
    let backend = conn.backend();
    drop(conn);
    let codes = districts.into_iter().map(|d| d.code).collect();
    let context = Context::new(
        Database::new(pool, backend, config.long_reads),
        codes,
        secrets.pseudonym.clone(),
        config.time_zone,
    );
    Ok(AppState::new(context, clock, TokenKeys::new(&secrets.jwt), config.webhooks.clone()))
}

/// The secrets a running service needs.
pub struct Secrets {
    pub jwt: Vec<u8>,
    pub pseudonym: Vec<u8>,
    pub audit: Vec<u8>,
}

/// The JWT secret and the pseudonym key, with a warning for each one generated.
pub fn load_secrets(config: &Config) -> Result<Secrets, String> {
    let (jwt, source) = secrets::jwt_secret(config.jwt_secret.as_deref(), &config.data_dir)?;
    announce_secret(source, config, secrets::JWT_SECRET_FILE, "INLAV_JWT_SECRET");
    let (pseudonym, source) = secrets::pseudonym_key(config.pseudonym_key.as_deref(), &config.data_dir)?;
    announce_secret(source, config, secrets::PSEUDONYM_KEY_FILE, "INLAV_PSEUDONYM_KEY");
    let (audit, source) = secrets::audit_key(config.audit_key.as_deref(), &config.data_dir)?;
    announce_secret(source, config, secrets::AUDIT_KEY_FILE, "INLAV_AUDIT_KEY");
    Ok(Secrets { jwt, pseudonym, audit })
}

fn announce_secret(source: SecretSource, config: &Config, file: &str, variable: &str) {
    let path = config.data_dir.join(file);
    match source {
        SecretSource::Environment => {}
        SecretSource::ExistingFile => {
            tracing::info!(path = %path.display(), "{variable} not set: using the kept secret")
        }
        SecretSource::GeneratedFile => tracing::warn!(
            path = %path.display(),
            "{variable} not set: generated a secret and kept it in the data directory; \
             several instances must share one, so set {variable} for them"
        ),
    }
}

/// What the first start did about the administrator.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Bootstrap {
    /// Users exist: nothing to do.
    NotNeeded,
    /// An admin was created; the password is `Some` when it was generated.
    Created { email: String, generated_password: Option<String> },
}

/// Creates the first admin when no user exists.
pub async fn bootstrap_admin(state: &AppState, config: &Config) -> Result<Bootstrap, String> {
    let count = app::users::count(state.context()).await.map_err(|err| err.to_string())?;
    if count > 0 {
        if app::users::active_admins(state.context()).await.map_err(|err| err.to_string())? == 0 {
            tracing::warn!(
                "no active administrator: nobody can manage accounts; create one with \
                 `inlav user create --role admin --email <address> --name <name> --organization \"Regione Lombardia\"`"
            );
        }
        return Ok(Bootstrap::NotNeeded);
    }
    let email = config.admin_email.clone().unwrap_or_else(|| DEFAULT_ADMIN_EMAIL.to_string());
    let account = NewAccount {
        email: email.clone(),
        display_name: "Administrator".into(),
        role: Role::Admin,
        organization_id: REGION_ORGANIZATION_ID,
        districts: Vec::new(),
        password: config.admin_password.clone(),
    };
    match app::users::create_account(state.context(), state.now(), account).await {
        Ok((user, generated_password)) => {
            Ok(Bootstrap::Created { email: user.email.into_string(), generated_password })
        }
        // Another instance starting on the same database created it first.
        Err(app::Error::Conflict(_)) => Ok(Bootstrap::NotNeeded),
        Err(err) => Err(format!("cannot create the first admin: {err}")),
    }
}

/// Prints the first admin's credentials, once, on the console (never in the log).
pub fn announce(bootstrap: &Bootstrap, out: &mut dyn std::io::Write) {
    if let Bootstrap::Created { email, generated_password } = bootstrap {
        let password = generated_password.as_deref().unwrap_or("(the one in INLAV_ADMIN_PASSWORD)");
        let _ = writeln!(
            out,
            "\n=== First start: administrator account created ===\n  e-mail:   {email}\n  password: {password}\n\
             This password is shown only now. Keep it safe; change it with PATCH /api/v1/users/{{id}}.\n"
        );
    }
}

/// Writes the storage probe once, so that a full disk or a read-only database is in `/ready`
/// from the start rather than from the first refused write.
pub async fn probe_storage_at_start(state: &AppState) {
    if let Err(err) = crate::routes::health::probe_storage(state).await {
        tracing::warn!(%err, "the storage probe failed at start");
    }
}

/// Starts the service and runs until SIGINT or SIGTERM; in-flight requests are finished.
pub async fn serve(config: Config) -> Result<(), String> {
    let pool = open_database(&config)?;
    let secrets = load_secrets(&config)?;
    let state = load_state(pool, &config, Arc::new(SystemClock), &secrets)?;
    let bootstrap = bootstrap_admin(&state, &config).await?;
    announce(&bootstrap, &mut std::io::stdout());
    probe_storage_at_start(&state).await;

    let (spec, routes) = {
        let spec = spec();
        (ServedSpec::new(&spec), RouteTable::from_spec(&spec))
    };
    let factory_state = state.clone();
    let web_settings = config.web.clone();
    let mut server =
        HttpServer::new(move || app(factory_state.clone(), spec.clone(), routes.clone(), web_settings.clone()))
            .shutdown_timeout(30)
            // A client has 10 s to send its headers, and idle keep-alive connections close after
            // 30 s: slow or silent clients do not hold workers.
            .client_request_timeout(Duration::from_secs(10))
            .client_disconnect_timeout(Duration::from_secs(5))
            .keep_alive(Duration::from_secs(30));
    if let Some(workers) = config.workers {
        server = server.workers(workers);
    }
    // Storage work runs on each worker's blocking pool and waits for one of the pool's
    // connections: threads beyond that only wait, and each costs memory and context switches
    // (the default allows 512).
    server = server.worker_max_blocking_threads(config.pool.max_size.max(2) as usize);
    let server = server.bind(config.bind).map_err(|err| format!("INLAV_BIND {}: {err}", config.bind))?;
    tracing::info!(
        address = %config.bind,
        database = %config.database_url.redacted(),
        "InLav PUA API listening: http://{}/docs/",
        config.bind
    );
    let housekeeping = housekeeping::start(&state, &config, &secrets.audit);
    server.run().await.map_err(|err| format!("server: {err}"))?;
    housekeeping.stop();
    // Every answered read waited for its entries; this also commits those of requests whose
    // clients went away before the answer.
    if let Err(err) = state.database().flush().await {
        tracing::error!(%err, "audit entries of abandoned requests could not be committed");
    }
    tracing::info!("stopped");
    Ok(())
}

pub(crate) fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Follows every answer for the storage's health (see [`crate::storage_health::StorageHealth::observe`]).
pub async fn follow_storage(
    req: ServiceRequest,
    next: actix_web::middleware::Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    use actix_web::http::Method;
    let writes = !matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    let state = req.app_data::<web::Data<AppState>>().cloned();
    let response = next.call(req).await?;
    if let Some(state) = state {
        let code = response.response().extensions().get::<crate::problem::ProblemCode>().copied();
        let wrote = writes && response.status().is_success();
        state.storage_health().observe(code, wrote, state.now());
    }
    Ok(response)
}
