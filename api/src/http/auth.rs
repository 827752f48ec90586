//! HTTP basic authentication against the API users in the catalog.
//!
//! Passwords are argon2 hashes, deliberately slow to check, so a successful check is
//! remembered for a minute: keyed by username, holding a per-process random hash of the
//! password together with the stored hash it matched (never the password itself).
//!
//! Every request still reads the user from the catalog (one indexed query, no argon2): the
//! remembered check holds only while the stored hash is the one it matched, so a password
//! change or a deletion takes effect on the very next request, and a change of `is_admin` or
//! of teams too. That holds for any number of api replicas, since they share the catalog and
//! nothing else; no invalidation message is needed.
//!
//! Guessing is refused: after [`MAX_FAILURES`] wrong passwords for one username within
//! [`FAILURE_WINDOW`], that username gets 429 for [`LOCKOUT`], right password or not. The count
//! is per api process, so N replicas allow N times as many guesses; still a few per minute.

use std::collections::HashMap;
use std::hash::BuildHasher;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use dbaas_core::secrets;
use dbaas_core::store::Caller;
use poem::Request;
use poem_openapi::auth::Basic;
use poem_openapi::SecurityScheme;

use crate::app::App;

const CACHE_TTL: Duration = Duration::from_secs(60);
const CACHE_MAX: usize = 10_000;
pub const MAX_FAILURES: u32 = 5;
pub const FAILURE_WINDOW: Duration = Duration::from_secs(60);
pub const LOCKOUT: Duration = Duration::from_secs(30);

/// HTTP basic authentication with an API user's name and password.
#[derive(SecurityScheme)]
#[oai(ty = "basic", checker = "check")]
pub struct BasicAuth(pub Caller);

/// Logins whose argon2 check succeeded lately, and usernames that failed lately.
#[derive(Default)]
pub struct LoginCache {
    hasher: std::collections::hash_map::RandomState,
    entries: Mutex<HashMap<String, (u64, Instant)>>,
    failures: Mutex<HashMap<String, Failures>>,
}

#[derive(Debug, Clone, Copy)]
struct Failures {
    count: u32,
    since: Instant,
    locked_until: Option<Instant>,
}

impl LoginCache {
    /// How long the username is still locked out, if it is.
    fn locked(&self, username: &str) -> Option<Duration> {
        let failures = self.failures.lock().expect("login failures poisoned");
        let until = failures.get(username)?.locked_until?;
        until.checked_duration_since(Instant::now())
    }

    fn failed(&self, username: &str) {
        let mut failures = self.failures.lock().expect("login failures poisoned");
        if failures.len() >= CACHE_MAX {
            failures.retain(|_, f| f.since.elapsed() < FAILURE_WINDOW);
        }
        let now = Instant::now();
        let entry = failures.entry(username.to_owned()).or_insert(Failures {
            count: 0,
            since: now,
            locked_until: None,
        });
        if entry.since.elapsed() >= FAILURE_WINDOW {
            *entry = Failures {
                count: 0,
                since: now,
                locked_until: None,
            };
        }
        entry.count += 1;
        if entry.count >= MAX_FAILURES {
            entry.locked_until = Some(now + LOCKOUT);
        }
    }

    fn succeeded(&self, username: &str) {
        self.failures.lock().expect("login failures poisoned").remove(username);
    }

    fn digest(&self, password: &str, stored_hash: &str) -> u64 {
        self.hasher.hash_one((password, stored_hash))
    }

    /// Whether `password` matched `stored_hash` less than a minute ago.
    fn verified(&self, username: &str, password: &str, stored_hash: &str) -> bool {
        let digest = self.digest(password, stored_hash);
        let entries = self.entries.lock().expect("login cache poisoned");
        entries
            .get(username)
            .is_some_and(|(stored, at)| *stored == digest && at.elapsed() < CACHE_TTL)
    }

    fn put(&self, username: &str, password: &str, stored_hash: &str) {
        let digest = self.digest(password, stored_hash);
        let mut entries = self.entries.lock().expect("login cache poisoned");
        if entries.len() >= CACHE_MAX {
            entries.retain(|_, (_, at)| at.elapsed() < CACHE_TTL);
        }
        entries.insert(username.to_owned(), (digest, Instant::now()));
    }
}

fn unauthorized() -> poem::Error {
    poem::Error::from_string("wrong or missing credentials", poem::http::StatusCode::UNAUTHORIZED)
}

fn locked_out(retry_after: Duration) -> poem::Error {
    let response = poem::Response::builder()
        .status(poem::http::StatusCode::TOO_MANY_REQUESTS)
        .header(
            poem::http::header::RETRY_AFTER,
            retry_after.as_secs().max(1).to_string(),
        )
        .body(format!(
            "too many failed logins for this user: try again in {} s",
            retry_after.as_secs().max(1)
        ));
    poem::Error::from_response(response)
}

async fn check(req: &Request, basic: Basic) -> poem::Result<Caller> {
    let app = req.data::<App>().expect("App is attached to every request");
    let cache = req
        .data::<Arc<LoginCache>>()
        .expect("LoginCache is attached to every request");
    if let Some(retry_after) = cache.locked(&basic.username) {
        return Err(locked_out(retry_after));
    }
    let login = app
        .store
        .user_login(&basic.username)
        .await
        .map_err(|e| poem::Error::from_string(e.to_string(), poem::http::StatusCode::SERVICE_UNAVAILABLE))?
        .ok_or_else(|| {
            cache.failed(&basic.username);
            unauthorized()
        })?;
    if cache.verified(&basic.username, &basic.password, &login.password_hash) {
        return Ok(login.caller);
    }
    let hash = login.password_hash.clone();
    let password = basic.password.clone();
    let valid = tokio::task::spawn_blocking(move || secrets::verify_password(&password, &hash))
        .await
        .unwrap_or(false);
    if !valid {
        cache.failed(&basic.username);
        return Err(unauthorized());
    }
    cache.succeeded(&basic.username);
    cache.put(&basic.username, &basic.password, &login.password_hash);
    Ok(login.caller)
}
