//! The request bodies' schemas of the served spec, as JSON Schema validators: a body that does
//! not deserialise is checked against its schema, so that a 422 names every missing field,
//! unknown field, wrong type and unknown value of the document at once (serde stops at the
//! first). serde stays the judge of what is accepted; the schema only finds the rest.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use jsonschema::error::{TypeKind, ValidationErrorKind};
use jsonschema::{ValidationError, Validator};
use serde_json::{Value, json};
use utoipa::openapi::OpenApi;

use crate::error::FieldError;
use crate::problem::allowed_values;

/// The component schemas of the spec, each compiled on first need.
pub struct BodySchemas {
    components: Value,
    compiled: RwLock<HashMap<String, Arc<Validator>>>,
}

impl BodySchemas {
    pub fn from_spec(spec: &OpenApi) -> BodySchemas {
        let schemas = serde_json::to_value(spec)
            .ok()
            .and_then(|spec| spec.pointer("/components/schemas").cloned())
            .unwrap_or_else(|| json!({}));
        BodySchemas { components: json!({ "schemas": schemas }), compiled: RwLock::default() }
    }

    /// Every way `body` breaks the component schema `name`; empty when it fits, or when the
    /// spec has no such schema.
    pub fn check(&self, name: &str, body: &Value) -> Vec<FieldError> {
        let Some(validator) = self.validator(name) else { return Vec::new() };
        let mut errors = Vec::new();
        for error in validator.iter_errors(body) {
            describe(&error, &mut errors);
        }
        errors.dedup_by(|a, b| a.field == b.field && a.code == b.code);
        errors
    }

    fn validator(&self, name: &str) -> Option<Arc<Validator>> {
        if let Some(validator) = self.compiled.read().ok()?.get(name) {
            return Some(validator.clone());
        }
        self.components.pointer(&format!("/schemas/{name}"))?;
        let root = json!({
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "$ref": format!("#/components/schemas/{name}"),
            "components": self.components,
        });
        let validator = jsonschema::options()
            .should_validate_formats(true)
            .should_ignore_unknown_formats(true)
            .build(&root)
            .map_err(|err| tracing::error!(%err, schema = name, "a body schema of the spec does not compile"))
            .ok()?;
        let validator = Arc::new(validator);
        if let Ok(mut compiled) = self.compiled.write() {
            compiled.insert(name.to_string(), validator.clone());
        }
        Some(validator)
    }
}

/// A JSON pointer (`/districts/1/code`) as a field path (`districts[1].code`).
fn field_path(pointer: &str) -> String {
    let mut path = String::new();
    for segment in pointer.split('/').skip(1) {
        let segment = segment.replace("~1", "/").replace("~0", "~");
        if !segment.is_empty() && segment.bytes().all(|b| b.is_ascii_digit()) {
            path.push_str(&format!("[{segment}]"));
        } else {
            if !path.is_empty() {
                path.push('.');
            }
            path.push_str(&segment);
        }
    }
    path
}

fn join(path: &str, name: &str) -> String {
    if path.is_empty() { name.to_string() } else { format!("{path}.{name}") }
}

fn number(value: &Value) -> String {
    value.as_f64().filter(|n| n.fract() == 0.0).map_or_else(|| value.to_string(), |n| format!("{n:.0}"))
}

/// The field errors of one schema error; the alternatives of a `oneOf` or `anyOf` are looked
/// into, so that a wrong field inside an optional object is named, not the whole object.
fn describe(error: &ValidationError<'_>, out: &mut Vec<FieldError>) {
    let path = field_path(error.instance_path().as_str());
    let push = |out: &mut Vec<FieldError>, field: String, code: &str, args: Vec<(&'static str, String)>| {
        out.push(FieldError::of(field, code, args));
    };
    match error.kind() {
        ValidationErrorKind::Required { property } => {
            push(out, join(&path, property.as_str().unwrap_or_default()), "required", Vec::new());
        }
        ValidationErrorKind::AdditionalProperties { unexpected }
        | ValidationErrorKind::UnevaluatedProperties { unexpected } => {
            for name in unexpected {
                push(out, join(&path, name), "unknown_field", Vec::new());
            }
        }
        ValidationErrorKind::Type { kind } => {
            let expected = match kind {
                TypeKind::Single(single) => Some(single.to_string()),
                TypeKind::Multiple(set) => set.iter().map(|t| t.to_string()).find(|t| t != "null"),
            };
            push(out, path, "invalid_type", vec![("expected", expected.unwrap_or_else(|| "other".into()))]);
        }
        ValidationErrorKind::Enum { options } => {
            let allowed: Vec<String> = options
                .as_array()
                .map(|values| values.iter().filter_map(Value::as_str).map(ToString::to_string).collect())
                .unwrap_or_default();
            push(out, path, "unknown_code", allowed_values(&allowed));
        }
        ValidationErrorKind::Format { format } => {
            push(out, path, "invalid_format", vec![("format", format.clone())]);
        }
        ValidationErrorKind::MaxLength { limit } => push(out, path, "too_long", vec![("max", limit.to_string())]),
        ValidationErrorKind::MinLength { limit } => push(out, path, "too_short", vec![("min", limit.to_string())]),
        ValidationErrorKind::MaxItems { limit } => {
            push(out, path, "too_many_items", vec![("max", limit.to_string())]);
        }
        ValidationErrorKind::MinItems { limit } => {
            push(out, path, "too_few_items", vec![("min", limit.to_string())]);
        }
        ValidationErrorKind::Maximum { limit } | ValidationErrorKind::ExclusiveMaximum { limit } => {
            push(out, path, "out_of_range", vec![("max", number(limit))]);
        }
        ValidationErrorKind::Minimum { limit } | ValidationErrorKind::ExclusiveMinimum { limit } => {
            push(out, path, "out_of_range", vec![("min", number(limit))]);
        }
        ValidationErrorKind::OneOfNotValid { context } | ValidationErrorKind::AnyOf { context } => {
            match closest_alternative(context, error.instance_path().as_str()) {
                Some(errors) => errors.iter().for_each(|inner| describe(inner, out)),
                None => push(out, path, "invalid_value", Vec::new()),
            }
        }
        _ => push(out, path, "invalid_value", Vec::new()),
    }
}

