//! Live resize (issue 18): `PATCH /api/database/{id}` with another plan of the same engine and
//! image changes the running container's memory and CPU limits; a session open across the
//! resize keeps working and the container is not restarted (its start time stays). What
//! cannot be done live is refused as documented: another engine (422), another image (409, an
//! upgrade), a size under what the database holds (409), a shrink under the memory the engine
//! set aside at start (409 unless `restart` is asked for; then it restarts, sized anew).
//! Admins may restrict a team's plans, and members may resize within them.

use std::time::Duration;

use bollard::models::ContainerInspectResponse;
use dbaas_tests::{id_of, refused, retry, ApiClient, Engine, TestStack};
use serde_json::{json, Value};

const MIB: i64 = 1024 * 1024;
const GIB: i64 = 1024 * MIB;
const TIMEOUT: Duration = Duration::from_secs(90);

/// Creates a plan of the stack's image of `engine`; returns its name.
async fn plan(stack: &TestStack, engine: Engine, name: &str, memory: i64, cpus: f64, size: i64) -> String {
    stack
        .as_admin()
        .create(
            "/api/plan",
            json!({
                "name": name, "engine": engine.name(), "image": stack.image_of(engine),
                "memory_bytes": memory, "cpus": cpus, "size_bytes": size,
            }),
        )
        .await;
    name.to_owned()
}

/// The plan's own link, as a database names its plan.
async fn plan_link(stack: &TestStack, name: &str) -> Value {
    let (_, plans) = stack.get("/api/plan/?page_size=100").await;
    plans["plan"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == name)
        .map(|p| p["_links"]["self"].clone())
        .unwrap_or_else(|| panic!("no plan {name}: {plans}"))
}

/// PATCHes the database's plan as `client` and waits for the resize: the database as it ends.
async fn resize(stack: &TestStack, client: &ApiClient<'_>, database_id: i64, body: Value) -> Value {
    let reply = client
        .send("PATCH", &format!("/api/database/{database_id}/"), Some(&body))
        .await;
    match reply.status {
        200 => reply.body,
        202 => {
            let task = id_of(reply.location.as_deref().expect("Location of the task"));
            let task = stack.wait_for_task(task, TIMEOUT).await;
            assert_eq!(task["status"], "succeeded", "{task}");
            stack.get(&format!("/api/database/{database_id}/")).await.1
        }
        status => panic!("PATCH {body}: {status} {}", reply.body),
    }
}

/// The engine serving the database, as the fleet shows it.
async fn engine_of(stack: &TestStack, database_id: i64) -> Value {
    let engine = stack.as_admin().engine_serving(database_id).await;
    engine.unwrap_or_else(|| panic!("no engine serves database {database_id}"))
}

async fn inspect(stack: &TestStack, name: &str) -> ContainerInspectResponse {
    stack.docker().await.inspect_container(name, None).await.unwrap()
}

fn limits(c: &ContainerInspectResponse) -> (i64, i64, i64) {
    let host = c.host_config.as_ref().unwrap();
    (
        host.memory.unwrap_or(0),
        host.memory_swap.unwrap_or(0),
        host.nano_cpus.unwrap_or(0),
    )
}

fn started_at(c: &ContainerInspectResponse) -> String {
    c.state.as_ref().and_then(|s| s.started_at.clone()).unwrap_or_default()
}

