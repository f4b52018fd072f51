//! Settings, read once from the environment. A bad setting stops the program with a one-line
//! reason naming the variable.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use domain::reports::{PROGRAMME_ZONE, Tz, zone_named};
use domain::users::check_password;
use domain::validation::Email;
use domain::webhooks::AllowList;
use persistence::{DatabaseUrl, LongReadSettings, PoolSettings, SqliteSync};

use crate::language::Language;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct ConfigError(pub String);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    Text,
    Json,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogSettings {
    /// A `tracing` filter, e.g. `info` or `warn,api=debug`.
    pub filter: String,
    pub format: LogFormat,
}

/// The settings of the HTTP answers themselves.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WebSettings {
    /// The origins a browser may call the API from (`INLAV_CORS_ORIGINS`); empty: none.
    pub cors_origins: Vec<String>,
    /// The language of problem documents when `Accept-Language` names none of the
    /// catalogue's (`INLAV_DEFAULT_LANGUAGE`, `en` or `it`; default `en`).
    pub default_language: Language,
    /// `/metrics` is served to requests bearing this token (`INLAV_METRICS_TOKEN`, at least
    /// 16 characters); without it there is no `/metrics`.
    pub metrics_token: Option<String>,
}

/// Webhook deliveries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookSettings {
    /// Networks that are not public but deliveries may reach (`INLAV_WEBHOOK_ALLOW`: addresses
    /// or CIDR networks, comma-separated); an endpoint on one may use plain `http://`.
    pub allow: AllowList,
    /// The wait after a first failed attempt, doubled after each (`INLAV_WEBHOOK_RETRY_BASE_MS`).
    pub retry_base: Duration,
    /// Whether this instance delivers (`INLAV_WEBHOOK_DISPATCH`, `on` or `off`): a copy of the
    /// production data in staging must not notify the partners.
    pub dispatch: bool,
}

impl Default for WebhookSettings {
    fn default() -> Self {
        WebhookSettings { allow: AllowList::default(), retry_base: Duration::from_millis(5_000), dispatch: true }
    }
}

#[derive(Debug, Clone)]
pub struct Config {
    pub database_url: DatabaseUrl,
    pub bind: SocketAddr,
    /// Holds the generated JWT secret and, by default, the SQLite database.
    pub data_dir: PathBuf,
    /// From `INLAV_JWT_SECRET`; when absent the secret is kept in the data directory.
    pub jwt_secret: Option<Vec<u8>>,
    /// From `INLAV_PSEUDONYM_KEY`; when absent the key is kept in the data directory.
    pub pseudonym_key: Option<Vec<u8>>,
    /// Signs the audit trail's checkpoints (`INLAV_AUDIT_KEY`).
    pub audit_key: Option<Vec<u8>>,
    /// What browsers and people at the edge get: CORS, the default language.
    pub web: WebSettings,
    /// How often `serve` logs a signed checkpoint of the audit trail; `None`: never.
    pub audit_checkpoint_every: Option<Duration>,
    pub admin_email: Option<String>,
    pub admin_password: Option<String>,
    pub log: LogSettings,
    pub pool: PoolSettings,
    /// How many long reads (exports, reports over many districts) run and wait at once.
    pub long_reads: LongReadSettings,
    /// HTTP worker threads; by default one per core.
    pub workers: Option<usize>,
    /// Whose calendar days reports and exports count (`INLAV_TIME_ZONE`, default Europe/Rome).
    pub time_zone: Tz,
    pub webhooks: WebhookSettings,
}

/// The shortest accepted JWT secret, in bytes (HS256 wants at least the hash size).
pub const MIN_SECRET_BYTES: usize = 32;

