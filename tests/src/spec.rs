//! The OpenAPI document: the one a stack serves, the one committed under `openapi/`, and its
//! operations, for tests that go through every one of them.

use serde_json::Value;

use crate::TestStack;

impl TestStack {
    /// The document the api serves at `/openapi.json`.
    pub async fn served_spec(&self) -> Value {
        self.http
            .get(self.url("/openapi.json"))
            .send()
            .await
            .expect("GET /openapi.json")
            .json()
            .await
            .expect("/openapi.json is JSON")
    }
}

/// The committed document, `openapi/dbaas.json`.
pub fn committed_spec() -> Value {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../openapi/dbaas.json");
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// Every operation of a document: its path template (`/api/database/{id}`) and its method
/// (`get`), in the document's order.
pub fn operations(spec: &Value) -> Vec<(String, String)> {
    spec["paths"]
        .as_object()
        .expect("paths")
        .iter()
        .flat_map(|(template, item)| {
            item.as_object()
                .expect("a path item")
                .keys()
                .map(move |method| (template.clone(), method.clone()))
        })
        .collect()
}
