//! `DATABASE_URL`: the backend is chosen by the scheme; an unknown scheme is refused.

use std::path::PathBuf;

use super::connection::Backend;

/// Where the data lives, parsed from `DATABASE_URL`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DatabaseUrl {
    /// `sqlite://relative/path.db` or `sqlite:///absolute/path.db`.
    Sqlite { path: PathBuf },
    /// `postgres://…` or `postgresql://…`, handed to libpq.
    Postgres { url: String },
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct UrlError(String);

impl DatabaseUrl {
    pub fn parse(raw: &str) -> std::result::Result<DatabaseUrl, UrlError> {
        let raw = raw.trim();
        if let Some(rest) = raw.strip_prefix("sqlite://") {
            if rest.is_empty() || rest.contains('?') || rest == ":memory:" {
                return Err(UrlError(
                    "DATABASE_URL: a sqlite URL needs a file path, such as sqlite://data/inlav.db".into(),
                ));
            }
            Ok(DatabaseUrl::Sqlite { path: PathBuf::from(rest) })
        } else if raw.starts_with("postgres://") || raw.starts_with("postgresql://") {
            Ok(DatabaseUrl::Postgres { url: raw.to_string() })
        } else {
            let scheme = raw.split_once("://").map(|(scheme, _)| scheme).unwrap_or(raw);
            let scheme: String = scheme.chars().take(32).collect();
            Err(UrlError(format!(
                "DATABASE_URL: unsupported scheme `{scheme}`; use sqlite://path or postgres://user@host/db"
            )))
        }
    }

    pub fn backend(&self) -> Backend {
        match self {
            DatabaseUrl::Sqlite { .. } => Backend::Sqlite,
            DatabaseUrl::Postgres { .. } => Backend::Postgres,
        }
    }

    /// The URL without its password, for logs and messages.
    pub fn redacted(&self) -> String {
        match self {
            DatabaseUrl::Sqlite { path } => format!("sqlite://{}", path.display()),
            DatabaseUrl::Postgres { url } => redact_password(url),
        }
    }
}

fn redact_password(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_string();
    };
    let (authority, tail) = match rest.find('/') {
        Some(at) => rest.split_at(at),
        None => (rest, ""),
    };
    match authority.rsplit_once('@') {
        Some((userinfo, host)) => match userinfo.split_once(':') {
            Some((user, _password)) => format!("{scheme}://{user}:***@{host}{tail}"),
            None => url.to_string(),
        },
        None => url.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_pick_the_backend_by_scheme() {
        assert_eq!(
            DatabaseUrl::parse("sqlite://data/inlav.db").unwrap(),
            DatabaseUrl::Sqlite { path: "data/inlav.db".into() }
        );
        assert_eq!(
            DatabaseUrl::parse("sqlite:///var/lib/inlav.db").unwrap(),
            DatabaseUrl::Sqlite { path: "/var/lib/inlav.db".into() }
        );
        assert_eq!(DatabaseUrl::parse("postgres://u@h/db").unwrap().backend(), Backend::Postgres);
        assert_eq!(DatabaseUrl::parse("postgresql://u@h/db").unwrap().backend(), Backend::Postgres);
        for bad in ["mysql://u@h/db", "data/inlav.db", "sqlite://", "sqlite://:memory:", "", "sqlite:data.db"] {
            assert!(DatabaseUrl::parse(bad).is_err(), "{bad}");
        }
        assert!(DatabaseUrl::parse("mysql://x").unwrap_err().to_string().contains("`mysql`"));
    }

    #[test]
    fn passwords_are_redacted() {
        let url = DatabaseUrl::parse("postgres://inlav:s3cret@db.example:5432/inlav?sslmode=require").unwrap();
        assert_eq!(url.redacted(), "postgres://inlav:***@db.example:5432/inlav?sslmode=require");
        let url = DatabaseUrl::parse("postgres://postgres@127.0.0.1/x").unwrap();
        assert_eq!(url.redacted(), "postgres://postgres@127.0.0.1/x");
    }
}
