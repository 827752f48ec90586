//! Absolute links in responses, as the reference API gives them
//! (`http://localhost:8000/api/plan/1/`).

use poem::Request;

use crate::app::App;

/// Builds resource URLs under one base, and engine URIs as this deployment serves them.
#[derive(Debug, Clone)]
pub struct Links {
    base: String,
    /// Whether engines speak TLS (their URIs then ask for it).
    engine_tls: bool,
}

impl Links {
    /// What links written with these depend on, as a number (to tell JSON written with other
    /// links apart).
    pub fn key(&self) -> u64 {
        use std::hash::{BuildHasher, BuildHasherDefault, DefaultHasher};
        BuildHasherDefault::<DefaultHasher>::default().hash_one((&self.base, self.engine_tls))
    }

    /// The configured public URL, else the scheme and host the request came to.
    pub fn for_request(app: &App, req: &Request) -> Self {
        let engine_tls = app.config.engine_tls.is_on();
        if let Some(base) = &app.config.public_url {
            return Self {
                base: base.clone(),
                engine_tls,
            };
        }
        let host = req
            .headers()
            .get(poem::http::header::HOST)
            .and_then(|h| h.to_str().ok())
            .filter(|h| !h.is_empty() && h.chars().all(|c| c.is_ascii_graphic()))
            .map(str::to_owned)
            .unwrap_or_else(|| app.config.listen.to_string());
        let scheme = req
            .headers()
            .get("x-forwarded-proto")
            .and_then(|h| h.to_str().ok())
            .filter(|p| *p == "https" || *p == "http")
            .unwrap_or("http");
        Self {
            base: format!("{scheme}://{host}"),
            engine_tls,
        }
    }

    pub fn base(&self) -> &str {
        &self.base
    }

    /// Whether engine URIs ask for TLS.
    pub fn engine_tls(&self) -> bool {
        self.engine_tls
    }

    fn resource(&self, kind: &str, id: i64) -> String {
        format!("{}/api/{kind}/{id}/", self.base)
    }

    pub fn database(&self, id: i64) -> String {
        self.resource("database", id)
    }
    pub fn credential(&self, id: i64) -> String {
        self.resource("credential", id)
    }
    pub fn task(&self, id: i64) -> String {
        self.resource("task", id)
    }
    pub fn plan(&self, id: i64) -> String {
        self.resource("plan", id)
    }
    pub fn environment(&self, id: i64) -> String {
        self.resource("environment", id)
    }
    pub fn project(&self, id: i64) -> String {
        self.resource("project", id)
    }
    pub fn team(&self, id: i64) -> String {
        self.resource("team", id)
    }
    pub fn user(&self, id: i64) -> String {
        self.resource("user", id)
    }
}
