//! The reconciler: engines (of each kind) that stopped or vanished come back; orphan containers are reported
//! and removed on request.

use std::collections::HashMap;
use std::time::Duration;

use bollard::models::ContainerCreateBody;
use bollard::query_parameters::{CreateContainerOptionsBuilder, RemoveContainerOptionsBuilder};
use dbaas_tests::{retry, Engine, TestStack};
use serde_json::Value;

const TIMEOUT: Duration = Duration::from_secs(120);
const EVERY: Duration = Duration::from_millis(200);

/// Waits until a recover task on the database has succeeded; returns the database.
async fn wait_recovered(stack: &TestStack, id: i64) -> Value {
    retry(TIMEOUT, EVERY, || async {
        let (_, tasks) = stack.get(&format!("/api/task/?database={id}&status=succeeded")).await;
        let recovered = tasks["task"]
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t["kind"] == "recover_database");
        let (_, database) = stack.get(&format!("/api/database/{id}/")).await;
        if recovered && database["health"] == "healthy" {
            Ok(database)
        } else {
            Err(format!("{database} {tasks}"))
        }
    })
    .await
    .unwrap_or_else(|last| panic!("never recovered: {last}"))
}

async fn container_of(stack: &TestStack, id: i64) -> String {
    let names = stack.containers_with("dbaas.database.id", &id.to_string()).await;
    assert_eq!(names.len(), 1, "{names:?}");
    names[0].trim_start_matches('/').to_owned()
}

async fn a_stopped_engine_is_restarted_and_a_vanished_one_recreated(engine: Engine) {
    let stack = TestStack::start().await;
    let (database, uri) = stack.ready_database_on(engine, &engine.db_name("fragile")).await;
    let id = database["id"].as_i64().unwrap();
    let session = engine.connect(&uri).await.unwrap();
    session.create_table("kept").await.unwrap();
    session.insert("kept", 3).await.unwrap();
    drop(session);
    let docker = stack.docker().await;

    // Stopped by hand: marked unhealthy, started again; the same password lets one in.
    let container = container_of(&stack, id).await;
    docker.stop_container(&container, None).await.unwrap();
    wait_recovered(&stack, id).await;
    let values = engine.connect(&uri).await.expect("back").values("kept").await.unwrap();
    assert_eq!(values, [3]);

    // Removed (its volume stays): created again on the same data, same password.
    let options = RemoveContainerOptionsBuilder::default().force(true).build();
    docker.remove_container(&container, Some(options)).await.unwrap();
    retry(TIMEOUT, EVERY, || async {
        let (_, tasks) = stack.get(&format!("/api/task/?database={id}&status=succeeded")).await;
        let recoveries = tasks["task"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|t| t["kind"] == "recover_database")
            .count();
        if recoveries >= 2 {
            Ok(())
        } else {
            Err(tasks)
        }
    })
    .await
    .unwrap_or_else(|tasks| panic!("never recreated: {tasks}"));
    let values = engine
        .connect(&uri)
        .await
        .expect("recreated")
        .values("kept")
        .await
        .unwrap();
    assert_eq!(values, [3], "the data survived on its volume");
    assert_eq!(
        stack.containers_with("dbaas.database.id", &id.to_string()).await.len(),
        1
    );
    stack.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_stopped_engine_is_restarted_and_a_vanished_one_recreated_postgres() {
    a_stopped_engine_is_restarted_and_a_vanished_one_recreated(Engine::Postgres).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_stopped_engine_is_restarted_and_a_vanished_one_recreated_mongodb() {
    a_stopped_engine_is_restarted_and_a_vanished_one_recreated(Engine::MongoDb).await;
}

/// Engine-neutral: no database is provisioned, the orphan is a bare labelled container.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn orphans_are_reported_and_removed_on_request() {
    let stack = TestStack::start().await;
    let docker = stack.docker().await;
    let labels = HashMap::from([
        ("dbaas.managed".to_string(), "true".to_string()),
        ("dbaas.deployment".to_string(), stack.config.deployment.clone()),
        ("dbaas.database.uid".to_string(), "ghost".to_string()),
    ]);
    let name = format!("dbaas-ghost-{}", stack.id);
    let body = ContainerCreateBody {
        image: Some(stack.config.defaults.postgres_image.clone()),
        labels: Some(labels),
        ..Default::default()
    };
    docker
        .create_container(Some(CreateContainerOptionsBuilder::default().name(&name).build()), body)
        .await
        .unwrap();

    let orphan = retry(TIMEOUT, EVERY, || async {
        let (status, orphans) = stack.get("/api/orphan/").await;
        assert_eq!(status, 200, "{orphans}");
        orphans["orphan"]
            .as_array()
            .unwrap()
            .iter()
            .find(|o| o["container_name"] == name.as_str())
            .cloned()
            .ok_or(orphans)
    })
    .await
    .unwrap_or_else(|orphans| panic!("never reported: {orphans}"));
    assert_eq!(orphan["database_uid"], "ghost");
    let (status, body) = stack.delete(&format!("/api/orphan/{}/", orphan["id"])).await;
    assert_eq!(status, 202, "{body}");
    // A client sees the removal end when the orphan leaves the list; by then the container
    // is gone (the row is forgotten only after the container and volume are removed).
    retry(TIMEOUT, EVERY, || async {
        let (_, orphans) = stack.get("/api/orphan/").await;
        if orphans["_links"]["count"] == 0 {
            Ok(())
        } else {
            Err(orphans)
        }
    })
    .await
    .unwrap_or_else(|orphans| panic!("never removed: {orphans}"));
    assert!(
        docker.inspect_container(&name, None).await.is_err(),
        "the container is gone once the orphan is"
    );
    stack.cleanup().await;
}
