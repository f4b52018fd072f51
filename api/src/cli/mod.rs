//! The `inlav` command line: the service, its database (migrations, backups, seeds, the audit
//! trail, retention), accounts, and the report and export for scripts. Errors are one line on
//! standard error; the exit code says how it ended (see [`EXIT_CODES`]).

mod accounts;
mod backup;
mod output;
mod progress;
mod reports;

use std::io::{BufRead, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use clap::{Parser, Subcommand};
use domain::Vocabulary;
use domain::audit::{Checkpoint, CheckpointError};

use self::accounts::{OrgCommand, ServiceAccountCommand, UserCommand};
use self::progress::Spinner;
use self::reports::{ExportCommand, ReportsCommand};
use crate::clock::SystemClock;
use crate::config::Config;
use crate::secrets;
use crate::server::{self, REGION_ORGANIZATION_ID};
use crate::state::AppState;
use crate::telemetry::init_logging;

/// The settings, read from the environment by every command (`inlav --help` lists them).
const ENVIRONMENT: &str = "\
Environment (every command reads it; docs/operations.md says more):
  DATABASE_URL                   sqlite://PATH or postgres://USER@HOST/DB (default sqlite://$INLAV_DATA_DIR/inlav.db)
  INLAV_DATA_DIR                 the data directory: SQLite database, generated secrets (default data)
  INLAV_BIND                     address to listen on (default 127.0.0.1:8080)
  INLAV_JWT_SECRET               token signing secret; default: generated into the data directory
  INLAV_PSEUDONYM_KEY            key of the research export's pseudonyms; default: as above
  INLAV_AUDIT_KEY                key signing audit checkpoints; default: as above
  INLAV_ADMIN_EMAIL, INLAV_ADMIN_PASSWORD
                                 the first administrator, created at the first start
  INLAV_CORS_ORIGINS             browser origins allowed to call the API, comma-separated
  INLAV_DEFAULT_LANGUAGE         en or it: messages when the request names no language
  INLAV_LOG                      log filter and format, e.g. info or info,json (default info)
  INLAV_METRICS_TOKEN            serves /metrics to requests bearing this token; unset: no /metrics
  INLAV_AUDIT_CHECKPOINT_MINUTES how often serve logs a signed audit checkpoint (0: never)
  INLAV_DB_POOL_SIZE, INLAV_DB_TIMEOUT_MS, INLAV_SQLITE_SYNC (full|normal), INLAV_LONG_READS,
  INLAV_WORKERS                  pool, waits, durability, long reads at once, HTTP workers
  INLAV_TIME_ZONE                whose calendar days reports count (default Europe/Rome)
  INLAV_WEBHOOK_ALLOW, INLAV_WEBHOOK_RETRY_BASE_MS, INLAV_WEBHOOK_DISPATCH (on|off)
                                 private networks webhooks may reach, retry pace, delivering here

Exit codes: 0 done; 1 failed (the reason on one line); 2 bad usage or settings;
3 migrate --check: migrations are pending.";

/// How a command ended, for scripts.
pub const EXIT_CODES: [(u8, &str); 4] = [
    (0, "done"),
    (1, "failed: the reason is on standard error, one line"),
    (2, "bad usage or settings"),
    (3, "migrate --check: migrations are pending"),
];

#[derive(Debug, Parser)]
#[command(
    name = "inlav",
    version,
    about = "InLav PUA: the system of record of the PUA InLav access points.",
    after_help = ENVIRONMENT
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Start the HTTP service (the default). Settings come from the environment.
    Serve,
    /// Apply pending database migrations and exit. Several instances may start together: on
    /// PostgreSQL one migrates while the others wait.
    Migrate {
        /// Apply nothing: exit 0 when the database is up to date, 3 when migrations are
        /// pending (they are listed), 1 when it cannot be read or a newer binary migrated it.
        #[arg(long)]
        check: bool,
    },
    /// Manage user accounts.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// The organisations' directory.
    Org {
        #[command(subcommand)]
        command: OrgCommand,
    },
    /// Partner organisations' systems and their client credentials.
    ServiceAccount {
        #[command(subcommand)]
        command: ServiceAccountCommand,
    },
    /// The research export.
    Export {
        #[command(subcommand)]
        command: ExportCommand,
    },
    /// Copy the database while the service runs, with its secrets and a manifest, into a new
    /// directory (SQLite: the database itself; PostgreSQL: the secrets and the manifest, the
    /// database is copied with pg_dump).
    Backup {
        #[arg(long, value_name = "DIR")]
        to: PathBuf,
    },
    /// Restore a backup into an empty data directory (SQLite), or check a PostgreSQL database
    /// restored with pg_restore against it and put its secrets in place. A copy whose checksums
    /// or audit chain do not verify is refused.
    Restore {
        #[arg(long, value_name = "DIR")]
        from: PathBuf,
    },
    /// Print the OpenAPI document.
    Openapi,
    /// Fill the database with generated data: `--demo` (an empty database: users of every role
    /// with a known password, the Milan network, 200 cases) or `--synthetic N` (N cases).
    Seed {
        #[arg(long, conflicts_with = "synthetic", required_unless_present = "synthetic")]
        demo: bool,
        /// How many cases to generate.
        #[arg(long, value_name = "N")]
        synthetic: Option<usize>,
        /// Seed of the generator: the same seed on an empty database gives the same data.
        #[arg(long)]
        seed: Option<u64>,
    },
    /// Check the database: SQLite's integrity check (PostgreSQL: amcheck on every index when the
    /// extension is installed), then the audit chain end to end; exit 1 naming what is wrong.
    Check,
    /// The audit trail.
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
    /// Anonymise the people whose district's retention period has passed since their last case
    /// closed (`serve` also runs this daily).
    Retention {
        #[command(subcommand)]
        command: RetentionCommand,
    },
    /// The indicators report.
    Reports {
        #[command(subcommand)]
        command: ReportsCommand,
    },
}

