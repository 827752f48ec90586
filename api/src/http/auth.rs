//! HTTP basic authentication against the API users in the catalog.
//!
//! An attempt goes: the [client address](super::client_address) → its turn in the
//! [throttle](super::throttle) (a wait that grows with the failed logins of this username from
//! this address, never a refusal of a correct password from elsewhere) → the user's row →
//! the password check → 200, or 401 with a JSON body and `WWW-Authenticate` (never 429).
//! A wrong password, or a username that does not exist, counts as a failure of the pair; a
//! correct one resets it. A catalog that is down answers 503 and counts nothing.
//!
//! Passwords are argon2 hashes, deliberately slow to check. At most as many checks run at once
//! as the machine has cores (`std::thread::available_parallelism`, which heeds a container's
//! CPU quota); the others queue for a permit, so a flood of guesses waits its turn instead of
//! starving the runtime, and the permit is only taken after the throttle's wait.
//!
//! A successful check is remembered until it has gone unused for a minute: keyed by username, holding a per-process
//! random hash of the password together with the stored hash it matched (never the password
//! itself), so repeated logins skip argon2. The cache sits behind the throttle, so it cannot be
//! used to test guesses quickly either. The same login arriving on many connections at once (a
//! client opening its pool) is checked once: the others wait for that check and take its
//! answer from the cache, rather than queueing one argon2 run each behind it.
//!
//! Who the user is (the stored hash, admin right, teams) comes from the store, which answers
//! from memory while it hears the catalog announce changes of users and memberships
//! ([`dbaas_core::store`]'s login memory): a password change, a deletion or a change of
//! `is_admin` or of teams takes effect on this process at once and on every other replica
//! within a second; while the catalog cannot be heard, every request reads the user (one
//! indexed query). The remembered check above holds only while the stored hash is the one it
//! matched.
//!
//! The check is also where the [audit trail](super::audit_trail) learns who calls: a
//! state-changing call is recorded here, before its handler runs, and a failed login too.

use std::collections::HashMap;
use std::hash::BuildHasher;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use dbaas_core::metrics::BackendErrors;
use dbaas_core::secrets;
use dbaas_core::store::Caller;
use dbaas_core::Config;
use poem::Request;
use poem_openapi::auth::Basic;
use poem_openapi::SecurityScheme;
use tokio::sync::Semaphore;

use super::audit_trail;
use super::client_address::client_address;
use super::metrics::{ApiMetrics, FailedLogin};
use super::throttle::{Admission, LoginThrottle, Pair, MAX_DELAY};
use crate::app::App;

const CACHE_TTL: Duration = Duration::from_secs(60);
const CACHE_MAX: usize = 10_000;

/// HTTP basic authentication with an API user's name and password.
#[derive(SecurityScheme)]
#[oai(ty = "basic", checker = "check")]
pub struct BasicAuth(pub Caller);

/// What every login of one api process shares: the throttle, the success cache and the
/// permits for argon2.
pub struct Logins {
    throttle: LoginThrottle,
    cache: LoginCache,
    argon2: Arc<Semaphore>,
}

impl Logins {
    pub fn new(config: &Config, errors: BackendErrors) -> Self {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        Self {
            throttle: LoginThrottle::new(&config.redis_url, &config.queue_prefix).counting_errors(errors),
            cache: LoginCache::default(),
            argon2: Arc::new(Semaphore::new(cores)),
        }
    }
}

/// The turn to check one login (a username and a digest of its password).
type Turn = Arc<tokio::sync::Mutex<()>>;

/// Logins whose argon2 check succeeded lately.
#[derive(Default)]
struct LoginCache {
    hasher: std::collections::hash_map::RandomState,
    entries: Mutex<HashMap<String, (u64, Instant)>>,
    /// The checks under way, by username and digest: a client that opens many connections
    /// at once sends the same login on each, and only the first runs argon2; the others wait
    /// for its answer in [`LoginCache::turn`].
    checking: Mutex<HashMap<(String, u64), Turn>>,
}

