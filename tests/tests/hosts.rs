//! Several Docker hosts per environment (issue 20), each a real Docker engine of its own on
//! this machine (`dbaas_tests::dockerd`), its engines bound to its own loopback address:
//! placement spreads databases by free capacity, a cordoned host gets none, a full
//! environment answers 409 (concurrent creates cannot overfill a host), a stopped Docker
//! engine leaves the other hosts' databases working and its host marked unreachable, and a
//! host reached over TLS works while plain `tcp://` is refused outside local development.

use std::time::Duration;

use dbaas_tests::dockerd::ExtraDockerd;
use dbaas_tests::hosts::{add_host, address_of, create, created, environment, healthy, tiny_plan_of, works, MIB};
use dbaas_tests::{path_of, refused, retry, Engine, Services, TestStack};
use serde_json::json;

const TIMEOUT: Duration = Duration::from_secs(120);

async fn tiny_plan(stack: &TestStack) -> String {
    tiny_plan_of(stack, Engine::Postgres, "tiny").await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn placement_spreads_by_capacity_skips_cordoned_hosts_and_refuses_when_full() {
    let stack = TestStack::start().await;
    let image = stack.image_of(Engine::Postgres);
    let images = [image];
    let (a, b) = tokio::join!(
        ExtraDockerd::start("hosts-a", &images),
        ExtraDockerd::start("hosts-b", &images)
    );
    let plan = tiny_plan(&stack).await;
    // a: room for four engines of 256 MiB; b: for two.
    let (environment, host_a) = environment(&stack, "spread", &a, "127.0.0.2", 1024 * MIB).await;
    let host_b = add_host(
        &stack,
        &environment,
        json!({"name": "second", "docker_endpoint": b.endpoint(), "address": "127.0.0.3",
               "port_min": 31000, "port_max": 31099, "memory_bytes": 512 * MIB}),
    )
    .await;
    healthy(&stack, &host_a).await;
    healthy(&stack, &host_b).await;

    // The most free memory first: a (1024), a (768), then a tie (512 each) goes to the host
    // with fewer engines.
    let mut ids = Vec::new();
    for (n, want) in ["first", "first", "second"].into_iter().enumerate() {
        let id = created(&stack, &format!("spread_{n}"), &plan, "spread").await;
        let (_, view) = stack.get(&format!("/api/database/{id}/")).await;
        assert_eq!(view["host"], want, "database {n}: {view}");
        ids.push(id);
    }
    // A cordoned host gets none, though it has the most room.
    let (status, body) = stack.patch(&host_a, &json!({"state": "cordoned"})).await;
    assert_eq!((status, body["state"].as_str()), (200, Some("cordoned")), "{body}");
    let id = created(&stack, "spread_3", &plan, "spread").await;
    let (_, view) = stack.get(&format!("/api/database/{id}/")).await;
    assert_eq!(view["host"], "second", "{view}");
    ids.push(id);
    // Now b is full and a cordoned: 409, saying why of each, and nothing recorded.
    let body = refused(create(&stack, "spread_4", &plan, "spread").await, 409, None);
    let message = body["message"].as_str().unwrap();
    assert!(message.contains("first: cordoned"), "{message}");
    assert!(
        message.contains("second: 512 MiB of its 512 MiB are taken"),
        "{message}"
    );
    let (_, listed) = stack.get("/api/database/?name=spread_4").await;
    assert_eq!(listed["_links"]["count"], 0, "{listed}");

    // Each database works, on its host's address; the hosts show what they hold.
    for id in &ids {
        let ready = works(&stack, *id).await;
        let want = if ready["host"] == "first" {
            "127.0.0.2"
        } else {
            "127.0.0.3"
        };
        assert_eq!(address_of(&ready), want, "{ready}");
    }
    let (_, b_view) = stack.get(&host_b).await;
    assert_eq!(b_view["used"]["engines"], 2, "{b_view}");
    // The fleet counts them running there.
    retry(TIMEOUT, Duration::from_millis(200), || async {
        let (_, view) = stack.get(&host_b).await;
        if view["health"]["engines_running"] == 2 {
            return Ok(());
        }
        Err(view)
    })
    .await
    .unwrap_or_else(|view| panic!("the fleet never counted b's engines: {view}"));
    assert_eq!(b_view["used"]["memory_bytes"], 512 * MIB, "{b_view}");
    let (_, fleet) = stack.get("/api/engine/?host=second").await;
    assert_eq!(fleet["_links"]["count"], 2, "{fleet}");
    // A host with engines cannot be deleted.
    refused(stack.delete(&host_b).await, 409, None);

    // Concurrent creates cannot overfill a host: a has room for two more (512 MiB).
    let (status, body) = stack.patch(&host_a, &json!({"state": "active"})).await;
    assert_eq!(status, 200, "{body}");
    let names: Vec<String> = (0..4).map(|n| format!("race_{n}")).collect();
    let replies = futures_util::future::join_all(names.iter().map(|name| create(&stack, name, &plan, "spread"))).await;
    let statuses: Vec<u16> = replies.iter().map(|(s, _)| *s).collect();
    assert_eq!(statuses.iter().filter(|s| **s == 202).count(), 2, "{replies:?}");
    assert_eq!(statuses.iter().filter(|s| **s == 409).count(), 2, "{replies:?}");
    let (_, a_view) = stack.get(&host_a).await;
    assert_eq!(a_view["used"]["memory_bytes"], 1024 * MIB, "{a_view}");

    stack.cleanup().await;
    drop((a, b));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_stopped_docker_host_is_marked_unreachable_and_the_other_hosts_keep_working() {
    let stack = TestStack::start().await;
    let image = stack.image_of(Engine::Postgres);
    let images = [image];
    let (a, mut b) = tokio::join!(
        ExtraDockerd::start("hosts-up", &images),
        ExtraDockerd::start("hosts-down", &images)
    );
    let plan = tiny_plan(&stack).await;
    let (environment, host_a) = environment(&stack, "pair", &a, "127.0.0.4", 1024 * MIB).await;
    let host_b = add_host(
        &stack,
        &environment,
        json!({"name": "second", "docker_endpoint": b.endpoint(), "address": "127.0.0.5",
               "port_min": 31000, "port_max": 31099, "memory_bytes": 2048 * MIB}),
    )
    .await;
    healthy(&stack, &host_a).await;
    let b_view = healthy(&stack, &host_b).await;
    assert!(b_view["health"]["docker_version"].is_string(), "{b_view}");

    // One database on each host (b has the more room, then a).
    let on_b = created(&stack, "pair_b", &plan, "pair").await;
    stack.patch(&host_b, &json!({"state": "cordoned"})).await;
    let on_a = created(&stack, "pair_a", &plan, "pair").await;
    stack.patch(&host_b, &json!({"state": "active"})).await;
    let (a_db, b_db) = (works(&stack, on_a).await, works(&stack, on_b).await);
    assert_eq!(
        (a_db["host"].as_str(), b_db["host"].as_str()),
        (Some("first"), Some("second"))
    );

    // b's Docker engine stops: its host is marked unreachable with the reason...
    b.stop().await;
    let down = retry(TIMEOUT, Duration::from_millis(200), || async {
        let (_, view) = stack.get(&host_b).await;
        if view["health"]["status"] == "unreachable" {
            return Ok(view);
        }
        Err(view)
    })
    .await
    .unwrap_or_else(|view| panic!("never marked unreachable: {view}"));
    assert!(
        down["health"]["detail"].as_str().is_some_and(|d| !d.is_empty()),
        "{down}"
    );
    // ...a's database goes on working...
    let session = Engine::Postgres.connect(&stack.owner_uri(&a_db).await).await.unwrap();
    session.insert("t", 7).await.unwrap();
    // ...and new databases go to a, though b has more room on paper.
    let id = created(&stack, "pair_new", &plan, "pair").await;
    let (_, view) = stack.get(&format!("/api/database/{id}/")).await;
    assert_eq!(view["host"], "first", "{view}");
    works(&stack, id).await;

    // Back up: healthy again.
    b.restart().await;
    healthy(&stack, &host_b).await;

    stack.cleanup().await;
    drop((a, b));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_host_over_tls_works_and_plain_tcp_is_refused_outside_local_development() {
    let stack = TestStack::start().await;
    let image = stack.image_of(Engine::Postgres);
    let (docker, tls) = ExtraDockerd::start_tls("hosts-tls", &[image]).await;
    let tls_endpoint = docker.tls_endpoint().unwrap();
    let plan = tiny_plan(&stack).await;
    // The environment's first host is the same engine's local socket, cordoned.
    let (environment, first) = environment(&stack, "secure", &docker, "127.0.0.6", 1024 * MIB).await;
    stack.patch(&first, &json!({"state": "cordoned"})).await;
    let host = |tls: Option<(&str, &str, &str)>| {
        let mut body = json!({"name": "remote", "docker_endpoint": tls_endpoint, "address": "127.0.0.7",
                              "port_min": 31100, "port_max": 31199});
        if let Some((ca, cert, key)) = tls {
            body["tls_ca"] = json!(ca);
            body["tls_cert"] = json!(cert);
            body["tls_key"] = json!(key);
        }
        body
    };
    let hosts = format!("{environment}host/");
    // Plain tcp:// outside local development: 422.
    refused(stack.post(&hosts, &host(None)).await, 422, Some("docker_endpoint"));
    // Material that is not what it says: 422 naming the field; one field alone: 422.
    refused(
        stack
            .post(&hosts, &host(Some((&tls.ca_pem, &tls.cert_pem, "not a key"))))
            .await,
        422,
        Some("tls_key"),
    );
    let mut partial = host(None);
    partial["tls_ca"] = json!(tls.ca_pem);
    refused(stack.post(&hosts, &partial).await, 422, Some("tls_cert"));

    // Over TLS: taken; the material is never shown again.
    let (status, added) = stack
        .post(&hosts, &host(Some((&tls.ca_pem, &tls.cert_pem, &tls.key_pem))))
        .await;
    assert_eq!(status, 201, "{added}");
    assert_eq!(added["tls"], true, "{added}");
    let remote = path_of(&added);
    for body in [
        added.to_string(),
        stack.get(&remote).await.1.to_string(),
        stack.get(&hosts).await.1.to_string(),
    ] {
        assert!(
            !body.contains("PRIVATE KEY") && !body.contains("BEGIN CERTIFICATE"),
            "{body}"
        );
    }
    let view = healthy(&stack, &remote).await;
    assert!(view["health"]["docker_version"].is_string(), "{view}");

    // A database placed there is made through the TLS endpoint, and works.
    let id = created(&stack, "secure_db", &plan, "secure").await;
    let ready = works(&stack, id).await;
    assert_eq!(ready["host"], "remote", "{ready}");
    assert_eq!(address_of(&ready), "127.0.0.7", "{ready}");

    // The same plain endpoint is taken in an environment marked for local development.
    let dev = stack
        .as_admin()
        .create(
            "/api/environment",
            json!({"name": "devbox", "docker_endpoint": tls_endpoint, "host_address": "127.0.0.8",
                   "port_min": 31200, "port_max": 31299, "development": true}),
        )
        .await;
    assert_eq!(dev["development"], true, "{dev}");

    stack.cleanup().await;
    drop(docker);
}

/// A new deployment's first host over TLS, from Docker's client files in a directory (on
/// Kubernetes, a mounted Secret): `DBAAS_DOCKER_HOST=tcp://…` and `DBAAS_DOCKER_TLS_DIR`,
/// read by the api and worker processes.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_first_host_is_reached_over_tls_with_the_files_of_a_directory() {
    let image = std::env::var("DBAAS_POSTGRES_IMAGE").unwrap_or_else(|_| "dbaas/postgres:15".into());
    let (docker, tls) = ExtraDockerd::start_tls("first-tls", &[&image]).await;
    let endpoint = docker.tls_endpoint().unwrap();
    let files = tempfile::tempdir().unwrap();
    for (name, pem) in [
        ("ca.pem", &tls.ca_pem),
        ("cert.pem", &tls.cert_pem),
        ("key.pem", &tls.key_pem),
    ] {
        std::fs::write(files.path().join(name), pem).unwrap();
    }
    let dir = files.path().to_str().unwrap();
    let first_host = [
        ("DBAAS_DOCKER_HOST", endpoint.as_str()),
        ("DBAAS_DOCKER_TLS_DIR", dir),
        ("DBAAS_HOST_ADDRESS", "127.0.0.9"),
    ];
    let stack = TestStack::start_processes_with(Services::default(), &first_host).await;

    // Over TLS, the environment is not one for local development.
    let (_, environment) = stack.get("/api/environment/1/").await;
    assert_eq!(environment["development"], false, "{environment}");
    let (_, hosts) = stack.get("/api/environment/1/host/").await;
    assert!(!hosts.to_string().contains("PRIVATE KEY"), "{hosts}");
    let host = &hosts["host"][0];
    assert_eq!(host["docker_endpoint"], endpoint.as_str(), "{hosts}");
    assert_eq!(host["tls"], true, "{hosts}");
    healthy(&stack, &path_of(host)).await;

    let id = created(&stack, "firsttls", Engine::Postgres.plan(), "dev").await;
    let ready = works(&stack, id).await;
    assert_eq!(address_of(&ready), "127.0.0.9");
    let options = bollard::query_parameters::ListContainersOptionsBuilder::default()
        .all(true)
        .build();
    let on_tls_host = docker.client().list_containers(Some(options)).await.unwrap();
    assert_eq!(on_tls_host.len(), 1, "the engine runs on the TLS host");

    // A directory without the files: the processes refuse to start, naming the variable.
    let (status, printed) = stack.run_binary("dbaas-api", &["migrate"], &[("DBAAS_DOCKER_TLS_DIR", "/nonexistent")]);
    assert!(!status.success());
    assert!(
        printed.contains("DBAAS_DOCKER_TLS_DIR") && printed.contains("ca.pem"),
        "{printed}"
    );
    stack.cleanup().await;
}
