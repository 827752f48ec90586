//! The HTTP layer: thin handlers (unpack, call the operation, shape the answer), the OpenAPI
//! service, Swagger UI and the error mapping.
//!
//! One file per resource. A handler takes the caller (`BasicAuth`), the [`App`] (poem's
//! `Data<&App>`), the request only where links need it, and a body from [`crate::params`],
//! which it hands to the app operation of the same name as it is; it answers with a view
//! from [`views`], and its errors become HTTP in [`error`] and nowhere else.

// Response enums are built once per request and moved straight out: variant sizes cost nothing.
#![allow(clippy::large_enum_variant)]

mod allow;
mod audit;
mod audit_trail;
mod auth;
mod certificates;
mod changes;
mod client_address;
mod credentials;
mod databases;
mod dumps;
mod engines;
mod environments;
pub mod error;
mod hosts;
mod links;
mod metrics;
mod moves;
mod orphans;
mod paging;
mod plans;
mod projects;
mod ranges;
mod readiness;
mod responses;
mod serialized;
mod tasks;
mod teams;
mod throttle;
mod users;
pub mod views;

use std::sync::Arc;

use poem::endpoint::make_sync;
use poem::http::Uri;
use poem::middleware::Tracing;
use poem::{Endpoint, EndpointExt, Request, Route};
use poem_openapi::{OpenApiService, Tags};

use crate::app::App;

#[derive(Tags)]
pub enum Tag {
    /// Databases: create them, follow them until ready, find where they are.
    Database,
    /// Credentials: engine users and their generated passwords.
    Credential,
    /// Tasks: the work the workers do for a request.
    Task,
    /// Plans and environments: what a database can be and where it runs. Everyone reads them;
    /// admins change them.
    Catalog,
    /// For the operators and admins who run the engines: the fleet, its actions and logs,
    /// orphan containers.
    Operations,
    /// Projects: groupings of databases, a team's or global. Everyone sees the global ones and
    /// their teams'; members change their teams', admins any.
    Project,
    /// Teams: they own databases and projects, within a quota. Admins manage them; members
    /// see their own. Membership is set through each user's `teams`, and shows in a team's
    /// `members`.
    Team,
    /// API users: who may call the API, whether they are admins, which teams they act for.
    /// Admins manage them; everyone else sees only themself.
    User,
    /// TLS: the certificate authorities engines' certificates are signed by, for clients
    /// that verify them (`sslmode=verify-full`, `tlsCAFile`).
    Tls,
    /// The audit trail: who did what, when, from where. Admins read all of it; members the
    /// records about their teams' resources and their own calls.
    Audit,
}

pub const TITLE: &str = "dbaas";

type Apis = (
    databases::Api,
    dumps::Api,
    credentials::Api,
    tasks::Api,
    plans::Api,
    environments::Api,
    projects::Api,
    teams::Api,
    users::Api,
    // Operations: tuples have `Default` up to twelve members, so these share one.
    (orphans::Api, engines::Api, hosts::Api, moves::Api),
    certificates::Api,
    audit::Api,
);

fn service() -> OpenApiService<Apis, ()> {
    OpenApiService::new(Apis::default(), TITLE, env!("CARGO_PKG_VERSION")).description(
        "Self-service databases: ask for a database, get a real engine, a user and a generated \
         password. Every call uses HTTP basic authentication.",
    )
}

/// The OpenAPI document, as committed in `openapi/dbaas.json` and served at `/openapi.json`.
pub fn spec_json() -> String {
    closed_request_bodies(&service().spec())
}

/// Every request body refuses fields it does not know (`deny_unknown_fields`, 400), which
/// poem-openapi does not write into the schema: this adds `additionalProperties: false` to
/// each schema a request body refers to.
fn closed_request_bodies(spec: &str) -> String {
    let Ok(mut doc) = serde_json::from_str::<serde_json::Value>(spec) else {
        return spec.to_owned();
    };
    let mut bodies = Vec::new();
    if let Some(paths) = doc.get("paths").and_then(|p| p.as_object()) {
        for operation in paths.values().filter_map(|m| m.as_object()).flat_map(|m| m.values()) {
            let media = operation.pointer("/requestBody/content").and_then(|c| c.as_object());
            for schema in media.into_iter().flat_map(|m| m.values()) {
                if let Some(name) = schema
                    .pointer("/schema/$ref")
                    .and_then(|r| r.as_str())
                    .and_then(|r| r.strip_prefix("#/components/schemas/"))
                {
                    bodies.push(name.to_owned());
                }
            }
        }
    }
    log_forms(&mut doc);
    for name in bodies {
        if let Some(schema) = doc
            .pointer_mut(&format!("/components/schemas/{name}"))
            .and_then(|s| s.as_object_mut())
        {
            schema.insert("additionalProperties".into(), serde_json::Value::Bool(false));
        }
    }
    serde_json::to_string_pretty(&doc).unwrap_or_else(|_| spec.to_owned())
}

/// An engine's log answers plain text, or (`follow=true`) an event stream: poem-openapi keeps
/// one body per status, so the plain one is written in here.
fn log_forms(doc: &mut serde_json::Value) {
    let Some(ok) = doc
        .pointer_mut("/paths/~1api~1engine~1{id}~1logs/get/responses/200")
        .and_then(|r| r.as_object_mut())
    else {
        return;
    };
    ok.insert(
        "description".into(),
        "The log's lines, each starting with Docker's RFC 3339 timestamp (`text/plain`); with \
         `follow=true`, `text/event-stream`: a `log` event per line as the engine writes it, and \
         an `end` event when the server's limit (`DBAAS_LOG_FOLLOW_MAX_S`) is reached."
            .into(),
    );
    if let Some(content) = ok.get_mut("content").and_then(|c| c.as_object_mut()) {
        content.insert(
            "text/plain; charset=utf-8".into(),
            serde_json::json!({"schema": {"type": "string"}}),
        );
        // Before OpenAPI 3.2's `itemSchema`, an event stream's `schema` is read as the shape
        // of one event (poem-openapi writes an array of strings).
        content.insert(
            "text/event-stream".into(),
            serde_json::json!({"schema": {
                "type": "object",
                "description": "One server-sent event: `log` (`data`: one line of the log) or `end` (`data`: why the server ended the stream).",
                "required": ["event", "data"],
                "properties": {
                    "event": {"type": "string", "enum": ["log", "end"]},
                    "data": {"type": "string"}
                }
            }}),
        );
    }
}

