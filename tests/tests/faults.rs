//! Faults: workers killed with SIGKILL in the middle of their work, at named steps (the
//! worker's pause hook, `DBAAS_PAUSE_AT`, holds it there until it is killed), and Redis or the
//! catalog going away. After each, every accepted database ends `ready` (or `deleted`, as
//! asked), with one container, and every stored password works. The api and workers run as
//! real processes. Every test provisions databases, so each runs once per engine.

use std::time::Duration;

use dbaas_tests::processes::PAUSE_AT;
use dbaas_tests::{
    free_port, id_of, retry, task_id, Engine, EngineError, PrivatePostgres, PrivateRedis, Services, TestStack,
};
use serde_json::{json, Value};

const TIMEOUT: Duration = Duration::from_secs(120);

async fn one_container(stack: &TestStack, id: i64) {
    let containers = stack.containers_with("dbaas.database.id", &id.to_string()).await;
    assert_eq!(containers.len(), 1, "database {id}: {containers:?}");
}

/// The provisioning steps, in order: a worker is killed at each in turn.
const PROVISIONING_STEPS: &[&str] = &[
    "provision.port",
    "provision.password",
    "provision.container",
    "provision.ready",
    "provision.roles",
];

/// How long a worker may take to get to the step where it is to be killed.
const TO_THE_STEP: Duration = Duration::from_secs(60);

/// Replaces the (idle) worker with one that will pause at `step`, to be killed there.
fn worker_pausing_at(stack: &mut TestStack, step: &str) {
    stack.kill_worker();
    stack.start_worker_with(&[(PAUSE_AT, step)]);
}

/// Creates a database and waits until it is ready and its task has ended, so that nothing
/// is in flight when the worker is replaced.
async fn settled_database(stack: &TestStack, engine: Engine, name: &str) -> Value {
    let (status, created) = stack
        .post(
            "/api/database/",
            &json!({"name": engine.db_name(name), "plan": engine.plan(), "environment": 1}),
        )
        .await;
    assert_eq!(status, 202, "{created}");
    let ready = stack
        .wait_for_status(created["id"].as_i64().unwrap(), "ready", TIMEOUT)
        .await;
    stack.wait_for_task(task_id(&ready), TIMEOUT).await;
    ready
}

