//! Failed logins slow down the next ones of the same username from the same client address,
//! shared by every api replica through Redis, and never lock anyone out: a wrong password is
//! always 401 (JSON, `WWW-Authenticate`), never 429, and the right password from another
//! address is never slowed by someone else's failures (`api/src/http/throttle.rs`).
//!
//! Clients bind their own loopback address (127.0.0.1, 127.0.0.2, ...; all of 127.0.0.0/8
//! reaches a server listening on 127.0.0.1), so that one test has several client addresses.
//! Times are only ever lower bounds: an answer that comes after at least the delay.

use std::time::{Duration, Instant};

use dbaas_tests::services::redis_keys;
use dbaas_tests::{free_port, retry, PrivateRedis, TestStack};
use serde_json::{json, Value};

const ADMIN_HOST: &str = "127.0.0.1";
const GUESSER: &str = "127.0.0.2";
/// The wait before an attempt, by the failures of its (username, address) before it: nothing,
/// then 100 ms doubling up to 2 s (the throttle's documented delays, written out).
const DELAYS_MS: [u64; 7] = [0, 100, 200, 400, 800, 1600, 2000];
const MAX_DELAY: Duration = Duration::from_secs(2);

/// A client whose connections come from `address`.
fn from(address: &str) -> reqwest::Client {
    reqwest::Client::builder()
        .local_address(address.parse::<std::net::IpAddr>().expect("an address"))
        .timeout(Duration::from_secs(30))
        .build()
        .expect("http client")
}

/// One login: `GET /api/plan/` with basic authentication.
struct Attempt {
    status: u16,
    body: Value,
    challenge: Option<String>,
    took: Duration,
}

async fn login(
    client: &reqwest::Client,
    base_url: &str,
    user: &str,
    password: &str,
    headers: &[(&str, &str)],
) -> Attempt {
    let mut request = client
        .get(format!("{base_url}/api/plan/"))
        .basic_auth(user, Some(password));
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let started = Instant::now();
    let response = request.send().await.expect("GET /api/plan/");
    let status = response.status().as_u16();
    let challenge = response
        .headers()
        .get("www-authenticate")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let text = response.text().await.expect("body");
    let took = started.elapsed();
    let body = serde_json::from_str(&text).unwrap_or(Value::String(text));
    Attempt {
        status,
        body,
        challenge,
        took,
    }
}

/// A wrong password's answer after `failures` failures of its pair: 401 as JSON with a
/// challenge, no sooner than the delay.
fn refused_after(attempt: &Attempt, failures: usize) {
    assert_eq!(attempt.status, 401, "never 429, never anything else: {}", attempt.body);
    assert_eq!(attempt.body["code"], "unauthorized", "{}", attempt.body);
    assert!(
        attempt.challenge.as_deref().is_some_and(|c| c.starts_with("Basic ")),
        "WWW-Authenticate: {:?}",
        attempt.challenge
    );
    let least = Duration::from_millis(DELAYS_MS[failures.min(DELAYS_MS.len() - 1)]);
    assert!(
        attempt.took >= least,
        "the answer after {failures} failures came in {:?}, before the delay of {least:?}",
        attempt.took
    );
}

async fn redis(url: &str) -> redis::aio::MultiplexedConnection {
    redis::Client::open(url)
        .expect("redis url")
        .get_multiplexed_async_connection()
        .await
        .expect("redis")
}