#[derive(Debug, Subcommand)]
enum RetentionCommand {
    /// Anonymise them, except those a legal procedure holds; prints what was done as JSON.
    Run {
        /// Only list them.
        #[arg(long)]
        dry_run: bool,
    },
}

#[derive(Debug, Subcommand)]
enum AuditCommand {
    /// Check the hash chain of the audit trail end to end, the index of the pages' people, and
    /// the chain against signed checkpoints; exit 1 when it was tampered with.
    Verify {
        /// A file holding signed checkpoints (written by `audit checkpoint`, or a saved log of
        /// `serve`); every checkpoint in it is checked. Repeatable.
        #[arg(long, value_name = "FILE")]
        checkpoint: Vec<PathBuf>,
    },
    /// Sign a checkpoint of the chain's head (entries, head hash, time) with the audit key
    /// (INLAV_AUDIT_KEY, or the data directory's audit-key) and print it, or append it to FILE.
    Checkpoint {
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
    },
}

/// Entry point of the binary.
pub fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().collect();
    let stdin = std::io::stdin();
    let code =
        run(args, &|name| std::env::var(name).ok(), &mut stdin.lock(), &mut std::io::stdout(), &mut std::io::stderr());
    ExitCode::from(code)
}

/// Runs a command line with the given environment and streams; answers the exit code
/// (0 success, 1 failure, 2 bad usage or settings).
pub fn run(
    args: Vec<String>,
    env: &dyn Fn(&str) -> Option<String>,
    stdin: &mut dyn BufRead,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> u8 {
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(usage) => {
            let exit = usage.exit_code();
            let _ = if exit == 0 { write!(out, "{usage}") } else { write!(err, "{usage}") };
            return u8::try_from(exit).unwrap_or(2);
        }
    };
    let command = cli.command.unwrap_or(Command::Serve);
    if let Command::Openapi = command {
        let _ = out.write_all(server::spec_json().as_bytes());
        return 0;
    }
    let config = match Config::from_env(env) {
        Ok(config) => config,
        Err(error) => {
            let _ = writeln!(err, "inlav: {error}");
            return 2;
        }
    };
    init_logging(&config.log);
    if let Command::Migrate { check: true } = command {
        return migrate_check(&config, out, err);
    }
    let runtime = actix_web::rt::System::new();
    let result = runtime.block_on(async {
        match command {
            Command::Serve => server::serve(config).await,
            Command::Migrate { .. } => server::open_database(&config).map(|_| {
                let _ = writeln!(out, "database {} is up to date", config.database_url.redacted());
            }),
            Command::User { command } => accounts::user(&config, command, stdin, out).await,
            Command::Org { command } => accounts::org(&config, command, out).await,
            Command::ServiceAccount { command } => accounts::service_account(&config, command, out).await,
            Command::Reports { command } => reports::reports(&config, command, out).await,
            Command::Export { command } => reports::export(&config, command, out).await,
            Command::Backup { to } => backup::backup(&config, &to, out).await,
            Command::Restore { from } => backup::restore(&config, &from, out).await,
            Command::Seed { demo, synthetic, seed } => seed_database(&config, demo, synthetic, seed, out).await,
            Command::Audit { command } => audit(&config, command, out).await,
            Command::Check => check(&config, out).await,
            Command::Retention { command: RetentionCommand::Run { dry_run } } => {
                let state = open(&config)?;
                let spinner = Spinner::start("retention: anonymising the people due");
                let report = app::erasure::run_retention(state.context(), state.now(), dry_run)
                    .await
                    .map_err(|err| format!("retention: {err}"))?;
                drop(spinner);
                let _ = writeln!(
                    out,
                    "{}",
                    serde_json::json!({
                        "dry_run": dry_run,
                        "skipped": report.skipped,
                        "due": report.due,
                        "anonymised": report.anonymised,
                        "held": report.held,
                    })
                );
                Ok(())
            }
            Command::Openapi => Ok(()),
        }
    });
    match result {
        Ok(()) => 0,
        Err(message) => {
            let _ = writeln!(err, "inlav: {message}");
            1
        }
    }
}

