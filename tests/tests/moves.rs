//! Moving databases between hosts and draining a host (issue 21), across two real Docker
//! engines on this machine (`dbaas_tests::dockerd`), each host's engines bound to its own
//! loopback address: a drained host ends empty and cordoned, and every database answers on
//! its new host with its data and its passwords; a move that fails at any step leaves the
//! database working where it was, and nothing on the other host.

use std::time::Duration;

use bollard::query_parameters::{ListContainersOptionsBuilder, ListVolumesOptionsBuilder};
use dbaas_tests::dockerd::ExtraDockerd;
use dbaas_tests::hosts::{add_host, address_of, created, environment, healthy, plan_of, works_on, MIB};
use dbaas_tests::{id_of, refused, retry, Engine, TestStack};
use serde_json::{json, Value};

const TIMEOUT: Duration = Duration::from_secs(180);

/// What an extra Docker engine holds: its containers and volumes.
async fn docker_holds(docker: &ExtraDockerd) -> (Vec<String>, Vec<String>) {
    let client = docker.client();
    let containers = client
        .list_containers(Some(ListContainersOptionsBuilder::default().all(true).build()))
        .await
        .unwrap()
        .into_iter()
        .flat_map(|c| c.names.unwrap_or_default())
        .collect();
    let volumes = client
        .list_volumes(Some(ListVolumesOptionsBuilder::default().build()))
        .await
        .unwrap()
        .volumes
        .unwrap_or_default()
        .into_iter()
        .map(|v| v.name)
        .collect();
    (containers, volumes)
}

/// Reads back every row with the owner's password, at the endpoint the API gives now.
async fn rows(stack: &TestStack, engine: Engine, id: i64) -> (Value, String, Vec<i64>) {
    let (_, view) = stack.get(&format!("/api/database/{id}/")).await;
    let uri = stack.owner_uri(&view).await;
    let session = engine.connect(&uri).await.unwrap_or_else(|e| panic!("{uri}: {e}"));
    let values = session.values("t").await.unwrap();
    (view, uri, values)
}