impl LoginCache {
    fn digest(&self, password: &str, stored_hash: &str) -> u64 {
        self.hasher.hash_one((password, stored_hash))
    }

    /// Whether `password` matched `stored_hash` and was last used less than a minute ago; a
    /// use keeps it for another minute. (Were it kept a minute from its check, a client busy on
    /// many connections would wait for a new argon2 run every minute, all of them at once.)
    fn verified(&self, username: &str, password: &str, stored_hash: &str) -> bool {
        let digest = self.digest(password, stored_hash);
        let mut entries = self.entries.lock().expect("login cache poisoned");
        match entries.get_mut(username) {
            Some((stored, at)) if *stored == digest && at.elapsed() < CACHE_TTL => {
                *at = Instant::now();
                true
            }
            _ => false,
        }
    }

    /// Whether `password` is the one `stored_hash` was made from: from the cache, or else
    /// by `check` (argon2), whose success is then remembered. The same login arriving on many
    /// connections at once is checked once: the others wait for that check and find its
    /// answer in the cache.
    async fn check(
        &self,
        username: &str,
        password: &str,
        stored_hash: &str,
        check: impl std::future::Future<Output = bool>,
    ) -> bool {
        if self.verified(username, password, stored_hash) {
            return true;
        }
        let _turn = self.turn(username, password, stored_hash).await;
        if self.verified(username, password, stored_hash) {
            return true;
        }
        let valid = check.await;
        if valid {
            self.put(username, password, stored_hash);
        }
        valid
    }

    /// The turn to check this login: held by one check at a time, so that the logins that
    /// arrive while it runs find its answer in the cache when they get the turn.
    async fn turn(&self, username: &str, password: &str, stored_hash: &str) -> CheckTurn<'_> {
        let key = (username.to_owned(), self.digest(password, stored_hash));
        let lock = self
            .checking
            .lock()
            .expect("login cache poisoned")
            .entry(key.clone())
            .or_default()
            .clone();
        CheckTurn {
            cache: self,
            key,
            guard: lock.lock_owned().await,
        }
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

/// One login's turn to be checked; the last one out forgets the login's entry.
struct CheckTurn<'a> {
    cache: &'a LoginCache,
    key: (String, u64),
    guard: tokio::sync::OwnedMutexGuard<()>,
}

impl Drop for CheckTurn<'_> {
    fn drop(&mut self) {
        let mut checking = self.cache.checking.lock().expect("login cache poisoned");
        // Held by the map and by this guard only: nobody else waits for this turn.
        if Arc::strong_count(tokio::sync::OwnedMutexGuard::mutex(&self.guard)) <= 2 {
            checking.remove(&self.key);
        }
    }
}

fn unauthorized() -> poem::Error {
    poem::Error::from_string("wrong or missing credentials", poem::http::StatusCode::UNAUTHORIZED)
}

async fn check(req: &Request, basic: Basic) -> poem::Result<Caller> {
    let app = req.data::<App>().expect("App is attached to every request");
    let logins = req.data::<Arc<Logins>>().expect("Logins is attached to every request");
    let peer = req.remote_addr().as_socket_addr().map(|a| a.ip());
    let address = client_address(peer, req.headers(), &app.config.trusted_proxies);
    let pair = Pair::new(&basic.username, address);
    let failures = match logins.throttle.admit(&pair).await {
        Admission::Refuse => {
            tracing::debug!(
                ?address,
                "login refused unchecked: too many attempts of this user from there at once"
            );
            if let Some(metrics) = req.data::<Arc<ApiMetrics>>() {
                metrics.login_failed(FailedLogin::Throttled);
            }
            tokio::time::sleep(MAX_DELAY).await;
            return Err(unauthorized());
        }
        Admission::Check { wait, failures } => {
            tokio::time::sleep(wait).await;
            failures
        }
    };
    match verify(app, logins, &basic).await? {
        Some(caller) => {
            logins.throttle.succeeded(&pair, failures).await;
            audit_trail::authenticated(req, &caller, address).await?;
            Ok(caller)
        }
        None => {
            if let Some(metrics) = req.data::<Arc<ApiMetrics>>() {
                metrics.login_failed(FailedLogin::Wrong);
            }
            logins.throttle.failed(&pair).await;
            audit_trail::login_failed(req, &basic.username, address).await;
            Err(unauthorized())
        }
    }
}