/// The reference API's URLs end in a slash (`/api/database/1/`); the routes are declared
/// without it, and both spellings reach them.
fn trim_trailing_slash(mut req: Request) -> Request {
    let path = req.uri().path();
    if path.starts_with("/api/") && path.ends_with('/') {
        let trimmed = path.trim_end_matches('/');
        let new = match req.uri().query() {
            Some(q) => format!("{trimmed}?{q}"),
            None => trimmed.to_owned(),
        };
        if let Ok(uri) = new.parse::<Uri>() {
            *req.uri_mut() = uri;
        }
    }
    req
}

/// The largest request body accepted; every request of this API is a small JSON object.
pub const MAX_BODY_BYTES: usize = 64 * 1024;

fn refuse(status: poem::http::StatusCode, message: String) -> poem::Error {
    poem::Error::from_string(message, status)
}

/// Screens a request before anything reads it: bodies over [`MAX_BODY_BYTES`] get 413 (by
/// their `Content-Length`, or while reading one sent without), and NUL characters, which no
/// field may hold and Postgres cannot store, get 400 wherever they are (path, query, body).
async fn screen(mut req: Request) -> poem::Result<Request> {
    use poem::http::StatusCode;
    let too_large = || {
        refuse(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!("the request body is larger than {MAX_BODY_BYTES} bytes"),
        )
    };
    let nul = || {
        refuse(
            StatusCode::BAD_REQUEST,
            "the request holds a NUL character (\\u0000), which no field accepts".into(),
        )
    };
    let target = req.uri().path_and_query().map(|pq| pq.as_str()).unwrap_or("");
    if target.to_ascii_lowercase().contains("%00") {
        return Err(nul());
    }
    let declared = req
        .headers()
        .get(poem::http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|length| length > MAX_BODY_BYTES as u64) {
        return Err(too_large());
    }
    let body = req
        .take_body()
        .into_bytes_limit(MAX_BODY_BYTES)
        .await
        .map_err(|_| too_large())?;
    // In JSON a NUL is the escape \u0000 (a raw one is not JSON at all).
    if body.contains(&0) || body.windows(6).any(|w| w.eq_ignore_ascii_case(b"\\u0000")) {
        return Err(nul());
    }
    req.set_body(body);
    Ok(req)
}

/// A query parameter the operation does not take is a mistake (a misspelt filter would
/// otherwise list everything): 400, as an unknown body field is.
fn refuse_unknown_query_parameters(known: &allow::AllowTable, req: &Request) -> poem::Result<()> {
    let Some(query) = req.uri().query() else {
        return Ok(());
    };
    match known.unknown_query_parameter(req.method().as_str(), req.uri().path(), query) {
        None => Ok(()),
        Some(name) => Err(refuse(
            poem::http::StatusCode::BAD_REQUEST,
            format!("this operation takes no query parameter `{name}`"),
        )),
    }
}

/// The whole HTTP application.
pub fn endpoint(app: App) -> impl poem::Endpoint {
    let service = service();
    let allow = Arc::new(allow::AllowTable::from_spec(&service.spec()));
    let docs = service.swagger_ui();
    let spec_text = spec_json();
    let spec = make_sync(move |_| {
        poem::Response::builder()
            .content_type("application/json")
            .body(spec_text.clone())
    });
    let route = Route::new()
        .nest("/", service)
        .nest("/docs", docs)
        .at("/openapi.json", spec)
        .at(
            "/health",
            make_sync(|_| poem_openapi::payload::Json(serde_json::json!({"status": "ok"}))),
        )
        .at("/ready", poem::get(readiness::ready))
        .at("/metrics", poem::get(metrics::scrape));
    let known = allow.clone();
    let errors = app.store.backend_errors();
    let logins = Arc::new(auth::Logins::new(&app.config, errors.clone()));
    let counts = Arc::new(metrics::ApiMetrics::new(&errors));
    let api = error::json_errors(
        audit_trail::audited(
            changes::forgetting_changes(route, app.store.clone()),
            app.clone(),
            allow.clone(),
        )
        .before(move |req| {
            let known = known.clone();
            async move {
                let req = screen(trim_trailing_slash(req)).await?;
                refuse_unknown_query_parameters(&known, &req)?;
                Ok(req)
            }
        })
        .data(app)
        .data(logins)
        .data(counts.clone())
        .with(Tracing),
    );
    // A 405 says which methods the path takes.
    let operations = allow.clone();
    let api = api.around(move |ep, req| {
        let allow = allow.clone();
        async move {
            let path = req.uri().path().to_owned();
            let mut response = ep.call(req).await?;
            if response.status() == poem::http::StatusCode::METHOD_NOT_ALLOWED {
                let methods = allow
                    .allowed(&path)
                    .and_then(|m| poem::http::HeaderValue::from_str(m).ok());
                if let Some(methods) = methods {
                    response.headers_mut().insert(poem::http::header::ALLOW, methods);
                }
            }
            Ok(response)
        }
    });
    // Outermost, so that every answer is counted with the status the client gets.
    metrics::counted(api, counts, operations)
}