/// A session open across a live resize keeps working; the container's limits change and its
/// start time does not; the catalog, the database and the fleet show the new plan's limits.
async fn live_resize_keeps_sessions(engine: Engine) {
    let stack = TestStack::start().await;
    let (database, uri) = stack.ready_database_on(engine, &engine.db_name("grow")).await;
    let database_id = database["id"].as_i64().unwrap();
    let large = plan(&stack, engine, &format!("{}-large", engine.name()), GIB, 2.0, 4 * GIB).await;
    let session = engine.connect(&uri).await.expect("owner session");
    session.create_table("t").await.expect("create");
    session.insert("t", 1).await.expect("insert");
    let view = engine_of(&stack, database_id).await;
    let container = view["container_name"].as_str().unwrap().to_owned();
    let before = inspect(&stack, &container).await;
    assert_eq!(limits(&before).0, 512 * MIB);

    let resized = resize(&stack, &stack.as_admin(), database_id, json!({"plan": large})).await;
    assert_eq!(resized["plan"], plan_link(&stack, &large).await, "{resized}");
    assert_eq!(resized["status"], "ready", "{resized}");

    // The same session goes on, on the same connection.
    session
        .insert("t", 2)
        .await
        .expect("insert after the resize, same session");
    assert_eq!(session.values("t").await.expect("read"), vec![1, 2]);
    let after = inspect(&stack, &container).await;
    assert_eq!(limits(&after), (GIB, 2 * GIB, 2_000_000_000), "memory, swap, CPUs");
    assert_eq!(
        started_at(&after),
        started_at(&before),
        "the container was not restarted"
    );

    // The fleet: the catalog's limits at once, the container's from the next look, no drift.
    let fleet = retry(TIMEOUT, Duration::from_millis(200), || async {
        let (_, e) = stack.get(&format!("/api/engine/{}/", view["id"])).await;
        if e["container_limits"]["memory_bytes"] == GIB {
            Ok(e)
        } else {
            Err(e)
        }
    })
    .await
    .unwrap_or_else(|e| panic!("the fleet never saw the new limits: {e}"));
    assert_eq!(fleet["limits"]["memory_bytes"], GIB, "{fleet}");
    assert!(
        !fleet["drift"].as_array().unwrap().iter().any(|d| d == "wrong_limits"),
        "{fleet}"
    );
    stack.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn postgres_live_resize_keeps_sessions_and_the_container() {
    live_resize_keeps_sessions(Engine::Postgres).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn mongodb_live_resize_keeps_sessions_and_the_container() {
    live_resize_keeps_sessions(Engine::MongoDb).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn what_cannot_be_done_live_is_refused_and_a_restart_only_when_asked() {
    let engine = Engine::Postgres;
    let stack = TestStack::start().await;
    let (database, uri) = stack.ready_database_on(engine, "shrink").await;
    let database_id = database["id"].as_i64().unwrap();
    let path = format!("/api/database/{database_id}/");
    let admin = stack.as_admin();
    let container = engine_of(&stack, database_id).await["container_name"]
        .as_str()
        .unwrap()
        .to_owned();
    let before = inspect(&stack, &container).await;

    // Another engine: 422 naming the plan. A plan that does not exist: 422 too.
    let refusal = refused(
        admin.patch(&path, &json!({"plan": "mongodb-small"})).await,
        422,
        Some("plan"),
    );
    assert!(
        refusal["message"].as_str().unwrap().contains("keeps its engine"),
        "{refusal}"
    );
    refused(
        admin.patch(&path, &json!({"plan": "no-such-plan"})).await,
        422,
        Some("plan"),
    );
    // `restart` alone means nothing.
    refused(
        admin.patch(&path, &json!({"restart": true})).await,
        422,
        Some("restart"),
    );

    // Another image: that is an upgrade.
    let other_image = format!("{}.99", stack.image_of(engine));
    admin
        .create(
            "/api/plan",
            json!({"name": "pg-other-image", "engine": "postgres", "image": other_image,
                   "memory_bytes": GIB, "cpus": 1, "size_bytes": GIB}),
        )
        .await;
    let refusal = refused(admin.patch(&path, &json!({"plan": "pg-other-image"})).await, 409, None);
    assert!(refusal["message"].as_str().unwrap().contains("upgrade"), "{refusal}");

    // A size under what the database holds, once the workers have measured it.
    let tiny = plan(&stack, engine, "pg-tiny-disk", GIB, 1.0, MIB).await;
    retry(TIMEOUT, Duration::from_millis(250), || async {
        let (_, now) = stack.get(&path).await;
        if now["used_size_in_bytes"].as_i64().is_some() {
            Ok(())
        } else {
            Err(now)
        }
    })
    .await
    .unwrap_or_else(|now| panic!("the database's size was never measured: {now}"));
    let refusal = refused(
        admin.patch(&path, &json!({"plan": tiny, "description": "kept?"})).await,
        409,
        None,
    );
    assert!(refusal["message"].as_str().unwrap().contains("holds"), "{refusal}");

    // A refused resize changed nothing, the other fields of the same PATCH included.
    let (_, now) = stack.get(&path).await;
    assert_eq!(now["plan"], database["plan"], "{now}");
    assert_ne!(now["description"], "kept?", "{now}");
    assert_eq!(limits(&inspect(&stack, &container).await).0, 512 * MIB);

    // Under twice the memory Postgres set aside at start (shared_buffers 128MB of 512 MiB):
    // refused, saying a restart is needed...
    let small = plan(&stack, engine, "pg-200m", 200 * MIB, 0.5, GIB).await;
    let refusal = refused(admin.patch(&path, &json!({"plan": small})).await, 409, None);
    assert!(
        refusal["message"].as_str().unwrap().contains("\"restart\": true"),
        "{refusal}"
    );
    assert_eq!(started_at(&inspect(&stack, &container).await), started_at(&before));

    // ... and done with one when asked: a new start, sized anew, the password still good.
    let resized = resize(&stack, &admin, database_id, json!({"plan": small, "restart": true})).await;
    assert_eq!(resized["status"], "ready", "{resized}");
    let after = inspect(&stack, &container).await;
    assert_eq!(limits(&after), (200 * MIB, 400 * MIB, 500_000_000));
    assert_ne!(started_at(&after), started_at(&before), "a restart was asked for");
    let session = engine.connect(&uri).await.expect("the owner logs in after the restart");
    let client = session.postgres().unwrap();
    let buffers: String = client.query_one("SHOW shared_buffers", &[]).await.unwrap().get(0);
    assert_eq!(buffers, "50MB");
    stack.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn members_resize_within_the_plans_their_team_may_use() {
    let engine = Engine::Postgres;
    let stack = TestStack::start().await;
    let (database, _) = stack.ready_database_on(engine, "tenant").await;
    let database_id = database["id"].as_i64().unwrap();
    let team = database["team"].as_i64().unwrap();
    let admin = stack.as_admin();
    admin
        .create(
            "/api/user/",
            json!({"username": "tess", "password": "tess-password-12", "teams": [team]}),
        )
        .await;
    let member = stack.as_user("tess", "tess-password-12");
    let large = plan(&stack, engine, "pg-large", GIB, 1.0, 2 * GIB).await;

    // Restricted to the default plan: the large one is refused, to create and to resize.
    let (status, view) = admin
        .patch(
            &format!("/api/team/{team}/"),
            &json!({"allowed_plans": [engine.plan()]}),
        )
        .await;
    assert_eq!(status, 200, "{view}");
    assert_eq!(view["allowed_plans"].as_array().unwrap().len(), 1, "{view}");
    assert_eq!(view["allowed_plans"][0], database["plan"], "{view}");
    refused(
        admin
            .patch(&format!("/api/team/{team}/"), &json!({"allowed_plans": ["nope"]}))
            .await,
        422,
        Some("allowed_plans"),
    );
    let path = format!("/api/database/{database_id}/");
    let refusal = refused(member.patch(&path, &json!({"plan": large})).await, 422, Some("plan"));
    assert!(
        refusal["message"].as_str().unwrap().contains("may not use"),
        "{refusal}"
    );
    refused(
        member
            .post(
                "/api/database/",
                &json!({"name": "other", "plan": large, "environment": 1}),
            )
            .await,
        422,
        Some("plan"),
    );

    // Allowed again (an empty list: every plan): the member resizes their own database.
    let (status, view) = admin
        .patch(&format!("/api/team/{team}/"), &json!({"allowed_plans": []}))
        .await;
    assert_eq!(status, 200, "{view}");
    let resized = resize(&stack, &member, database_id, json!({"plan": large})).await;
    assert_eq!(resized["plan"], plan_link(&stack, &large).await, "{resized}");
    stack.cleanup().await;
}
