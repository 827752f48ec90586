//! Operators' actions on engines and their logs (issue 16, part 3): restart, stop and start
//! (an engine an operator stopped stays stopped through reconciler rounds), upgrade within a
//! major version (refused across one; an image the host lacks fails cleanly), reconciler
//! rounds on demand, logs (tail, since, follow as server-sent events with a cap) that never
//! carry a password; members reach none of it.

use std::time::Duration;

use dbaas_tests::{id_of, pg_connect, refused, ApiClient, TestStack};
use futures_util::StreamExt;
use serde_json::{json, Value};

const TIMEOUT: Duration = Duration::from_secs(90);
const OPERATOR: (&str, &str) = ("otto", "otto-password-1");
const MEMBER: (&str, &str) = ("mina", "mina-password-12");

/// An operator and a member of `team`.
async fn users(stack: &TestStack, team: i64) {
    let admin = stack.as_admin();
    admin
        .create(
            "/api/user/",
            json!({"username": OPERATOR.0, "password": OPERATOR.1, "is_operator": true}),
        )
        .await;
    admin
        .create(
            "/api/user/",
            json!({"username": MEMBER.0, "password": MEMBER.1, "teams": [team]}),
        )
        .await;
}

/// The id of the engine serving `database_id`.
async fn engine_id_of(stack: &TestStack, database_id: i64) -> i64 {
    let engine = stack.as_admin().engine_serving(database_id).await;
    engine
        .and_then(|e| e["id"].as_i64())
        .unwrap_or_else(|| panic!("no engine serves database {database_id}"))
}

/// Asks `action` of an engine as `client`: 202 with the task, whose id is answered.
async fn act(client: &ApiClient<'_>, engine: i64, action: &str, body: Option<Value>) -> i64 {
    let reply = client
        .send("POST", &format!("/api/engine/{engine}/{action}"), body.as_ref())
        .await;
    assert_eq!(reply.status, 202, "{action}: {}", reply.body);
    assert!(reply.location.is_some(), "{action}: no Location");
    reply.body["id"].as_i64().expect("task id")
}

async fn succeeded(stack: &TestStack, task: i64) -> Value {
    let task = stack.wait_for_task(task, TIMEOUT).await;
    assert_eq!(task["status"], "succeeded", "{task}");
    task
}

async fn container(stack: &TestStack, name: &str) -> bollard::models::ContainerInspectResponse {
    stack.docker().await.inspect_container(name, None).await.unwrap()
}

