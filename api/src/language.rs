//! The languages people read the service's messages in (Italian and English), the choice by
//! `Accept-Language`, and the Fluent catalogues (`api/locales/*.ftl`) the messages come from.

use std::sync::OnceLock;

use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource};
use serde::Deserialize;

/// A language of the catalogues.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Language {
    #[default]
    En,
    It,
}

impl Language {
    pub const ALL: [Language; 2] = [Language::En, Language::It];

    /// The BCP 47 tag, as sent in `Content-Language`.
    pub fn tag(self) -> &'static str {
        match self {
            Language::En => "en",
            Language::It => "it",
        }
    }

    pub fn parse(tag: &str) -> Option<Language> {
        let primary = tag.trim().split(['-', '_']).next()?.to_ascii_lowercase();
        match primary.as_str() {
            "en" => Some(Language::En),
            "it" => Some(Language::It),
            _ => None,
        }
    }

    /// The language an `Accept-Language` header prefers among those of the catalogues
    /// (RFC 9110 §12.5.4: the highest weight wins, the first on a tie); `default` when it
    /// names none of them, or only `*`.
    pub fn negotiate(accept_language: Option<&str>, default: Language) -> Language {
        let Some(header) = accept_language else { return default };
        let mut best: Option<(Language, u16)> = None;
        for range in header.split(',') {
            let mut parts = range.split(';');
            let tag = parts.next().unwrap_or("").trim();
            let weight = parts
                .filter_map(|p| p.trim().strip_prefix("q="))
                .find_map(|q| q.trim().parse::<f32>().ok())
                .map_or(1000, |q| (q.clamp(0.0, 1.0) * 1000.0) as u16);
            let language = if tag == "*" { Some(default) } else { Language::parse(tag) };
            if let Some(language) = language
                && weight > 0
                && best.is_none_or(|(_, w)| weight > w)
            {
                best = Some((language, weight));
            }
        }
        best.map_or(default, |(language, _)| language)
    }

    /// The message `id` of the catalogue, with `args`; `None` when the catalogue lacks it.
    pub fn message(self, id: &str, args: &[(&str, String)]) -> Option<String> {
        let bundle = catalogue(self);
        let pattern = bundle.get_message(id)?.value()?;
        let mut fluent_args = FluentArgs::new();
        for (name, value) in args {
            fluent_args.set(*name, value.as_str());
        }
        let mut errors = Vec::new();
        let text = bundle.format_pattern(pattern, Some(&fluent_args), &mut errors);
        errors.is_empty().then(|| text.into_owned())
    }
}

type Bundle = FluentBundle<FluentResource>;

fn catalogue(language: Language) -> &'static Bundle {
    static ENGLISH: OnceLock<Bundle> = OnceLock::new();
    static ITALIAN: OnceLock<Bundle> = OnceLock::new();
    match language {
        Language::En => ENGLISH.get_or_init(|| bundle(Language::En, include_str!("../locales/en.ftl"))),
        Language::It => ITALIAN.get_or_init(|| bundle(Language::It, include_str!("../locales/it.ftl"))),
    }
}

/// A catalogue compiled in; the tests check that both parse whole and name the same messages.
fn bundle(language: Language, source: &'static str) -> Bundle {
    let resource = FluentResource::try_new(source.to_string()).unwrap_or_else(|(partial, _)| partial);
    let tag = language.tag().parse().unwrap_or_default();
    let mut bundle = FluentBundle::new_concurrent(vec![tag]);
    // Messages go into JSON read by programs and people, not into bidirectional text.
    bundle.set_use_isolating(false);
    // The same identifiers cannot be added twice: a resource that tried is caught by the tests.
    let _ = bundle.add_resource(resource);
    bundle
}