/// The throttle's keys of this stack in Redis.
async fn login_keys(stack: &TestStack) -> Vec<String> {
    let mut conn = redis(&stack.config.redis_url).await;
    redis_keys(&mut conn, &format!("{}:login:", stack.config.queue_prefix))
        .await
        .expect("scan")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_guesser_elsewhere_never_slows_the_admin() {
    let stack = TestStack::start_api_only(|_| {}).await;
    let (url, admin, password) = (&stack.base_url, &stack.admin_user, &stack.admin_password);
    let guesser = from(GUESSER);
    for failures in 0..6 {
        refused_after(&login(&guesser, url, admin, "guess", &[]).await, failures);
    }

    // One pair in Redis, under the deployment's prefix, hashed, with an expiry.
    let keys = login_keys(&stack).await;
    assert_eq!(keys.len(), 1, "{keys:?}");
    assert!(
        !keys[0].contains(admin.as_str()) && !keys[0].contains(GUESSER),
        "{}",
        keys[0]
    );
    let mut conn = redis(&stack.config.redis_url).await;
    let failures: u32 = redis::cmd("HGET")
        .arg(&keys[0])
        .arg("failures")
        .query_async(&mut conn)
        .await
        .unwrap();
    assert_eq!(failures, 6);
    let ttl: i64 = redis::cmd("PTTL").arg(&keys[0]).query_async(&mut conn).await.unwrap();
    assert!(ttl > 0 && ttl <= 15 * 60 * 1000, "{ttl} ms");

    // The admin's first login from its own address (a real argon2 check: nothing cached yet),
    // sent together with the guesser's next attempt, which waits the full delay first: the
    // admin is answered first, and sooner than the delay.
    let started = Instant::now();
    let theirs = async {
        let attempt = login(&guesser, url, admin, "guess", &[]).await;
        (attempt, started.elapsed())
    };
    let ours = async {
        let attempt = login(&from(ADMIN_HOST), url, admin, password, &[]).await;
        (attempt, started.elapsed())
    };
    let ((theirs, theirs_done), (ours, ours_done)) = tokio::join!(theirs, ours);
    refused_after(&theirs, 6);
    assert_eq!(ours.status, 200, "{}", ours.body);
    assert!(
        ours_done < theirs_done,
        "the admin ({ours_done:?}) was answered after the throttled guess ({theirs_done:?})"
    );
    assert!(ours.took < MAX_DELAY, "the admin waited {:?}", ours.took);

    // The right password from the guesser's address waits its turn too, then starts afresh.
    let right = login(&guesser, url, admin, password, &[]).await;
    assert_eq!(right.status, 200, "{}", right.body);
    assert!(right.took >= MAX_DELAY, "{:?}", right.took);
    assert_eq!(
        login_keys(&stack).await,
        Vec::<String>::new(),
        "a success resets its pair"
    );
    refused_after(&login(&guesser, url, admin, "guess", &[]).await, 0);
    stack.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forwarded_addresses_count_only_from_trusted_proxies() {
    let stack = TestStack::start_api_only(|config| {
        config.trusted_proxies = dbaas_core::config::parse_networks("127.0.0.3, 127.0.0.4/32").unwrap();
    })
    .await;
    let (url, admin) = (&stack.base_url, &stack.admin_user);

    // An untrusted peer names another client in every attempt: ignored, its own count grows.
    let untrusted = from(GUESSER);
    for failures in 0..5 {
        let claimed = format!("198.51.100.{failures}");
        let forwarded = format!("for={claimed}");
        let headers = [("x-forwarded-for", claimed.as_str()), ("forwarded", forwarded.as_str())];
        refused_after(&login(&untrusted, url, admin, "guess", &headers).await, failures);
    }

    // Trusted proxies: the client they name is counted, whichever proxy it came through, and
    // whatever the client wrote left of it.
    let (proxy, other_proxy) = (from("127.0.0.3"), from("127.0.0.4"));
    for failures in 0..3 {
        let headers = [("x-forwarded-for", "203.0.113.9")];
        refused_after(&login(&proxy, url, admin, "guess", &headers).await, failures);
    }
    let headers = [("forwarded", "for=203.0.113.9;proto=http")];
    refused_after(&login(&other_proxy, url, admin, "guess", &headers).await, 3);
    let headers = [("x-forwarded-for", "192.0.2.1, 203.0.113.9, 127.0.0.4")];
    refused_after(&login(&proxy, url, admin, "guess", &headers).await, 4);
    // A proxy passing on the untrusted guesser's address shares the guesser's count.
    let headers = [("x-forwarded-for", GUESSER)];
    refused_after(&login(&proxy, url, admin, "guess", &headers).await, 5);

    // None of it slowed the admin.
    let ours = login(&from(ADMIN_HOST), url, admin, &stack.admin_password, &[]).await;
    assert_eq!(ours.status, 200, "{}", ours.body);
    assert_eq!(login_keys(&stack).await.len(), 2, "the guesser and 203.0.113.9");
    stack.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_replicas_count_together() {
    let mut stack = TestStack::start_api_only(|_| {}).await;
    let other = stack.start_another_api().await;
    let replicas = [stack.base_url.clone(), other];
    let (admin, password) = (stack.admin_user.clone(), stack.admin_password.clone());
    let guesser = from(GUESSER);
    // Each replica sees every other failure only: counted apart, the sixth would wait 400 ms.
    for failures in 0..6 {
        let url = &replicas[failures % 2];
        refused_after(&login(&guesser, url, &admin, "guess", &[]).await, failures);
    }
    let right = login(&guesser, &replicas[0], &admin, &password, &[]).await;
    assert_eq!(right.status, 200, "{}", right.body);
    assert!(right.took >= MAX_DELAY, "{:?}", right.took);
    // Reset for both.
    refused_after(&login(&guesser, &replicas[1], &admin, "guess", &[]).await, 0);
    refused_after(&login(&guesser, &replicas[0], &admin, "guess", &[]).await, 1);
    stack.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn logins_work_while_redis_is_down() {
    let port = free_port();
    let mut private = PrivateRedis::start(port);
    let redis_url = format!("redis://127.0.0.1:{port}/");
    let stack = TestStack::start_api_only(|config| config.redis_url = redis_url.clone()).await;
    let (url, admin, password) = (&stack.base_url, &stack.admin_user, &stack.admin_password);
    let (status, body) = stack
        .post(
            "/api/user/",
            &json!({"username": "carol", "password": "carol-password-1"}),
        )
        .await;
    assert_eq!(status, 201, "{body}");

    private.stop();
    // Logins go on: the admin (remembered) and carol (a first, real password check).
    let ours = login(&from(ADMIN_HOST), url, admin, password, &[]).await;
    assert_eq!(ours.status, 200, "{}", ours.body);
    let carol = login(&from(ADMIN_HOST), url, "carol", "carol-password-1", &[]).await;
    assert_eq!(carol.status, 200, "{}", carol.body);
    // Wrong passwords are still 401, and slowed by the api's own count.
    let guesser = from(GUESSER);
    for failures in 0..5 {
        refused_after(&login(&guesser, url, "carol", "guess", &[]).await, failures);
    }
    let ours = login(&from(ADMIN_HOST), url, "carol", "carol-password-1", &[]).await;
    assert_eq!(ours.status, 200, "{}", ours.body);

    // Once Redis is back, failures are shared through it again.
    let _private = PrivateRedis::start(port);
    retry(Duration::from_secs(15), Duration::from_millis(200), || async {
        let attempt = login(&guesser, url, "bob", "guess", &[]).await;
        assert_eq!(attempt.status, 401, "{}", attempt.body);
        let keys = login_keys(&stack).await;
        if keys.is_empty() {
            Err("no failure in Redis yet")
        } else {
            Ok(())
        }
    })
    .await
    .expect("the throttle uses Redis again");
    stack.cleanup().await;
}