fn running(c: &bollard::models::ContainerInspectResponse) -> bool {
    c.state.as_ref().and_then(|s| s.running).unwrap_or(false)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn operators_restart_stop_start_and_upgrade_engines() {
    let stack = TestStack::start().await;
    let (database, uri) = stack.ready_database("actions").await;
    let database_id = database["id"].as_i64().unwrap();
    users(&stack, database["team"].as_i64().unwrap()).await;
    let engine = engine_id_of(&stack, database_id).await;
    let operator = stack.as_user(OPERATOR.0, OPERATOR.1);
    let member = stack.as_user(MEMBER.0, MEMBER.1);
    let (_, view) = operator.get(&format!("/api/engine/{engine}/")).await;
    let name = view["container_name"].as_str().unwrap().to_owned();
    let image = view["image"].as_str().unwrap().to_owned();
    assert_eq!(view["desired"], "running", "{view}");

    // Members reach none of it; strangers neither.
    for action in ["restart", "stop", "start"] {
        refused(
            member.post(&format!("/api/engine/{engine}/{action}"), &json!({})).await,
            403,
            None,
        );
    }
    refused(
        member
            .post(&format!("/api/engine/{engine}/upgrade"), &json!({"image": image}))
            .await,
        403,
        None,
    );
    refused(member.post("/api/reconcile/", &json!({})).await, 403, None);
    refused(member.get(&format!("/api/engine/{engine}/logs")).await, 403, None);
    refused(
        stack
            .anonymous()
            .post(&format!("/api/engine/{engine}/restart"), &json!({}))
            .await,
        401,
        None,
    );

    // Restart: a new start of the same container; the data and the tenant's login stay.
    let before = container(&stack, &name).await;
    let restart = act(&operator, engine, "restart", None).await;
    // One task at a time: a second action while it works answers 409 naming it.
    let busy = refused(
        operator.post(&format!("/api/engine/{engine}/stop"), &json!({})).await,
        409,
        None,
    );
    assert!(
        busy["message"].as_str().unwrap().contains(&format!("task {restart}")),
        "{busy}"
    );
    let (_, shown) = operator.get(&format!("/api/engine/{engine}/")).await;
    assert_eq!(
        shown["latest_task"]["id"], restart,
        "the engine shows its task: {shown}"
    );
    let task = succeeded(&stack, restart).await;
    assert_eq!(task["kind"], "restart_engine");
    assert_eq!(task["_links"]["engine"].as_str().map(id_of), Some(engine), "{task}");
    let after = container(&stack, &name).await;
    assert_eq!(after.id, before.id, "the same container");
    assert_ne!(
        after.state.as_ref().unwrap().started_at,
        before.state.as_ref().unwrap().started_at,
        "started again"
    );
    let client = pg_connect(&uri).await.expect("the owner logs in after the restart");
    client
        .batch_execute("CREATE TABLE kept (v int); INSERT INTO kept VALUES (42)")
        .await
        .unwrap();

    // Stop: it stays stopped through fleet rounds and reconciler rounds asked for now.
    let stop = act(&operator, engine, "stop", None).await;
    succeeded(&stack, stop).await;
    assert!(!running(&container(&stack, &name).await), "stopped");
    let (_, stopped) = operator.get(&format!("/api/engine/{engine}/")).await;
    assert_eq!(stopped["desired"], "stopped", "{stopped}");
    let reconcile = operator.send("POST", "/api/reconcile/", None).await;
    assert_eq!(reconcile.status, 202, "{}", reconcile.body);
    let round = reconcile.body["id"].as_i64().unwrap();
    assert_eq!(succeeded(&stack, round).await["kind"], "reconcile");
    // A few fleet rounds (500 ms each) beside it.
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert!(
        !running(&container(&stack, &name).await),
        "still stopped after a reconcile"
    );
    let (_, db) = stack.get(&format!("/api/database/{database_id}/")).await;
    assert_eq!(db["health"], "unhealthy", "{db}");
    let (_, tasks) = stack.get(&format!("/api/task/?database={database_id}")).await;
    let kinds: Vec<&str> = tasks["task"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["kind"].as_str().unwrap())
        .collect();
    assert!(!kinds.contains(&"recover_database"), "nothing recovered it: {kinds:?}");
    let (_, stopped) = operator.get(&format!("/api/engine/{engine}/")).await;
    assert!(
        !stopped["drift"].as_array().unwrap().iter().any(|d| d == "stopped"),
        "stopped as wanted is no drift: {stopped}"
    );
    assert_eq!(stopped["health"], "unhealthy", "{stopped}");
    // Restarting or upgrading an engine an operator stopped: start it first.
    refused(
        operator
            .post(&format!("/api/engine/{engine}/restart"), &json!({}))
            .await,
        409,
        None,
    );

    // Start: running again, healthy, the data there.
    let start = act(&operator, engine, "start", None).await;
    succeeded(&stack, start).await;
    assert!(running(&container(&stack, &name).await));
    let (_, started) = operator.get(&format!("/api/engine/{engine}/")).await;
    assert_eq!(started["desired"], "running", "{started}");
    let (_, db) = stack.get(&format!("/api/database/{database_id}/")).await;
    assert_eq!(db["health"], "healthy", "{db}");

    // Upgrade: another major version, or another engine, is refused with the reason.
    let major = refused(
        operator
            .post(
                &format!("/api/engine/{engine}/upgrade"),
                &json!({"image": "dbaas/postgres:16"}),
            )
            .await,
        422,
        Some("image"),
    );
    assert!(
        major["message"].as_str().unwrap().contains("major version 16"),
        "{major}"
    );
    refused(
        operator
            .post(
                &format!("/api/engine/{engine}/upgrade"),
                &json!({"image": "dbaas/mongo:15"}),
            )
            .await,
        422,
        Some("image"),
    );
    refused(
        operator
            .post(
                &format!("/api/engine/{engine}/upgrade"),
                &json!({"image": "x", "force": true}),
            )
            .await,
        400,
        None,
    );
    refused(
        operator
            .post(&format!("/api/engine/{engine}/upgrade"), &json!({}))
            .await,
        422,
        Some("image"),
    );
    // An image the host does not have: the task fails, the engine runs on with its own.
    let absent = format!("dbaas/postgres:15.98-{}", stack.id);
    let failed = act(&operator, engine, "upgrade", Some(json!({"image": absent}))).await;
    let failed = stack.wait_for_task(failed, TIMEOUT).await;
    assert_eq!(failed["status"], "failed", "{failed}");
    assert!(
        failed["last_error"].as_str().unwrap().contains("not present"),
        "{failed}"
    );
    let kept = container(&stack, &name).await;
    assert!(running(&kept));
    assert_eq!(kept.config.as_ref().unwrap().image.as_deref(), Some(image.as_str()));
    // A second image of the same major version: the same volume, the new image.
    let newer = format!("dbaas/postgres:15.99-{}", stack.id);
    let (repo, tag) = newer.split_once(':').unwrap();
    let docker = stack.docker().await;
    docker
        .tag_image(
            &image,
            Some(
                bollard::query_parameters::TagImageOptionsBuilder::default()
                    .repo(repo)
                    .tag(tag)
                    .build(),
            ),
        )
        .await
        .unwrap();
    let upgrade = act(&operator, engine, "upgrade", Some(json!({"image": newer}))).await;
    let outcome = stack.wait_for_task(upgrade, TIMEOUT).await;
    let upgraded = container(&stack, &name).await;
    let _ = docker
        .remove_image(&newer, None::<bollard::query_parameters::RemoveImageOptions>, None)
        .await;
    assert_eq!(outcome["status"], "succeeded", "{outcome}");
    assert!(running(&upgraded));
    assert_eq!(upgraded.config.as_ref().unwrap().image.as_deref(), Some(newer.as_str()));
    let (_, view) = operator.get(&format!("/api/engine/{engine}/")).await;
    assert_eq!(view["image"], newer.as_str(), "{view}");
    let client = pg_connect(&uri).await.expect("the owner logs in after the upgrade");
    let row = client.query_one("SELECT v FROM kept", &[]).await.unwrap();
    assert_eq!(row.get::<_, i32>(0), 42, "the data is on the same volume");
    stack.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn logs_tail_and_follow_and_never_carry_a_password() {
    let stack = TestStack::start_with(|c| c.log_follow_max = Duration::from_secs(4)).await;
    let (database, _) = stack.ready_database("logs").await;
    let database_id = database["id"].as_i64().unwrap();
    users(&stack, database["team"].as_i64().unwrap()).await;
    let engine = engine_id_of(&stack, database_id).await;
    let operator = stack.as_user(OPERATOR.0, OPERATOR.1);

    // Every password the control plane made for this engine: the owner's, a new user's, a
    // reset one, and the superuser's.
    let mut secrets = Vec::new();
    let owner = id_of(database["credentials"][0]["_links"]["self"].as_str().unwrap());
    let (_, credential) = stack.get(&format!("/api/credential/{owner}/")).await;
    secrets.push(credential["password"].as_str().unwrap().to_owned());
    let (status, other) = stack
        .post(
            "/api/credential/",
            &json!({"user": "reader", "database": database_id, "privileges": "read-only"}),
        )
        .await;
    assert_eq!(status, 201, "{other}");
    secrets.push(other["password"].as_str().unwrap().to_owned());
    let (status, reset) = stack
        .post(&format!("/api/credential/{owner}/reset_password"), &json!({}))
        .await;
    assert_eq!(status, 200, "{reset}");
    secrets.push(reset["password"].as_str().unwrap().to_owned());
    let row = stack
        .catalog()
        .await
        .query_one("SELECT admin_password_enc FROM engines WHERE id = $1", &[&engine])
        .await
        .unwrap();
    secrets.push(stack.config.secrets.open(&row.get::<_, Vec<u8>>(0)).unwrap());
    // Quarantine: every password replaced by one stored nowhere.
    let (status, _) = stack.delete(&format!("/api/database/{database_id}/")).await;
    assert_eq!(status, 202);
    stack.wait_for_status(database_id, "quarantined", TIMEOUT).await;
    for s in &secrets {
        assert_eq!(s.len(), 32, "a generated password");
    }

    let logs = |query: &'static str| {
        let operator = &operator;
        async move {
            operator
                .send("GET", &format!("/api/engine/{engine}/logs{query}"), None)
                .await
        }
    };
    let all = logs("").await;
    assert_eq!(all.status, 200, "{}", all.body);
    let text = all.body.as_str().expect("plain text").to_owned();
    assert!(
        text.contains("ready to accept connections"),
        "the engine's own log: {text}"
    );
    for s in &secrets {
        assert!(!text.contains(s.as_str()), "a password is in the engine's log");
    }
    // Each line starts with Docker's timestamp.
    let first = text.lines().next().unwrap();
    let stamp = first.split_whitespace().next().unwrap();
    assert!(chrono::DateTime::parse_from_rfc3339(stamp).is_ok(), "{first}");

    let tail = logs("?tail=2").await;
    assert_eq!(tail.status, 200);
    assert_eq!(tail.body.as_str().unwrap().lines().count(), 2, "{}", tail.body);
    assert!(text.ends_with(tail.body.as_str().unwrap()), "the last two lines");
    let future = logs("?since=2999-01-01T00:00:00Z").await;
    assert_eq!((future.status, future.body.as_str()), (200, Some("")), "nothing yet");
    let unix = logs("?since=1&tail=1").await;
    assert_eq!(unix.status, 200);
    assert_eq!(unix.body.as_str().unwrap().lines().count(), 1);
    refused(
        operator.get(&format!("/api/engine/{engine}/logs?tail=10001")).await,
        422,
        Some("tail"),
    );
    refused(
        operator.get(&format!("/api/engine/{engine}/logs?tail=-1")).await,
        422,
        Some("tail"),
    );
    refused(
        operator
            .get(&format!("/api/engine/{engine}/logs?since=yesterday"))
            .await,
        422,
        Some("since"),
    );
    refused(operator.get("/api/engine/999999/logs").await, 404, None);

    // Follow: server-sent events as the engine writes (a restart makes it write), ended by
    // the server after its cap.
    let started = std::time::Instant::now();
    let response = stack
        .http
        .get(stack.url(&format!("/api/engine/{engine}/logs?follow=true&tail=0")))
        .basic_auth(OPERATOR.0, Some(OPERATOR.1))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let content_type = response.headers()["content-type"].to_str().unwrap().to_owned();
    assert!(content_type.starts_with("text/event-stream"), "{content_type}");
    let restart = act(&operator, engine, "restart", None).await;
    let mut body = String::new();
    let mut stream = response.bytes_stream();
    while let Some(chunk) = tokio::time::timeout(Duration::from_secs(30), stream.next())
        .await
        .expect("the stream ends by itself")
    {
        body.push_str(&String::from_utf8_lossy(&chunk.unwrap()));
    }
    let took = started.elapsed();
    assert!(
        took >= Duration::from_secs(4) && took < Duration::from_secs(20),
        "{took:?}"
    );
    assert!(body.contains("event: log"), "{body}");
    assert!(
        body.contains("shutting down") || body.contains("shutdown"),
        "the restart is seen: {body}"
    );
    assert!(body.contains("event: end"), "{body}");
    for s in &secrets {
        assert!(!body.contains(s.as_str()), "a password is in the followed log");
    }
    succeeded(&stack, restart).await;
    let after = logs("").await;
    for s in &secrets {
        assert!(
            !after.body.as_str().unwrap().contains(s.as_str()),
            "a password is in the engine's log"
        );
    }

    // An engine whose container is gone has no log: 409, not a Docker host that is down.
    let (_, inspected) = operator.get(&format!("/api/engine/{engine}/")).await;
    let name = inspected["container_name"].as_str().unwrap().to_owned();
    let options = bollard::query_parameters::RemoveContainerOptionsBuilder::default()
        .force(true)
        .build();
    stack
        .docker()
        .await
        .remove_container(&name, Some(options))
        .await
        .unwrap();
    let body = refused(operator.get(&format!("/api/engine/{engine}/logs")).await, 409, None);
    assert!(body["message"].as_str().unwrap().contains("no container"), "{body}");
    stack.cleanup().await;
}