/// `migrate --check`: what an upgrade would apply, applying nothing.
fn migrate_check(config: &Config, out: &mut dyn Write, err: &mut dyn Write) -> u8 {
    let target = config.database_url.redacted();
    let pending = persistence::db::connect(config.database_url.clone(), config.pool.clone())
        .map_err(|e| e.to_string())
        .and_then(|pool| pool.get().map_err(|e| e.to_string()))
        .and_then(|mut conn| persistence::db::pending_migrations(&mut conn).map_err(|e| e.to_string()));
    match pending {
        Ok(pending) if pending.is_empty() => {
            let _ = writeln!(out, "database {target} is up to date");
            0
        }
        Ok(pending) => {
            let _ = writeln!(out, "database {target} lacks {} migrations: {}", pending.len(), pending.join(", "));
            3
        }
        Err(message) => {
            let _ = writeln!(err, "inlav: database {target}: {}", server::one_line(&message));
            1
        }
    }
}

/// `check`: the storage's own integrity check, then the audit chain (see `app::backup::check`).
async fn check(config: &Config, out: &mut dyn Write) -> Result<(), String> {
    let state = open(config)?;
    let checked = app::backup::check(state.database(), Vec::new(), state.now()).await.map_err(|failed| failed.0)?;
    let _ = writeln!(
        out,
        "database {} is sound: integrity check passed, audit chain intact ({} entries), schema {}",
        config.database_url.redacted(),
        checked.head.entries,
        checked.schema_version.as_deref().unwrap_or("empty")
    );
    Ok(())
}

async fn audit(config: &Config, command: AuditCommand, out: &mut dyn Write) -> Result<(), String> {
    let state = open(config)?;
    let (key, _) = secrets::audit_key(config.audit_key.as_deref(), &config.data_dir)?;
    match command {
        AuditCommand::Verify { checkpoint: files } => {
            let mut checkpoints = Vec::new();
            for file in &files {
                let text = std::fs::read_to_string(file).map_err(|err| format!("{}: {err}", file.display()))?;
                let before = checkpoints.len();
                for token in Checkpoint::tokens_in(&text) {
                    let checkpoint = Checkpoint::open(token, &key).map_err(|err| match err {
                        CheckpointError::Malformed => format!("{}: a checkpoint is malformed: {token}", file.display()),
                        CheckpointError::BadSignature => format!(
                            "{}: a checkpoint was not signed with this audit key, or was changed: {token}",
                            file.display()
                        ),
                    })?;
                    checkpoints.push(checkpoint);
                }
                if checkpoints.len() == before {
                    return Err(format!("{}: holds no audit checkpoint", file.display()));
                }
            }
            let count = checkpoints.len();
            let verified =
                app::audit::verify(state.database(), checkpoints).await.map_err(|unverified| unverified.0)?;
            let _ = writeln!(
                out,
                "audit chain intact: {} entries, head at entry {}{}",
                verified.checked,
                verified.head_seq,
                if count > 0 { format!(", consistent with {count} checkpoints") } else { String::new() }
            );
            Ok(())
        }
        AuditCommand::Checkpoint { out: file } => {
            let checkpoint = app::audit::checkpoint(state.database(), state.now()).await.map_err(|e| e.0)?;
            let line = serde_json::json!({
                "entries": checkpoint.entries,
                "head_hash": checkpoint.head_hash,
                "at": checkpoint.at.to_rfc3339(),
                "checkpoint": checkpoint.sign(&key),
            })
            .to_string();
            match file {
                Some(path) => {
                    use std::io::Write as _;
                    let mut file = std::fs::OpenOptions::new()
                        .create(true)
                        .append(true)
                        .open(&path)
                        .map_err(|err| format!("{}: {err}", path.display()))?;
                    writeln!(file, "{line}")
                        .and_then(|()| file.sync_all())
                        .map_err(|err| format!("{}: {err}", path.display()))?;
                    let _ =
                        writeln!(out, "checkpoint of {} entries appended to {}", checkpoint.entries, path.display());
                }
                None => {
                    let _ = writeln!(out, "{line}");
                }
            }
            Ok(())
        }
    }
}

