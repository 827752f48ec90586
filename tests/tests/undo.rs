//! Provisioning is a sequence of steps with an undo each: a fault injected after each step in
//! turn fails the database for good, and nothing is left behind: no container, no volume, no
//! port held (the engine is `removed`). For each engine.

use std::time::Duration;

use dbaas_core::model::EngineNames;
use dbaas_tests::{task_id, Engine, TestStack};
use serde_json::json;

const STEPS: &[&str] = &[
    "provision.port",
    "provision.password",
    "provision.container",
    "provision.ready",
    "provision.roles",
];

async fn fail_at(engine: Engine, step: &'static str) {
    let stack = TestStack::start_with(|config| config.inject_fault = Some(step.to_owned())).await;
    let name = engine.db_name("undone");
    let (status, created) = stack
        .post(
            "/api/database/",
            &json!({"name": name, "plan": engine.plan(), "environment": 1}),
        )
        .await;
    assert_eq!(status, 202, "{created}");
    let id = created["id"].as_i64().unwrap();
    let failed = stack.wait_for_status(id, "failed", Duration::from_secs(120)).await;
    let task = stack.wait_for_task(task_id(&failed), Duration::from_secs(30)).await;
    assert_eq!(task["status"], "failed", "{step}: {task}");
    assert!(task["last_error"].as_str().unwrap().contains(step), "{step}: {task}");

    let catalog = stack.catalog().await;
    let row = catalog
        .query_one(
            "SELECT d.uid, e.state FROM databases d JOIN engines e ON e.id = d.engine_id WHERE d.id = $1",
            &[&id],
        )
        .await
        .unwrap();
    let (uid, state): (String, String) = (row.get(0), row.get(1));
    assert_eq!(state, "removed", "{step}: the engine is gone, and its port free");
    assert!(
        stack.containers_with("dbaas.database.uid", &uid).await.is_empty(),
        "{step}: a container is left"
    );
    let volume = EngineNames::of_database(&name, &uid).volume;
    assert!(
        stack.docker().await.inspect_volume(&volume).await.is_err(),
        "{step}: the volume is left"
    );
    let (_, body) = stack.get(&format!("/api/database/{id}/")).await;
    assert!(body["endpoint"].is_null(), "{step}: {body}");
    // Nothing was provisioned, so there is nothing to restore; deleting still works.
    let (status, quarantined) = stack.delete(&format!("/api/database/{id}/")).await;
    assert_eq!(status, 202, "{step}: {quarantined}");
    stack
        .wait_for_task(task_id(&quarantined), Duration::from_secs(30))
        .await;
    let (status, body) = stack.post(&format!("/api/database/{id}/restore/"), &json!({})).await;
    assert_eq!(status, 409, "{step}: {body}");
    stack.cleanup().await;
}

/// Stacks at once per engine: each holds its own catalog connections (api, worker, the login
/// listener), and the catalog's Postgres allows 100 in all.
const AT_ONCE: usize = 3;

async fn a_failure_at_any_provisioning_step_leaves_nothing_behind(engine: Engine) {
    use futures_util::StreamExt;
    futures_util::stream::iter(STEPS.iter().map(|step| fail_at(engine, step)))
        .buffer_unordered(AT_ONCE)
        .collect::<Vec<()>>()
        .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_failure_at_any_provisioning_step_leaves_nothing_behind_postgres() {
    a_failure_at_any_provisioning_step_leaves_nothing_behind(Engine::Postgres).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_failure_at_any_provisioning_step_leaves_nothing_behind_mongodb() {
    a_failure_at_any_provisioning_step_leaves_nothing_behind(Engine::MongoDb).await;
}
