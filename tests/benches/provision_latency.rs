//! Provisioning, side by side in one run for one engine (Postgres unless told):
//!
//! - **floor**: `docker run` of the engine image (a new volume and container, as the
//!   workers make them, serving TLS with a certificate made beforehand) to the superuser's
//!   first login over TLS: what no control plane can beat on a cold start. Over TLS, the
//!   login is on the server that stays: without it, a MongoDB image's temporary first-init
//!   server, on the same port, would answer the login just before it stops;
//! - **cold**: `POST /api/database/` on a plan without a pool, to the first successful
//!   connection with the returned credential (the client polls the credential every 10 ms);
//! - **pooled**: the same on a plan that keeps one engine started (with the default plans' limits);
//!   each run waits for the pool to refill first, so that every run takes a pooled engine.
//!
//! Each figure is the median of RUNS with its min and max, and its ratio to the floor.
//!
//!     cargo bench -p dbaas-tests --bench provision_latency -- [RUNS] [postgres|mongodb]

use std::time::{Duration, Instant};

use dbaas_core::model::EngineKind;
use dbaas_core::tls;
use dbaas_provisioner::{engine_for, ClientTls, ContainerSpec, DockerHost, Endpoint, ServerTls, Superuser};
use dbaas_tests::{id_of, retry, Engine, TestStack};
use rand::distr::{Alphanumeric, SampleString};
use serde_json::json;

#[tokio::main(flavor = "multi_thread", worker_threads = 4)]
async fn main() {
    let (runs, engine) = Engine::bench_args(7);
    // Room for every run's engines (they stay until the end) and, at the top, the floor's.
    let stack = TestStack::start_with(|c| c.defaults.port_max = c.defaults.port_min + 199).await;
    let pooled_plan = stack.pooled_plan(engine, "bench-pooled", 1).await;
    // Every cold and pooled run's database stays until the end: room for them in the quota.
    let room = i32::try_from(2 * runs).expect("runs");
    stack.room_for_databases(room).await;

    // Floor and cold runs take turns, and every engine either starts stays up until the end:
    // each cold run then meets as many running engines (the host's load) as the floor run
    // before it.
    let (mut floor, mut cold, mut floor_containers) = (Vec::new(), Vec::new(), Vec::new());
    // One Docker client for every floor run, as a worker keeps one per host: what it learns
    // once of the image (its user's uid, for the files it writes) it knows on the next run.
    let docker = DockerHost::connect(&stack.config.defaults.docker_endpoint)
        .await
        .expect("docker");
    for run in 0..runs {
        let (took, container) = floor_run(&stack, &docker, engine, run).await;
        println!("{} floor run {run}: {} ms", engine.name(), took.as_millis());
        floor.push(took);
        floor_containers.push(container);
        let took = post_to_connection(&stack, engine, engine.plan(), &format!("cold{run}")).await;
        println!("{} cold run {run}: {} ms", engine.name(), took.as_millis());
        cold.push(took);
    }
    let mut pooled = Vec::new();
    for run in 0..runs {
        stack.pool_settled(pooled_plan, 1, Duration::from_secs(120)).await;
        let took = post_to_connection(&stack, engine, "bench-pooled", &format!("pooled{run}")).await;
        println!("{} pooled run {run}: {} ms", engine.name(), took.as_millis());
        pooled.push(took);
    }

    let floor_median = median(&mut floor);
    for (what, timings) in [("floor", &mut floor), ("cold", &mut cold), ("pooled", &mut pooled)] {
        let m = median(timings);
        println!(
            "{} {what}: first connection over {runs} runs: median {} ms, min {} ms, max {} ms, {:.2}x the floor",
            engine.name(),
            m.as_millis(),
            timings[0].as_millis(),
            timings[timings.len() - 1].as_millis(),
            m.as_secs_f64() / floor_median.as_secs_f64()
        );
    }
    for (name, volume) in floor_containers {
        docker.remove(&name, &volume).await.expect("remove");
    }
    stack.cleanup().await;
}

