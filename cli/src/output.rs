//! What the CLI prints: tables for people, JSON for scripts (`--json`), and passwords
//! hidden unless `--show-password` (in a credential's `password` and in its
//! `connection_uri`, in both forms). Results go to standard output; progress, notes and
//! errors to standard error, so that `--json` output is only JSON.

use comfy_table::presets::UTF8_FULL_CONDENSED;
use comfy_table::{ContentArrangement, Table};
use serde::Serialize;
use serde_json::Value;

use crate::error::CliError;

pub const HIDDEN: &str = "********";

#[derive(Debug, Clone, Copy)]
pub struct Output {
    pub json: bool,
    pub show_password: bool,
}

/// A column of a list: its header and where its value is in each item (a JSON pointer).
pub type Column = (&'static str, &'static str);

impl Output {
    fn value<T: Serialize>(&self, item: &T) -> Result<Value, CliError> {
        let mut value = serde_json::to_value(item).map_err(CliError::other)?;
        if !self.show_password {
            redact(&mut value);
        }
        Ok(value)
    }

    /// A list: a table of `columns`, or a JSON array of the whole items.
    pub fn list<T: Serialize>(&self, items: &[T], columns: &[Column]) -> Result<(), CliError> {
        let values = items.iter().map(|i| self.value(i)).collect::<Result<Vec<_>, _>>()?;
        if self.json {
            return print_json(&Value::Array(values));
        }
        let mut table = table();
        table.set_header(columns.iter().map(|(h, _)| *h));
        for value in &values {
            table.add_row(columns.iter().map(|(_, p)| cell(value.pointer(p))));
        }
        println!("{table}");
        Ok(())
    }

    /// One object: a table of its fields (links left out), or its JSON.
    pub fn object<T: Serialize>(&self, item: &T) -> Result<(), CliError> {
        let value = self.value(item)?;
        if self.json {
            return print_json(&value);
        }
        println!("{}", fields(&value));
        Ok(())
    }

    /// Several objects under names: tables one after the other, or one JSON object.
    pub fn objects(&self, named: &[(&str, Value)]) -> Result<(), CliError> {
        let values = named
            .iter()
            .map(|(name, v)| Ok(((*name).to_owned(), self.value(v)?)))
            .collect::<Result<serde_json::Map<_, _>, CliError>>()?;
        if self.json {
            return print_json(&Value::Object(values));
        }
        for (name, value) in &values {
            println!("{name}\n{}", fields(value));
        }
        Ok(())
    }

    /// A note for people (on standard error, so that it never mixes with `--json`).
    pub fn note(&self, text: &str) {
        eprintln!("{text}");
    }
}

fn print_json(value: &Value) -> Result<(), CliError> {
    println!("{}", serde_json::to_string_pretty(value).map_err(CliError::other)?);
    Ok(())
}

fn table() -> Table {
    let mut table = Table::new();
    table
        .load_preset(UTF8_FULL_CONDENSED)
        .set_content_arrangement(ContentArrangement::Dynamic);
    table
}

fn fields(value: &Value) -> Table {
    let mut table = table();
    if let Some(object) = value.as_object() {
        for (key, field) in object.iter().filter(|(k, _)| k.as_str() != "_links") {
            table.add_row([key.clone(), cell(Some(field))]);
        }
    }
    table
}

/// A value as one cell: text as it is, nothing as `-`, lists joined, objects as their
/// names (`user`, `name`) or compact JSON.
fn cell(value: Option<&Value>) -> String {
    match value {
        None | Some(Value::Null) => "-".into(),
        Some(Value::String(s)) => s.clone(),
        Some(Value::Array(items)) if items.is_empty() => "-".into(),
        Some(Value::Array(items)) => items.iter().map(|i| cell(Some(i))).collect::<Vec<_>>().join(", "),
        Some(Value::Object(o)) => ["user", "name", "status", "kind"]
            .iter()
            .find_map(|k| o.get(*k).and_then(Value::as_str))
            .map(|s| match o.get("id") {
                Some(id) => format!("{s} ({id})"),
                None => s.to_owned(),
            })
            .unwrap_or_else(|| Value::Object(o.clone()).to_string()),
        Some(other) => other.to_string(),
    }
}

/// Hides every `password` and the password inside every `connection_uri`.
pub fn redact(value: &mut Value) {
    match value {
        Value::Object(object) => {
            for (key, field) in object.iter_mut() {
                match (key.as_str(), &*field) {
                    ("password", Value::String(_)) => *field = Value::String(HIDDEN.into()),
                    ("connection_uri", Value::String(uri)) => *field = Value::String(hide_in_uri(uri)),
                    _ => redact(field),
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(redact),
        _ => {}
    }
}

/// `scheme://user:secret@host/...` as `scheme://user:********@host/...`.
fn hide_in_uri(uri: &str) -> String {
    let Some(start) = uri.find("://").map(|i| i + 3) else {
        return uri.to_owned();
    };
    let authority_end = uri[start..].find(['/', '?']).map_or(uri.len(), |i| start + i);
    let Some(at) = uri[start..authority_end].rfind('@').map(|i| start + i) else {
        return uri.to_owned();
    };
    match uri[start..at].find(':').map(|i| start + i) {
        Some(colon) => format!("{}{HIDDEN}{}", &uri[..=colon], &uri[at..]),
        None => uri.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_are_hidden_in_fields_and_uris() {
        let mut v = serde_json::json!({
            "password": "s3cret",
            "connection_uri": "postgresql://u_o:s3cret@127.0.0.1:15432/o?sslmode=require",
            "nested": [{"password": null}],
        });
        redact(&mut v);
        assert_eq!(v["password"], HIDDEN);
        assert_eq!(
            v["connection_uri"],
            "postgresql://u_o:********@127.0.0.1:15432/o?sslmode=require"
        );
        assert_eq!(v["nested"][0]["password"], Value::Null);
        assert_eq!(hide_in_uri("mongodb://h:1/x"), "mongodb://h:1/x");
    }
}
