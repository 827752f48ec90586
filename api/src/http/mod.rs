//! The HTTP layer: thin handlers (unpack, call the operation, shape the answer), the OpenAPI
//! service, Swagger UI and the error mapping.

// Response enums are built once per request and moved straight out: variant sizes cost nothing.
#![allow(clippy::large_enum_variant)]

mod auth;
mod credentials;
mod databases;
mod dumps;
mod environments;
pub mod error;
mod links;
mod orphans;
mod paging;
mod plans;
mod projects;
mod ranges;
mod responses;
mod tasks;
mod teams;
mod users;
pub mod views;

use std::sync::Arc;

use poem::endpoint::make_sync;
use poem::http::Uri;
use poem::middleware::Tracing;
use poem::{EndpointExt, Request, Route};
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
    /// For the admins who run the engines.
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
    orphans::Api,
);

fn service() -> OpenApiService<Apis, ()> {
    OpenApiService::new(
        (
            databases::Api,
            dumps::Api,
            credentials::Api,
            tasks::Api,
            plans::Api,
            environments::Api,
            projects::Api,
            teams::Api,
            users::Api,
            orphans::Api,
        ),
        TITLE,
        env!("CARGO_PKG_VERSION"),
    )
    .description(
        "Self-service databases: ask for a database, get a real engine, a user and a generated \
         password. Every call uses HTTP basic authentication.",
    )
}

/// The OpenAPI document, as committed in `openapi/dbaas.json`.
pub fn spec_json() -> String {
    service().spec()
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

/// Refuses bodies over [`MAX_BODY_BYTES`] with 413 before anything reads them: by their
/// `Content-Length`, or while reading a body sent without one.
async fn limit_body(mut req: Request) -> poem::Result<Request> {
    let too_large = || {
        poem::Error::from_string(
            format!("the request body is larger than {MAX_BODY_BYTES} bytes"),
            poem::http::StatusCode::PAYLOAD_TOO_LARGE,
        )
    };
    let declared = req
        .headers()
        .get(poem::http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    match declared {
        Some(length) if length > MAX_BODY_BYTES as u64 => Err(too_large()),
        Some(_) => Ok(req),
        None => {
            let body = req
                .take_body()
                .into_bytes_limit(MAX_BODY_BYTES)
                .await
                .map_err(|_| too_large())?;
            req.set_body(body);
            Ok(req)
        }
    }
}

/// The whole HTTP application.
pub fn endpoint(app: App) -> impl poem::Endpoint {
    let service = service();
    let docs = service.swagger_ui();
    let spec = service.spec_endpoint();
    let route = Route::new()
        .nest("/", service)
        .nest("/docs", docs)
        .at("/openapi.json", spec)
        .at(
            "/health",
            make_sync(|_| poem_openapi::payload::Json(serde_json::json!({"status": "ok"}))),
        );
    error::json_errors(
        route
            .before(|req| async move { limit_body(trim_trailing_slash(req)).await })
            .data(app)
            .data(Arc::new(auth::LoginCache::default()))
            .with(Tracing),
    )
}