impl Config {
    /// Reads the settings through `var`, so tests can pass their own environment.
    pub fn from_env(var: impl Fn(&str) -> Option<String>) -> Result<Config, ConfigError> {
        let get = |name: &str| var(name).filter(|value| !value.trim().is_empty());
        let data_dir = PathBuf::from(get("INLAV_DATA_DIR").unwrap_or_else(|| "data".into()));
        let database_url = match get("DATABASE_URL") {
            Some(url) => DatabaseUrl::parse(&url).map_err(|err| ConfigError(err.to_string()))?,
            None => DatabaseUrl::Sqlite { path: data_dir.join("inlav.db") },
        };
        let bind_text = get("INLAV_BIND").unwrap_or_else(|| "127.0.0.1:8080".into());
        let bind = bind_text.trim().parse::<SocketAddr>().map_err(|_| {
            ConfigError(format!("INLAV_BIND: `{}` is not an address such as 127.0.0.1:8080", shorten(&bind_text)))
        })?;
        let jwt_secret = secret_from(get, "INLAV_JWT_SECRET")?;
        let pseudonym_key = secret_from(get, "INLAV_PSEUDONYM_KEY")?;
        let audit_key = secret_from(get, "INLAV_AUDIT_KEY")?;
        let cors_origins = match get("INLAV_CORS_ORIGINS") {
            Some(list) => parse_origins(&list)?,
            None => Vec::new(),
        };
        let default_language = match get("INLAV_DEFAULT_LANGUAGE") {
            None => Language::default(),
            Some(tag) => Language::parse(&tag).ok_or_else(|| {
                ConfigError(format!("INLAV_DEFAULT_LANGUAGE: `{}` is neither `en` nor `it`", shorten(&tag)))
            })?,
        };
        let audit_checkpoint_every = match parse_number(&get, "INLAV_AUDIT_CHECKPOINT_MINUTES", 0, 10_080)? {
            Some(0) => None,
            minutes => Some(Duration::from_secs(60 * u64::from(minutes.unwrap_or(60)))),
        };
        let log = parse_log(&get("INLAV_LOG").unwrap_or_else(|| "info".into()))?;
        let defaults = PoolSettings::default();
        let pool = PoolSettings {
            max_size: parse_number(&get, "INLAV_DB_POOL_SIZE", 1, 256)?.unwrap_or(defaults.max_size),
            acquire_timeout: parse_number(&get, "INLAV_DB_TIMEOUT_MS", 100, 120_000)?
                .map(|ms| Duration::from_millis(u64::from(ms)))
                .unwrap_or(defaults.acquire_timeout),
            sqlite_sync: match get("INLAV_SQLITE_SYNC").as_deref().map(str::trim) {
                None | Some("full") => SqliteSync::Full,
                Some("normal") => SqliteSync::Normal,
                Some(other) => {
                    return Err(ConfigError(format!(
                        "INLAV_SQLITE_SYNC: `{}` is neither `full` nor `normal`",
                        shorten(other)
                    )));
                }
            },
            ..defaults
        };
        let long_read_defaults = LongReadSettings::default();
        let running = parse_number(&get, "INLAV_LONG_READS", 1, 64)?.map_or(long_read_defaults.running, |n| n as usize);
        // The queue grows with the budget: as many waiting as four rounds of it.
        let long_reads = LongReadSettings { running, waiting: running * 4, ..long_read_defaults };
        let workers = parse_number(&get, "INLAV_WORKERS", 1, 512)?.map(|n| n as usize);
        let time_zone = match get("INLAV_TIME_ZONE") {
            None => PROGRAMME_ZONE,
            Some(name) => zone_named(name.trim()).ok_or_else(|| {
                ConfigError(format!(
                    "INLAV_TIME_ZONE: `{}` is not an IANA time zone such as Europe/Rome",
                    shorten(&name)
                ))
            })?,
        };
        let webhooks = WebhookSettings {
            allow: match get("INLAV_WEBHOOK_ALLOW") {
                None => AllowList::default(),
                Some(list) => list.parse().map_err(|err| ConfigError(format!("INLAV_WEBHOOK_ALLOW: {err}")))?,
            },
            retry_base: parse_number(&get, "INLAV_WEBHOOK_RETRY_BASE_MS", 10, 3_600_000)?
                .map_or(WebhookSettings::default().retry_base, |ms| Duration::from_millis(u64::from(ms))),
            dispatch: match get("INLAV_WEBHOOK_DISPATCH").as_deref().map(str::trim) {
                None | Some("on") => true,
                Some("off") => false,
                Some(other) => {
                    return Err(ConfigError(format!(
                        "INLAV_WEBHOOK_DISPATCH: `{}` is neither `on` nor `off`",
                        shorten(other)
                    )));
                }
            },
        };
        let metrics_token = match get("INLAV_METRICS_TOKEN").map(|token| token.trim().to_string()) {
            Some(token) if token.len() < 16 || token.contains(char::is_whitespace) => {
                return Err(ConfigError(
                    "INLAV_METRICS_TOKEN: use at least 16 characters without spaces (e.g. openssl rand -hex 24)".into(),
                ));
            }
            token => token,
        };
        let admin_email = get("INLAV_ADMIN_EMAIL");
        if let Some(email) = &admin_email {
            Email::parse("INLAV_ADMIN_EMAIL", email).map_err(|v| ConfigError(v.to_string()))?;
        }
        let admin_password = var("INLAV_ADMIN_PASSWORD").filter(|p| !p.is_empty());
        if let Some(password) = &admin_password {
            check_password("INLAV_ADMIN_PASSWORD", password).map_err(|v| ConfigError(v.to_string()))?;
        }
        Ok(Config {
            database_url,
            bind,
            data_dir,
            jwt_secret,
            pseudonym_key,
            audit_key,
            web: WebSettings { cors_origins, default_language, metrics_token },
            audit_checkpoint_every,
            admin_email,
            admin_password,
            log,
            pool,
            long_reads,
            workers,
            time_zone,
            webhooks,
        })
    }
}

