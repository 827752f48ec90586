//! Failed logins slow down the next ones, per (username, client address), on every api replica.
//!
//! Nothing is ever locked: a wrong password is answered 401, a right one 200, only later. Each
//! (username, [client address](super::client_address)) pair has a count of failed logins since
//! its last successful one, and every attempt of a pair with `n` failures waits [`delay`]`(n)`
//! before its password is checked: nothing for the first, then 100 ms, doubling up to
//! [`MAX_DELAY`] (2 s, well below what HTTP clients wait for an answer). The wait comes before
//! the check, so a guesser learns nothing sooner by hanging up early. A correct password resets
//! its own pair only, and failures from one address never slow the same username from another:
//! whoever guesses the admin's password from elsewhere cannot keep the admin out.
//!
//! Concurrent attempts of one pair do not share a wait: each one takes a turn
//! (`next`), at least `delay(n)` after the one before, so a pair gets one password check per
//! `delay(n)` however many connections it opens. An attempt whose turn would be more than
//! [`MAX_DELAY`] away is answered 401 after [`MAX_DELAY`] without a check (and is not counted).
//! That is the one case in which a correct password is refused: while someone else at the same
//! address guesses the same username with several attempts at once. (Only the failures known
//! when an attempt arrives count: the first attempts a pair sends at once, before any answer,
//! are not slowed. Failures are counted whether or not the username exists, so the delays say
//! nothing about which ones do.)
//!
//! An IPv6 client is counted by its /64, which one subscriber usually holds whole.
//!
//! **Shared through Redis.** The state lives under the deployment's `DBAAS_QUEUE_PREFIX`:
//! `{prefix}:login:{sha256 of username and address}` (no username or address in clear), a hash
//! of `failures` and `next` (a time in ms of Redis' clock, so the replicas' clocks do not
//! matter), forgotten [`MEMORY`] after the last failure. A Lua script takes the turn atomically;
//! a failure is `HINCRBY` + `PEXPIRE`; a success `DEL`.
//!
//! **Clear pairs from memory.** A pair Redis found without failures is taken as clear by this
//! replica for [`CLEAR_FOR`] (1 s) without asking again, so a steady client's logins cost no
//! round trip at all. A failure of the pair on this replica ends that at once (and an answer
//! from Redis that was asked before the failure does not bring it back). What this lets
//! through: a failure on *another* replica is not seen here for up to [`CLEAR_FOR`], so a
//! guesser at the address of a user who is logged in on several replicas gets at most one
//! unslowed attempt per replica, once, before every replica asks Redis again.
//!
//! **Redis down.** Logins never fail because of Redis. A Redis call that errs or takes longer
//! than [`REDIS_TIMEOUT`] makes this replica count in its own memory instead, with one warning,
//! and leave Redis alone for [`REDIS_PAUSE`] before trying it again (then one line says it is
//! back). Meanwhile the same delays apply per replica, so N replicas allow N times as many
//! guesses, and what a replica counted alone is not carried into Redis when it returns (nor is
//! Redis' count seen while it is away).

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use dbaas_core::metrics::{Backend, BackendErrors};
use ipnet::Ipv6Net;
use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use sha2::{Digest, Sha256};

/// The wait after the first failure; each further one doubles it, up to [`MAX_DELAY`].
pub const FIRST_DELAY: Duration = Duration::from_millis(100);
/// The longest any login waits before it is answered (besides the password check itself).
pub const MAX_DELAY: Duration = Duration::from_secs(2);
/// A pair's failures are forgotten this long after its last one.
pub const MEMORY: Duration = Duration::from_secs(15 * 60);
/// The longest a Redis call may take before the replica counts on its own.
pub const REDIS_TIMEOUT: Duration = Duration::from_millis(250);
/// How long Redis is left alone after it failed a call.
pub const REDIS_PAUSE: Duration = Duration::from_secs(1);
/// Pairs the in-memory fallback remembers at most.
const LOCAL_MAX: usize = 10_000;
/// How long a pair Redis found without failures is taken as clear without asking it again.
pub const CLEAR_FOR: Duration = Duration::from_secs(1);
/// Clear pairs remembered at most.
const CLEAR_MAX: usize = 10_000;

/// The wait before the password check of a pair with `failures` failed logins.
pub fn delay(failures: u32) -> Duration {
    match failures {
        0 => Duration::ZERO,
        n => FIRST_DELAY.saturating_mul(1 << (n - 1).min(20)).min(MAX_DELAY),
    }
}

