//! The spine, end to end: one API call ends in a real Postgres database that answers to the
//! generated password.

use std::time::Duration;

use dbaas_tests::{id_of, pg_connect, retry, task_id, TestStack};
use serde_json::json;

const READY_TIMEOUT: Duration = Duration::from_secs(120);

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_created_database_accepts_its_generated_password() {
    let stack = TestStack::start().await;

    // The reference document's request, as written.
    let (status, created) = stack
        .post(
            "/api/database/",
            &json!({"name": "test database2", "plan": "/api/plan/1/", "environment": "/api/environment/1/"}),
        )
        .await;
    assert_eq!(status, 202, "{created}");
    assert_eq!(created["name"], "test_database2");
    assert_eq!(created["status"], "creating");
    assert_eq!(created["plan"], stack.url("/api/plan/1/"));
    assert_eq!(created["environment"], stack.url("/api/environment/1/"));
    assert_eq!(created["credentials"][0]["user"], "u_test_database2");
    let id = created["id"].as_i64().expect("id");
    assert_eq!(created["_links"]["self"], stack.url(&format!("/api/database/{id}/")));

    let ready = stack.wait_for_status(id, "ready", READY_TIMEOUT).await;
    let endpoint = ready["endpoint"].as_str().expect("endpoint");
    assert!(
        endpoint.starts_with("postgresql://<user>:<password>@127.0.0.1:"),
        "{endpoint}"
    );
    assert!(endpoint.ends_with("/test_database2"), "{endpoint}");

    // The task is recorded as ended just after the database is marked ready.
    let task = stack.wait_for_task(task_id(&ready), READY_TIMEOUT).await;
    assert_eq!(task["status"], "succeeded", "{task}");
    assert!(task["attempts"].as_i64().unwrap() >= 1);

    let credential_id = id_of(ready["credentials"][0]["_links"]["self"].as_str().unwrap());
    let (status, credential) = stack.get(&format!("/api/credential/{credential_id}/")).await;
    assert_eq!(status, 200, "{credential}");
    assert_eq!(credential["user"], "u_test_database2");
    let password = credential["password"].as_str().expect("password");
    assert!(password.len() >= 20, "generated passwords are long");
    let uri = credential["connection_uri"].as_str().expect("connection_uri");

    // A real client, the returned URI, real data.
    let client = pg_connect(uri).await.expect("connect with the returned connection_uri");
    client
        .batch_execute("CREATE TABLE orders (id serial PRIMARY KEY, item text NOT NULL)")
        .await
        .expect("create table");
    client
        .execute("INSERT INTO orders (item) VALUES ($1)", &[&"book"])
        .await
        .expect("insert");
    let row = client
        .query_one("SELECT item, current_user::text FROM orders", &[])
        .await
        .expect("select");
    assert_eq!(row.get::<_, String>(0), "book");
    assert_eq!(row.get::<_, String>(1), "u_test_database2");

    // The password is what lets one in: a wrong one is refused.
    let wrong = uri.replace(password, "not-the-password");
    assert!(pg_connect(&wrong).await.is_err());

    // One container, labelled, limited by the plan, on the host network.
    let containers = stack.containers_with("dbaas.database.id", &id.to_string()).await;
    assert_eq!(containers.len(), 1, "{containers:?}");
    let inspected = stack
        .docker()
        .await
        .inspect_container(containers[0].trim_start_matches('/'), None)
        .await
        .unwrap();
    let labels = inspected.config.as_ref().unwrap().labels.clone().unwrap();
    assert_eq!(labels["dbaas.database.name"], "test_database2");
    assert_eq!(labels["dbaas.team"], "1");
    assert_eq!(labels["dbaas.managed"], "true");
    let host_config = inspected.host_config.unwrap();
    assert_eq!(host_config.network_mode.as_deref(), Some("host"));
    assert_eq!(host_config.memory, Some(512 * 1024 * 1024));
    assert_eq!(host_config.nano_cpus, Some(1_000_000_000));

    // The password is sealed at rest: the catalog never holds it in clear.
    let catalog = stack.catalog().await;
    let rows = catalog
        .query("SELECT password_enc FROM credentials WHERE id = $1", &[&credential_id])
        .await
        .unwrap();
    let sealed: Vec<u8> = rows[0].get(0);
    assert!(!sealed.windows(password.len()).any(|w| w == password.as_bytes()));

    stack.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn provisioning_twice_leaves_one_container_and_the_same_password() {
    let stack = TestStack::start().await;
    let (status, created) = stack
        .post(
            "/api/database",
            &json!({"name": "twice", "plan": "postgres-small", "environment": "dev"}),
        )
        .await;
    assert_eq!(status, 202, "{created}");
    let id = created["id"].as_i64().unwrap();
    let ready = stack.wait_for_status(id, "ready", READY_TIMEOUT).await;
    let credential_id = id_of(ready["credentials"][0]["_links"]["self"].as_str().unwrap());
    let (_, credential) = stack.get(&format!("/api/credential/{credential_id}")).await;
    let uri = credential["connection_uri"].as_str().unwrap().to_owned();
    pg_connect(&uri)
        .await
        .unwrap()
        .batch_execute("CREATE TABLE kept (v int); INSERT INTO kept VALUES (42)")
        .await
        .unwrap();

    // Run the same job again, as a redelivery after a crash would.
    let catalog = stack.catalog().await;
    let task = task_id(&ready);
    catalog
        .execute("UPDATE tasks SET status = 'queued' WHERE id = $1", &[&task])
        .await
        .unwrap();
    catalog
        .execute("UPDATE databases SET status = 'creating' WHERE id = $1", &[&id])
        .await
        .unwrap();
    let queue = dbaas_core::queue::JobQueue::connect(&stack.config.redis_url, &stack.config.queue_prefix)
        .await
        .unwrap();
    queue.push(task).await.unwrap();
    stack.wait_for_status(id, "ready", READY_TIMEOUT).await;
    let task_body = stack.wait_for_task(task, READY_TIMEOUT).await;
    assert_eq!(task_body["status"], "succeeded");
    assert!(task_body["attempts"].as_i64().unwrap() >= 2, "{task_body}");

    let uid: String = catalog
        .query_one("SELECT uid FROM databases WHERE id = $1", &[&id])
        .await
        .unwrap()
        .get(0);
    let containers = stack.containers_with("dbaas.database.uid", &uid).await;
    assert_eq!(containers.len(), 1, "{containers:?}");
    let (_, again) = stack.get(&format!("/api/credential/{credential_id}")).await;
    assert_eq!(
        again["connection_uri"].as_str().unwrap(),
        uri,
        "the password did not change"
    );
    let row = pg_connect(&uri)
        .await
        .unwrap()
        .query_one("SELECT v FROM kept", &[])
        .await
        .unwrap();
    assert_eq!(row.get::<_, i32>(0), 42, "the data survived");

    stack.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_failure_that_will_not_heal_marks_the_database_failed_with_the_reason() {
    let stack = TestStack::start().await;
    let catalog = stack.catalog().await;
    catalog
        .batch_execute(
            "INSERT INTO plans (name, engine, image, memory_bytes, cpu_millis, size_bytes)
             VALUES ('no-image', 'postgres', 'dbaas/does-not-exist:0', 268435456, 500, 1073741824)",
        )
        .await
        .unwrap();
    let (status, created) = stack
        .post(
            "/api/database/",
            &json!({"name": "doomed", "plan": "no-image", "environment": 1}),
        )
        .await;
    assert_eq!(status, 202, "{created}");
    let id = created["id"].as_i64().unwrap();

    let failed = retry(READY_TIMEOUT, Duration::from_millis(100), || async {
        let (_, body) = stack.get(&format!("/api/database/{id}/")).await;
        if body["status"] == "failed" {
            return Ok(body);
        }
        assert_eq!(body["status"], "creating", "{body}");
        Err(body)
    })
    .await
    .unwrap_or_else(|body| panic!("never failed: {body}"));
    let (_, task) = stack.get(&format!("/api/task/{}/", task_id(&failed))).await;
    assert_eq!(task["status"], "failed", "{task}");
    let error = task["last_error"].as_str().unwrap_or_default();
    assert!(error.contains("dbaas/does-not-exist:0"), "{task}");
    assert_eq!(task["attempts"], 1, "a missing image is not retried: {task}");

    // No password is handed out for a database that never came up.
    let credential_id = id_of(failed["credentials"][0]["_links"]["self"].as_str().unwrap());
    let (_, credential) = stack.get(&format!("/api/credential/{credential_id}/")).await;
    assert!(credential["password"].is_null(), "{credential}");
    assert!(stack
        .containers_with("dbaas.database.id", &id.to_string())
        .await
        .is_empty());

    stack.cleanup().await;
}