/// Sorts and returns the median.
fn median(timings: &mut [Duration]) -> Duration {
    timings.sort();
    timings[timings.len() / 2]
}

/// A new volume and container of the engine image on the stack's Docker host, as the workers
/// make them (TLS included, its certificate made before the clock starts), to the
/// superuser's first login. Returns the time and the container and volume, for the caller to
/// remove.
async fn floor_run(stack: &TestStack, docker: &DockerHost, engine: Engine, run: usize) -> (Duration, (String, String)) {
    let driver = engine_for(engine.name()).expect("driver");
    let port = u16::try_from(stack.config.defaults.port_max).expect("port") - u16::try_from(run).expect("run");
    let endpoint = Endpoint {
        host: "127.0.0.1".into(),
        port,
    };
    let password = Alphanumeric.sample_string(&mut rand::rng(), 24);
    const MEMORY: i64 = 512 * 1024 * 1024;
    let kind: EngineKind = engine.name().parse().expect("engine kind");
    let (server_tls, client_tls) = floor_tls(&endpoint.host);
    let launch = driver.launch(&endpoint, &password, Some(&server_tls), kind.fixed_memory(MEMORY));
    let name = format!("dbaas-bench-floor-{}-{run}", stack.config.deployment);
    let spec = ContainerSpec {
        name: name.clone(),
        image: stack.image_of(engine).to_owned(),
        env: launch.env,
        cmd: launch.cmd,
        labels: [
            ("dbaas.managed".to_string(), "true".to_string()),
            ("dbaas.deployment".to_string(), stack.config.deployment.clone()),
        ]
        .into(),
        memory_bytes: MEMORY,
        nano_cpus: 1_000_000_000,
        volume: format!("{name}-data"),
        data_path: launch.data_path.to_string(),
        files: launch.files,
        user: launch.user.to_string(),
    };
    let admin = Superuser {
        endpoint: &endpoint,
        password: &password,
        tls: Some(&client_tls),
    };
    let started = Instant::now();
    docker.ensure_running(&spec).await.expect("docker run");
    driver
        .wait_ready(admin, Duration::from_secs(60))
        .await
        .expect("first login");
    (started.elapsed(), (spec.name, spec.volume))
}

/// A CA of the floor's own and a certificate it signs for `address`, as the workers issue
/// them.
fn floor_tls(address: &str) -> (ServerTls, ClientTls) {
    let now = chrono::Utc::now();
    let subject = "dbaas bench floor CA";
    let ca = tls::generate_authority(subject, now).expect("a CA");
    let cert = tls::issue_server_certificate(subject, &ca.key_pem, address, now).expect("a certificate");
    let server = ServerTls {
        cert_pem: cert.cert_pem,
        key_pem: cert.key_pem,
        ca_pem: ca.cert_pem.clone(),
    };
    (server, ClientTls::new(&ca.cert_pem).expect("a verifying client"))
}

/// `POST /api/database/` to the first successful connection with its owner credential.
async fn post_to_connection(stack: &TestStack, engine: Engine, plan: &str, name: &str) -> Duration {
    let started = Instant::now();
    let (status, created) = stack
        .post(
            "/api/database/",
            &json!({"name": engine.db_name(name), "plan": plan, "environment": 1}),
        )
        .await;
    assert!(status == 202 || status == 201, "{created}");
    let credential_id = id_of(created["credentials"][0]["_links"]["self"].as_str().unwrap());
    retry(Duration::from_secs(120), Duration::from_millis(10), || async {
        let (_, credential) = stack.get(&format!("/api/credential/{credential_id}/")).await;
        let uri = credential["connection_uri"].as_str().ok_or("no connection URI yet")?;
        // Logs in and proves it with an authenticated command.
        engine.connect(uri).await.map_err(|_| "no connection")?;
        Ok(())
    })
    .await
    .unwrap_or_else(|last: &str| panic!("{name} never connected: {last}"));
    started.elapsed()
}
