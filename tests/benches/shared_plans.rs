//! A shared plan: many Postgres databases in one engine.
//!
//! - **first**: `POST /api/database/` on a shared plan with no engine yet, to the first
//!   successful connection with the returned credential: a cold start;
//! - **shared**: the same once the plan's engine runs, RUNS times: the database and its owner
//!   are made in the running engine (median, min and max);
//! - **memory per database**: the engine container's memory in use (Docker's figure, less
//!   the inactive page cache, as `docker stats` shows it) with 1 database and with DATABASES
//!   (100 unless told) databases, each of which has had its first connection, and what each
//!   database beyond the first added; with the disk each database takes.
//!
//!     cargo bench -p dbaas-tests --bench shared_plans -- [RUNS] [DATABASES]

use std::time::{Duration, Instant};

use dbaas_provisioner::DockerHost;
use dbaas_tests::{id_of, pg_connect, retry, TestStack};
use futures_util::stream::{self, StreamExt};
use serde_json::json;

const MIB: i64 = 1024 * 1024;
/// Databases created at once while filling the engine.
const FILLING_AT_ONCE: usize = 4;

#[tokio::main(flavor = "multi_thread", worker_threads = 4)]
async fn main() {
    let mut args = std::env::args().skip(1).filter(|a| a != "--bench");
    let runs: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(7);
    let databases: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(100);
    assert!(databases > runs, "DATABASES must be more than RUNS");
    let stack = TestStack::start().await;
    let room = i32::try_from(databases + 1).expect("databases");
    stack.room_for_databases(room).await;
    let plan = stack
        .as_admin()
        .create(
            "/api/plan",
            json!({
                "name": "bench-shared", "engine": "postgres", "image": stack.config.defaults.postgres_image,
                "memory_bytes": 1024 * MIB, "cpus": 1, "size_bytes": 256 * MIB,
                "placement": "shared", "databases_per_engine": room,
            }),
        )
        .await;
    assert_eq!(plan["placement"], "shared", "{plan}");

    let (first, _) = post_to_connection(&stack, "shared0").await;
    println!("shared first database (a cold start): {} ms", first.as_millis());
    let docker = DockerHost::connect(&stack.config.defaults.docker_endpoint)
        .await
        .expect("docker");
    let container: String = stack
        .catalog()
        .await
        .query_one(
            "SELECT container_name FROM engines WHERE placement = 'shared' AND state = 'assigned'",
            &[],
        )
        .await
        .expect("one shared engine")
        .get(0);
    let with_one = settled_memory(&docker, &container).await;

    let mut timings = Vec::new();
    for run in 1..=runs {
        let (took, _) = post_to_connection(&stack, &format!("shared{run}")).await;
        println!("shared run {run}: {} ms", took.as_millis());
        timings.push(took);
    }
    timings.sort();
    println!(
        "shared: POST to first connection over {runs} runs: median {} ms, min {} ms, max {} ms",
        timings[runs / 2].as_millis(),
        timings[0].as_millis(),
        timings[runs - 1].as_millis()
    );

    let fill_started = Instant::now();
    let last_uri = stream::iter(runs + 1..databases)
        .map(|n| {
            let stack = &stack;
            async move { post_to_connection(stack, &format!("shared{n}")).await.1 }
        })
        .buffer_unordered(FILLING_AT_ONCE)
        .collect::<Vec<String>>()
        .await
        .pop()
        .expect("a database");
    println!(
        "filled the engine to {databases} databases in {:.1} s",
        fill_started.elapsed().as_secs_f64()
    );
    let engines: i64 = stack
        .count("SELECT count(*) FROM engines WHERE placement = 'shared' AND state = 'assigned'")
        .await;
    assert_eq!(engines, 1, "every database went into one engine");
    let with_all = settled_memory(&docker, &container).await;
    let disk: i64 = pg_connect(&last_uri)
        .await
        .expect("a tenant's login")
        .query_one("SELECT pg_database_size(current_database())", &[])
        .await
        .expect("its size")
        .get(0);
    let per_database = (with_all - with_one) / i64::try_from(databases - 1).expect("databases");
    println!(
        "shared engine memory: {:.1} MiB with 1 database, {:.1} MiB with {databases}: \
         {:.2} MiB per database beyond the first, {:.2} MiB per database in all; {:.1} MiB of disk per database",
        mib(with_one),
        mib(with_all),
        mib(per_database),
        mib(with_all) / databases as f64,
        mib(disk)
    );
    stack.cleanup().await;
}

fn mib(bytes: i64) -> f64 {
    bytes as f64 / MIB as f64
}

/// The container's memory in use once it stops changing much: the lowest of three samples
/// (Postgres' background work comes and goes).
async fn settled_memory(docker: &DockerHost, container: &str) -> i64 {
    let mut lowest = i64::MAX;
    for _ in 0..3 {
        tokio::time::sleep(Duration::from_secs(1)).await;
        let usage = docker
            .container_usage(container)
            .await
            .expect("docker stats")
            .expect("the engine runs");
        lowest = lowest.min(usage.memory_used_bytes);
    }
    lowest
}

/// `POST /api/database/` on the shared plan to the first successful connection with its
/// owner credential: the time and the credential's URI.
async fn post_to_connection(stack: &TestStack, name: &str) -> (Duration, String) {
    let started = Instant::now();
    let (status, created) = stack
        .post(
            "/api/database/",
            &json!({"name": name, "plan": "bench-shared", "environment": 1}),
        )
        .await;
    assert!(status == 202 || status == 201, "{created}");
    let credential_id = id_of(created["credentials"][0]["_links"]["self"].as_str().unwrap());
    let uri = retry(Duration::from_secs(120), Duration::from_millis(10), || async {
        let (_, credential) = stack.get(&format!("/api/credential/{credential_id}/")).await;
        let uri = credential["connection_uri"].as_str().ok_or("no connection URI yet")?;
        let client = pg_connect(uri).await.map_err(|_| "no connection")?;
        client.simple_query("SELECT 1").await.map_err(|_| "no query")?;
        Ok(uri.to_owned())
    })
    .await
    .unwrap_or_else(|last: &str| panic!("{name} never connected: {last}"));
    (started.elapsed(), uri)
}
