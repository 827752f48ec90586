//! A worker SIGKILLed while it provisions several databases, and started again at once: the
//! time from the restart until every database is ready (each then has one container and a
//! working password). A dead worker's tasks wait out their lease (`DBAAS_TASK_LEASE_S`) and
//! are then taken over. Prints the figures.
//!
//!     cargo bench -p dbaas-tests --bench worker_recovery -- [DATABASES] [postgres|mongodb]

use std::time::{Duration, Instant};

use dbaas_tests::processes::PAUSE_AT;
use dbaas_tests::{retry, Engine, Services, TestStack};
use serde_json::json;

/// Where the worker is killed: the containers are being started.
const STEP: &str = "provision.container";

#[tokio::main(flavor = "multi_thread", worker_threads = 4)]
async fn main() {
    let (count, engine) = Engine::bench_args(5);
    let mut stack = TestStack::start_processes(Services::default()).await;
    stack.kill_worker();
    // Every database's job under way at once, as a worker of the default concurrency (8) has.
    stack.config.worker_concurrency = stack.config.worker_concurrency.max(count);
    stack.start_worker_with(&[(PAUSE_AT, STEP)]);
    let mut ids = Vec::new();
    for n in 0..count {
        let (status, created) = stack
            .post(
                "/api/database/",
                &json!({"name": engine.db_name(&format!("recover{n}")), "plan": engine.plan(), "environment": 1}),
            )
            .await;
        assert_eq!(status, 202, "{created}");
        ids.push(created["id"].as_i64().unwrap());
    }
    let needle = format!("paused at fault point {STEP}");
    retry(Duration::from_secs(120), Duration::from_millis(50), || async {
        let paused = stack.logs().matches(&needle).count();
        if paused >= count {
            Ok(())
        } else {
            Err(paused)
        }
    })
    .await
    .unwrap_or_else(|paused| panic!("only {paused} of {count} jobs got to {STEP}"));

    stack.kill_worker();
    stack.start_worker();
    let restarted = Instant::now();
    let restarted_at = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs_f64();
    let mut ready_after = Vec::new();
    for id in &ids {
        stack.wait_for_status(*id, "ready", Duration::from_secs(300)).await;
        ready_after.push(restarted.elapsed());
    }
    for id in &ids {
        stack.wait_serving(*id, engine, Duration::from_secs(1)).await;
    }
    let all = ready_after.iter().max().copied().unwrap_or_default();
    // When the last task was taken over by the new worker (its latest attempt's start).
    let resumed: f64 = stack
        .catalog()
        .await
        .query_one(
            "SELECT extract(epoch FROM max(started_at))::float8 FROM tasks WHERE kind = 'provision_database'",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    println!(
        "{}: worker killed mid-provisioning ({count} databases at {STEP}), restarted at once: \
         every task resumed {} ms and all ready {} ms after the restart (lease {} s)",
        engine.name(),
        ((resumed - restarted_at) * 1000.0).round(),
        all.as_millis(),
        stack.config.task_lease.as_secs()
    );
    stack.cleanup().await;
}