/// The caller, if the password is theirs; an error only when the catalog cannot say.
async fn verify(app: &App, logins: &Logins, basic: &Basic) -> poem::Result<Option<Caller>> {
    let login = app
        .store
        .user_login(&basic.username)
        .await
        .map_err(|e| poem::Error::from_string(e.to_string(), poem::http::StatusCode::SERVICE_UNAVAILABLE))?;
    let Some(login) = login else {
        return Ok(None);
    };
    let permits = logins.argon2.clone();
    let (hash, password) = (login.password_hash.clone(), basic.password.clone());
    let argon2 = async move {
        let permit = permits
            .acquire_owned()
            .await
            .expect("the argon2 semaphore is never closed");
        // The permit goes with the check: a client that hangs up frees it only once argon2 is done.
        tokio::task::spawn_blocking(move || {
            let _permit = permit;
            secrets::verify_password(&password, &hash)
        })
        .await
        .unwrap_or(false)
    };
    let valid = logins
        .cache
        .check(&basic.username, &basic.password, &login.password_hash, argon2)
        .await;
    if !valid {
        return Ok(None);
    }
    Ok(Some(login.caller))
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;

    /// A check that takes a while and counts its runs.
    async fn slow_check(runs: &AtomicUsize, answer: bool) -> bool {
        runs.fetch_add(1, Ordering::SeqCst);
        tokio::time::sleep(Duration::from_millis(50)).await;
        answer
    }

    #[tokio::test]
    async fn the_same_login_on_many_connections_at_once_is_checked_once() {
        let cache = LoginCache::default();
        let runs = AtomicUsize::new(0);
        let logins = (0..16).map(|_| cache.check("ana", "right", "$hash", slow_check(&runs, true)));
        let answers = futures_util::future::join_all(logins).await;
        assert!(answers.iter().all(|valid| *valid));
        assert_eq!(runs.load(Ordering::SeqCst), 1, "one check for sixteen identical logins");
        assert!(cache.checking.lock().unwrap().is_empty(), "no turn is left behind");
        // Another password, or another stored hash (a changed password), is checked anew.
        assert!(!cache.check("ana", "wrong", "$hash", slow_check(&runs, false)).await);
        assert!(cache.check("ana", "right", "$new-hash", slow_check(&runs, true)).await);
        assert_eq!(runs.load(Ordering::SeqCst), 3);
    }

    #[test]
    fn a_login_in_use_stays_remembered_and_an_unused_one_expires() {
        let cache = LoginCache::default();
        cache.put("ana", "right", "$hash");
        let age = |cache: &LoginCache, by: Duration| {
            let mut entries = cache.entries.lock().unwrap();
            let entry = entries.get_mut("ana").unwrap();
            entry.1 = Instant::now() - by;
        };
        age(&cache, CACHE_TTL - Duration::from_secs(1));
        assert!(cache.verified("ana", "right", "$hash"), "used within the minute");
        assert!(
            cache.entries.lock().unwrap()["ana"].1.elapsed() < Duration::from_secs(1),
            "a use keeps it for another minute"
        );
        age(&cache, CACHE_TTL);
        assert!(!cache.verified("ana", "right", "$hash"), "unused for a minute");
    }

    #[tokio::test]
    async fn a_failed_check_is_not_remembered() {
        let cache = LoginCache::default();
        let runs = AtomicUsize::new(0);
        let logins = (0..4).map(|_| cache.check("ana", "guess", "$hash", slow_check(&runs, false)));
        let answers = futures_util::future::join_all(logins).await;
        assert!(answers.iter().all(|valid| !*valid));
        assert_eq!(runs.load(Ordering::SeqCst), 4, "every wrong attempt runs its own check");
    }
}
