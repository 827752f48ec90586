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

/// HTTP basic authentication with an API user's name and password.
#[derive(SecurityScheme)]
#[oai(ty = "basic", checker = "check")]
pub struct BasicAuth(pub Caller);

/// Logins whose argon2 check succeeded lately.
#[derive(Default)]
pub struct LoginCache {
    hasher: std::collections::hash_map::RandomState,
    entries: Mutex<HashMap<String, (u64, Instant)>>,
}

impl LoginCache {
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

async fn check(req: &Request, basic: Basic) -> poem::Result<Caller> {
    let app = req.data::<App>().expect("App is attached to every request");
    let cache = req
        .data::<Arc<LoginCache>>()
        .expect("LoginCache is attached to every request");
    let login = app
        .store
        .user_login(&basic.username)
        .await
        .map_err(|e| poem::Error::from_string(e.to_string(), poem::http::StatusCode::SERVICE_UNAVAILABLE))?
        .ok_or_else(unauthorized)?;
    if cache.verified(&basic.username, &basic.password, &login.password_hash) {
        return Ok(login.caller);
    }
    let hash = login.password_hash.clone();
    let password = basic.password.clone();
    let valid = tokio::task::spawn_blocking(move || secrets::verify_password(&password, &hash))
        .await
        .unwrap_or(false);
    if !valid {
        return Err(unauthorized());
    }
    cache.put(&basic.username, &basic.password, &login.password_hash);
    Ok(login.caller)
}
