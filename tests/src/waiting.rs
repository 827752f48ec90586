//! Waiting for something to become true: [`retry`] is the one poll loop (tests write none of
//! their own), and the waits every test needs are built on it.

use std::future::Future;
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::client::task_id;
use crate::TestStack;

/// Calls `attempt` every `every` until it returns `Ok`, for at most `timeout` (at least once).
/// On time-out, returns the last `Err`: the state things were in, for the failure message.
/// `attempt` may also panic at once, for a state that can no longer turn out well.
///
/// `attempt` is a closure returning a future (`|| async { .. }`), not an async closure: a
/// future that calls an `AsyncFnMut` fails to be `Send` ("implementation of `Send` is not
/// general enough", rust-lang/rust#64552), and tests spawn the waits built on this one.
pub async fn retry<T, E, F>(timeout: Duration, every: Duration, mut attempt: impl FnMut() -> F) -> Result<T, E>
where
    F: Future<Output = Result<T, E>>,
{
    let deadline = Instant::now() + timeout;
    loop {
        match attempt().await {
            Ok(done) => return Ok(done),
            Err(last) if Instant::now() >= deadline => return Err(last),
            Err(_) => tokio::time::sleep(every).await,
        }
    }
}

/// [`retry`] for synchronous checks, sleeping the thread in between.
pub fn retry_blocking<T, E>(
    timeout: Duration,
    every: Duration,
    mut attempt: impl FnMut() -> Result<T, E>,
) -> Result<T, E> {
    let deadline = Instant::now() + timeout;
    loop {
        match attempt() {
            Ok(done) => return Ok(done),
            Err(last) if Instant::now() >= deadline => return Err(last),
            Err(_) => std::thread::sleep(every),
        }
    }
}

/// How often the waits below ask the api.
const EVERY: Duration = Duration::from_millis(50);

impl TestStack {
    /// Polls a task until it has ended; returns it.
    pub async fn wait_for_task(&self, task_id: i64, timeout: Duration) -> Value {
        retry(timeout, EVERY, || async {
            let (status, task) = self.get(&format!("/api/task/{task_id}/")).await;
            assert_eq!(status, 200, "{task}");
            if task["status"] == "succeeded" || task["status"] == "failed" {
                Ok(task)
            } else {
                Err(task)
            }
        })
        .await
        .unwrap_or_else(|task| panic!("task {task_id} did not end: {task}"))
    }

    /// Polls a database until its status is `want` (or a final status that is not).
    pub async fn wait_for_status(&self, database_id: i64, want: &str, timeout: Duration) -> Value {
        let outcome = retry(timeout, EVERY, || async {
            let (status, body) = self.get(&format!("/api/database/{database_id}/")).await;
            assert_eq!(status, 200, "{body}");
            if body["status"] == want {
                Ok(body)
            } else if body["status"] == "failed" {
                // Failed for good: no use waiting.
                Ok(body)
            } else {
                Err(body)
            }
        })
        .await;
        match outcome {
            Ok(body) if body["status"] == want => body,
            Ok(body) | Err(body) => {
                let current = body["status"].as_str().unwrap_or_default();
                let (_, task) = self.get(&format!("/api/task/{}/", task_id(&body))).await;
                panic!("database {database_id} is '{current}', not '{want}'; task: {task}");
            }
        }
    }

    /// Waits until a database of `engine` is ready, then checks what ready means: one
    /// container, and its owner's password lets one in. Returns the database.
    pub async fn wait_serving(&self, database_id: i64, engine: crate::Engine, timeout: Duration) -> Value {
        let ready = self.wait_for_status(database_id, "ready", timeout).await;
        let containers = self
            .containers_with("dbaas.database.id", &database_id.to_string())
            .await;
        assert_eq!(containers.len(), 1, "database {database_id}: {containers:?}");
        let uri = self.owner_uri(&ready).await;
        engine
            .connect(&uri)
            .await
            .unwrap_or_else(|e| panic!("database {database_id}: the owner's password fails: {e}"));
        ready
    }

    /// Creates a Postgres database and waits until it is ready; returns it and its owner's URI.
    pub async fn ready_database(&self, name: &str) -> (Value, String) {
        self.ready_database_on(crate::Engine::Postgres, name).await
    }

    /// Creates a database of `engine`'s default plan and waits until it is ready; returns it
    /// and its owner's URI.
    pub async fn ready_database_on(&self, engine: crate::Engine, name: &str) -> (Value, String) {
        let (status, created) = self
            .post(
                "/api/database/",
                &json!({"name": name, "plan": engine.plan(), "environment": 1}),
            )
            .await;
        assert_eq!(status, 202, "{created}");
        let id = created["id"].as_i64().expect("id");
        let ready = self.wait_for_status(id, "ready", Duration::from_secs(120)).await;
        let uri = self.owner_uri(&ready).await;
        (ready, uri)
    }
}
