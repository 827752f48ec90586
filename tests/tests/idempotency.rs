//! `Idempotency-Key` on `POST /api/database/`: a client whose answer was lost sends the
//! request again and gets the database the first one made, never a second one, even when
//! the retries race each other.

use dbaas_tests::{Engine, TestStack};
use serde_json::{json, Value};

async fn create(stack: &TestStack, key: Option<&str>, body: &Value) -> (u16, Value) {
    let mut request = stack
        .http
        .post(stack.url("/api/database/"))
        .basic_auth(&stack.admin_user, Some(&stack.admin_password))
        .json(body);
    if let Some(key) = key {
        request = request.header("Idempotency-Key", key);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

async fn count_named(stack: &TestStack, name: &str) -> i64 {
    stack
        .catalog()
        .await
        .query_one("SELECT count(*) FROM databases WHERE name = $1", &[&name])
        .await
        .unwrap()
        .get(0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_retry_with_the_key_gets_the_first_database_and_never_a_second() {
    let stack = TestStack::start().await;
    let engine = Engine::Postgres;
    let name = engine.db_name("once");
    let body = json!({"name": name, "plan": engine.plan(), "environment": 1});

    let (status, first) = create(&stack, Some("9b1f7c1e-retry-1"), &body).await;
    assert_eq!(status, 202, "{first}");
    let (status, again) = create(&stack, Some("9b1f7c1e-retry-1"), &body).await;
    assert_eq!(status, 202, "the retry answers as the first did: {again}");
    assert_eq!(again["id"], first["id"]);
    assert_eq!(again["credentials"], first["credentials"]);
    assert_eq!(count_named(&stack, &name).await, 1);
    let tasks: i64 = stack
        .catalog()
        .await
        .query_one(
            "SELECT count(*) FROM tasks WHERE database_id = $1",
            &[&first["id"].as_i64().unwrap()],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(tasks, 1, "one provisioning, not two");

    // The key with another request: 422 naming the header; nothing is recorded.
    let other = json!({"name": engine.db_name("other"), "plan": engine.plan(), "environment": 1});
    let (status, refused) = create(&stack, Some("9b1f7c1e-retry-1"), &other).await;
    assert_eq!(status, 422, "{refused}");
    assert_eq!(refused["field"], "Idempotency-Key", "{refused}");
    assert_eq!(count_named(&stack, &engine.db_name("other")).await, 0);

    // Without a key, the same body is a new request: the name is taken (409).
    let (status, taken) = create(&stack, None, &body).await;
    assert_eq!(status, 409, "{taken}");

    // Retries racing each other with one key: one database, every answer names it.
    let raced = json!({"name": engine.db_name("raced"), "plan": engine.plan(), "environment": 1});
    let answers = futures_util::future::join_all((0..6).map(|_| create(&stack, Some("race-key"), &raced))).await;
    let ids: Vec<&Value> = answers
        .iter()
        .map(|(status, body)| {
            assert_eq!(*status, 202, "{body}");
            &body["id"]
        })
        .collect();
    assert!(ids.iter().all(|id| *id == ids[0]), "{answers:?}");
    assert_eq!(count_named(&stack, &engine.db_name("raced")).await, 1);

    // A key that is not 1 to 255 visible ASCII characters is refused before anything runs.
    for bad in ["has space", &"k".repeat(256)] {
        let (status, body) = create(
            &stack,
            Some(bad),
            &json!({"name": engine.db_name("bad"), "plan": engine.plan(), "environment": 1}),
        )
        .await;
        assert!(status == 400 || status == 422, "{bad:?}: {status} {body}");
    }
    assert_eq!(count_named(&stack, &engine.db_name("bad")).await, 0);
    stack.cleanup().await;
}