/// What a login attempt may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Admission {
    /// Wait `wait`, then check the password; the pair had `failures` failures.
    Check { wait: Duration, failures: u32 },
    /// The pair has more attempts in line than fit in [`MAX_DELAY`]: answer 401 after
    /// [`MAX_DELAY`], without a check.
    Refuse,
}

/// A (username, client address) pair, as the hash it is stored under.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Pair([u8; 32]);

impl Pair {
    pub fn new(username: &str, address: Option<IpAddr>) -> Self {
        let address = match address {
            Some(IpAddr::V6(v6)) => Ipv6Net::new(v6, 64).map(|n| n.trunc().to_string()).unwrap_or_default(),
            Some(v4) => v4.to_string(),
            None => "unknown".into(),
        };
        let mut hash = Sha256::new();
        hash.update((username.len() as u64).to_le_bytes());
        hash.update(username.as_bytes());
        hash.update(address.as_bytes());
        Self(hash.finalize().into())
    }

    fn key(&self, prefix: &str) -> String {
        let hex: String = self.0.iter().map(|b| format!("{b:02x}")).collect();
        format!("{prefix}:login:{hex}")
    }
}

/// The turn of one attempt: [`Admission`], and the pair's `next` turn after it. Redis runs the
/// same rule in [`ADMIT`].
fn admit(failures: u32, next: u128, now: u128) -> (Admission, u128) {
    if failures == 0 {
        return (
            Admission::Check {
                wait: Duration::ZERO,
                failures,
            },
            next,
        );
    }
    let step = delay(failures).as_millis();
    let turn = next.max(now + step);
    if turn - now > MAX_DELAY.as_millis() {
        return (Admission::Refuse, next);
    }
    let wait = Duration::from_millis((turn - now) as u64);
    (Admission::Check { wait, failures }, turn + step)
}

/// [`admit`] in Redis. KEYS[1]: the pair; ARGV: [`FIRST_DELAY`], [`MAX_DELAY`] in ms.
/// Answers {failures, wait in ms}, the wait -1 for [`Admission::Refuse`].
const ADMIT: &str = r"
local failures = tonumber(redis.call('HGET', KEYS[1], 'failures') or '0')
if failures == 0 then return {0, 0} end
local first, max = tonumber(ARGV[1]), tonumber(ARGV[2])
local step = math.min(first * 2 ^ math.min(failures - 1, 20), max)
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local turn = math.max(tonumber(redis.call('HGET', KEYS[1], 'next') or '0'), now + step)
if turn - now > max then return {failures, -1} end
redis.call('HSET', KEYS[1], 'next', string.format('%d', turn + step))
return {failures, turn - now}
";

/// A pair as the fallback remembers it (times in ms since the throttle was made).
#[derive(Debug, Clone, Copy)]
struct Local {
    failures: u32,
    next: u128,
    last_failure: u128,
}

/// Pairs lately found without failures, and when this replica last saw each fail.
#[derive(Default)]
struct ClearPairs {
    pairs: Mutex<HashMap<Pair, Clear>>,
}

#[derive(Debug, Clone, Copy)]
struct Clear {
    until: Option<Instant>,
    failed_at: Option<Instant>,
}

impl ClearPairs {
    fn map(&self) -> std::sync::MutexGuard<'_, HashMap<Pair, Clear>> {
        self.pairs.lock().expect("login throttle poisoned")
    }

    fn is_clear(&self, pair: &Pair) -> bool {
        self.map()
            .get(pair)
            .and_then(|c| c.until)
            .is_some_and(|until| Instant::now() < until)
    }

    /// Redis, asked at `asked`, found the pair without failures: clear for [`CLEAR_FOR`],
    /// unless it failed here since.
    fn found_clear(&self, pair: &Pair, asked: Instant) {
        let mut map = self.map();
        let now = Instant::now();
        if map.len() >= CLEAR_MAX && !map.contains_key(pair) {
            map.retain(|_, c| c.until.is_some_and(|until| now < until));
            if map.len() >= CLEAR_MAX {
                return;
            }
        }
        let entry = map.entry(*pair).or_insert(Clear {
            until: None,
            failed_at: None,
        });
        if entry.failed_at.is_none_or(|at| at < asked) {
            entry.until = Some(now + CLEAR_FOR);
        }
    }

    fn failed(&self, pair: &Pair) {
        let mut map = self.map();
        if let Some(entry) = map.get_mut(pair) {
            *entry = Clear {
                until: None,
                failed_at: Some(Instant::now()),
            };
        }
    }
}

