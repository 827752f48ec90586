//! The extra Docker engines of [`dbaas_tests::dockerd`]: one runs a container on the host
//! network and keeps its images over a restart; a TLS one lets in a client with the client
//! certificate made for it and no other; a rerun removes what a crashed run left.

use std::path::Path;
use std::time::Instant;

use bollard::models::{ContainerCreateBody, HostConfig};
use bollard::query_parameters::{CreateContainerOptionsBuilder, ListContainersOptionsBuilder, LogsOptionsBuilder};
use bollard::{Docker, API_DEFAULT_VERSION};
use dbaas_tests::dockerd::ExtraDockerd;
use futures_util::StreamExt as _;

fn image() -> String {
    std::env::var("DBAAS_POSTGRES_IMAGE").unwrap_or_else(|_| "dbaas/postgres:15".to_owned())
}

/// Creates and starts `name` on the host network, running `command` instead of the image's
/// entrypoint.
async fn run(docker: &Docker, name: &str, command: &[&str]) {
    let body = ContainerCreateBody {
        image: Some(image()),
        entrypoint: Some(command.iter().map(|s| (*s).to_owned()).collect()),
        host_config: Some(HostConfig {
            network_mode: Some("host".into()),
            ..Default::default()
        }),
        ..Default::default()
    };
    let options = CreateContainerOptionsBuilder::default().name(name).build();
    docker
        .create_container(Some(options), body)
        .await
        .expect("create a container");
    docker.start_container(name, None).await.expect("start a container");
}

async fn containers(docker: &Docker) -> Vec<String> {
    let options = ListContainersOptionsBuilder::default().all(true).build();
    docker
        .list_containers(Some(options))
        .await
        .expect("list containers")
        .into_iter()
        .flat_map(|c| c.names.unwrap_or_default())
        .collect()
}

#[tokio::test]
async fn an_extra_engine_runs_containers_on_the_host_network_and_keeps_them_over_a_restart() {
    let image = image();
    let started = Instant::now();
    let mut engine = ExtraDockerd::start("harness-plain", &[&image]).await;
    println!("start with {image}: {:.1} s", started.elapsed().as_secs_f64());
    assert_eq!(engine.endpoint(), "unix:///run/dbaas-test-harness-plain.sock");
    assert_eq!(engine.tls_endpoint(), None);
    let docker = engine.client();

    run(&docker, "hostname", &["/bin/hostname"]).await;
    let exit = docker
        .wait_container("hostname", None)
        .next()
        .await
        .expect("a wait answer")
        .expect("the container exits 0");
    assert_eq!(exit.status_code, 0);
    let mut logs = docker.logs("hostname", Some(LogsOptionsBuilder::default().stdout(true).build()));
    let mut printed = String::new();
    while let Some(chunk) = logs.next().await {
        printed.push_str(&chunk.expect("logs").to_string());
    }
    // The host network shares the machine's names too.
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname").expect("hostname");
    assert_eq!(printed.trim(), host.trim(), "the container ran on the host's network");
    let inspected = docker.inspect_container("hostname", None).await.expect("inspect");
    assert_eq!(
        inspected.host_config.and_then(|h| h.network_mode).as_deref(),
        Some("host")
    );

    // The main engine knows nothing of it.
    let main = Docker::connect_with_local_defaults()
        .expect("main docker")
        .negotiate_version()
        .await
        .expect("main docker version");
    assert!(main.inspect_container("hostname", None).await.is_err());

    let stopping = Instant::now();
    engine.stop().await;
    println!("stop: {:.1} s", stopping.elapsed().as_secs_f64());
    assert!(engine.pid().is_none());
    assert!(docker.ping().await.is_err(), "a stopped engine does not answer");
    engine.stop().await;

    let restarting = Instant::now();
    engine.restart().await;
    println!("restart: {:.1} s", restarting.elapsed().as_secs_f64());
    docker
        .ping()
        .await
        .expect("a client made before answers after a restart");
    let docker = engine.client();
    docker
        .inspect_image(&image)
        .await
        .expect("the image is kept over a restart");
    assert_eq!(containers(&docker).await, vec!["/hostname".to_owned()]);

    let dir = engine.dir().to_owned();
    drop(engine);
    assert!(!dir.exists(), "{} is removed", dir.display());
    assert!(!Path::new("/run/dbaas-test-harness-plain.sock").exists());
}

