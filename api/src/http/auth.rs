//! HTTP basic authentication against the API users in the catalog.
//!
//! Passwords are argon2 hashes, deliberately slow to check; a successful check is remembered
//! for a minute (keyed by a per-process random hash of the password, never the password
//! itself) so that a client's request stream does not pay for it on every call.

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

#[derive(Default)]
pub struct LoginCache {
    hasher: std::collections::hash_map::RandomState,
    entries: Mutex<HashMap<String, (u64, Caller, Instant)>>,
}

impl LoginCache {
    fn get(&self, username: &str, password: &str) -> Option<Caller> {
        let digest = self.hasher.hash_one(password);
        let entries = self.entries.lock().expect("login cache poisoned");
        let (stored, caller, at) = entries.get(username)?;
        (*stored == digest && at.elapsed() < CACHE_TTL).then(|| caller.clone())
    }

    fn put(&self, username: &str, password: &str, caller: Caller) {
        let digest = self.hasher.hash_one(password);
        let mut entries = self.entries.lock().expect("login cache poisoned");
        if entries.len() >= CACHE_MAX {
            entries.retain(|_, (_, _, at)| at.elapsed() < CACHE_TTL);
        }
        entries.insert(username.to_owned(), (digest, caller, Instant::now()));
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
    if let Some(caller) = cache.get(&basic.username, &basic.password) {
        return Ok(caller);
    }
    let unavailable = |e: dbaas_core::StoreError| {
        poem::Error::from_string(e.to_string(), poem::http::StatusCode::SERVICE_UNAVAILABLE)
    };
    let Some(user) = app.store.user_by_name(&basic.username).await.map_err(unavailable)? else {
        return Err(unauthorized());
    };
    let hash = user.password_hash.clone();
    let password = basic.password.clone();
    let valid = tokio::task::spawn_blocking(move || secrets::verify_password(&password, &hash))
        .await
        .unwrap_or(false);
    if !valid {
        return Err(unauthorized());
    }
    let caller = app.store.caller_for(&user).await.map_err(unavailable)?;
    cache.put(&basic.username, &basic.password, caller.clone());
    Ok(caller)
}
