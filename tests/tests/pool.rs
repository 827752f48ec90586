//! The pool: engines a plan keeps started and unassigned. Concurrent creates take distinct
//! pooled engines, an empty pool falls back to a cold start, the pool refills, a pooled
//! engine's superuser gets a new password when a database takes it, a plan change or a
//! stopped container replaces pooled engines (and they are never reported as orphans), and a
//! worker killed mid-claim leaves one working database.

use std::collections::HashSet;
use std::time::Duration;

use dbaas_core::model::EngineKind;
use dbaas_tests::processes::PAUSE_AT;
use dbaas_tests::{id_of, retry, Engine, Services, TestStack};
use serde_json::json;

const TIMEOUT: Duration = Duration::from_secs(120);
const MIB: i64 = 1024 * 1024;

/// The plan's engines in `state`, by id: (id, container name, sealed superuser password if
/// it has one yet).
async fn engines_in(stack: &TestStack, plan_id: i64, state: &str) -> Vec<(i64, String, Option<Vec<u8>>)> {
    stack
        .catalog()
        .await
        .query(
            "SELECT id, container_name, admin_password_enc FROM engines
             WHERE plan_id = $1 AND state = $2 ORDER BY id",
            &[&plan_id, &state],
        )
        .await
        .unwrap()
        .iter()
        .map(|r| (r.get(0), r.get(1), r.get(2)))
        .collect()
}

/// The engine of a database: (engine id, whether it came from the pool, pending password set).
async fn engine_of(stack: &TestStack, database_id: i64) -> (i64, bool, bool) {
    let row = stack
        .catalog()
        .await
        .query_one(
            "SELECT e.id, e.pooled_at IS NOT NULL, e.pending_admin_password_enc IS NOT NULL
             FROM databases d JOIN engines e ON e.id = d.engine_id WHERE d.id = $1",
            &[&database_id],
        )
        .await
        .unwrap();
    (row.get(0), row.get(1), row.get(2))
}

/// The spare databases of the Postgres engine the superuser's `uri` reaches.
async fn databases_on(uri: &str) -> Vec<String> {
    dbaas_tests::pg_connect(uri)
        .await
        .unwrap_or_else(|e| panic!("{uri}: {e}"))
        .query("SELECT datname FROM pg_database WHERE datname LIKE 'dbaas_spare%'", &[])
        .await
        .unwrap()
        .iter()
        .map(|row| row.get(0))
        .collect()
}

/// The superuser's URI for an engine at `port`.
fn superuser_uri(engine: Engine, port: i32, password: &str) -> String {
    match engine {
        Engine::Postgres => {
            EngineKind::Postgres.connection_uri("127.0.0.1", port, "postgres", password, "postgres", true)
        }
        Engine::MongoDb => EngineKind::MongoDb.connection_uri("127.0.0.1", port, "root", password, "admin", true),
    }
}