fn password_of(uri: &str) -> &str {
    let credentials = uri.split("://").nth(1).unwrap().split('@').next().unwrap();
    credentials.split(':').nth(1).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_drained_host_ends_empty_and_every_database_answers_on_its_new_host() {
    let stack = TestStack::start().await;
    let images = [stack.image_of(Engine::Postgres), stack.image_of(Engine::MongoDb)];
    let (a, b) = tokio::join!(
        ExtraDockerd::start("moves-a", &images),
        ExtraDockerd::start("moves-b", &images)
    );
    let postgres = plan_of(&stack, Engine::Postgres, "small", 1.0).await;
    let mongodb = plan_of(&stack, Engine::MongoDb, "small-mongo", 1.0).await;
    let (environment, host_a) = environment(&stack, "drained", &a, "127.0.31.1", 2048 * MIB).await;
    healthy(&stack, &host_a).await;

    // Three databases on a, each with a row; one with a second, read-only credential.
    let databases = [
        (
            Engine::Postgres,
            created(&stack, "moved_pg_1", &postgres, "drained").await,
        ),
        (
            Engine::Postgres,
            created(&stack, "moved_pg_2", &postgres, "drained").await,
        ),
        (
            Engine::MongoDb,
            created(&stack, "moved_mongo", &mongodb, "drained").await,
        ),
    ];
    let mut before = Vec::new();
    for (engine, id) in databases {
        let ready = works_on(&stack, engine, id).await;
        assert_eq!(address_of(&ready), "127.0.31.1", "{ready}");
        before.push(stack.owner_uri(&ready).await);
    }
    let (status, reader) = stack
        .post(
            "/api/credential/",
            &json!({"user": "u_reader", "database": databases[0].1, "privileges": "read-only"}),
        )
        .await;
    assert_eq!(status, 201, "{reader}");
    let reader_id = reader["id"].as_i64().unwrap();
    let reader_uri = reader["connection_uri"].as_str().unwrap().to_owned();

    // b comes, then a drains.
    let host_b = add_host(
        &stack,
        &environment,
        json!({"name": "second", "docker_endpoint": b.endpoint(), "address": "127.0.31.2",
               "port_min": 31000, "port_max": 31099, "memory_bytes": 2048 * MIB}),
    )
    .await;
    healthy(&stack, &host_b).await;
    let (status, drain) = stack.post(&format!("{host_a}drain"), &json!({})).await;
    assert_eq!(status, 202, "{drain}");
    assert_eq!(drain["host"]["state"], "draining", "{drain}");
    assert_eq!(drain["moves"].as_array().unwrap().len(), 3, "{drain}");
    for task in drain["moves"].as_array().unwrap() {
        assert_eq!(task["kind"], "move_database", "{task}");
        let done = stack.wait_for_task(task["id"].as_i64().unwrap(), TIMEOUT).await;
        assert_eq!(done["status"], "succeeded", "{done}");
    }

    // a ends empty and cordoned: no engine in the catalog, no container or volume in Docker.
    let emptied = retry(TIMEOUT, Duration::from_millis(250), || async {
        let (_, view) = stack.get(&host_a).await;
        let (containers, volumes) = docker_holds(&a).await;
        if view["used"]["engines"] == 0 && view["state"] == "cordoned" && containers.is_empty() && volumes.is_empty() {
            return Ok(view);
        }
        Err((view, containers, volumes))
    })
    .await
    .unwrap_or_else(|left| panic!("host a never emptied: {left:?}"));
    assert_eq!(emptied["used"]["engines"], 0, "{emptied}");
    let (_, view_b) = stack.get(&host_b).await;
    assert_eq!(view_b["used"]["engines"], 3, "{view_b}");

    // Every database answers on b with its data and its passwords, and says where it was.
    for ((engine, id), old_uri) in databases.into_iter().zip(&before) {
        let (view, uri, values) = rows(&stack, engine, id).await;
        assert_eq!(view["status"], "ready", "{view}");
        assert_eq!(view["host"], "second", "{view}");
        assert_eq!(address_of(&view), "127.0.31.2", "{view}");
        assert_eq!(values, vec![id], "database {id}");
        assert_eq!(password_of(&uri), password_of(old_uri), "the owner's password stays");
        let (status, moves) = stack.get(&format!("/api/database/{id}/move")).await;
        assert_eq!(status, 200, "{moves}");
        let moves = moves["moves"].as_array().unwrap();
        assert_eq!(moves.len(), 1, "{moves:?}");
        assert!(
            moves[0]["from_endpoint"].as_str().unwrap().starts_with("127.0.31.1:"),
            "{moves:?}"
        );
        assert!(
            moves[0]["to_endpoint"].as_str().unwrap().starts_with("127.0.31.2:"),
            "{moves:?}"
        );
        assert!(moves[0]["bytes"].as_i64().unwrap() > 1_000_000, "{moves:?}");
        // The old endpoint answers no more.
        assert!(engine.connect(old_uri).await.is_err(), "{old_uri} still answers");
    }
    // The read-only credential moved too, with its password, at the new address.
    let (_, reader) = stack.get(&format!("/api/credential/{reader_id}/")).await;
    let moved_reader = reader["connection_uri"].as_str().unwrap();
    assert_eq!(password_of(moved_reader), password_of(&reader_uri));
    let session = Engine::Postgres.connect(moved_reader).await.unwrap();
    assert_eq!(session.values("t").await.unwrap(), vec![databases[0].1]);

    // The audit trail has the drain call and each switch.
    let (_, audit) = stack.get("/api/audit/?operation=database_moved").await;
    assert_eq!(audit["_links"]["count"], 3, "{audit}");
    let (_, audit) = stack.get("/api/audit/?operation=host_drain").await;
    assert_eq!(audit["_links"]["count"], 1, "{audit}");
    // An empty host can go.
    let (status, body) = stack.delete(&host_a).await;
    assert_eq!(status, 204, "{body}");
    stack.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_move_that_fails_at_any_step_leaves_the_database_working_where_it_was() {
    let image = std::env::var("DBAAS_POSTGRES_IMAGE").unwrap_or_else(|_| "dbaas/postgres:15".into());
    let images = [image.as_str()];
    let (a, b) = tokio::join!(
        ExtraDockerd::start("moves-fa", &images),
        ExtraDockerd::start("moves-fb", &images)
    );
    let steps = ["move.prepared", "move.stopped", "move.copied", "move.verified"];
    for (n, step) in steps.into_iter().enumerate() {
        let stack = TestStack::start_with(|config| config.inject_fault = Some(step.to_owned())).await;
        let (address_a, address_b) = (format!("127.0.32.{}", n + 1), format!("127.0.33.{}", n + 1));
        let plan = plan_of(&stack, Engine::Postgres, "small", 1.0).await;
        let (environment, host_a) = environment(&stack, "faulty", &a, &address_a, 1024 * MIB).await;
        healthy(&stack, &host_a).await;
        let id = created(&stack, &format!("kept_{n}"), &plan, "faulty").await;
        works_on(&stack, Engine::Postgres, id).await;
        let host_b = add_host(
            &stack,
            &environment,
            json!({"name": "second", "docker_endpoint": b.endpoint(), "address": address_b,
                   "port_min": 31000, "port_max": 31099, "memory_bytes": 1024 * MIB}),
        )
        .await;
        healthy(&stack, &host_b).await;
        if n == 0 {
            // What a move refuses: its own host (409), a host not there (422).
            let host_a_id = id_of(&host_a);
            refused(
                stack
                    .post(&format!("/api/database/{id}/move"), &json!({"host": host_a_id}))
                    .await,
                409,
                None,
            );
            refused(
                stack
                    .post(&format!("/api/database/{id}/move"), &json!({"host": "nowhere"}))
                    .await,
                422,
                Some("host"),
            );
        }

        let (status, task) = stack
            .post(&format!("/api/database/{id}/move"), &json!({"host": "second"}))
            .await;
        assert_eq!(status, 202, "{task}");
        let done = stack.wait_for_task(task["id"].as_i64().unwrap(), TIMEOUT).await;
        assert_eq!(done["status"], "failed", "{step}: {done}");
        assert!(done["last_error"].as_str().unwrap().contains(step), "{done}");

        // Still on a, with its row, taking writes; nothing left on b.
        let (view, uri, values) = rows(&stack, Engine::Postgres, id).await;
        assert_eq!(view["status"], "ready", "{step}: {view}");
        assert_eq!(address_of(&view), address_a, "{step}: {view}");
        assert_eq!(values, vec![id], "{step}");
        let session = Engine::Postgres.connect(&uri).await.unwrap();
        session.insert("t", id + 1).await.unwrap();
        let (_, view_b) = stack.get(&host_b).await;
        assert_eq!(view_b["used"]["engines"], 0, "{step}: {view_b}");
        let (containers, volumes) = docker_holds(&b).await;
        assert!(
            containers.is_empty() && volumes.is_empty(),
            "{step}: {containers:?} {volumes:?}"
        );
        let (_, moves) = stack.get(&format!("/api/database/{id}/move")).await;
        assert_eq!(moves["moves"].as_array().unwrap().len(), 0, "{moves}");
        stack.cleanup().await;
    }
}

/// The state of each container of an extra Docker engine, as Docker names it.
async fn container_states(docker: &ExtraDockerd) -> Vec<String> {
    docker
        .client()
        .list_containers(Some(ListContainersOptionsBuilder::default().all(true).build()))
        .await
        .unwrap()
        .into_iter()
        .map(|c| c.state.map(|s| s.to_string()).unwrap_or_default())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_move_under_way_is_left_alone_by_recovery_the_reconciler_and_the_fleet() {
    let stack = TestStack::start_with(|config| config.pause_at = Some("move.copied".into())).await;
    let images = [stack.image_of(Engine::Postgres)];
    let (a, b) = tokio::join!(
        ExtraDockerd::start("moves-ha", &images),
        ExtraDockerd::start("moves-hb", &images)
    );
    let plan = plan_of(&stack, Engine::Postgres, "small", 1.0).await;
    let (environment, host_a) = environment(&stack, "held", &a, "127.0.34.1", 1024 * MIB).await;
    healthy(&stack, &host_a).await;
    let id = created(&stack, "held", &plan, "held").await;
    works_on(&stack, Engine::Postgres, id).await;
    let host_b = add_host(
        &stack,
        &environment,
        json!({"name": "second", "docker_endpoint": b.endpoint(), "address": "127.0.34.2",
               "port_min": 31000, "port_max": 31099, "memory_bytes": 1024 * MIB}),
    )
    .await;
    healthy(&stack, &host_b).await;
    let (status, task) = stack.post(&format!("/api/database/{id}/move"), &json!({})).await;
    assert_eq!(status, 202, "{task}");

    // The worker holds the move after the copy: the old engine stopped, the new one made and
    // not started.
    retry(TIMEOUT, Duration::from_millis(100), || async {
        let (old, new) = (container_states(&a).await, container_states(&b).await);
        if old == ["exited"] && new == ["created"] {
            return Ok(());
        }
        Err((old, new))
    })
    .await
    .unwrap_or_else(|states| panic!("the move never got to its copy: {states:?}"));
    // Several reconciler passes (1 s) and fleet rounds (0.5 s) later, nothing touched either:
    // no recovery started, the old engine is not started again, the new one not taken for an
    // orphan.
    tokio::time::sleep(Duration::from_secs(5)).await;
    assert_eq!(container_states(&a).await, ["exited"]);
    assert_eq!(container_states(&b).await, ["created"]);
    let (_, tasks) = stack.get(&format!("/api/task/?database={id}")).await;
    let kinds: Vec<&str> = tasks["task"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["kind"].as_str().unwrap())
        .collect();
    assert!(!kinds.contains(&"recover_database"), "{kinds:?}");
    let (_, orphans) = stack.get("/api/orphan/").await;
    assert_eq!(orphans["_links"]["count"], 0, "{orphans}");
    let (_, view) = stack.get(&format!("/api/database/{id}/")).await;
    assert_eq!(view["status"], "ready", "{view}");
    // Anything else asked of the database waits for the move.
    refused(stack.delete(&format!("/api/database/{id}/")).await, 409, None);
    stack.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_drain_moves_a_shared_engine_whole_with_every_database_in_it() {
    let stack = TestStack::start().await;
    let images = [stack.image_of(Engine::Postgres)];
    let (a, b) = tokio::join!(
        ExtraDockerd::start("shared-a", &images),
        ExtraDockerd::start("shared-b", &images)
    );
    let plan = stack
        .as_admin()
        .create(
            "/api/plan",
            json!({"name": "tiny-shared", "engine": "postgres", "image": stack.image_of(Engine::Postgres),
                   "memory_bytes": 256 * MIB, "cpus": 1, "size_bytes": 256 * MIB, "placement": "shared"}),
        )
        .await;
    let plan = plan["name"].as_str().unwrap().to_owned();
    let (environment, host_a) = environment(&stack, "shared-drained", &a, "127.0.32.1", 2048 * MIB).await;
    healthy(&stack, &host_a).await;

    // Two databases in one shared engine on a, each with a row; one with a second credential.
    let ids = [
        created(&stack, "shared_one", &plan, "shared-drained").await,
        created(&stack, "shared_two", &plan, "shared-drained").await,
    ];
    let mut before = Vec::new();
    for id in ids {
        let ready = works_on(&stack, Engine::Postgres, id).await;
        assert_eq!(address_of(&ready), "127.0.32.1", "{ready}");
        before.push(stack.owner_uri(&ready).await);
    }
    assert_eq!(
        stack
            .count("SELECT count(DISTINCT engine_id) FROM databases WHERE name LIKE 'shared_%'")
            .await,
        1,
        "one shared engine"
    );
    let (status, app) = stack
        .post("/api/credential/", &json!({"user": "app", "database": ids[1]}))
        .await;
    assert_eq!(status, 201, "{app}");
    let app_id = app["id"].as_i64().unwrap();

    // One database of it does not move alone.
    let (status, body) = stack.post(&format!("/api/database/{}/move", ids[0]), &json!({})).await;
    assert_eq!(status, 409, "{body}");

    // b comes, then a drains: one move, of the engine, with both databases.
    let host_b = add_host(
        &stack,
        &environment,
        json!({"name": "second", "docker_endpoint": b.endpoint(), "address": "127.0.32.2",
               "port_min": 31000, "port_max": 31099, "memory_bytes": 2048 * MIB}),
    )
    .await;
    healthy(&stack, &host_b).await;
    let (status, drain) = stack.post(&format!("{host_a}drain"), &json!({})).await;
    assert_eq!(status, 202, "{drain}");
    let moves = drain["moves"].as_array().unwrap();
    assert_eq!(moves.len(), 1, "{drain}");
    let done = stack.wait_for_task(moves[0]["id"].as_i64().unwrap(), TIMEOUT).await;
    assert_eq!(done["status"], "succeeded", "{done}");
    retry(TIMEOUT, Duration::from_millis(250), || async {
        let (_, view) = stack.get(&host_a).await;
        let (containers, volumes) = docker_holds(&a).await;
        if view["state"] == "cordoned" && containers.is_empty() && volumes.is_empty() {
            return Ok(());
        }
        Err((view, containers, volumes))
    })
    .await
    .unwrap_or_else(|left| panic!("host a never emptied: {left:?}"));

    // Both answer on b, in one engine, with their data and passwords; each records the move.
    for (id, old_uri) in ids.into_iter().zip(&before) {
        let (view, uri, values) = rows(&stack, Engine::Postgres, id).await;
        assert_eq!(view["status"], "ready", "{view}");
        assert_eq!(address_of(&view), "127.0.32.2", "{view}");
        assert_eq!(values, vec![id], "database {id}");
        assert_eq!(password_of(&uri), password_of(old_uri), "the owner's password stays");
        let (_, moved) = stack.get(&format!("/api/database/{id}/move")).await;
        assert_eq!(moved["moves"].as_array().map(Vec::len), Some(1), "{moved}");
    }
    assert_eq!(
        stack
            .count("SELECT count(DISTINCT engine_id) FROM databases WHERE name LIKE 'shared_%'")
            .await,
        1,
        "still one shared engine"
    );
    let (_, app) = stack.get(&format!("/api/credential/{app_id}/")).await;
    let session = Engine::Postgres
        .connect(app["connection_uri"].as_str().unwrap())
        .await
        .expect("the further credential moved too");
    assert_eq!(session.values("t").await.unwrap(), vec![ids[1]]);
    stack.cleanup().await;
}
