//! The engine fleet (`/api/engine/`): operators and admins see every engine with the right
//! figures, read no tenant's password; members reach none of it; a container stopped,
//! changed or removed by hand shows as drift, and its database as unhealthy.

use std::time::Duration;

use bollard::models::ContainerUpdateBody;
use bollard::query_parameters::RemoveContainerOptionsBuilder;
use dbaas_tests::{id_of, refused, retry, ApiClient, TestStack};
use serde_json::{json, Value};

const TIMEOUT: Duration = Duration::from_secs(60);
const EVERY: Duration = Duration::from_millis(100);
const OPERATOR: (&str, &str) = ("olga", "olga-password-1");
const MEMBER: (&str, &str) = ("mia", "mia-password-12");

/// The engine serving `database_id`, as `client` lists it, once `ready` holds of it.
async fn engine_of(client: &ApiClient<'_>, database_id: i64, ready: impl Fn(&Value) -> bool) -> Value {
    retry(TIMEOUT, EVERY, || async {
        match client.engine_serving(database_id).await {
            Some(engine) if ready(&engine) => Ok(engine),
            other => Err(other),
        }
    })
    .await
    .unwrap_or_else(|last| panic!("the engine never got there: {last:?}"))
}

/// The engine `id`, as the admin inspects it, once `ready` holds of it.
async fn engine_when(stack: &TestStack, id: i64, ready: impl Fn(&Value) -> bool) -> Value {
    retry(TIMEOUT, EVERY, || async {
        let (status, engine) = stack.get(&format!("/api/engine/{id}/")).await;
        assert_eq!(status, 200, "{engine}");
        if ready(&engine) {
            Ok(engine)
        } else {
            Err(engine)
        }
    })
    .await
    .unwrap_or_else(|last| panic!("the engine never got there: {last:?}"))
}

fn drift(engine: &Value) -> Vec<&str> {
    engine["drift"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d.as_str().unwrap())
        .collect()
}