/// The identifiers of a catalogue (it parses whole), for the tests.
#[cfg(test)]
fn identifiers(source: &str) -> Vec<String> {
    assert!(FluentResource::try_new(source.to_string()).is_ok(), "the catalogue parses");
    source
        .lines()
        .filter_map(|line| line.split_once(" = ").map(|(id, _)| id))
        .filter(|id| id.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-') && !id.is_empty())
        .map(ToString::to_string)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_catalogues_parse_and_name_the_same_messages() {
        let english = identifiers(include_str!("../locales/en.ftl"));
        let italian = identifiers(include_str!("../locales/it.ftl"));
        assert!(english.len() > 100);
        assert_eq!(english, italian);
        for id in &english {
            for language in Language::ALL {
                let args = [
                    ("allow", "GET".to_string()),
                    ("limit", "1".to_string()),
                    ("expected", "x".to_string()),
                    ("allowed", "a, b".to_string()),
                    ("format", "x".to_string()),
                    ("min", "1".to_string()),
                    ("max", "2".to_string()),
                    ("bounds", "both".to_string()),
                ];
                let text = language.message(id, &args).unwrap_or_default();
                assert!(!text.is_empty() && !text.contains('{'), "{language:?} {id}: {text}");
            }
        }
    }

    /// The arguments of a call whose text starts just after its `(`, split at top-level commas.
    fn call_arguments(text: &str) -> Vec<String> {
        let (mut depth, mut quoted, mut escaped) = (0usize, false, false);
        let mut arguments = vec![String::new()];
        for c in text.chars() {
            if quoted {
                escaped = !escaped && c == '\\';
                quoted = escaped || c != '"';
            } else if c == '"' {
                quoted = true;
            } else if "([{".contains(c) {
                depth += 1;
            } else if ")]}".contains(c) {
                if depth == 0 {
                    break;
                }
                depth -= 1;
            } else if c == ',' && depth == 0 {
                arguments.push(String::new());
                continue;
            }
            if let Some(last) = arguments.last_mut() {
                last.push(c);
            }
        }
        arguments.into_iter().map(|a| a.trim().to_string()).collect()
    }

    /// Every field-error code a rule or a use case writes has a message in both catalogues:
    /// the sources are read for the calls that name one.
    #[test]
    fn every_field_code_in_the_sources_has_a_message() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let mut files = Vec::new();
        let mut folders: Vec<_> = ["domain/src", "app/src", "api/src"].iter().map(|d| root.join(d)).collect();
        while let Some(folder) = folders.pop() {
            for entry in std::fs::read_dir(&folder).expect("source folder").flatten() {
                let path = entry.path();
                if path.is_dir() {
                    folders.push(path);
                } else if path.extension().is_some_and(|e| e == "rs") {
                    files.push(path);
                }
            }
        }
        let calls = [("Violation::new(", 1), (".add(", 1), ("Error::field(", 1), ("FieldError::of(", 1)];
        let mut codes = std::collections::BTreeSet::new();
        for file in files {
            let source = std::fs::read_to_string(&file).expect("source file");
            let source = source.split("#[cfg(test)]").next().unwrap_or_default();
            for (call, position) in calls {
                for (at, _) in source.match_indices(call) {
                    let arguments = call_arguments(&source[at + call.len()..]);
                    let Some(code) = arguments.get(position).and_then(|a| a.strip_prefix('"')?.strip_suffix('"'))
                    else {
                        continue;
                    };
                    if !code.is_empty() && code.chars().all(|c| c.is_ascii_lowercase() || c == '_') {
                        codes.insert(code.to_string());
                    }
                }
            }
        }
        assert!(codes.len() > 40, "{codes:?}");
        let missing: Vec<String> = Language::ALL
            .iter()
            .flat_map(|language| codes.iter().map(move |code| (language, code)))
            .filter(|(language, code)| !catalogue(**language).has_message(&format!("field-{code}")))
            .map(|(language, code)| format!("{}: field-{code}", language.tag()))
            .collect();
        assert!(missing.is_empty(), "messages missing: {missing:?}");
    }

    #[test]
    fn accept_language_picks_the_preferred_language_we_have() {
        use Language::{En, It};
        assert_eq!(Language::negotiate(None, It), It);
        assert_eq!(Language::negotiate(Some("it"), En), It);
        assert_eq!(Language::negotiate(Some("it-IT,it;q=0.9,en;q=0.8"), En), It);
        assert_eq!(Language::negotiate(Some("de-DE, en;q=0.5, it;q=0.4"), It), En);
        assert_eq!(Language::negotiate(Some("fr, de"), It), It);
        assert_eq!(Language::negotiate(Some("*"), It), It);
        assert_eq!(Language::negotiate(Some("it;q=0, en;q=0.1"), It), En);
        assert_eq!(Language::negotiate(Some("EN-gb"), It), En);
        assert_eq!(Language::negotiate(Some(";;,,q=,"), En), En);
    }
}
