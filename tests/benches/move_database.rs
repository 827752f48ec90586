//! Moving a database of ~100 MB between two hosts (two Docker engines on this machine), back
//! and forth: per run, the time from `POST /api/database/{id}/move` to its task's success, the
//! downtime the worker recorded (old engine stopped to new one accepting), and the downtime a
//! client saw. The client runs `SELECT 1` every 10 ms on one connection; when that fails it
//! reads the database's endpoint from the API again and reconnects there. Its downtime is
//! the longest gap between two successful queries. Prints each run, then median, min, max.
//!
//!     cargo bench -p dbaas-tests --bench move_database -- [RUNS] [MB]

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use dbaas_tests::dockerd::ExtraDockerd;
use dbaas_tests::hosts::{add_host, created, environment, healthy, plan_of, works_on, MIB};
use dbaas_tests::{Engine, TestStack};
use serde_json::json;

const TIMEOUT: Duration = Duration::from_secs(600);
const PROBE: Duration = Duration::from_millis(10);

fn summary(name: &str, mut values: Vec<f64>) {
    values.sort_by(f64::total_cmp);
    let median = values[values.len() / 2];
    println!(
        "{name:<28} median {median:>8.0} ms   min {:>8.0}   max {:>8.0}",
        values[0],
        values[values.len() - 1]
    );
}

/// A client of the database that queries every [`PROBE`] and follows the endpoint the API
/// gives when its connection fails. `seen`: the longest gap between two successes, and when
/// the last one was.
async fn client(stack: Arc<TestStack>, id: i64, stop: Arc<AtomicBool>, seen: Arc<Mutex<(Duration, Instant)>>) {
    let uri = |stack: Arc<TestStack>| async move {
        let (_, view) = stack.get(&format!("/api/database/{id}/")).await;
        stack.owner_uri(&view).await
    };
    let mut session = Engine::Postgres.connect(&uri(stack.clone()).await).await.ok();
    let mut last_ok = Instant::now();
    while !stop.load(Ordering::Relaxed) {
        let ok = match &session {
            Some(s) => s.postgres().unwrap().simple_query("SELECT 1").await.is_ok(),
            None => false,
        };
        if ok {
            let mut seen = seen.lock().unwrap();
            seen.0 = seen.0.max(last_ok.elapsed());
            last_ok = Instant::now();
            seen.1 = last_ok;
        } else {
            session = Engine::Postgres.connect(&uri(stack.clone()).await).await.ok();
        }
        tokio::time::sleep(PROBE).await;
    }
}

#[tokio::main(flavor = "multi_thread", worker_threads = 4)]
async fn main() {
    let mut args = std::env::args().skip(1).filter_map(|a| a.parse::<usize>().ok());
    let runs = args.next().unwrap_or(3);
    let megabytes = args.next().unwrap_or(100);
    let stack = Arc::new(TestStack::start().await);
    let images = [stack.image_of(Engine::Postgres)];
    let (a, b) = tokio::join!(
        ExtraDockerd::start("bench-move-a", &images),
        ExtraDockerd::start("bench-move-b", &images)
    );
    let plan = plan_of(&stack, Engine::Postgres, "small", 1.0).await;
    let (environment, host_a) = environment(&stack, "moving", &a, "127.0.41.1", 2048 * MIB).await;
    healthy(&stack, &host_a).await;
    let id = created(&stack, "moving", &plan, "moving").await;
    let ready = works_on(&stack, Engine::Postgres, id).await;
    let owner = Engine::Postgres.connect(&stack.owner_uri(&ready).await).await.unwrap();
    // ~1 KB a row.
    let rows = megabytes * 1000;
    owner
        .postgres()
        .unwrap()
        .batch_execute(&format!(
            "CREATE TABLE big AS SELECT g AS id, repeat(md5(g::text), 30) AS filler FROM generate_series(1, {rows}) g"
        ))
        .await
        .unwrap();
    let size: i64 = owner
        .postgres()
        .unwrap()
        .query_one("SELECT pg_database_size(current_database())", &[])
        .await
        .unwrap()
        .get(0);
    drop(owner);
    let host_b = add_host(
        &stack,
        &environment,
        json!({"name": "second", "docker_endpoint": b.endpoint(), "address": "127.0.41.2",
               "port_min": 31000, "port_max": 31099, "memory_bytes": 2048 * MIB}),
    )
    .await;
    healthy(&stack, &host_b).await;
    println!("database of {} MB ({rows} rows of ~1 KB)", size / 1_000_000);

    let (mut totals, mut recorded, mut seen) = (Vec::new(), Vec::new(), Vec::new());
    for run in 0..runs {
        let to = if run % 2 == 0 { "second" } else { "first" };
        let stop = Arc::new(AtomicBool::new(false));
        let seen_by_client = Arc::new(Mutex::new((Duration::ZERO, Instant::now())));
        let probe = tokio::spawn(client(stack.clone(), id, stop.clone(), seen_by_client.clone()));
        tokio::time::sleep(Duration::from_millis(300)).await;
        let started = Instant::now();
        let (status, task) = stack
            .post(&format!("/api/database/{id}/move"), &json!({"host": to}))
            .await;
        assert_eq!(status, 202, "{task}");
        let done = stack.wait_for_task(task["id"].as_i64().unwrap(), TIMEOUT).await;
        let total = started.elapsed();
        assert_eq!(done["status"], "succeeded", "{done}");
        // The client reconnects on its own: wait for its first query after the switch.
        let switched = Instant::now();
        while seen_by_client.lock().unwrap().1 < switched {
            tokio::time::sleep(PROBE).await;
            assert!(
                switched.elapsed() < Duration::from_secs(60),
                "the client never reconnected"
            );
        }
        stop.store(true, Ordering::Relaxed);
        probe.await.unwrap();
        let (_, moves) = stack.get(&format!("/api/database/{id}/move")).await;
        let last = moves["moves"].as_array().unwrap().last().unwrap().clone();
        let client_gap = seen_by_client.lock().unwrap().0;
        println!(
            "run {run}: to {to:<6}  total {:>6} ms  downtime recorded {:>6} ms  seen by a client {:>6} ms  {} MB streamed",
            total.as_millis(),
            last["downtime_ms"],
            client_gap.as_millis(),
            last["bytes"].as_i64().unwrap() / 1_000_000
        );
        totals.push(total.as_secs_f64() * 1000.0);
        recorded.push(last["downtime_ms"].as_f64().unwrap());
        seen.push(client_gap.as_secs_f64() * 1000.0);
    }
    summary("POST to task succeeded", totals);
    summary("downtime (recorded)", recorded);
    summary("downtime (seen by a client)", seen);
    Arc::into_inner(stack).expect("the probes are done").cleanup().await;
    drop((a, b));
}
