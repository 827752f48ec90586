//! The Docker engine restarting under a running stack: engines come back on their volumes with
//! their data and passwords, and new databases provision afterwards. It restarts the machine's
//! dockerd, so it runs alone, after the rest of the suite, and only where allowed
//! (`DBAAS_TEST_RESTART_DOCKER=1`, which `make test` sets in CI); run without it, it fails.

use std::process::{Command, Stdio};
use std::time::Duration;

use dbaas_tests::{pg_connect, retry, retry_blocking, Services, TestStack};
use serde_json::json;

const TIMEOUT: Duration = Duration::from_secs(120);

fn docker_answers() -> bool {
    Command::new("docker")
        .arg("info")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

fn restart_dockerd() {
    let _ = Command::new("pkill").args(["-TERM", "-x", "dockerd"]).status();
    retry_blocking(Duration::from_secs(60), Duration::from_millis(200), || {
        let running = Command::new("pgrep")
            .args(["-x", "dockerd"])
            .stdout(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        if running {
            Err(())
        } else {
            Ok(())
        }
    })
    .expect("dockerd did not stop");
    let log = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open("/tmp/dbaas-test-dockerd.log")
        .unwrap();
    Command::new("setsid")
        .args(["--fork", "dockerd"])
        .stdin(Stdio::null())
        .stdout(log.try_clone().unwrap())
        .stderr(log)
        .status()
        .expect("start dockerd");
    retry_blocking(Duration::from_secs(60), Duration::from_millis(200), || {
        if docker_answers() {
            Ok(())
        } else {
            Err(())
        }
    })
    .expect("dockerd did not come back");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
#[ignore = "restarts the machine's dockerd: run alone, with DBAAS_TEST_RESTART_DOCKER=1"]
async fn engines_come_back_after_dockerd_restarts() {
    // Ignored, so it runs only when asked for; asked for without the variable, it fails
    // rather than pass without having run.
    assert_eq!(
        std::env::var("DBAAS_TEST_RESTART_DOCKER").as_deref(),
        Ok("1"),
        "this test restarts the machine's dockerd: set DBAAS_TEST_RESTART_DOCKER=1 to let it \
         (scripts/test.sh does in CI), and run it alone"
    );
    let stack = TestStack::start_processes(Services::default()).await;
    let (database, uri) = stack.ready_database("survivor").await;
    pg_connect(&uri)
        .await
        .unwrap()
        .batch_execute("CREATE TABLE kept (v int); INSERT INTO kept VALUES (9)")
        .await
        .unwrap();

    restart_dockerd();

    let uri = uri.as_str();
    let client = retry(TIMEOUT, Duration::from_millis(500), || pg_connect(uri))
        .await
        .unwrap_or_else(|e| panic!("the engine never came back: {e}"));
    let v: i32 = client.query_one("SELECT v FROM kept", &[]).await.unwrap().get(0);
    assert_eq!(v, 9, "the data survived");
    let containers = stack
        .containers_with("dbaas.database.id", &database["id"].to_string())
        .await;
    assert_eq!(containers.len(), 1, "{containers:?}");
    let (status, created) = stack
        .post(
            "/api/database/",
            &json!({"name": "newcomer", "plan": 1, "environment": 1}),
        )
        .await;
    assert_eq!(status, 202, "{created}");
    stack
        .wait_for_status(created["id"].as_i64().unwrap(), "ready", TIMEOUT)
        .await;
    stack.cleanup().await;
}
