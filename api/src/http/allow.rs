//! What each path of the OpenAPI document allows: its methods, for the `Allow` header of 405
//! answers (RFC 9110 §15.5.6), each operation's query parameters, so that one the spec
//! does not name is refused (400) rather than silently ignored, and each operation's
//! `operationId`, which the [audit trail](super::audit_trail) records.

use std::collections::{BTreeSet, HashMap};

/// The methods of each path template, such as `/api/database/{id}`, and the query
/// parameters of each of its operations.
#[derive(Debug, Clone, Default)]
pub struct AllowTable {
    paths: Vec<(Vec<String>, String)>,
    queries: Vec<(Vec<String>, QueryNames)>,
    operation_ids: Vec<(Vec<String>, HashMap<String, String>)>,
}

/// The query parameters of each method of one path.
type QueryNames = HashMap<String, BTreeSet<String>>;

/// Methods in the order the header lists them.
const ORDER: &[&str] = &["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"];

impl AllowTable {
    pub fn from_spec(spec: &str) -> Self {
        let spec: serde_json::Value = serde_json::from_str(spec).unwrap_or_default();
        let paths = spec["paths"]
            .as_object()
            .map(|paths| {
                paths
                    .iter()
                    .map(|(template, item)| {
                        let segments = template.trim_matches('/').split('/').map(str::to_owned).collect();
                        let methods: Vec<&str> = ORDER
                            .iter()
                            .copied()
                            .filter(|m| item.get(m.to_ascii_lowercase()).is_some())
                            .collect();
                        (segments, methods.join(", "))
                    })
                    .collect()
            })
            .unwrap_or_default();
        let queries = spec["paths"]
            .as_object()
            .map(|paths| {
                paths
                    .iter()
                    .map(|(template, item)| {
                        let segments = template.trim_matches('/').split('/').map(str::to_owned).collect();
                        let operations = item
                            .as_object()
                            .map(|methods| {
                                methods
                                    .iter()
                                    .map(|(method, operation)| {
                                        let names = operation["parameters"]
                                            .as_array()
                                            .into_iter()
                                            .flatten()
                                            .filter(|p| p["in"] == "query")
                                            .filter_map(|p| p["name"].as_str().map(str::to_owned))
                                            .collect();
                                        (method.to_ascii_uppercase(), names)
                                    })
                                    .collect()
                            })
                            .unwrap_or_default();
                        (segments, operations)
                    })
                    .collect()
            })
            .unwrap_or_default();
        let operation_ids = spec["paths"]
            .as_object()
            .map(|paths| {
                paths
                    .iter()
                    .map(|(template, item)| {
                        let segments = template.trim_matches('/').split('/').map(str::to_owned).collect();
                        let ids = item
                            .as_object()
                            .into_iter()
                            .flatten()
                            .filter_map(|(method, operation)| {
                                let id = operation["operationId"].as_str()?;
                                Some((method.to_ascii_uppercase(), id.to_owned()))
                            })
                            .collect();
                        (segments, ids)
                    })
                    .collect()
            })
            .unwrap_or_default();
        Self {
            paths,
            queries,
            operation_ids,
        }
    }

    /// The `operationId` of `method path`, if it names an operation of the API.
    pub fn operation_id(&self, method: &str, path: &str) -> Option<&str> {
        self.operation_ids
            .iter()
            .find(|(template, _)| matches(template, path))
            .and_then(|(_, ids)| ids.get(method))
            .map(String::as_str)
    }

    /// The first query parameter of `query` that the operation `method path` does not take,
    /// if it names an operation of the API.
    pub fn unknown_query_parameter(&self, method: &str, path: &str, query: &str) -> Option<String> {
        let known = self
            .queries
            .iter()
            .find(|(template, _)| matches(template, path))
            .and_then(|(_, operations)| operations.get(method))?;
        query
            .split('&')
            .filter(|pair| !pair.is_empty())
            .map(|pair| percent_decoded(pair.split_once('=').map_or(pair, |(name, _)| name)))
            .find(|name| !known.contains(name))
    }

    /// The methods a request path may use, if it names a path of the API.
    pub fn allowed(&self, path: &str) -> Option<&str> {
        self.paths
            .iter()
            .find(|(template, _)| matches(template, path))
            .map(|(_, methods)| methods.as_str())
    }
}

fn matches(template: &[String], path: &str) -> bool {
    let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
    template.len() == segments.len()
        && template
            .iter()
            .zip(&segments)
            .all(|(t, s)| t.starts_with('{') || t == s)
}

/// A query string's name as the application reads it: `+` is a space, `%XX` a byte.
fn percent_decoded(raw: &str) -> String {
    let bytes = raw.as_bytes();
    let hex = |b: u8| (b as char).to_digit(16);
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' => {
                match (
                    bytes.get(i + 1).and_then(|b| hex(*b)),
                    bytes.get(i + 2).and_then(|b| hex(*b)),
                ) {
                    (Some(high), Some(low)) => {
                        out.push((high * 16 + low) as u8);
                        i += 2;
                    }
                    _ => out.push(b'%'),
                }
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_methods_of_a_path() {
        let table = AllowTable::from_spec(
            r#"{"paths": {"/api/team": {"get": {}, "post": {}}, "/api/team/{id}": {"get": {}, "delete": {}}}}"#,
        );
        assert_eq!(table.allowed("/api/team/"), Some("GET, POST"));
        assert_eq!(table.allowed("/api/team/7"), Some("GET, DELETE"));
        assert_eq!(table.allowed("/api/nothing"), None);
    }

    #[test]
    fn finds_the_operation_of_a_method_and_path() {
        let table = AllowTable::from_spec(
            r#"{"paths": {"/api/team": {"post": {"operationId": "team_create"}}, "/api/team/{id}": {"delete": {"operationId": "team_delete"}}}}"#,
        );
        assert_eq!(table.operation_id("POST", "/api/team"), Some("team_create"));
        assert_eq!(table.operation_id("DELETE", "/api/team/7"), Some("team_delete"));
        assert_eq!(table.operation_id("GET", "/api/team/7"), None);
        assert_eq!(table.operation_id("POST", "/api/nothing"), None);
    }

    #[test]
    fn finds_query_parameters_no_operation_takes() {
        let table = AllowTable::from_spec(
            r#"{"paths": {"/api/team": {"get": {"parameters": [{"name": "page_size", "in": "query"}]}, "post": {}}}}"#,
        );
        let unknown = |method, query| table.unknown_query_parameter(method, "/api/team/", query);
        assert_eq!(unknown("GET", "page_size=1&&page%5Fsize=2"), None);
        assert_eq!(unknown("GET", "page_size=1&colour=blue").as_deref(), Some("colour"));
        assert_eq!(unknown("GET", "=null").as_deref(), Some(""));
        assert_eq!(unknown("POST", "page_size=1").as_deref(), Some("page_size"));
        assert_eq!(unknown("DELETE", "x=1"), None, "no such operation: the 405 says so");
        assert_eq!(table.unknown_query_parameter("GET", "/api/nothing", "x=1"), None);
    }
}
