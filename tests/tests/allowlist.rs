//! The allow-list: a host's Docker endpoint and address point only where the
//! deployment allows (by default local sockets and loopback addresses, in canonical form). The
//! api refuses the rest with 422 naming the rule, and the worker checks again before it dials,
//! so that a row written some other way is never dialled.

use std::time::Duration;

use dbaas_tests::TestStack;
use serde_json::{json, Value};

const TIMEOUT: Duration = Duration::from_secs(120);

fn environment(name: &str, docker_endpoint: &str, host_address: &str) -> Value {
    json!({"name": name, "docker_endpoint": docker_endpoint, "host_address": host_address,
           "port_min": 30000, "port_max": 30010})
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_api_refuses_endpoints_and_addresses_off_the_list() {
    // No worker: whatever slipped through would still never be dialled.
    let stack = TestStack::start_api_only(|_| {}).await;
    let refused_endpoints = [
        "tcp://10.0.0.5:2375",
        "http://169.254.169.254:80",
        "tcp://0.0.0.0:2375",
        "tcp://127.1:2375",
        "tcp://0x7f000001:2375",
        "tcp://2130706433:2375",
        "tcp://[::ffff:127.0.0.1]:2375",
        "tcp://localhost:2375",
        "tcp://user@127.0.0.1:2375",
    ];
    for (n, endpoint) in refused_endpoints.into_iter().enumerate() {
        let (status, body) = stack
            .post(
                "/api/environment/",
                &environment(&format!("e{n}"), endpoint, "127.0.0.1"),
            )
            .await;
        assert_eq!(status, 422, "{endpoint}: {body}");
        assert_eq!(body["field"], "docker_endpoint", "{endpoint}: {body}");
        assert!(body["message"].as_str().unwrap().contains("refused"), "{body}");
    }
    let refused_addresses = ["10.0.0.5", "0.0.0.0", "127.1", "localhost", "[::ffff:127.0.0.1]", "::1"];
    for (n, address) in refused_addresses.into_iter().enumerate() {
        let (status, body) = stack
            .post(
                "/api/environment/",
                &environment(&format!("h{n}"), "unix:///var/run/docker.sock", address),
            )
            .await;
        assert_eq!(status, 422, "{address}: {body}");
        assert_eq!(body["field"], "host_address", "{address}: {body}");
    }
    let (_, hosts) = stack.get("/api/environment/1/host/").await;
    let host = dbaas_tests::path_of(&hosts["host"][0]);
    let (status, body) = stack
        .patch(&host, &json!({"docker_endpoint": "tcp://192.168.1.1:2375"}))
        .await;
    assert_eq!(
        (status, body["field"].as_str()),
        (422, Some("docker_endpoint")),
        "{body}"
    );
    let (status, body) = stack.patch(&host, &json!({"address": "10.1.1.1"})).await;
    assert_eq!((status, body["field"].as_str()), (422, Some("address")), "{body}");
    let (status, body) = stack
        .post(
            "/api/environment/1/host/",
            &json!({"name": "far", "docker_endpoint": "unix:///var/run/docker.sock", "address": "10.0.0.9",
                    "port_min": 30000, "port_max": 30010}),
        )
        .await;
    assert_eq!((status, body["field"].as_str()), (422, Some("address")), "{body}");

    // Nothing of it was recorded.
    let (_, list) = stack.get("/api/environment/").await;
    assert_eq!(list["_links"]["count"], 1, "{list}");
    let (_, hosts) = stack.get("/api/environment/1/host/").await;
    assert_eq!(hosts["_links"]["count"], 1, "{hosts}");
    assert_eq!(hosts["host"][0]["address"], "127.0.0.1");

    // What the list allows is taken.
    let mut ok = environment("ok", "tcp://127.0.0.1:2376", "127.0.0.2");
    ok["development"] = json!(true);
    let (status, body) = stack.post("/api/environment/", &ok).await;
    assert_eq!(status, 201, "{body}");
    stack.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_worker_never_dials_what_the_list_refuses() {
    let narrow = |config: &mut dbaas_core::Config| {
        config.allow = dbaas_core::allowlist::AllowList::parse("127.0.0.1/32", true, "").unwrap();
    };
    let mut stack = TestStack::start_api_only(narrow).await;
    // Something listening where a row written behind the api's back points: it must never be
    // dialled.
    let trap = std::net::TcpListener::bind("127.0.0.2:0").expect("bind 127.0.0.2");
    trap.set_nonblocking(true).unwrap();
    let trap_port = trap.local_addr().unwrap().port();
    let catalog = stack.catalog().await;
    let docker = &stack.config.defaults.docker_endpoint;
    for (name, endpoint, address) in [
        ("sneaky", format!("tcp://127.0.0.2:{trap_port}"), "127.0.0.1"),
        ("elsewhere", docker.clone(), "127.0.0.3"),
    ] {
        catalog
            .execute(
                "WITH e AS (INSERT INTO environments (name, development) VALUES ($1, true) RETURNING id) \
                 INSERT INTO hosts (environment_id, name, docker_endpoint, address, port_min, port_max) \
                 SELECT id, 'h', $2, $3, 30000, 30010 FROM e",
                &[&name, &endpoint, &address],
            )
            .await
            .unwrap();
    }
    stack.start_worker_task();

    for (environment, field) in [("sneaky", "docker_endpoint"), ("elsewhere", "address")] {
        let (status, created) = stack
            .post(
                "/api/database/",
                &json!({"name": format!("db_{environment}"), "plan": 1, "environment": environment}),
            )
            .await;
        // The fleet looks at the host first (refused, so it is marked unreachable and the
        // create answers 409), or the provisioning task does (and fails): never dialled.
        let error = if status == 409 {
            created["message"].as_str().unwrap_or_default().to_owned()
        } else {
            assert_eq!(status, 202, "{created}");
            let id = created["id"].as_i64().unwrap();
            let failed = stack.wait_for_status(id, "failed", TIMEOUT).await;
            let task = dbaas_tests::task_id(&failed);
            let (_, task) = stack.get(&format!("/api/task/{task}/")).await;
            task["last_error"].as_str().unwrap_or_default().to_owned()
        };
        assert!(error.contains(&format!("{field} is refused")), "{environment}: {error}");
        let Some(id) = created["id"].as_i64() else {
            continue;
        };
        assert!(
            stack
                .containers_with("dbaas.database.id", &id.to_string())
                .await
                .is_empty(),
            "{environment}: no container is made"
        );
    }
    match trap.accept() {
        Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
        other => panic!("the refused Docker endpoint was dialled: {other:?}"),
    }
    stack.cleanup().await;
}
