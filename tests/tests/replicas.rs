//! The control plane scaled out: two api and two worker processes on one catalog and one
//! Redis. Databases are created through both apis at once; one api and one worker are
//! SIGKILLed mid-way; clients whose answers were lost retry with their `Idempotency-Key`
//! through the api that is left. Every database ends ready exactly once: one engine each,
//! none doubled or orphaned, each answering its owner's password.

use std::time::Duration;

use dbaas_tests::{Engine, Services, TestStack};
use serde_json::{json, Value};

const DATABASES: usize = 8;
const TIMEOUT: Duration = Duration::from_secs(180);

/// `POST /api/database/` through the api at `base` with the request's own key; `None` when
/// no answer came (the api is gone).
async fn create(stack: &TestStack, base: &str, i: usize) -> Option<(u16, Value)> {
    let engine = Engine::Postgres;
    let body = json!({"name": engine.db_name(&format!("replica{i}")), "plan": engine.plan(), "environment": 1});
    let response = stack
        .http
        .post(format!("{base}/api/database/"))
        .basic_auth(&stack.admin_user, Some(&stack.admin_password))
        .header("Idempotency-Key", format!("replicas-{i}"))
        .json(&body)
        .send()
        .await
        .ok()?;
    let status = response.status().as_u16();
    Some((status, response.json().await.ok()?))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_apis_and_two_workers_make_every_database_once_through_kills() {
    let mut stack = TestStack::start_processes(Services::default()).await;
    let first = stack.base_url.clone();
    let (second_api, second) = stack.start_replica("dbaas-api").await;
    let second = second.expect("the second api's URL");
    stack.start_replica("dbaas-worker").await;

    // The first half through both apis at once.
    let stack_ref = &stack;
    let bases: Vec<&str> = (0..DATABASES)
        .map(|i| if i % 2 == 0 { first.as_str() } else { second.as_str() })
        .collect();
    let answers = futures_util::future::join_all((0..DATABASES / 2).map(|i| create(stack_ref, bases[i], i))).await;
    let mut ids = [None; DATABASES];
    for (i, answer) in answers.into_iter().enumerate() {
        let (status, body) = answer.expect("both apis answer");
        assert_eq!(status, 202, "{body}");
        ids[i] = body["id"].as_i64();
    }

    // One api and one worker die while those provision; the second half goes on.
    stack.kill_replica(second_api);
    stack.kill_worker();
    for i in DATABASES / 2..DATABASES {
        let answer = match create(&stack, bases[i], i).await {
            Some(answer) => answer,
            // No answer: the client retries with its key through the api that is left.
            None => create(&stack, &first, i).await.expect("the first api answers"),
        };
        assert_eq!(answer.0, 202, "{}", answer.1);
        ids[i] = answer.1["id"].as_i64();
    }
    // Clients of the first half whose answers were lost retry too: the same databases.
    for (i, id) in ids.iter().enumerate().take(DATABASES / 2) {
        let (status, body) = create(&stack, &first, i).await.expect("the first api answers");
        assert_eq!(status, 202, "{body}");
        assert_eq!(body["id"].as_i64(), *id, "retry {i} names the first database");
    }

    // Every database ready once, on one engine, answering its owner.
    let engine = Engine::Postgres;
    for id in ids.iter().map(|id| id.expect("an id")) {
        stack.wait_serving(id, engine, TIMEOUT).await;
    }
    assert_eq!(
        stack.count("SELECT count(*) FROM databases").await,
        DATABASES as i64,
        "no database recorded twice"
    );
    assert_eq!(
        stack
            .count("SELECT count(*) FROM engines WHERE state <> 'removed'")
            .await,
        DATABASES as i64,
        "one engine per database, none left over"
    );
    let all = stack.containers_with("dbaas.managed", "true").await;
    assert_eq!(all.len(), DATABASES, "no orphaned or doubled container: {all:?}");
    stack.cleanup().await;
}