/// The password of every `--demo` user: printed, and meant only for a demo.
pub const DEMO_PASSWORD: &str = "demo-password-2026";

/// The service's state over the configured database, for commands that run use cases. No
/// token is made by them, so the JWT secret is not read; the pseudonym key is the service's own
/// (from the environment or the data directory), so that an export's pseudonyms are those of
/// the API's exports.
fn open(config: &Config) -> Result<AppState, String> {
    let pool = server::open_database(config)?;
    let (pseudonym, _) = secrets::pseudonym_key(config.pseudonym_key.as_deref(), &config.data_dir)?;
    let unused = server::Secrets { jwt: vec![0; 32], pseudonym, audit: vec![0; 32] };
    server::load_state(pool, config, Arc::new(SystemClock), &unused)
}

async fn seed_database(
    config: &Config,
    demo: bool,
    synthetic: Option<usize>,
    seed: Option<u64>,
    out: &mut dyn Write,
) -> Result<(), String> {
    let state = open(config)?;
    let ctx = state.context();
    let text = |e: app::Error| e.to_string();
    if demo && !app::seed::is_empty(ctx).await.map_err(text)? {
        return Err("seed --demo: the database already holds cases; use an empty one".into());
    }
    let partners = app::seed::network(ctx, state.now()).await.map_err(text)?;
    let (domain, password) = if demo {
        ("demo.inlav.local".to_string(), DEMO_PASSWORD.to_string())
    } else {
        (
            format!("{}.synthetic.local", app::random::string(b"abcdefghijklmnopqrstuvwxyz0123456789", 6)),
            app::passwords::generate(),
        )
    };
    let (staff, users) = app::seed::staff(ctx, state.now(), REGION_ORGANIZATION_ID, &domain, &password, partners, demo)
        .await
        .map_err(text)?;
    let count = if demo { 200 } else { synthetic.unwrap_or(0) };
    let seed_value = seed.unwrap_or_else(|| if demo { 2026 } else { u64::from_le_bytes(rand_bytes()) });
    let started = std::time::Instant::now();
    let spinner = Spinner::start(&format!("seeding {count} cases"));
    let written =
        app::seed::synthetic(ctx, staff, REGION_ORGANIZATION_ID, count, seed_value, state.now()).await.map_err(text)?;
    drop(spinner);
    let seconds = started.elapsed().as_secs_f64();
    let _ = writeln!(
        out,
        "seeded {} cases ({} rows) in {seconds:.1} s, seed {seed_value}, {:.0} cases/s",
        written.cases,
        written.rows,
        written.cases as f64 / seconds.max(0.001)
    );
    let _ = writeln!(out, "\nusers (password: {password}):");
    for user in &users {
        let _ = writeln!(out, "  {:<22} {:<40} {}", user.role.code(), user.email, user.districts.join(","));
    }
    Ok(())
}

fn rand_bytes() -> [u8; 8] {
    let mut bytes = [0u8; 8];
    app::random::fill(&mut bytes);
    bytes
}

fn read_password(stdin: &mut dyn BufRead) -> Result<String, String> {
    let mut line = String::new();
    stdin.read_line(&mut line).map_err(|e| format!("cannot read the password from standard input: {e}"))?;
    let password = line.trim_end_matches(['\n', '\r']).to_string();
    if password.is_empty() {
        return Err("--password-stdin: standard input held no password".into());
    }
    Ok(password)
}

/// An error of a use case as one line for the command line: invalid fields named by their
/// flags, no HTTP codes.
fn explain(error: app::Error) -> String {
    match error {
        app::Error::Invalid(violations) => violations
            .into_vec()
            .iter()
            .map(|e| format!("--{}: {}", cli_flag(&e.field), e.message))
            .collect::<Vec<_>>()
            .join("; "),
        app::Error::NotFound => "not found".into(),
        app::Error::Stale => "it changed meanwhile; run the command again".into(),
        other => server::one_line(&other.to_string()),
    }
}

/// The command-line flag that carries an API field.
fn cli_flag(field: &str) -> String {
    match field.split(['[', '.']).next().unwrap_or(field) {
        "display_name" => "name".into(),
        "districts" => "district".into(),
        "organization_id" => "organization".into(),
        "scopes" => "scope".into(),
        other => other.replace('_', "-"),
    }
}
