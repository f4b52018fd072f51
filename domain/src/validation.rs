//! Field-level rule violations, collected so a client sees every problem of a request at once.

use std::fmt;

/// One broken rule on one field. `field` is a JSON path such as `districts[1]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    pub field: String,
    /// Stable snake_case code a client can switch on.
    pub code: &'static str,
    /// A sentence for a person.
    pub message: String,
}

impl Violation {
    pub fn new(field: impl Into<String>, code: &'static str, message: impl Into<String>) -> Self {
        Violation { field: field.into(), code, message: message.into() }
    }
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.field, self.message)
    }
}

/// A collector of violations.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Violations(Vec<Violation>);

impl Violations {
    pub fn new() -> Self {
        Violations(Vec::new())
    }

    pub fn push(&mut self, violation: Violation) {
        self.0.push(violation);
    }

    pub fn add(&mut self, field: impl Into<String>, code: &'static str, message: impl Into<String>) {
        self.push(Violation::new(field, code, message));
    }

    /// Records the error of a fallible check and returns its value when there is one.
    pub fn check<T>(&mut self, result: Result<T, Violation>) -> Option<T> {
        match result {
            Ok(value) => Some(value),
            Err(violation) => {
                self.push(violation);
                None
            }
        }
    }

    /// Records the violations of a fallible check of several fields; returns its value when
    /// there is one.
    pub fn take<T>(&mut self, result: Result<T, Violations>) -> Option<T> {
        match result {
            Ok(value) => Some(value),
            Err(violations) => {
                self.extend(violations);
                None
            }
        }
    }

    pub fn extend(&mut self, other: Violations) {
        self.0.extend(other.0);
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn into_vec(self) -> Vec<Violation> {
        self.0
    }

    pub fn as_slice(&self) -> &[Violation] {
        &self.0
    }

    /// `Ok(value)` when nothing was recorded.
    pub fn finish<T>(self, value: T) -> Result<T, Violations> {
        if self.0.is_empty() { Ok(value) } else { Err(self) }
    }
}

impl From<Violation> for Violations {
    fn from(violation: Violation) -> Self {
        Violations(vec![violation])
    }
}

impl fmt::Display for Violations {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let parts: Vec<String> = self.0.iter().map(ToString::to_string).collect();
        f.write_str(&parts.join("; "))
    }
}

impl std::error::Error for Violations {}

/// The longest accepted e-mail address, in characters.
pub const EMAIL_MAX_CHARS: usize = 254;

/// An e-mail address, trimmed and lower-cased, so that uniqueness is case-insensitive.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Email(String);

impl Email {
    pub fn parse(field: &str, raw: &str) -> Result<Email, Violation> {
        let email = raw.trim().to_lowercase();
        let invalid = || Violation::new(field, "invalid_email", "must be an e-mail address such as name@example.org");
        if email.chars().count() > EMAIL_MAX_CHARS {
            return Err(Violation::new(field, "too_long", format!("must be at most {EMAIL_MAX_CHARS} characters")));
        }
        let (local, host) = email.split_once('@').ok_or_else(invalid)?;
        let local_ok = !local.is_empty()
            && local.len() <= 64
            && !local.starts_with('.')
            && !local.ends_with('.')
            && local.chars().all(|c| c.is_alphanumeric() || "!#$%&'*+-/=?^_`{|}~.".contains(c));
        let host_ok = host.contains('.')
            && host.split('.').all(|label| {
                !label.is_empty()
                    && label.len() <= 63
                    && !label.starts_with('-')
                    && !label.ends_with('-')
                    && label.chars().all(|c| c.is_alphanumeric() || c == '-')
            });
        if local_ok && host_ok { Ok(Email(email)) } else { Err(invalid()) }
    }

    /// For values read back from storage, which were validated on the way in.
    pub fn from_trusted(value: String) -> Email {
        Email(value)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_string(self) -> String {
        self.0
    }
}

/// A free-text label (names, municipalities): trimmed, non-empty, bounded, no control characters.
pub fn check_label(field: &str, raw: &str, max_chars: usize) -> Result<String, Violation> {
    let value = raw.trim();
    if value.is_empty() {
        return Err(Violation::new(field, "required", "must not be empty"));
    }
    if value.chars().count() > max_chars {
        return Err(Violation::new(field, "too_long", format!("must be at most {max_chars} characters")));
    }
    if value.chars().any(char::is_control) {
        return Err(Violation::new(field, "invalid_character", "must not contain control characters"));
    }
    Ok(value.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn email_is_trimmed_and_lower_cased() {
        let email = Email::parse("email", "  Mario.Rossi@Comune.Milano.IT ").unwrap();
        assert_eq!(email.as_str(), "mario.rossi@comune.milano.it");
    }

    #[test]
    fn malformed_emails_are_refused() {
        for bad in [
            "",
            "no-at-sign",
            "@example.org",
            "a@",
            "a@localhost",
            "a b@example.org",
            "a@exa mple.org",
            "a@-x.org",
            ".a@x.org",
            "a@x..org",
        ] {
            let err = Email::parse("email", bad).unwrap_err();
            assert_eq!(err.code, "invalid_email", "{bad}");
        }
        let long = format!("{}@example.org", "a".repeat(250));
        assert_eq!(Email::parse("email", &long).unwrap_err().code, "too_long");
    }

    #[test]
    fn labels_are_trimmed_and_bounded() {
        assert_eq!(check_label("name", "  Anna  ", 120).unwrap(), "Anna");
        assert_eq!(check_label("name", "   ", 120).unwrap_err().code, "required");
        assert_eq!(check_label("name", &"x".repeat(121), 120).unwrap_err().code, "too_long");
        assert_eq!(check_label("name", "a\nb", 120).unwrap_err().code, "invalid_character");
    }
}