/// The throttle of one api process: Redis when it answers, its own memory when not.
pub struct LoginThrottle {
    prefix: String,
    redis: Option<ConnectionManager>,
    admit_script: redis::Script,
    /// Set while Redis is left alone, after it failed.
    paused_until: Mutex<Option<Instant>>,
    local: Mutex<HashMap<Pair, Local>>,
    clear: ClearPairs,
    epoch: Instant,
    /// Where failed Redis calls are counted (the process's metrics).
    errors: BackendErrors,
}

impl LoginThrottle {
    /// A throttle on the Redis at `redis_url` (connected on first use), under `prefix`.
    pub fn new(redis_url: &str, prefix: &str) -> Self {
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(REDIS_TIMEOUT))
            .set_response_timeout(Some(REDIS_TIMEOUT))
            .set_number_of_retries(1);
        let redis = redis::Client::open(redis_url)
            .and_then(|client| ConnectionManager::new_lazy_with_config(client, config))
            .inspect_err(
                |e| tracing::warn!(error = %e, "login throttle: no Redis; failed logins are counted per process"),
            )
            .ok();
        Self {
            prefix: prefix.to_owned(),
            redis,
            admit_script: redis::Script::new(ADMIT),
            paused_until: Mutex::new(None),
            local: Mutex::new(HashMap::new()),
            clear: ClearPairs::default(),
            epoch: Instant::now(),
            errors: BackendErrors::default(),
        }
    }

    /// Counts failed Redis calls into `errors` (the process's metrics).
    pub fn counting_errors(mut self, errors: BackendErrors) -> Self {
        self.errors = errors;
        self
    }

    /// Takes the attempt's turn.
    pub async fn admit(&self, pair: &Pair) -> Admission {
        if self.clear.is_clear(pair) {
            return Admission::Check {
                wait: Duration::ZERO,
                failures: 0,
            };
        }
        if let Some(mut conn) = self.redis() {
            let mut call = self.admit_script.key(pair.key(&self.prefix));
            call.arg(FIRST_DELAY.as_millis() as u64)
                .arg(MAX_DELAY.as_millis() as u64);
            let asked = Instant::now();
            let answer = tokio::time::timeout(REDIS_TIMEOUT, call.invoke_async::<(u32, i64)>(&mut conn)).await;
            if let Some((failures, wait)) = self.answered(answer) {
                if failures == 0 {
                    self.clear.found_clear(pair, asked);
                }
                return match u64::try_from(wait) {
                    Ok(ms) => Admission::Check {
                        wait: Duration::from_millis(ms),
                        failures,
                    },
                    Err(_) => Admission::Refuse,
                };
            }
        }
        let now = self.now();
        let mut local = self.local.lock().expect("login throttle poisoned");
        let Some(entry) = local.get_mut(pair) else {
            return Admission::Check {
                wait: Duration::ZERO,
                failures: 0,
            };
        };
        if now.saturating_sub(entry.last_failure) >= MEMORY.as_millis() {
            local.remove(pair);
            return Admission::Check {
                wait: Duration::ZERO,
                failures: 0,
            };
        }
        let (admission, next) = admit(entry.failures, entry.next, now);
        entry.next = next;
        admission
    }

    /// Counts a failed login.
    pub async fn failed(&self, pair: &Pair) {
        self.clear.failed(pair);
        if let Some(mut conn) = self.redis() {
            let key = pair.key(&self.prefix);
            let mut pipe = redis::pipe();
            pipe.atomic()
                .hincr(&key, "failures", 1)
                .ignore()
                .pexpire(&key, MEMORY.as_millis() as i64)
                .ignore();
            let answer = tokio::time::timeout(REDIS_TIMEOUT, pipe.query_async::<()>(&mut conn)).await;
            if self.answered(answer).is_some() {
                return;
            }
        }
        let now = self.now();
        let mut local = self.local.lock().expect("login throttle poisoned");
        if local.len() >= LOCAL_MAX && !local.contains_key(pair) {
            local.retain(|_, l| now.saturating_sub(l.last_failure) < MEMORY.as_millis());
            let oldest = local.iter().min_by_key(|(_, l)| l.last_failure).map(|(p, _)| *p);
            if let (true, Some(oldest)) = (local.len() >= LOCAL_MAX, oldest) {
                local.remove(&oldest);
            }
        }
        let entry = local.entry(*pair).or_insert(Local {
            failures: 0,
            next: 0,
            last_failure: now,
        });
        entry.failures += 1;
        entry.last_failure = now;
    }

    /// A correct password: the pair starts afresh. `failures` is what [`Self::admit`] saw.
    pub async fn succeeded(&self, pair: &Pair, failures: u32) {
        self.local.lock().expect("login throttle poisoned").remove(pair);
        if failures == 0 {
            return;
        }
        if let Some(mut conn) = self.redis() {
            let mut del = redis::cmd("DEL");
            del.arg(pair.key(&self.prefix));
            let answer = tokio::time::timeout(REDIS_TIMEOUT, del.query_async::<()>(&mut conn)).await;
            self.answered(answer);
        }
    }

    fn now(&self) -> u128 {
        self.epoch.elapsed().as_millis()
    }

    /// The connection, unless Redis is left alone for now.
    fn redis(&self) -> Option<ConnectionManager> {
        let paused = self.paused_until.lock().expect("login throttle poisoned");
        match *paused {
            Some(until) if Instant::now() < until => None,
            _ => self.redis.clone(),
        }
    }

    /// The value of a Redis call, or `None` after pausing Redis (with a warning when it
    /// answered until now).
    fn answered<T>(&self, answer: Result<redis::RedisResult<T>, tokio::time::error::Elapsed>) -> Option<T> {
        let mut paused = self.paused_until.lock().expect("login throttle poisoned");
        match answer {
            Ok(Ok(value)) => {
                if paused.take().is_some() {
                    tracing::info!("login throttle: Redis answers again; failed logins are shared again");
                }
                Some(value)
            }
            failed => {
                self.errors.count(Backend::Redis);
                let error = match failed {
                    Ok(Err(e)) => e.to_string(),
                    _ => format!("no answer within {REDIS_TIMEOUT:?}"),
                };
                if paused.is_none() {
                    tracing::warn!(
                        %error,
                        "login throttle: Redis is unavailable; failed logins are counted in this process until it is back"
                    );
                }
                *paused = Some(Instant::now() + REDIS_PAUSE);
                None
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_double_up_to_the_cap() {
        let ms: Vec<u128> = (0..9).map(|n| delay(n).as_millis()).collect();
        assert_eq!(ms, [0, 100, 200, 400, 800, 1600, 2000, 2000, 2000]);
        assert_eq!(delay(u32::MAX), MAX_DELAY);
    }

    #[test]
    fn one_attempt_waits_its_delay() {
        let (admission, next) = admit(3, 0, 10_000);
        assert_eq!(
            admission,
            Admission::Check {
                wait: Duration::from_millis(400),
                failures: 3
            }
        );
        assert_eq!(next, 10_800);
        // The next one, after that answer, waits its own delay from when it comes.
        let (admission, _) = admit(4, next, 10_900);
        assert_eq!(
            admission,
            Admission::Check {
                wait: Duration::from_millis(800),
                failures: 4
            }
        );
    }

    #[test]
    fn concurrent_attempts_take_turns_and_the_rest_are_refused() {
        let (mut next, now) = (0, 50_000);
        let mut waits = Vec::new();
        loop {
            let (admission, after) = admit(2, next, now);
            match admission {
                Admission::Check { wait, .. } => waits.push(wait.as_millis()),
                Admission::Refuse => break,
            }
            next = after;
        }
        assert_eq!(waits, [200, 400, 600, 800, 1000, 1200, 1400, 1600, 1800, 2000]);
        assert_eq!(admit(2, next, now).1, next, "a refusal takes no turn");
        assert_eq!(
            admit(0, next, now).0,
            Admission::Check {
                wait: Duration::ZERO,
                failures: 0
            }
        );
    }

    #[test]
    fn pairs_are_told_apart_and_ipv6_counts_by_its_64() {
        let v4 = |s: &str| Some(s.parse().unwrap());
        assert_ne!(Pair::new("admin", v4("127.0.0.1")), Pair::new("admin", v4("127.0.0.2")));
        assert_ne!(
            Pair::new("admin", v4("127.0.0.1")),
            Pair::new("admin2", v4("127.0.0.1"))
        );
        assert_ne!(Pair::new("admin", None), Pair::new("admin", v4("127.0.0.1")));
        assert_eq!(
            Pair::new("admin", v4("2001:db8:1:2::1")),
            Pair::new("admin", v4("2001:db8:1:2:ffff::9"))
        );
        assert_ne!(
            Pair::new("admin", v4("2001:db8:1:2::1")),
            Pair::new("admin", v4("2001:db8:1:3::1"))
        );
        let key = Pair::new("admin", v4("127.0.0.1")).key("dbaas");
        assert!(
            key.starts_with("dbaas:login:") && key.len() == "dbaas:login:".len() + 64,
            "{key}"
        );
    }
}
