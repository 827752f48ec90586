//! The control-plane image (`scripts/control-plane-image.sh`, the one the chart runs), built
//! from this build's binaries: the api and the worker started from it with Docker, as its
//! unprivileged user, provision a database a real client logs in to.

use std::process::Command;

use dbaas_tests::processes::binary;
use dbaas_tests::{Engine, Services, TestStack};

const IMAGE: &str = "dbaas/control-plane:test";

fn docker(args: &[&str]) -> String {
    let output = Command::new("docker").args(args).output().expect("docker");
    assert!(
        output.status.success(),
        "docker {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).trim().to_owned()
}

/// The uid and gids a container's first process runs with, from its `/proc` status.
fn ids_of(container: &str) -> (String, String) {
    let pid = docker(&["inspect", "-f", "{{.State.Pid}}", container]);
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("the process's status");
    let field = |name: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .unwrap_or_default()
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
    };
    (field("Uid:"), field("Groups:"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_api_and_worker_from_the_image_provision_a_working_database() {
    let bin_dir = binary("dbaas-api").parent().expect("a directory").to_owned();
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/../scripts/control-plane-image.sh");
    let built = Command::new("bash")
        .arg(script)
        .env("DBAAS_BIN_DIR", &bin_dir)
        .env("DBAAS_CONTROL_PLANE_IMAGE", IMAGE)
        .output()
        .expect("the image build");
    assert!(built.status.success(), "{}", String::from_utf8_lossy(&built.stderr));
    assert_eq!(
        docker(&["image", "inspect", "-f", "{{.Config.User}}", IMAGE]),
        "10001:10001"
    );

    let stack = TestStack::start_containers(Services::default(), IMAGE).await;
    let [api, worker] = stack.containers() else {
        panic!("an api and a worker container")
    };
    for container in [api, worker] {
        let (uid, _) = ids_of(container);
        assert!(uid.split(' ').all(|id| id == "10001"), "{container} runs as {uid}");
    }
    let (_, groups) = ids_of(worker);
    assert!(!groups.is_empty(), "the worker has the Docker socket's group");

    let engine = Engine::Postgres;
    let (_, uri) = stack.ready_database_on(engine, &engine.db_name("fromimage")).await;
    let session = engine.connect(&uri).await.unwrap_or_else(|e| {
        panic!(
            "the database the image's worker made does not answer: {e}\n{}",
            docker(&["logs", "--tail", "30", worker])
        )
    });
    session.create_table("t").await.unwrap();
    session.insert("t", 1).await.unwrap();
    assert_eq!(session.values("t").await.unwrap(), [1]);
    stack.cleanup().await;
}
