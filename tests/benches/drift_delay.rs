//! Drift within seconds: a database's engine container stopped by hand (`docker stop`), timed
//! until the fleet shows the engine unhealthy with `stopped` drift (`GET /api/engine/{id}/`)
//! and until its database shows `unhealthy`. The plan does not recover on its own, so each
//! run starts the container again by hand. Prints each run, then the median, min and max.
//!
//!     cargo bench -p dbaas-tests --bench drift_delay -- [RUNS]

use std::time::{Duration, Instant};

use dbaas_tests::{retry, TestStack};

const EVERY: Duration = Duration::from_millis(20);
const TIMEOUT: Duration = Duration::from_secs(60);

#[tokio::main(flavor = "multi_thread", worker_threads = 4)]
async fn main() {
    let runs: usize = std::env::args().skip(1).find_map(|a| a.parse().ok()).unwrap_or(7);
    // The production default interval, not the test suite's shorter one.
    let interval = Duration::from_millis(2_000);
    let stack = TestStack::start_with(|c| c.fleet_interval = interval).await;
    stack
        .catalog()
        .await
        .execute("UPDATE plans SET auto_recover = false", &[])
        .await
        .unwrap();
    let (database, _) = stack.ready_database("drift_bench").await;
    let database_id = database["id"].as_i64().unwrap();
    let engine = retry(TIMEOUT, EVERY, || async {
        let (_, list) = stack.get("/api/engine/?health=healthy").await;
        list["engine"].as_array().unwrap().first().cloned().ok_or(list)
    })
    .await
    .expect("the engine shows healthy");
    let (id, name) = (
        engine["id"].as_i64().unwrap(),
        engine["container_name"].as_str().unwrap().to_owned(),
    );
    let docker = stack.docker().await;
    println!("fleet interval {interval:?}");
    let (mut fleet, mut databases) = (Vec::new(), Vec::new());
    for run in 0..runs {
        let stop = bollard::query_parameters::StopContainerOptionsBuilder::default()
            .t(0)
            .build();
        docker.stop_container(&name, Some(stop)).await.unwrap();
        let stopped = Instant::now();
        let (mut engine_at, mut database_at) = (None, None);
        while engine_at.is_none() || database_at.is_none() {
            assert!(stopped.elapsed() < TIMEOUT, "the stop never showed");
            if engine_at.is_none() {
                let (_, e) = stack.get(&format!("/api/engine/{id}/")).await;
                if e["health"] == "unhealthy" && e["drift"].as_array().unwrap().iter().any(|d| d == "stopped") {
                    engine_at = Some(stopped.elapsed());
                }
            }
            if database_at.is_none() {
                let (_, d) = stack.get(&format!("/api/database/{database_id}/")).await;
                if d["health"] == "unhealthy" {
                    database_at = Some(stopped.elapsed());
                }
            }
            tokio::time::sleep(EVERY).await;
        }
        let (e, d) = (engine_at.unwrap(), database_at.unwrap());
        println!(
            "run {run}: engine unhealthy after {:.0} ms, database after {:.0} ms",
            ms(e),
            ms(d)
        );
        fleet.push(e);
        databases.push(d);
        docker.start_container(&name, None).await.unwrap();
        retry(TIMEOUT, EVERY, || async {
            let (_, e) = stack.get(&format!("/api/engine/{id}/")).await;
            (e["health"] == "healthy").then_some(()).ok_or(())
        })
        .await
        .expect("healthy again");
    }
    for (what, mut timings) in [("engine unhealthy", fleet), ("database unhealthy", databases)] {
        timings.sort();
        println!(
            "stop to {what} over {runs} runs: median {:.0} ms, min {:.0} ms, max {:.0} ms",
            ms(timings[timings.len() / 2]),
            ms(timings[0]),
            ms(timings[timings.len() - 1])
        );
    }
    stack.cleanup().await;
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}