/// `INLAV_CORS_ORIGINS`: exact origins (`https://pua.example.org`, `http://localhost:5173`),
/// comma-separated. A path, a wildcard or a trailing slash is refused: the browser compares the
/// origin as a whole, and a wrong entry would silently match nothing.
fn parse_origins(list: &str) -> Result<Vec<String>, ConfigError> {
    list.split(',')
        .map(str::trim)
        .filter(|origin| !origin.is_empty())
        .map(|origin| {
            let rest = origin.strip_prefix("https://").or_else(|| origin.strip_prefix("http://"));
            match rest {
                Some(host) if !host.is_empty() && !host.contains(['/', '*', ' ', '?', '#']) => Ok(origin.to_string()),
                _ => Err(ConfigError(format!(
                    "INLAV_CORS_ORIGINS: `{}` is not an origin such as https://pua.example.org (scheme, host, port; no path)",
                    shorten(origin)
                ))),
            }
        })
        .collect()
}

fn secret_from(get: impl Fn(&str) -> Option<String>, name: &str) -> Result<Option<Vec<u8>>, ConfigError> {
    match get(name) {
        Some(secret) if secret.len() < MIN_SECRET_BYTES => Err(ConfigError(format!(
            "{name}: too short ({} bytes); use at least {MIN_SECRET_BYTES} random bytes",
            secret.len()
        ))),
        Some(secret) => Ok(Some(secret.into_bytes())),
        None => Ok(None),
    }
}

/// `INLAV_LOG`: comma-separated; `text` or `json` picks the format, the rest is a filter.
pub fn parse_log(raw: &str) -> Result<LogSettings, ConfigError> {
    let mut format = LogFormat::Text;
    let mut directives = Vec::new();
    for part in raw.split(',').map(str::trim).filter(|part| !part.is_empty()) {
        match part {
            "json" => format = LogFormat::Json,
            "text" => format = LogFormat::Text,
            directive => directives.push(directive),
        }
    }
    let filter = if directives.is_empty() { "info".to_string() } else { directives.join(",") };
    tracing_subscriber::EnvFilter::try_new(&filter)
        .map_err(|err| ConfigError(format!("INLAV_LOG: `{}` is not a log filter ({err})", shorten(&filter))))?;
    Ok(LogSettings { filter, format })
}

fn parse_number(
    get: &impl Fn(&str) -> Option<String>,
    name: &str,
    min: u32,
    max: u32,
) -> Result<Option<u32>, ConfigError> {
    match get(name) {
        None => Ok(None),
        Some(text) => match text.trim().parse::<u32>() {
            Ok(n) if (min..=max).contains(&n) => Ok(Some(n)),
            _ => Err(ConfigError(format!("{name}: `{}` is not a number from {min} to {max}", shorten(&text)))),
        },
    }
}

