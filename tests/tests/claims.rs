//! Claims on tasks: one holder at a time, a lease on the catalog's clock, and a token checked on
//! every write of the task, so that two live runs of one task never overlap and a dead
//! worker's task is taken over once its lease runs out.

use std::time::Duration;

use dbaas_core::{Store, StoreError};
use dbaas_tests::processes::PAUSE_AT;
use dbaas_tests::{retry, task_id, Engine, Services, TestStack};
use serde_json::json;

const LEASE: Duration = Duration::from_secs(1);

/// A database accepted by the api with no worker running: its provisioning task is queued.
async fn queued_task(stack: &TestStack, name: &str) -> (i64, i64) {
    let (status, created) = stack
        .post("/api/database/", &json!({"name": name, "plan": 1, "environment": 1}))
        .await;
    assert_eq!(status, 202, "{created}");
    (created["id"].as_i64().unwrap(), task_id(&created))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_claim_is_held_by_one_worker_and_every_write_checks_it() {
    let stack = TestStack::start_api_only(|_| {}).await;
    let store = Store::connect(&stack.config.database_url, 2).expect("the catalog");
    let (database_id, task) = queued_task(&stack, "claimed").await;

    let (running, first) = store
        .task_claim(task, "worker-a", LEASE)
        .await
        .unwrap()
        .expect("a queued task is claimed");
    assert_eq!(running.claimed_by.as_deref(), Some("worker-a"));
    assert!(
        store.task_claim(task, "worker-b", LEASE).await.unwrap().is_none(),
        "a second worker does not take a task whose lease runs"
    );
    assert!(store.task_renew(&first, LEASE).await.unwrap(), "the holder renews");

    // The holder goes silent: once its lease has run out (on the catalog's clock), another
    // worker takes the task over, and every write of the first holder is refused.
    let (_, second) = retry(Duration::from_secs(10), Duration::from_millis(100), || async {
        store.task_claim(task, "worker-b", LEASE).await.unwrap().ok_or(())
    })
    .await
    .expect("a task whose lease ran out is taken over");
    assert_ne!(first.token, second.token);
    assert!(
        !store.task_renew(&first, LEASE).await.unwrap(),
        "the old holder's renewal is refused"
    );
    let refused = |e: StoreResult| matches!(e, Err(StoreError::ClaimLost(id)) if id == task);
    assert!(refused(store.task_attempt_failed(&first, "late").await));
    assert!(refused(store.task_attempt_started(&first).await.map(drop)));
    assert!(refused(store.task_end(&first, false, Some("late")).await.map(drop)));

    // The holder's end and the database's end state are one write.
    let (_, database) = stack.get(&format!("/api/database/{database_id}/")).await;
    assert_eq!(
        database["status"], "creating",
        "the refused end changed nothing: {database}"
    );
    let ended = store
        .task_end(&second, true, None)
        .await
        .expect("the holder ends the task");
    assert_eq!(ended.status.as_str(), "succeeded");
    assert_eq!(ended.last_error, None, "no write of the old holder landed");
    let (_, database) = stack.get(&format!("/api/database/{database_id}/")).await;
    assert_eq!(database["status"], "ready", "{database}");
    assert!(
        store.task_claim(task, "worker-c", LEASE).await.unwrap().is_none(),
        "an ended task is never claimed again"
    );
    stack.cleanup().await;
}

type StoreResult = Result<(), StoreError>;

/// A live worker whose claim is taken from it stops its job where it is, and writes nothing
/// more to the task: the new holder's run is the only one.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_worker_that_lost_its_claim_stops_and_writes_nothing() {
    let mut stack = TestStack::start_processes(Services::default()).await;
    stack.kill_worker();
    stack.start_worker_with(&[(PAUSE_AT, "provision.port")]);
    let engine = Engine::Postgres;
    let (status, created) = stack
        .post(
            "/api/database/",
            &json!({"name": engine.db_name("stolen"), "plan": engine.plan(), "environment": 1}),
        )
        .await;
    assert_eq!(status, 202, "{created}");
    let task = task_id(&created);
    // Wait until the worker holds the task, paused in its job.
    let catalog = stack.catalog().await;
    retry(Duration::from_secs(60), Duration::from_millis(50), || async {
        let logs = stack.logs();
        if logs.contains("paused at fault point provision.port") {
            Ok(())
        } else {
            Err(())
        }
    })
    .await
    .expect("the worker pauses in the job");
    // Another holder takes the claim (as a worker would once the lease ran out).
    let taken = catalog
        .execute(
            "UPDATE tasks SET claim_token = 'someone-else', claimed_by = 'thief', \
             lease_expires_at = now() + interval '1 hour' WHERE id = $1",
            &[&task],
        )
        .await
        .unwrap();
    assert_eq!(taken, 1);
    retry(Duration::from_secs(30), Duration::from_millis(100), || async {
        if stack.logs().contains("stopped: another worker holds the task now") {
            Ok(())
        } else {
            Err(())
        }
    })
    .await
    .unwrap_or_else(|()| panic!("the worker did not stop its job: {}", stack.logs()));
    // A lease later, the task is as the thief left it: the worker wrote nothing more.
    tokio::time::sleep(stack.config.task_lease).await;
    let row = catalog
        .query_one(
            "SELECT status, claim_token, claimed_by, finished_at IS NULL FROM tasks WHERE id = $1",
            &[&task],
        )
        .await
        .unwrap();
    let (status, token, holder, unfinished): (String, String, String, bool) =
        (row.get(0), row.get(1), row.get(2), row.get(3));
    assert_eq!(
        (status.as_str(), token.as_str(), holder.as_str(), unfinished),
        ("running", "someone-else", "thief", true)
    );
    stack.cleanup().await;
}
