//! How long a correct login (a real argon2 check, nothing cached) takes while others flood the
//! api with wrong passwords, against the real stack (api only, in this process).
//!
//! The flood: `CLIENTS` concurrent loops of wrong passwords, each from its own loopback address
//! (127.0.0.2, 127.0.0.3, ...) for its own existing user, so that every pair gets checked
//! by argon2 until its delay grows. Meanwhile, from 127.0.0.1, `LOGINS` users log in once each
//! with the right password. Prints the correct logins' median and maximum, without and with the
//! flood, and what the flood got.
//!
//!     cargo bench -p dbaas-tests --bench login_flood -- [CLIENTS] [LOGINS]

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use dbaas_tests::TestStack;
use serde_json::json;

fn from(address: String) -> reqwest::Client {
    reqwest::Client::builder()
        .local_address(address.parse::<std::net::IpAddr>().expect("an address"))
        .timeout(Duration::from_secs(30))
        .build()
        .expect("http client")
}

async fn status(client: &reqwest::Client, url: &str, user: &str, password: &str) -> u16 {
    client
        .get(url)
        .basic_auth(user, Some(password))
        .send()
        .await
        .map(|r| r.status().as_u16())
        .unwrap_or(0)
}

/// Logs in `users` once each from 127.0.0.1 with the right password; their times, sorted.
async fn correct_logins(url: &str, users: &[String]) -> Vec<Duration> {
    let client = from("127.0.0.1".into());
    let mut times = Vec::new();
    for user in users {
        let started = Instant::now();
        assert_eq!(status(&client, url, user, "bench-password-1").await, 200, "{user}");
        times.push(started.elapsed());
    }
    times.sort();
    times
}

fn summary(times: &[Duration]) -> String {
    format!(
        "median {} ms, max {} ms (n={})",
        times[times.len() / 2].as_millis(),
        times[times.len() - 1].as_millis(),
        times.len()
    )
}

#[tokio::main(flavor = "multi_thread", worker_threads = 4)]
async fn main() {
    let numbers: Vec<usize> = std::env::args().skip(1).filter_map(|a| a.parse().ok()).collect();
    let clients = numbers.first().copied().unwrap_or(32);
    let logins = numbers.get(1).copied().unwrap_or(10);
    let stack = TestStack::start_api_only(|_| {}).await;
    let url = stack.url("/api/plan/");
    let users: Vec<String> = (0..clients + 2 * logins).map(|n| format!("bench{n}")).collect();
    for user in &users {
        let (status, body) = stack
            .post("/api/user/", &json!({"username": user, "password": "bench-password-1"}))
            .await;
        assert_eq!(status, 201, "{body}");
    }
    let (flooders, probes) = users.split_at(clients);
    let (quiet, loud) = probes.split_at(logins);

    let baseline = correct_logins(&url, quiet).await;
    println!("correct logins, no flood:       {}", summary(&baseline));

    let stop = Arc::new(AtomicBool::new(false));
    let answered = Arc::new(AtomicUsize::new(0));
    let not_401 = Arc::new(AtomicUsize::new(0));
    let mut flood = Vec::new();
    for (n, user) in flooders.iter().enumerate() {
        let (stop, answered, not_401) = (stop.clone(), answered.clone(), not_401.clone());
        let (client, url, user) = (from(format!("127.0.0.{}", n % 250 + 2)), url.clone(), user.clone());
        flood.push(tokio::spawn(async move {
            while !stop.load(Ordering::Relaxed) {
                if status(&client, &url, &user, "wrong-guess").await != 401 {
                    not_401.fetch_add(1, Ordering::Relaxed);
                }
                answered.fetch_add(1, Ordering::Relaxed);
            }
        }));
    }
    // Let the flood reach its steady state (every pair at the delay cap) first.
    tokio::time::sleep(Duration::from_secs(5)).await;
    let (started, before) = (Instant::now(), answered.load(Ordering::Relaxed));
    let flooded = correct_logins(&url, loud).await;
    let (seconds, during) = (
        started.elapsed().as_secs_f64(),
        answered.load(Ordering::Relaxed) - before,
    );
    stop.store(true, Ordering::Relaxed);
    for task in flood {
        let _ = task.await;
    }
    println!("correct logins, {clients} guessers: {}", summary(&flooded));
    println!(
        "guesses answered meanwhile: {during} in {seconds:.1} s ({:.1}/s); answers other than 401 in all: {}",
        during as f64 / seconds,
        not_401.load(Ordering::Relaxed)
    );
    stack.cleanup().await;
}
