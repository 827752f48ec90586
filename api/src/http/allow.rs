//! The `Allow` header of 405 answers (RFC 9110 §15.5.6), from the OpenAPI document's paths.

/// The methods of each path template, such as `/api/database/{id}`.
#[derive(Debug, Clone, Default)]
pub struct AllowTable {
    paths: Vec<(Vec<String>, String)>,
}

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
        Self { paths }
    }

    /// The methods a request path may use, if it names a path of the API.
    pub fn allowed(&self, path: &str) -> Option<&str> {
        let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
        self.paths
            .iter()
            .find(|(template, _)| {
                template.len() == segments.len()
                    && template
                        .iter()
                        .zip(&segments)
                        .all(|(t, s)| t.starts_with('{') || t == s)
            })
            .map(|(_, methods)| methods.as_str())
    }
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
}