#[tokio::test]
async fn a_tls_engine_lets_in_its_client_certificate_only() {
    let started = Instant::now();
    let (mut engine, files) = ExtraDockerd::start_tls("harness-tls", &[]).await;
    println!("start_tls: {:.1} s", started.elapsed().as_secs_f64());
    let address = engine.tls_endpoint().expect("a TLS endpoint");
    assert!(address.starts_with("tcp://127.0.0.1:"), "{address}");

    let dir = tempfile::tempdir().expect("tempdir");
    let write = |file: &str, pem: &str| {
        let path = dir.path().join(file);
        std::fs::write(&path, pem).expect("write a PEM");
        path
    };
    let ca = write("ca.pem", &files.ca_pem);
    let cert = write("cert.pem", &files.cert_pem);
    let key = write("key.pem", &files.key_pem);
    let connect = |key: &Path, cert: &Path, ca: &Path| {
        Docker::connect_with_ssl(&address, key, cert, ca, 10, API_DEFAULT_VERSION).expect("a TLS client")
    };

    let docker = connect(&key, &cert, &ca)
        .negotiate_version()
        .await
        .expect("negotiate over TLS");
    let version = docker.version().await.expect("version over TLS");
    assert!(version.api_version.is_some(), "{version:?}");

    // No client certificate (bollard sends none when it cannot read one).
    let empty = write("empty.pem", "");
    let refused = connect(&empty, &empty, &ca).version().await;
    assert!(refused.is_err(), "no client certificate: {refused:?}");

    // A client certificate of another CA.
    let other_key = rcgen::KeyPair::generate().expect("key");
    let other = rcgen::CertificateParams::new(Vec::<String>::new())
        .expect("params")
        .self_signed(&other_key)
        .expect("certificate");
    let other_cert = write("other-cert.pem", &other.pem());
    let other_key = write("other-key.pem", &other_key.serialize_pem());
    let refused = connect(&other_key, &other_cert, &ca).version().await;
    assert!(refused.is_err(), "a client certificate of another CA: {refused:?}");

    // Nor does the client trust an engine its CA did not sign.
    let refused = connect(&key, &cert, &other_cert).version().await;
    assert!(refused.is_err(), "a server certificate of another CA: {refused:?}");

    // The socket needs no certificate.
    engine.client().ping().await.expect("ping over the socket");

    // The TLS port is kept over a restart.
    engine.restart().await;
    connect(&key, &cert, &ca)
        .version()
        .await
        .expect("version over TLS after a restart");
    engine.stop().await;
}

#[tokio::test]
async fn a_rerun_removes_what_a_crashed_run_left() {
    let engine = ExtraDockerd::start("harness-crash", &[&image()]).await;
    run(&engine.client(), "sleeper", &["/bin/sleep", "4711"]).await;
    let old_dir = engine.dir().to_owned();
    let pid = engine.pid().expect("a running dockerd");
    // A crash: no Drop, and the engine dies without stopping its containers.
    std::mem::forget(engine);
    let killed = std::process::Command::new("kill")
        .args(["-s", "KILL", &pid.to_string()])
        .status()
        .expect("kill");
    assert!(killed.success());
    assert!(sleepers() > 0, "the container outlives its engine");

    let started = Instant::now();
    let again = ExtraDockerd::start("harness-crash", &[]).await;
    println!("start over a crashed run: {:.1} s", started.elapsed().as_secs_f64());
    assert!(!old_dir.exists(), "{} is removed", old_dir.display());
    assert_eq!(sleepers(), 0, "the crashed run's container is gone");
    assert!(containers(&again.client()).await.is_empty());
}

/// How many processes run `sleep 4711`.
fn sleepers() -> usize {
    std::fs::read_dir("/proc")
        .expect("/proc")
        .filter_map(|e| std::fs::read(e.ok()?.path().join("cmdline")).ok())
        .filter(|cmdline| cmdline.as_slice() == b"/bin/sleep\x004711\x00")
        .count()
}

#[tokio::test]
async fn a_rerun_stops_the_engine_a_killed_test_left_running() {
    let engine = ExtraDockerd::start("harness-orphan", &[]).await;
    let old_dir = engine.dir().to_owned();
    let pid = engine.pid().expect("a running dockerd");
    // The test process died: no Drop, and its engine runs on.
    std::mem::forget(engine);

    let again = ExtraDockerd::start("harness-orphan", &[]).await;
    let state = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    assert!(
        state.is_empty() || state.contains(") Z"),
        "the old dockerd is gone: {state}"
    );
    assert!(!old_dir.exists(), "{} is removed", old_dir.display());
    again.client().ping().await.expect("the new engine answers");
}
