//! Environments of several Docker hosts, each a real Docker engine of its own on this
//! machine ([`crate::dockerd::ExtraDockerd`]), for the tests of placement, moves and drains.

use std::time::Duration;

use serde_json::{json, Value};

use crate::dockerd::ExtraDockerd;
use crate::{path_of, retry, Engine, TestStack};

pub const MIB: i64 = 1024 * 1024;
const TIMEOUT: Duration = Duration::from_secs(120);

/// A small plan of `engine` with no pool, named `name`: every database starts its own
/// engine, so placement decides where each goes.
pub async fn tiny_plan_of(stack: &TestStack, engine: Engine, name: &str) -> String {
    plan_of(stack, engine, name, 0.1).await
}

/// [`tiny_plan_of`] with `cpus` (a tenth of one makes an engine's first start take seconds).
pub async fn plan_of(stack: &TestStack, engine: Engine, name: &str, cpus: f64) -> String {
    let plan = stack
        .as_admin()
        .create(
            "/api/plan",
            json!({"name": name, "engine": engine.name(), "image": stack.image_of(engine),
                   "memory_bytes": 256 * MIB, "cpus": cpus, "size_bytes": 256 * MIB}),
        )
        .await;
    plan["name"].as_str().unwrap().to_owned()
}

/// An environment whose first host is `first` (engines on `address`), with `memory` for
/// placement; returns the environment's path and the host's.
pub async fn environment(
    stack: &TestStack,
    name: &str,
    first: &ExtraDockerd,
    address: &str,
    memory: i64,
) -> (String, String) {
    let environment = stack
        .as_admin()
        .create(
            "/api/environment",
            json!({"name": name, "docker_endpoint": first.endpoint(), "host_address": address,
                   "port_min": 31000, "port_max": 31099}),
        )
        .await;
    let path = path_of(&environment);
    let (_, hosts) = stack.get(&format!("{path}host/")).await;
    let host = path_of(&hosts["host"][0]);
    let (status, body) = stack
        .patch(&host, &json!({"name": "first", "memory_bytes": memory}))
        .await;
    assert_eq!(status, 200, "{body}");
    (path, host)
}

pub async fn add_host(stack: &TestStack, environment: &str, body: Value) -> String {
    let host = stack.as_admin().create(&format!("{environment}host/"), body).await;
    path_of(&host)
}

/// Waits until the fleet found the host healthy, with its images.
pub async fn healthy(stack: &TestStack, host: &str) -> Value {
    retry(TIMEOUT, Duration::from_millis(200), || async {
        let (_, view) = stack.get(host).await;
        let images = view["health"]["images"].as_array().map_or(0, Vec::len);
        if view["health"]["status"] == "healthy" && images > 0 {
            return Ok(view);
        }
        Err(view)
    })
    .await
    .unwrap_or_else(|view| panic!("the host never became healthy: {view}"))
}

pub async fn create(stack: &TestStack, name: &str, plan: &str, environment: &str) -> (u16, Value) {
    stack
        .post(
            "/api/database/",
            &json!({"name": name, "plan": plan, "environment": environment}),
        )
        .await
}

/// Creates a database (202) and returns its id.
pub async fn created(stack: &TestStack, name: &str, plan: &str, environment: &str) -> i64 {
    let (status, body) = create(stack, name, plan, environment).await;
    assert_eq!(status, 202, "{name}: {body}");
    body["id"].as_i64().unwrap()
}

/// Waits until the database is ready, then writes and reads a row with its owner's password.
pub async fn works(stack: &TestStack, id: i64) -> Value {
    works_on(stack, Engine::Postgres, id).await
}

/// [`works`] for a database of `engine`: the row written is `id`.
pub async fn works_on(stack: &TestStack, engine: Engine, id: i64) -> Value {
    let ready = stack.wait_for_status(id, "ready", TIMEOUT).await;
    let uri = stack.owner_uri(&ready).await;
    let session = engine.connect(&uri).await.unwrap_or_else(|e| panic!("{uri}: {e}"));
    session.create_table("t").await.ok();
    session.insert("t", id).await.unwrap();
    assert!(session.values("t").await.unwrap().contains(&id));
    ready
}

/// The address a database's endpoint names.
pub fn address_of(database: &Value) -> String {
    let endpoint = database["endpoint"].as_str().unwrap();
    let at = endpoint.rsplit('@').next().unwrap();
    at.split(':').next().unwrap().to_owned()
}