/// The alternative the value was most likely meant for: one whose type it has (not refused
/// by `type` at the value itself), with the fewest errors.
fn closest_alternative<'a>(
    alternatives: &'a [Vec<ValidationError<'static>>],
    pointer: &str,
) -> Option<&'a Vec<ValidationError<'static>>> {
    let wrong_type = |errors: &Vec<ValidationError<'static>>| {
        errors
            .iter()
            .any(|e| matches!(e.kind(), ValidationErrorKind::Type { .. }) && e.instance_path().as_str() == pointer)
    };
    alternatives.iter().filter(|errors| !errors.is_empty() && !wrong_type(errors)).min_by_key(|errors| errors.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn schemas() -> BodySchemas {
        let spec: OpenApi = serde_json::from_value(json!({
            "openapi": "3.1.0",
            "info": {"title": "t", "version": "1"},
            "paths": {},
            "components": {"schemas": {
                "Body": {
                    "type": "object",
                    "required": ["name", "count", "channel"],
                    "additionalProperties": false,
                    "properties": {
                        "name": {"type": "string", "maxLength": 5},
                        "count": {"type": "integer", "format": "int32", "minimum": 1},
                        "channel": {"$ref": "#/components/schemas/Channel"},
                        "when": {"type": ["string", "null"], "format": "date"},
                        "person": {"oneOf": [{"$ref": "#/components/schemas/Person"}, {"type": "null"}]}
                    }
                },
                "Channel": {"type": "string", "enum": ["outreach", "desk"]},
                "Person": {
                    "type": "object",
                    "required": ["alias"],
                    "additionalProperties": false,
                    "properties": {"alias": {"type": "string"}}
                }
            }}
        }))
        .unwrap();
        BodySchemas::from_spec(&spec)
    }

    fn found(body: Value) -> Vec<(String, String)> {
        schemas().check("Body", &body).into_iter().map(|e| (e.field, e.code)).collect()
    }

    #[test]
    fn every_error_of_the_document_is_named() {
        let errors = found(json!({"name": 3, "channel": "phone", "colour": "red", "when": "2026-13-40"}));
        let expected = [
            ("count", "required"),
            ("colour", "unknown_field"),
            ("name", "invalid_type"),
            ("channel", "unknown_code"),
            ("when", "invalid_format"),
        ];
        for (field, code) in expected {
            assert!(errors.contains(&(field.to_string(), code.to_string())), "{field} {code}: {errors:?}");
        }
        assert_eq!(errors.len(), expected.len(), "{errors:?}");
    }

    #[test]
    fn errors_inside_an_optional_object_name_its_fields() {
        let errors = found(json!({"name": "a", "count": 0, "channel": "desk", "person": {"nickname": "x"}}));
        assert!(errors.contains(&("count".into(), "out_of_range".into())), "{errors:?}");
        assert!(errors.contains(&("person.alias".into(), "required".into())), "{errors:?}");
        assert!(errors.contains(&("person.nickname".into(), "unknown_field".into())), "{errors:?}");
    }

    #[test]
    fn a_fitting_body_or_an_unknown_schema_finds_nothing() {
        assert!(found(json!({"name": "a", "count": 2, "channel": "desk", "person": null})).is_empty());
        assert!(schemas().check("Nothing", &json!({"x": 1})).is_empty());
        assert_eq!(field_path("/districts/1/code"), "districts[1].code");
    }
}