fn shorten(text: &str) -> String {
    text.chars().take(80).collect()
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn config(pairs: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let env: HashMap<String, String> = pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        Config::from_env(|name| env.get(name).cloned())
    }

    #[test]
    fn defaults_serve_sqlite_on_localhost() {
        let config = config(&[]).unwrap();
        assert_eq!(config.database_url, DatabaseUrl::Sqlite { path: "data/inlav.db".into() });
        assert_eq!(config.bind.to_string(), "127.0.0.1:8080");
        assert_eq!(config.log, LogSettings { filter: "info".into(), format: LogFormat::Text });
        assert!(config.jwt_secret.is_none());
        assert_eq!(config.pool.sqlite_sync, SqliteSync::Full);
        assert_eq!(config.time_zone, PROGRAMME_ZONE);
        assert_eq!(self::config(&[("INLAV_TIME_ZONE", "UTC")]).unwrap().time_zone.name(), "UTC");
        assert!(config.web.cors_origins.is_empty(), "no CORS unless asked");
        assert_eq!(config.web.default_language, Language::En);
        assert_eq!(self::config(&[("INLAV_DEFAULT_LANGUAGE", "it")]).unwrap().web.default_language, Language::It);
        let origins =
            self::config(&[("INLAV_CORS_ORIGINS", "https://pua.example.org, http://localhost:5173")]).unwrap();
        assert_eq!(origins.web.cors_origins, ["https://pua.example.org", "http://localhost:5173"]);
    }

    #[test]
    fn bad_settings_name_their_variable() {
        let cases = [
            ("DATABASE_URL", "mysql://x/y", "DATABASE_URL"),
            ("INLAV_BIND", "localhost", "INLAV_BIND"),
            ("INLAV_JWT_SECRET", "short", "INLAV_JWT_SECRET"),
            ("INLAV_PSEUDONYM_KEY", "short", "INLAV_PSEUDONYM_KEY"),
            ("INLAV_LOG", "info,[[[", "INLAV_LOG"),
            ("INLAV_DB_POOL_SIZE", "0", "INLAV_DB_POOL_SIZE"),
            ("INLAV_SQLITE_SYNC", "off", "INLAV_SQLITE_SYNC"),
            ("INLAV_ADMIN_EMAIL", "not-an-address", "INLAV_ADMIN_EMAIL"),
            ("INLAV_ADMIN_PASSWORD", "short", "INLAV_ADMIN_PASSWORD"),
            ("INLAV_TIME_ZONE", "Europe/Milano", "INLAV_TIME_ZONE"),
            ("INLAV_METRICS_TOKEN", "short", "INLAV_METRICS_TOKEN"),
            ("INLAV_CORS_ORIGINS", "https://pua.example.org/", "INLAV_CORS_ORIGINS"),
            ("INLAV_CORS_ORIGINS", "*", "INLAV_CORS_ORIGINS"),
            ("INLAV_CORS_ORIGINS", "pua.example.org", "INLAV_CORS_ORIGINS"),
            ("INLAV_AUDIT_CHECKPOINT_MINUTES", "-1", "INLAV_AUDIT_CHECKPOINT_MINUTES"),
            ("INLAV_DEFAULT_LANGUAGE", "de", "INLAV_DEFAULT_LANGUAGE"),
            ("INLAV_WEBHOOK_ALLOW", "127.0.0.1,localhost", "INLAV_WEBHOOK_ALLOW"),
            ("INLAV_WEBHOOK_RETRY_BASE_MS", "0", "INLAV_WEBHOOK_RETRY_BASE_MS"),
            ("INLAV_WEBHOOK_DISPATCH", "sometimes", "INLAV_WEBHOOK_DISPATCH"),
        ];
        for (name, value, expected) in cases {
            let err = config(&[(name, value)]).unwrap_err().to_string();
            assert!(err.starts_with(expected), "{name}={value}: {err}");
            assert!(!err.contains('\n'));
        }
    }

    #[test]
    fn log_setting_carries_filter_and_format() {
        assert_eq!(parse_log("debug,json").unwrap(), LogSettings { filter: "debug".into(), format: LogFormat::Json });
        assert_eq!(parse_log("json").unwrap(), LogSettings { filter: "info".into(), format: LogFormat::Json });
        assert_eq!(parse_log("warn,api=debug").unwrap().filter, "warn,api=debug");
    }

    #[test]
    fn data_dir_moves_the_default_database() {
        let config = config(&[("INLAV_DATA_DIR", "/var/lib/inlav")]).unwrap();
        assert_eq!(config.database_url, DatabaseUrl::Sqlite { path: "/var/lib/inlav/inlav.db".into() });
    }
}
