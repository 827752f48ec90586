//! Time from `POST /api/database/` to the first successful client connection with the
//! returned credential, against the real stack, for one engine (Postgres unless told).
//! Prints each run and the median.
//!
//!     cargo bench -p dbaas-tests --bench provision_latency -- [RUNS] [postgres|mongodb]

use std::time::{Duration, Instant};

use dbaas_tests::{id_of, retry, Engine, TestStack};
use serde_json::json;

#[tokio::main(flavor = "multi_thread", worker_threads = 4)]
async fn main() {
    let (runs, engine) = Engine::bench_args(5);
    let stack = TestStack::start().await;
    let mut timings = Vec::new();
    for run in 0..runs {
        let started = Instant::now();
        let (status, created) = stack
            .post(
                "/api/database/",
                &json!({"name": engine.db_name(&format!("bench{run}")), "plan": engine.plan(), "environment": 1}),
            )
            .await;
        assert_eq!(status, 202, "{created}");
        let credential_id = id_of(created["credentials"][0]["_links"]["self"].as_str().unwrap());
        retry(Duration::from_secs(120), Duration::from_millis(10), || async {
            let (_, credential) = stack.get(&format!("/api/credential/{credential_id}/")).await;
            let uri = credential["connection_uri"].as_str().ok_or("no connection URI yet")?;
            // Logs in and proves it with an authenticated command.
            engine.connect(uri).await.map_err(|_| "no connection")?;
            Ok(())
        })
        .await
        .unwrap_or_else(|last: &str| panic!("run {run} never connected: {last}"));
        let elapsed = started.elapsed();
        println!("{} run {run}: {} ms", engine.name(), elapsed.as_millis());
        timings.push(elapsed);
    }
    timings.sort();
    let median = timings[timings.len() / 2];
    println!(
        "{}: POST to first connection over {runs} runs: median {} ms, min {} ms, max {} ms",
        engine.name(),
        median.as_millis(),
        timings[0].as_millis(),
        timings[timings.len() - 1].as_millis()
    );
    stack.cleanup().await;
}