async fn a_worker_killed_mid_provisioning_leaves_one_working_database(engine: Engine) {
    let mut stack = TestStack::start_processes(Services::default()).await;
    for (n, step) in PROVISIONING_STEPS.iter().enumerate() {
        worker_pausing_at(&mut stack, step);
        let (status, created) = stack
            .post(
                "/api/database/",
                &json!({"name": engine.db_name(&format!("killed{n}")), "plan": engine.plan(), "environment": 1}),
            )
            .await;
        assert_eq!(status, 202, "{created}");
        stack.kill_worker_at(step, TO_THE_STEP).await;
        stack.start_worker();
        let id = created["id"].as_i64().unwrap();
        let ready = stack.wait_for_status(id, "ready", TIMEOUT).await;
        one_container(&stack, id).await;
        let uri = stack.owner_uri(&ready).await;
        let session = engine
            .connect(&uri)
            .await
            .unwrap_or_else(|e| panic!("killed at {step}: the password fails: {e}"));
        session
            .create_table("t")
            .await
            .unwrap_or_else(|e| panic!("killed at {step}: the owner cannot create a table: {e}"));
        stack.wait_for_task(task_id(&ready), TIMEOUT).await;
    }
    stack.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_worker_killed_mid_provisioning_leaves_one_working_database_postgres() {
    a_worker_killed_mid_provisioning_leaves_one_working_database(Engine::Postgres).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_worker_killed_mid_provisioning_leaves_one_working_database_mongodb() {
    a_worker_killed_mid_provisioning_leaves_one_working_database(Engine::MongoDb).await;
}

async fn a_worker_killed_mid_rotation_or_destruction_finishes_on_restart(engine: Engine) {
    let mut stack = TestStack::start_processes(Services::default()).await;
    let ready = settled_database(&stack, engine, "rotated").await;
    let other = settled_database(&stack, engine, "dumped").await;
    let id = ready["id"].as_i64().unwrap();
    let credential = id_of(ready["credentials"][0]["_links"]["self"].as_str().unwrap());

    // Rotation: the reset waits for the worker, which dies under it, with the new password
    // only stored, then with it applied in the engine but not yet in the catalog.
    for step in ["rotate.pending", "rotate.applied"] {
        let old_uri = stack.owner_uri(&ready).await;
        worker_pausing_at(&mut stack, step);
        let reset = {
            let http = stack.http.clone();
            let url = stack.url(&format!("/api/credential/{credential}/reset_password/"));
            let (user, password) = (stack.admin_user.clone(), stack.admin_password.clone());
            tokio::spawn(async move {
                http.post(url)
                    .basic_auth(user, Some(password))
                    .send()
                    .await
                    .map(|r| r.status())
            })
        };
        stack.kill_worker_at(step, TO_THE_STEP).await;
        stack.start_worker();
        let _ = reset.await;
        let (_, tasks) = stack.get(&format!("/api/task/?database={id}")).await;
        // The newest: the list is oldest first.
        let rotation = tasks["task"]
            .as_array()
            .unwrap()
            .iter()
            .rfind(|t| t["kind"] == "reset_password")
            .unwrap()
            .clone();
        let done = stack.wait_for_task(rotation["id"].as_i64().unwrap(), TIMEOUT).await;
        assert_eq!(done["status"], "succeeded", "{step}: {done}");
        let new_uri = stack.owner_uri(&ready).await;
        assert_ne!(new_uri, old_uri, "{step}");
        engine
            .connect(&new_uri)
            .await
            .unwrap_or_else(|e| panic!("killed at {step}: the stored password fails: {e}"));
        assert_eq!(
            engine.connect(&old_uri).await.err(),
            Some(EngineError::LoginRefused),
            "{step}: the old one does not"
        );
    }

    // Destruction: quarantine, then destroy with the worker killed before the final dump,
    // and after it with the container still there.
    for (database, step) in [(&ready, "destroy.begin"), (&other, "destroy.dumped")] {
        let id = database["id"].as_i64().unwrap();
        let (_, quarantined) = stack.delete(&format!("/api/database/{id}/")).await;
        stack
            .wait_for_task(id_of(quarantined["_links"]["task"].as_str().unwrap()), TIMEOUT)
            .await;
        worker_pausing_at(&mut stack, step);
        let (status, _) = stack.delete(&format!("/api/database/{id}/")).await;
        assert_eq!(status, 202, "{step}");
        stack.kill_worker_at(step, TO_THE_STEP).await;
        stack.start_worker();
        stack.wait_for_status(id, "deleted", TIMEOUT).await;
        assert!(
            stack
                .containers_with("dbaas.database.id", &id.to_string())
                .await
                .is_empty(),
            "{step}"
        );
    }
    stack.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_worker_killed_mid_rotation_or_destruction_finishes_on_restart_postgres() {
    a_worker_killed_mid_rotation_or_destruction_finishes_on_restart(Engine::Postgres).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_worker_killed_mid_rotation_or_destruction_finishes_on_restart_mongodb() {
    a_worker_killed_mid_rotation_or_destruction_finishes_on_restart(Engine::MongoDb).await;
}

async fn a_request_accepted_while_redis_is_down_is_done_once_it_is_back(engine: Engine) {
    let port = free_port();
    let mut redis = PrivateRedis::start(port);
    let stack = TestStack::start_processes(Services {
        redis_url: Some(format!("redis://127.0.0.1:{port}/")),
        ..Services::default()
    })
    .await;

    redis.stop();
    let (status, created) = stack
        .post(
            "/api/database/",
            &json!({"name": engine.db_name("patient"), "plan": engine.plan(), "environment": 1}),
        )
        .await;
    assert_eq!(status, 202, "the request is recorded even without a queue: {created}");
    let id = created["id"].as_i64().unwrap();
    tokio::time::sleep(Duration::from_secs(2)).await;
    let (_, waiting) = stack.get(&format!("/api/database/{id}/")).await;
    assert_eq!(waiting["status"], "creating");

    let _redis = PrivateRedis::start(port);
    let ready = stack.wait_for_status(id, "ready", TIMEOUT).await;
    one_container(&stack, id).await;
    engine
        .connect(&stack.owner_uri(&ready).await)
        .await
        .expect("the password works");
    stack.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_request_accepted_while_redis_is_down_is_done_once_it_is_back_postgres() {
    a_request_accepted_while_redis_is_down_is_done_once_it_is_back(Engine::Postgres).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_request_accepted_while_redis_is_down_is_done_once_it_is_back_mongodb() {
    a_request_accepted_while_redis_is_down_is_done_once_it_is_back(Engine::MongoDb).await;
}

async fn no_password_is_ever_logged(engine: Engine) {
    let stack = TestStack::start_processes(Services::default()).await;
    let mut secrets = vec![stack.admin_password.clone()];
    let (_, created) = stack
        .post(
            "/api/database/",
            &json!({"name": engine.db_name("secretive"), "plan": engine.plan(), "environment": 1}),
        )
        .await;
    let id = created["id"].as_i64().unwrap();
    let ready = stack.wait_for_status(id, "ready", TIMEOUT).await;
    let credential = id_of(ready["credentials"][0]["_links"]["self"].as_str().unwrap());
    let (_, owner) = stack.get(&format!("/api/credential/{credential}/")).await;
    secrets.push(owner["password"].as_str().unwrap().to_owned());
    let (status, extra) = stack
        .post("/api/credential/", &json!({"user": "u_extra", "database": id}))
        .await;
    assert_eq!(status, 201, "{extra}");
    secrets.push(extra["password"].as_str().unwrap().to_owned());
    let (_, reset) = stack
        .post(&format!("/api/credential/{credential}/reset_password/"), &json!({}))
        .await;
    secrets.push(reset["password"].as_str().unwrap().to_owned());
    let (_, quarantined) = stack.delete(&format!("/api/database/{id}/")).await;
    stack
        .wait_for_task(id_of(quarantined["_links"]["task"].as_str().unwrap()), TIMEOUT)
        .await;
    let (status, _) = stack.post(&format!("/api/database/{id}/restore/"), &json!({})).await;
    assert_eq!(status, 200);
    let (_, restored) = stack.get(&format!("/api/credential/{credential}/")).await;
    secrets.push(restored["password"].as_str().unwrap().to_owned());
    // The engine's superuser password, which only the catalog (sealed) and the container hold.
    let sealed: Vec<u8> = stack
        .catalog()
        .await
        .query_one(
            "SELECT e.admin_password_enc FROM databases d JOIN engines e ON e.id = d.engine_id WHERE d.id = $1",
            &[&id],
        )
        .await
        .unwrap()
        .get(0);
    secrets.push(stack.config.secrets.open(&sealed).unwrap());

    let logs = stack.logs();
    assert!(logs.lines().count() > 20, "debug logs were written");
    for (n, secret) in secrets.iter().enumerate() {
        assert!(secret.len() >= 20);
        if let Some(line) = logs.lines().find(|l| l.contains(secret.as_str())) {
            panic!(
                "password {n} is in the logs: {}",
                line.replace(secret.as_str(), "<PASSWORD>")
            );
        }
    }
    // Nor in the engine's own log: failed statements there would carry them.
    let engine_logs = stack.engine_log(id).await;
    for secret in &secrets {
        assert!(
            !engine_logs.contains(secret.as_str()),
            "a password is in the engine's log"
        );
    }
    stack.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn no_password_is_ever_logged_postgres() {
    no_password_is_ever_logged(Engine::Postgres).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn no_password_is_ever_logged_mongodb() {
    no_password_is_ever_logged(Engine::MongoDb).await;
}

async fn the_catalog_restarting_costs_503s_and_nothing_else(engine: Engine) {
    let port = free_port();
    let postgres = PrivatePostgres::start_new(port);
    let services = Services {
        postgres_admin_url: Some(postgres.admin_url()),
        ..Services::default()
    };
    let stack = TestStack::start_processes(services).await;
    let (_, created) = stack
        .post(
            "/api/database/",
            &json!({"name": engine.db_name("before"), "plan": engine.plan(), "environment": 1}),
        )
        .await;
    let before = stack
        .wait_for_status(created["id"].as_i64().unwrap(), "ready", TIMEOUT)
        .await;
    let uri = stack.owner_uri(&before).await;

    postgres.stop();
    let (status, body) = stack.get(&format!("/api/database/{}/", before["id"])).await;
    assert_eq!(status, 503, "a down catalog is a 503, never a 500: {body}");
    assert_eq!(body["code"], "unavailable");
    let (status, _) = stack
        .post(
            "/api/database/",
            &json!({"name": engine.db_name("during"), "plan": engine.plan(), "environment": 1}),
        )
        .await;
    assert_eq!(status, 503);
    engine
        .connect(&uri)
        .await
        .expect("tenants' databases do not depend on the catalog");

    postgres.start();
    // The pool's connections died with the catalog: the first requests after it is back are
    // answered (or 503 while the api reconnects), never failed.
    retry(Duration::from_secs(60), Duration::from_millis(200), || async {
        match stack.get(&format!("/api/database/{}/", before["id"])).await {
            (200, _) => Ok(()),
            (status, body) => {
                assert_eq!(status, 503, "after the catalog restarted: {body}");
                Err(format!("{status} {body}"))
            }
        }
    })
    .await
    .unwrap_or_else(|last| panic!("the api never reconnected: {last}"));
    let (status, after) = stack
        .post(
            "/api/database/",
            &json!({"name": engine.db_name("after"), "plan": engine.plan(), "environment": 1}),
        )
        .await;
    assert_eq!(status, 202, "{after}");
    stack
        .wait_for_status(after["id"].as_i64().unwrap(), "ready", TIMEOUT)
        .await;
    let (_, list) = stack.get("/api/database/").await;
    assert_eq!(list["_links"]["count"], 2, "the refused request left nothing: {list}");
    stack.cleanup().await;
    drop(postgres);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_catalog_restarting_costs_503s_and_nothing_else_postgres() {
    the_catalog_restarting_costs_503s_and_nothing_else(Engine::Postgres).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_catalog_restarting_costs_503s_and_nothing_else_mongodb() {
    the_catalog_restarting_costs_503s_and_nothing_else(Engine::MongoDb).await;
}
