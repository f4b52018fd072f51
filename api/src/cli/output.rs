//! What commands print: JSON (the API's own shapes) for scripts, or a table for people.

use std::io::Write;

use comfy_table::presets::UTF8_BORDERS_ONLY;
use comfy_table::{ContentArrangement, Table};
use serde::Serialize;
use serde_json::Value;

/// Prints records as a JSON array (`json`), or as a table of `columns`.
pub(super) fn records<T: Serialize>(
    out: &mut dyn Write,
    json: bool,
    items: &[T],
    columns: &[&str],
) -> Result<(), String> {
    let values: Vec<Value> = items.iter().map(to_value).collect::<Result<_, _>>()?;
    if json {
        return print_json(out, &Value::Array(values));
    }
    let mut table = Table::new();
    table.load_preset(UTF8_BORDERS_ONLY).set_content_arrangement(ContentArrangement::Disabled);
    table.set_header(columns.iter().copied());
    for value in &values {
        table.add_row(columns.iter().map(|column| cell(value.get(*column))));
    }
    writeln!(out, "{table}").map_err(|e| e.to_string())?;
    writeln!(out, "{} {}", values.len(), if values.len() == 1 { "record" } else { "records" })
        .map_err(|e| e.to_string())
}

/// Prints one record as JSON, or as a table of its fields.
pub(super) fn record<T: Serialize>(out: &mut dyn Write, json: bool, item: &T) -> Result<(), String> {
    let value = to_value(item)?;
    if json {
        return print_json(out, &value);
    }
    let mut table = Table::new();
    table.load_preset(UTF8_BORDERS_ONLY).set_content_arrangement(ContentArrangement::Disabled);
    if let Value::Object(fields) = &value {
        for (name, field) in fields {
            table.add_row([name.clone(), cell(Some(field))]);
        }
    }
    writeln!(out, "{table}").map_err(|e| e.to_string())
}

fn to_value<T: Serialize>(item: &T) -> Result<Value, String> {
    serde_json::to_value(item).map_err(|e| e.to_string())
}

fn print_json(out: &mut dyn Write, value: &Value) -> Result<(), String> {
    let text = serde_json::to_string_pretty(value).map_err(|e| e.to_string())?;
    writeln!(out, "{text}").map_err(|e| e.to_string())
}

/// A field as a table shows it: lists joined by commas, nothing for null.
fn cell(value: Option<&Value>) -> String {
    match value {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(text)) => text.clone(),
        Some(Value::Array(items)) => items.iter().map(|item| cell(Some(item))).collect::<Vec<_>>().join(","),
        Some(other) => other.to_string(),
    }
}
