//! A status a client reads can be acted on at once. The test does what a client does: it
//! polls a database's status, and the moment it changes it acts on it — connects with the
//! password the moment the database is `ready`, expects the old password refused the moment it
//! is `quarantined`, and sends the next DELETE the moment it may. While a task works, the
//! database shows the state it is moving through (`creating`, `quarantining`, `restoring`,
//! `deleting`), never the end state, and no password is shown from the moment a DELETE is
//! accepted.

use std::time::Duration;

use dbaas_tests::{id_of, retry, task_id, Engine, EngineError, TestStack};
use serde_json::{json, Value};

const TIMEOUT: Duration = Duration::from_secs(120);

/// Polls as a client would, tightly, until the database's status is no longer `from`.
async fn changed_from(stack: &TestStack, id: i64, from: &str) -> Value {
    retry(TIMEOUT, Duration::from_millis(10), || async {
        let (status, body) = stack.get(&format!("/api/database/{id}/")).await;
        assert_eq!(status, 200, "{body}");
        if body["status"] == from {
            Err(body)
        } else {
            Ok(body)
        }
    })
    .await
    .unwrap_or_else(|body| panic!("database {id} stayed {from}: {body}"))
}

/// The database's task, as the client sees it the moment it read the status.
async fn its_task(stack: &TestStack, database: &Value) -> Value {
    let (status, task) = stack.get(&format!("/api/task/{}/", task_id(database))).await;
    assert_eq!(status, 200, "{task}");
    task
}

/// Every credential of the database shows no password and no URI.
async fn no_password_shown(stack: &TestStack, database: &Value, when: &str) {
    let (status, list) = stack
        .get(&format!("/api/credential/?database={}", database["id"]))
        .await;
    assert_eq!(status, 200, "{list}");
    for credential in list["credential"].as_array().expect("credentials") {
        let (_, shown) = stack.get(&format!("/api/credential/{}/", credential["id"])).await;
        assert!(
            shown["password"].is_null() && shown["connection_uri"].is_null(),
            "{when}: a password is shown: {shown}"
        );
    }
}

async fn a_client_acts_the_moment_the_status_changes(engine: Engine) {
    let stack = TestStack::start().await;
    let (status, created) = stack
        .post(
            "/api/database/",
            &json!({"name": engine.db_name("acted"), "plan": engine.plan(), "environment": 1}),
        )
        .await;
    assert_eq!(status, 202, "{created}");
    assert_eq!(created["status"], "creating", "{created}");
    let id = created["id"].as_i64().unwrap();
    let path = format!("/api/database/{id}/");

    // Ready: the task has ended, and the password connects, at once.
    let ready = changed_from(&stack, id, "creating").await;
    assert_eq!(ready["status"], "ready", "{ready}");
    assert_eq!(its_task(&stack, &ready).await["status"], "succeeded");
    let uri = stack.owner_uri(&ready).await;
    engine
        .connect(&uri)
        .await
        .unwrap_or_else(|e| panic!("the moment it is ready, the password connects: {e}"));

    // DELETE: `quarantining` at once, and no password shown from this moment.
    let (status, deleted) = stack.delete(&path).await;
    assert_eq!(status, 202, "{deleted}");
    assert_eq!(deleted["status"], "quarantining", "{deleted}");
    assert!(deleted["quarantine_dt"].is_string(), "{deleted}");
    no_password_shown(&stack, &deleted, "quarantining").await;
    let quarantined = changed_from(&stack, id, "quarantining").await;
    assert_eq!(quarantined["status"], "quarantined", "{quarantined}");
    assert_eq!(its_task(&stack, &quarantined).await["status"], "succeeded");
    assert_eq!(
        engine.connect(&uri).await.err(),
        Some(EngineError::LoginRefused),
        "the moment it is quarantined, the old password is refused"
    );
    no_password_shown(&stack, &quarantined, "quarantined").await;

    // Restore, the moment it may be asked: `restoring` until the new passwords work.
    let (status, restored) = stack.post(&format!("{path}restore/"), &json!({})).await;
    let restored = match status {
        200 => restored,
        202 => {
            assert_eq!(restored["kind"], "restore_database", "{restored}");
            let (_, now) = stack.get(&path).await;
            assert_ne!(now["status"], "ready", "ready before its task ended: {now}");
            changed_from(&stack, id, "restoring").await
        }
        _ => panic!("the moment it is quarantined, a restore is accepted: {status} {restored}"),
    };
    assert_eq!(restored["status"], "ready", "{restored}");
    assert_eq!(its_task(&stack, &restored).await["status"], "succeeded");
    let uri = stack.owner_uri(&restored).await;
    engine
        .connect(&uri)
        .await
        .unwrap_or_else(|e| panic!("the moment it is restored, the new password connects: {e}"));

    // Quarantine again, then the second DELETE the moment it is quarantined.
    let (status, deleted) = stack.delete(&path).await;
    assert_eq!(
        (status, deleted["status"].as_str()),
        (202, Some("quarantining")),
        "{deleted}"
    );
    let quarantined = changed_from(&stack, id, "quarantining").await;
    assert_eq!(quarantined["status"], "quarantined", "{quarantined}");
    let (status, destroying) = stack.delete(&path).await;
    assert_eq!(
        status, 202,
        "the moment it is quarantined, the second DELETE is accepted: {destroying}"
    );
    assert_eq!(destroying["status"], "deleting", "{destroying}");
    let deleted = changed_from(&stack, id, "deleting").await;
    assert_eq!(deleted["status"], "deleted", "{deleted}");
    let task = its_task(&stack, &deleted).await;
    assert_eq!(
        (task["kind"].as_str(), task["status"].as_str()),
        (Some("destroy_database"), Some("succeeded"))
    );
    let credential = id_of(created["credentials"][0]["_links"]["self"].as_str().unwrap());
    let (status, gone) = stack.get(&format!("/api/credential/{credential}/")).await;
    assert_eq!(status, 404, "a deleted database's credentials are gone with it: {gone}");
    stack.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_client_acts_the_moment_the_status_changes_postgres() {
    a_client_acts_the_moment_the_status_changes(Engine::Postgres).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_client_acts_the_moment_the_status_changes_mongodb() {
    a_client_acts_the_moment_the_status_changes(Engine::MongoDb).await;
}

/// With no worker running, a DELETE is recorded and shows `quarantining`: the database never
/// claims a quarantine no worker has done.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn without_a_worker_a_deleted_database_is_never_shown_quarantined() {
    let stack = TestStack::start_api_only(|_| {}).await;
    let id = stack.database_row("idle", [None; 4]).await;
    let (status, deleted) = stack.delete(&format!("/api/database/{id}/")).await;
    assert_eq!(status, 202, "{deleted}");
    assert_eq!(deleted["status"], "quarantining", "{deleted}");
    tokio::time::sleep(Duration::from_secs(1)).await;
    let (_, later) = stack.get(&format!("/api/database/{id}/")).await;
    assert_eq!(later["status"], "quarantining", "{later}");
    let (status, again) = stack.delete(&format!("/api/database/{id}/")).await;
    assert_eq!(status, 409, "its task is still queued: {again}");
    assert!(
        again["message"].as_str().unwrap().contains("quarantine_database"),
        "{again}"
    );
    stack.cleanup().await;
}