/// An operator and a member of the database's team.
async fn users(stack: &TestStack, team: i64) {
    let admin = stack.as_admin();
    let operator = admin
        .create(
            "/api/user/",
            json!({"username": OPERATOR.0, "password": OPERATOR.1, "is_operator": true}),
        )
        .await;
    assert_eq!(operator["is_operator"], true, "{operator}");
    assert_eq!(operator["is_admin"], false, "{operator}");
    let member = admin
        .create(
            "/api/user/",
            json!({"username": MEMBER.0, "password": MEMBER.1, "teams": [team]}),
        )
        .await;
    assert_eq!(member["is_operator"], false, "{member}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn operators_see_every_engine_with_its_figures_and_no_password() {
    let stack = TestStack::start().await;
    let (database, _) = stack.ready_database("fleet_figures").await;
    let database_id = database["id"].as_i64().unwrap();
    users(&stack, database["team"].as_i64().unwrap()).await;
    let operator = stack.as_user(OPERATOR.0, OPERATOR.1);

    // Listed with its figures once the background sampling has been round.
    let engine = engine_of(&operator, database_id, |e| {
        e["usage"]["sampled_at"].is_string() && e["volume"]["bytes"].is_i64()
    })
    .await;
    let docker = stack.docker().await;
    let containers = stack
        .containers_with("dbaas.database.id", &database_id.to_string())
        .await;
    assert_eq!(containers.len(), 1, "{containers:?}");
    let name = containers[0].trim_start_matches('/');
    let inspected = docker.inspect_container(name, None).await.unwrap();
    assert_eq!(engine["container_name"], name, "{engine}");
    assert_eq!(engine["container_id"], inspected.id.clone().unwrap().as_str());
    assert_eq!(engine["engine"], "postgres");
    assert_eq!(engine["image"], stack.config.defaults.postgres_image.as_str());
    assert_eq!(engine["container_image"], stack.config.defaults.postgres_image.as_str());
    assert_eq!(engine["engine_version"], "15");
    assert_eq!(engine["environment"].as_str().map(id_of), Some(1));
    assert_eq!(engine["host"], "host-1");
    assert_eq!(engine["host_address"], "127.0.0.1");
    assert_eq!(
        (engine["state"].as_str(), engine["pooled"].as_bool()),
        (Some("assigned"), Some(false))
    );
    let port = engine["port"].as_i64().expect("a port");
    assert!(
        database["endpoint"].as_str().unwrap().contains(&format!(":{port}/")),
        "{database}"
    );
    let served = &engine["databases"][0];
    assert_eq!(served["name"], "fleet_figures");
    assert_eq!(served["team"].as_str().map(id_of), database["team"].as_i64());
    assert_eq!(engine["container_state"], "running");
    assert_eq!(engine["health"], "healthy", "{engine}");
    assert!(drift(&engine).is_empty(), "{engine}");
    assert_eq!(engine["restart_count"], 0);
    let started = inspected.state.unwrap().started_at.unwrap();
    let listed_start = engine["started_at"].as_str().unwrap();
    // Docker's nanoseconds, the catalog's microseconds.
    let apart = chrono::DateTime::parse_from_rfc3339(listed_start).unwrap()
        - chrono::DateTime::parse_from_rfc3339(&started).unwrap();
    assert!(apart.num_microseconds().unwrap().abs() <= 1, "{listed_start} {started}");
    let memory = inspected.host_config.unwrap().memory.unwrap();
    assert_eq!(engine["limits"]["memory_bytes"], memory);
    assert_eq!(engine["container_limits"]["memory_bytes"], memory);
    assert_eq!(engine["limits"]["cpu_millis"], engine["container_limits"]["cpu_millis"]);
    let used = engine["usage"]["memory_bytes"].as_i64().unwrap();
    assert!(
        used > 1 << 20 && used < memory,
        "a running Postgres uses some memory: {engine}"
    );
    assert!(engine["usage"]["cpu_percent"].as_f64().unwrap() >= 0.0);
    assert!(engine["usage"]["age_seconds"].as_f64().unwrap() >= 0.0);
    // initdb alone writes tens of megabytes.
    assert!(engine["volume"]["bytes"].as_i64().unwrap() > 10 << 20, "{engine}");
    assert!(engine["observed_age_seconds"].as_f64().unwrap() < 30.0, "{engine}");

    // One engine inspected: the same, by the id in the list.
    let id = engine["id"].as_i64().unwrap();
    let (status, one) = operator.get(&format!("/api/engine/{id}/")).await;
    assert_eq!(status, 200, "{one}");
    assert_eq!(one["container_id"], engine["container_id"]);
    assert_eq!(one["_links"]["self"].as_str().map(id_of), Some(id));

    // Filters: this engine is healthy, a postgres, without drift.
    let listed = |query: &'static str| {
        let operator = &operator;
        async move {
            let (status, list) = operator.get(&format!("/api/engine/?{query}")).await;
            assert_eq!(status, 200, "{query}: {list}");
            list["engine"]
                .as_array()
                .unwrap()
                .iter()
                .map(|e| e["id"].as_i64().unwrap())
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(listed("health=healthy").await, [id]);
    assert_eq!(listed("engine=postgres&environment=dev&host=127.0.0.1").await, [id]);
    assert!(listed("health=unhealthy").await.is_empty());
    assert!(listed("drift=stopped").await.is_empty());
    assert!(listed("engine=mongodb").await.is_empty());
    assert!(listed("environment=nowhere").await.is_empty());
    assert!(listed("host=127.0.0.9").await.is_empty());
    refused(operator.get("/api/engine/?drift=sideways").await, 400, None);
    refused(operator.get("/api/engine/?health=meh").await, 400, None);
    refused(operator.get("/api/engine/?colour=red").await, 400, None);

    // Operators read every team's databases and credentials, never a password.
    let credential = id_of(database["credentials"][0]["_links"]["self"].as_str().unwrap());
    let (status, seen) = operator.get(&format!("/api/credential/{credential}/")).await;
    assert_eq!(status, 200, "{seen}");
    assert_eq!(
        (&seen["password"], &seen["connection_uri"]),
        (&Value::Null, &Value::Null),
        "{seen}"
    );
    let (status, _) = operator.get(&format!("/api/database/{database_id}/")).await;
    assert_eq!(status, 200);
    let (_, theirs) = stack
        .as_user(MEMBER.0, MEMBER.1)
        .get(&format!("/api/credential/{credential}/"))
        .await;
    assert!(theirs["password"].is_string(), "the team's members read it: {theirs}");
    // ... and change nothing of a tenant's.
    let reply = operator
        .send("POST", &format!("/api/credential/{credential}/reset_password"), None)
        .await;
    assert_eq!(reply.status, 404, "{}", reply.body);

    // Members reach none of the fleet.
    let member = stack.as_user(MEMBER.0, MEMBER.1);
    for path in [
        "/api/engine/".to_string(),
        format!("/api/engine/{id}/"),
        "/api/orphan/".into(),
    ] {
        refused(member.get(&path).await, 403, None);
    }
    refused(stack.anonymous().get("/api/engine/").await, 401, None);
    refused(operator.get("/api/engine/999999/").await, 404, None);
    stack.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn containers_changed_stopped_or_removed_by_hand_are_drift() {
    let stack = TestStack::start().await;
    // Nothing recovers the engine behind the test's back: what it sees is what Docker has.
    stack
        .catalog()
        .await
        .execute("UPDATE plans SET auto_recover = false", &[])
        .await
        .unwrap();
    let (database, _) = stack.ready_database("fleet_drift").await;
    let database_id = database["id"].as_i64().unwrap();
    let engine = engine_of(&stack.as_admin(), database_id, |e| e["health"] == "healthy").await;
    let id = engine["id"].as_i64().unwrap();
    let name = engine["container_name"].as_str().unwrap().to_owned();
    let docker = stack.docker().await;

    // Other limits than the catalog's.
    let memory = engine["limits"]["memory_bytes"].as_i64().unwrap();
    docker
        .update_container(
            &name,
            ContainerUpdateBody {
                memory: Some(memory / 2),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let changed = engine_when(&stack, id, |e| drift(e) == ["wrong_limits"]).await;
    assert_eq!(changed["container_limits"]["memory_bytes"], memory / 2);
    assert_eq!(changed["health"], "healthy", "it still runs: {changed}");

    // Stopped by hand: drift and unhealthy, its database too.
    docker.stop_container(&name, None).await.unwrap();
    let stopped = engine_when(&stack, id, |e| drift(e).contains(&"stopped")).await;
    assert_eq!(stopped["health"], "unhealthy", "{stopped}");
    assert_eq!(stopped["container_state"], "exited", "{stopped}");
    assert!(stopped["finished_at"].is_string(), "{stopped}");
    let (_, listed) = stack.get("/api/engine/?drift=stopped&health=unhealthy").await;
    assert_eq!(listed["_links"]["count"], 1, "{listed}");
    retry(TIMEOUT, EVERY, || async {
        let (_, database) = stack.get(&format!("/api/database/{database_id}/")).await;
        (database["health"] == "unhealthy").then_some(()).ok_or(database)
    })
    .await
    .unwrap_or_else(|d| panic!("the database never showed it: {d}"));

    // Started again by hand: healthy, the stop gone from the drift.
    docker.start_container(&name, None).await.unwrap();
    let back = engine_when(&stack, id, |e| e["health"] == "healthy").await;
    assert_eq!(drift(&back), ["wrong_limits"], "{back}");

    // Removed by hand: missing.
    let options = RemoveContainerOptionsBuilder::default().force(true).build();
    docker.remove_container(&name, Some(options)).await.unwrap();
    let gone = engine_when(&stack, id, |e| drift(e) == ["missing"]).await;
    assert_eq!(
        (gone["container_state"].as_str(), gone["health"].as_str()),
        (Some("missing"), Some("unhealthy"))
    );
    assert_eq!(gone["container_id"], Value::Null);
    // It has no log to read, followed or not: 409, not a stream waiting for a container.
    for query in ["", "?follow=true"] {
        refused(stack.get(&format!("/api/engine/{id}/logs{query}")).await, 409, None);
    }
    stack.cleanup().await;
}

/// Far sooner than the periodic round (every two minutes here) and the reconciler come by.
const FROM_EVENTS: Duration = Duration::from_secs(20);

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn engines_stopped_or_removed_are_seen_from_dockers_events() {
    let stack = TestStack::start_with(|c| {
        c.fleet_interval = Duration::from_secs(120);
        c.lifecycle_interval = Duration::from_secs(120);
    })
    .await;
    stack
        .catalog()
        .await
        .execute("UPDATE plans SET auto_recover = false", &[])
        .await
        .unwrap();
    let (database, _) = stack.ready_database("fleet_events").await;
    let database_id = database["id"].as_i64().unwrap();
    let engine = engine_of(&stack.as_admin(), database_id, |_| true).await;
    let engine_id = engine["id"].as_i64().unwrap();
    let name = engine["container_name"].as_str().unwrap().to_owned();
    let docker = stack.docker().await;

    // Stopped: the stop event brings a round, long before the next tick.
    docker.stop_container(&name, None).await.unwrap();
    let stopped = retry(FROM_EVENTS, EVERY, || async {
        let (_, engine) = stack.get(&format!("/api/engine/{engine_id}/")).await;
        drift(&engine)
            .contains(&"stopped")
            .then_some(engine.clone())
            .ok_or(engine)
    })
    .await
    .unwrap_or_else(|e| panic!("the stop was not seen from Docker's events: {e}"));
    assert_eq!(stopped["health"], "unhealthy", "{stopped}");
    // The database takes its engine's health in a transaction of its own, just after.
    retry(FROM_EVENTS, EVERY, || async {
        let (_, database) = stack.get(&format!("/api/database/{database_id}/")).await;
        (database["health"] == "unhealthy").then_some(()).ok_or(database)
    })
    .await
    .unwrap_or_else(|d| panic!("the database did not take its stopped engine's health: {d}"));

    // Removed: the destroy event too.
    let options = RemoveContainerOptionsBuilder::default().force(true).build();
    docker.remove_container(&name, Some(options)).await.unwrap();
    retry(FROM_EVENTS, EVERY, || async {
        let (_, engine) = stack.get(&format!("/api/engine/{engine_id}/")).await;
        (drift(&engine) == ["missing"]).then_some(()).ok_or(engine)
    })
    .await
    .unwrap_or_else(|e| panic!("the removal was not seen from Docker's events: {e}"));
    stack.cleanup().await;
}