async fn concurrent_creates_take_distinct_pooled_engines_and_the_pool_refills(engine: Engine) {
    let stack = TestStack::start().await;
    let plan_id = stack.pooled_plan(engine, "pooled", 2).await;
    let plan = stack.pool_settled(plan_id, 2, TIMEOUT).await;
    assert_eq!(plan["pool"][0]["size"], 2, "{plan}");
    let pooled = engines_in(&stack, plan_id, "pooled").await;
    assert_eq!(pooled.len(), 2);
    // Pooled engines are never orphans, and serve no database yet.
    tokio::time::sleep(Duration::from_secs(3)).await;
    let (_, orphans) = stack.get("/api/orphan/").await;
    assert_eq!(orphans["orphan"].as_array().map(Vec::len), Some(0), "{orphans}");

    // Three at once on a pool of two: two take distinct pooled engines, one starts its own.
    let creates = (0..3).map(|n| {
        let stack = &stack;
        async move {
            let (status, created) = stack
                .post(
                    "/api/database/",
                    &json!({"name": engine.db_name(&format!("pooled{n}")), "plan": "pooled", "environment": 1}),
                )
                .await;
            assert_eq!(status, 202, "{created}");
            let id = created["id"].as_i64().unwrap();
            stack.wait_for_status(id, "ready", TIMEOUT).await
        }
    });
    let ready = futures_util::future::join_all(creates).await;
    let mut engine_ids = HashSet::new();
    let mut from_pool = 0;
    for database in &ready {
        let id = database["id"].as_i64().unwrap();
        let (engine_id, was_pooled, pending) = engine_of(&stack, id).await;
        assert!(engine_ids.insert(engine_id), "two databases on engine {engine_id}");
        assert!(
            !pending,
            "database {id}: the new superuser password was never committed"
        );
        from_pool += usize::from(was_pooled);
        let uri = stack.owner_uri(database).await;
        let session = engine.connect(&uri).await.unwrap_or_else(|e| panic!("{uri}: {e}"));
        session.create_table("t").await.unwrap();
        session.insert("t", id).await.unwrap();
        assert_eq!(session.values("t").await.unwrap(), [id]);
    }
    assert_eq!(from_pool, 2, "two databases came from the pool");

    // The superuser of each pooled engine a database took has a new password: the one it
    // had in the pool is refused.
    for (engine_id, _, old_sealed) in &pooled {
        let (port, new_sealed): (i32, Vec<u8>) = {
            let row = stack
                .catalog()
                .await
                .query_one(
                    "SELECT port, admin_password_enc FROM engines WHERE id = $1",
                    &[engine_id],
                )
                .await
                .unwrap();
            (row.get(0), row.get(1))
        };
        let old_sealed = old_sealed.as_ref().expect("a pooled engine has a superuser password");
        assert_ne!(&new_sealed, old_sealed, "engine {engine_id} kept its pooled password");
        let old = stack.config.secrets.open(old_sealed).unwrap();
        let new = stack.config.secrets.open(&new_sealed).unwrap();
        assert!(
            engine.connect(&superuser_uri(engine, port, &old)).await.is_err(),
            "engine {engine_id}: the pooled superuser password still works"
        );
        engine
            .connect(&superuser_uri(engine, port, &new))
            .await
            .unwrap_or_else(|e| panic!("engine {engine_id}: the new superuser password fails: {e}"));
        if engine == Engine::Postgres {
            // The database is the pooled engine's spare, renamed: no spare is left.
            assert_eq!(
                databases_on(&superuser_uri(engine, port, &new)).await,
                Vec::<String>::new(),
                "engine {engine_id} still has its spare"
            );
        }
    }

    // The pool refills with new engines.
    stack.pool_settled(plan_id, 2, TIMEOUT).await;
    let refilled: HashSet<i64> = engines_in(&stack, plan_id, "pooled")
        .await
        .into_iter()
        .map(|e| e.0)
        .collect();
    assert!(refilled.is_disjoint(&engine_ids), "{refilled:?} vs {engine_ids:?}");
    if engine == Engine::Postgres {
        // An engine waiting in the pool keeps a spare database for the one that takes it.
        for (engine_id, _, sealed) in engines_in(&stack, plan_id, "pooled").await {
            let port: i32 = stack
                .catalog()
                .await
                .query_one("SELECT port FROM engines WHERE id = $1", &[&engine_id])
                .await
                .unwrap()
                .get(0);
            let password = stack
                .config
                .secrets
                .open(&sealed.expect("a superuser password"))
                .unwrap();
            assert_eq!(
                databases_on(&superuser_uri(engine, port, &password)).await,
                ["dbaas_spare"],
                "pooled engine {engine_id}"
            );
        }
    }
    stack.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_creates_take_distinct_pooled_engines_and_the_pool_refills_postgres() {
    concurrent_creates_take_distinct_pooled_engines_and_the_pool_refills(Engine::Postgres).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_creates_take_distinct_pooled_engines_and_the_pool_refills_mongodb() {
    concurrent_creates_take_distinct_pooled_engines_and_the_pool_refills(Engine::MongoDb).await;
}

/// The plan's engines that are neither assigned nor removed, read at once (an engine moves
/// from `starting` to `pooled` to `retiring` between separate reads): (id, container, state).
async fn unassigned(stack: &TestStack, plan_id: i64) -> Vec<(i64, String, String)> {
    stack
        .catalog()
        .await
        .query(
            "SELECT id, container_name, state FROM engines
             WHERE plan_id = $1 AND state IN ('starting', 'pooled', 'retiring') ORDER BY id",
            &[&plan_id],
        )
        .await
        .unwrap()
        .iter()
        .map(|r| (r.get(0), r.get(1), r.get(2)))
        .collect()
}

/// Waits until the plan has exactly one pooled engine, none of `not`, and none starting or
/// retiring; returns its id and container.
async fn replaced(stack: &TestStack, plan_id: i64, not: &[i64]) -> (i64, String) {
    retry(TIMEOUT, Duration::from_millis(200), || async {
        let engines = unassigned(stack, plan_id).await;
        match engines.as_slice() {
            [(id, container, state)] if state == "pooled" && !not.contains(id) => Ok((*id, container.clone())),
            _ => Err(engines),
        }
    })
    .await
    .unwrap_or_else(|e| panic!("the pooled engine was never replaced: {e:?}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn stopped_and_outdated_pooled_engines_are_replaced() {
    let stack = TestStack::start().await;
    let docker = stack.docker().await;
    let plan_id = stack.pooled_plan(Engine::Postgres, "pooled", 1).await;
    stack.pool_settled(plan_id, 1, TIMEOUT).await;
    let (first, container, _) = engines_in(&stack, plan_id, "pooled").await.remove(0);

    // A pooled engine whose container stopped is replaced, and its container removed.
    docker.stop_container(&container, None).await.unwrap();
    let (second, container2) = replaced(&stack, plan_id, &[first]).await;
    retry(TIMEOUT, Duration::from_millis(200), || async {
        match docker.inspect_container(&container, None).await {
            Err(_) => Ok(()),
            Ok(_) => Err(()),
        }
    })
    .await
    .unwrap_or_else(|()| panic!("the stopped pooled container {container} was never removed"));

    // A plan change (its limits here) replaces the pooled engines made otherwise.
    let (status, changed) = stack
        .patch(&format!("/api/plan/{plan_id}/"), &json!({"memory_bytes": 320 * MIB}))
        .await;
    assert_eq!(status, 200, "{changed}");
    let (_, container3) = replaced(&stack, plan_id, &[first, second]).await;
    let inspected = docker.inspect_container(&container3, None).await.unwrap();
    assert_eq!(inspected.host_config.unwrap().memory, Some(320 * MIB));
    assert!(docker.inspect_container(&container2, None).await.is_err());

    // A database takes the new one, made as the plan says.
    let (status, created) = stack
        .post(
            "/api/database/",
            &json!({"name": "fromnew", "plan": "pooled", "environment": 1}),
        )
        .await;
    assert_eq!(status, 202, "{created}");
    let ready = stack
        .wait_for_status(created["id"].as_i64().unwrap(), "ready", TIMEOUT)
        .await;
    let (_, was_pooled, _) = engine_of(&stack, ready["id"].as_i64().unwrap()).await;
    assert!(was_pooled);
    Engine::Postgres.connect(&stack.owner_uri(&ready).await).await.unwrap();

    // A pool of 0 keeps none: the refilled engine goes too.
    let (status, _) = stack
        .patch(&format!("/api/plan/{plan_id}/"), &json!({"pool_size": 0}))
        .await;
    assert_eq!(status, 200);
    retry(TIMEOUT, Duration::from_millis(200), || async {
        let left = unassigned(&stack, plan_id).await;
        if left.is_empty() {
            Ok(())
        } else {
            Err(left)
        }
    })
    .await
    .unwrap_or_else(|left| panic!("a pool of 0 still has engines: {left:?}"));
    // Only the database's own engine is left, and no orphan.
    let containers = stack.containers_with("dbaas.managed", "true").await;
    assert_eq!(containers.len(), 1, "{containers:?}");
    let (_, orphans) = stack.get("/api/orphan/").await;
    assert_eq!(orphans["orphan"].as_array().map(Vec::len), Some(0), "{orphans}");
    stack.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_worker_killed_mid_claim_leaves_one_working_database() {
    let mut stack = TestStack::start_processes(Services::default()).await;
    let plan_id = stack.pooled_plan(Engine::Postgres, "pooled", 1).await;
    for (n, step) in ["provision.placed", "provision.admin_applied"].iter().enumerate() {
        stack.pool_settled(plan_id, 1, TIMEOUT).await;
        let (pooled, _, _) = engines_in(&stack, plan_id, "pooled").await.remove(0);
        stack.kill_worker();
        stack.start_worker_with(&[(PAUSE_AT, step)]);
        let (status, created) = stack
            .post(
                "/api/database/",
                &json!({"name": format!("claimed{n}"), "plan": "pooled", "environment": 1}),
            )
            .await;
        assert_eq!(status, 202, "{created}");
        stack.kill_worker_at(step, Duration::from_secs(60)).await;
        stack.start_worker();
        let id = created["id"].as_i64().unwrap();
        let ready = stack.wait_for_status(id, "ready", TIMEOUT).await;
        let (engine_id, was_pooled, pending) = engine_of(&stack, id).await;
        assert_eq!(
            (engine_id, was_pooled, pending),
            (pooled, true, false),
            "killed at {step}"
        );
        let session = Engine::Postgres
            .connect(&stack.owner_uri(&ready).await)
            .await
            .unwrap_or_else(|e| panic!("killed at {step}: the password fails: {e}"));
        session.create_table("t").await.unwrap();
        let task = stack
            .wait_for_task(id_of(ready["_links"]["task"].as_str().unwrap()), TIMEOUT)
            .await;
        assert_eq!(task["status"], "succeeded", "{task}");
    }
    stack.cleanup().await;
}
