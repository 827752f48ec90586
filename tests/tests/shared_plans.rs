//! Shared plans: many tenants' Postgres databases in one engine. Each is fenced off from its
//! neighbours (its roles namespaced, no one else may connect to it, no tenant to the engine's
//! own databases, a cap on its sessions), an engine holds no more databases than its plan
//! allows, and quarantine and destruction of one leave the others working. What cannot be
//! done to one database of a shared engine alone (a resize, a move) is refused.

use std::time::Duration;

use dbaas_tests::{id_of, pg_connect, task_id, TestStack};
use serde_json::{json, Value};
use tokio_postgres::error::SqlState;

const TIMEOUT: Duration = Duration::from_secs(120);
const MIB: i64 = 1024 * 1024;

/// The same URI with another database and, where given, another login.
fn reaching(uri: &str, database: &str, login: Option<(&str, &str)>) -> String {
    let mut url = reqwest::Url::parse(uri).expect("a URI");
    url.set_path(&format!("/{database}"));
    if let Some((user, password)) = login {
        url.set_username(user).expect("a user");
        url.set_password(Some(password)).expect("a password");
    }
    url.to_string()
}

/// The engine a database is on.
async fn engine_of(stack: &TestStack, database_id: i64) -> i64 {
    stack
        .catalog()
        .await
        .query_one("SELECT engine_id FROM databases WHERE id = $1", &[&database_id])
        .await
        .unwrap()
        .get(0)
}

/// Whether a login is refused for want of the CONNECT privilege (or the database is gone).
async fn refused(uri: &str) -> bool {
    match pg_connect(uri).await {
        Ok(_) => false,
        Err(e) => matches!(
            e.code(),
            Some(&SqlState::INSUFFICIENT_PRIVILEGE) | Some(&SqlState::INVALID_CATALOG_NAME)
        ),
    }
}

/// A tenant's user in a team of its own; returns its name and password.
async fn tenant(stack: &TestStack, team: &str) -> (String, String) {
    let admin = stack.as_admin();
    let (status, created) = admin.post("/api/team", &json!({"name": team})).await;
    assert_eq!(status, 201, "{created}");
    let (user, password) = (format!("{team}-user"), format!("{team}-password-1"));
    let (status, body) = admin
        .post(
            "/api/user",
            &json!({"username": user, "password": password, "teams": [created["id"]]}),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    (user, password)
}

/// Creates a database of `plan` as a tenant and waits until it is ready.
async fn shared_database(stack: &TestStack, login: &(String, String), name: &str, plan: i64) -> Value {
    let client = stack.as_user(&login.0, &login.1);
    let (status, created) = client
        .post("/api/database", &json!({"name": name, "plan": plan, "environment": 1}))
        .await;
    assert_eq!(status, 202, "{created}");
    stack
        .wait_for_status(created["id"].as_i64().unwrap(), "ready", TIMEOUT)
        .await
}

/// A further credential `user` of a database, as its tenant asks for it.
async fn credential(stack: &TestStack, login: &(String, String), database: &Value, user: &str) -> Value {
    let (status, created) = stack
        .as_user(&login.0, &login.1)
        .post("/api/credential", &json!({"user": user, "database": database["id"]}))
        .await;
    assert_eq!(status, 201, "{created}");
    created
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn shared_databases_are_fenced_from_their_neighbours_and_go_alone() {
    let stack = TestStack::start().await;
    let admin = stack.as_admin();

    // A shared plan must be Postgres and keep no pool.
    let base = json!({
        "name": "tiny", "engine": "postgres", "image": stack.config.defaults.postgres_image,
        "memory_bytes": 512 * MIB, "cpus": 1, "size_bytes": 256 * MIB,
        "placement": "shared", "databases_per_engine": 2,
    });
    for (change, field) in [
        (
            json!({"engine": "mongodb", "image": stack.config.defaults.mongodb_image}),
            "placement",
        ),
        (json!({"pool_size": 1}), "pool_size"),
    ] {
        let mut body = base.clone();
        body.as_object_mut()
            .unwrap()
            .extend(change.as_object().unwrap().clone());
        dbaas_tests::refused(admin.post("/api/plan", &body).await, 422, Some(field));
    }
    let plan = admin.create("/api/plan", base).await;
    assert_eq!(
        (plan["placement"].as_str(), plan["databases_per_engine"].as_i64()),
        (Some("shared"), Some(2)),
        "{plan}"
    );
    let plan_id = plan["id"].as_i64().unwrap();

    // Two tenants of two teams, one database each: one engine, one port.
    let (red, blue) = (tenant(&stack, "red").await, tenant(&stack, "blue").await);
    // The engine's spare database becomes the next one made there: its name is no tenant's.
    let (status, body) = stack
        .as_user(&red.0, &red.1)
        .post(
            "/api/database",
            &json!({"name": "dbaas_spare", "plan": plan_id, "environment": 1}),
        )
        .await;
    assert_eq!((status, body["field"].as_str()), (422, Some("name")), "{body}");
    let red_db = shared_database(&stack, &red, "redshop", plan_id).await;
    let blue_db = shared_database(&stack, &blue, "blueshop", plan_id).await;
    let (red_id, blue_id) = (red_db["id"].as_i64().unwrap(), blue_db["id"].as_i64().unwrap());
    let engine = engine_of(&stack, red_id).await;
    assert_eq!(
        engine_of(&stack, blue_id).await,
        engine,
        "both databases share the engine"
    );
    let (red_uri, blue_uri) = (stack.owner_uri(&red_db).await, stack.owner_uri(&blue_db).await);
    let port = |uri: &str| reqwest::Url::parse(uri).unwrap().port();
    assert_eq!(port(&red_uri), port(&blue_uri), "one port");
    let shared_containers = stack.containers_with("dbaas.engine", "postgres").await;
    assert!(
        stack
            .containers_with("dbaas.database.id", &red_id.to_string())
            .await
            .is_empty(),
        "a shared engine's container names no database: {shared_containers:?}"
    );

    // Both ask for a user `app`: namespaced, each with its own password.
    let red_app = credential(&stack, &red, &red_db, "app").await;
    let blue_app = credential(&stack, &blue, &blue_db, "app").await;
    assert_eq!(red_app["user"], "redshop.app", "{red_app}");
    assert_eq!(blue_app["user"], "blueshop.app", "{blue_app}");
    let red_app_uri = red_app["connection_uri"].as_str().unwrap().to_owned();
    let blue_app_uri = blue_app["connection_uri"].as_str().unwrap().to_owned();
    pg_connect(&red_app_uri).await.expect("red's app logs in");
    pg_connect(&blue_app_uri)
        .await
        .expect("blue's app logs in: red's did not reset it");

    // Red's data, and what red's roles can reach.
    let red_owner = pg_connect(&red_uri).await.expect("red's owner logs in");
    red_owner
        .batch_execute("CREATE TABLE kept (v int); INSERT INTO kept VALUES (1), (2)")
        .await
        .unwrap();
    let blue_owner = pg_connect(&blue_uri).await.expect("blue's owner logs in");
    blue_owner
        .batch_execute("CREATE TABLE secrets (v int); INSERT INTO secrets VALUES (42)")
        .await
        .unwrap();
    for uri in [&red_uri, &red_app_uri] {
        assert!(
            refused(&reaching(uri, "blueshop", None)).await,
            "red reaches blue's database"
        );
        assert!(
            refused(&reaching(uri, "postgres", None)).await,
            "red reaches the engine's postgres"
        );
        assert!(
            refused(&reaching(uri, "template1", None)).await,
            "red reaches template1"
        );
    }
    assert!(
        refused(&reaching(&blue_uri, "redshop", None)).await,
        "blue reaches red's database"
    );
    let limit: i32 = red_owner
        .query_one(
            "SELECT datconnlimit FROM pg_database WHERE datname = current_database()",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(
        limit,
        dbaas_core::model::SHARED_DATABASE_CONNECTION_LIMIT,
        "a cap on the database's sessions"
    );

    // The plan holds two per engine: two more, asked for at once, start one other engine
    // together (each create counts the other's) and both work.
    let (red_third, blue_third) = tokio::join!(
        shared_database(&stack, &red, "redthird", plan_id),
        shared_database(&stack, &blue, "bluethird", plan_id)
    );
    let third_engine = engine_of(&stack, red_third["id"].as_i64().unwrap()).await;
    assert_ne!(third_engine, engine, "a full engine takes no more");
    assert_eq!(
        engine_of(&stack, blue_third["id"].as_i64().unwrap()).await,
        third_engine,
        "concurrent creates share the new engine"
    );
    for database in [&red_third, &blue_third] {
        pg_connect(&stack.owner_uri(database).await)
            .await
            .expect("a database on the new engine works");
    }

    // Not done to one database of a shared engine alone.
    let (status, body) = admin
        .patch(&format!("/api/database/{red_id}/"), &json!({"plan": 1}))
        .await;
    assert!(status == 409 || status == 422, "a resize: {status} {body}");
    let (status, body) = admin.post(&format!("/api/database/{red_id}/move"), &json!({})).await;
    assert_eq!(status, 409, "a move: {body}");
    assert!(body["message"].as_str().unwrap_or_default().contains("shar"), "{body}");

    // Blue's quarantine: blue's logins refused, red's open session and new logins unharmed.
    let (status, quarantining) = stack.delete(&format!("/api/database/{blue_id}/")).await;
    assert_eq!(status, 202, "{quarantining}");
    let task = stack.wait_for_task(task_id(&quarantining), TIMEOUT).await;
    assert_eq!(task["status"], "succeeded", "{task}");
    for uri in [&blue_uri, &blue_app_uri] {
        assert!(pg_connect(uri).await.is_err(), "a quarantined login still works");
    }
    assert!(
        blue_owner.query("SELECT 1", &[]).await.is_err(),
        "blue's session was cut"
    );
    let kept: i64 = red_owner
        .query_one("SELECT count(*) FROM kept", &[])
        .await
        .expect("red's open session survives blue's quarantine")
        .get(0);
    assert_eq!(kept, 2);
    pg_connect(&red_app_uri).await.expect("red's app still logs in");

    // Blue's restore gives blue's credentials new passwords; red is untouched.
    let (status, restored) = stack
        .post(&format!("/api/database/{blue_id}/restore/"), &json!({}))
        .await;
    assert_eq!(status, 200, "{restored}");
    let restored_uri = stack.owner_uri(&restored).await;
    assert_ne!(restored_uri, blue_uri, "a new password");
    let secret: i32 = pg_connect(&restored_uri)
        .await
        .expect("blue's owner logs in again")
        .query_one("SELECT v FROM secrets", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(secret, 42, "blue's data stayed through its quarantine");
    pg_connect(&red_app_uri)
        .await
        .expect("red's app unharmed by blue's restore");
    let (status, quarantining) = stack.delete(&format!("/api/database/{blue_id}/")).await;
    assert_eq!(status, 202, "{quarantining}");
    stack.wait_for_status(blue_id, "quarantined", TIMEOUT).await;

    // Blue's destruction: a final dump of blue alone, then blue's database and roles go; red
    // and the engine stay.
    let (status, destroying) = stack.delete(&format!("/api/database/{blue_id}/")).await;
    assert_eq!(status, 202, "{destroying}");
    stack.wait_for_status(blue_id, "deleted", TIMEOUT).await;
    let (status, dumps) = admin.get(&format!("/api/database/{blue_id}/dumps/")).await;
    assert_eq!(status, 200, "{dumps}");
    assert_eq!(dumps["dump"][0]["format"], "pg_dump-custom", "{dumps}");
    let gone: i64 = red_owner
        .query_one(
            "SELECT (SELECT count(*) FROM pg_database WHERE datname = 'blueshop') \
                  + (SELECT count(*) FROM pg_roles WHERE rolname IN ('u_blueshop', 'blueshop.app'))",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(gone, 0, "blue's database and roles are gone from the engine");
    let kept: i64 = red_owner
        .query_one("SELECT count(*) FROM kept", &[])
        .await
        .expect("red's session survives blue's destruction")
        .get(0);
    assert_eq!(kept, 2);
    let state: String = stack
        .catalog()
        .await
        .query_one("SELECT state FROM engines WHERE id = $1", &[&engine])
        .await
        .unwrap()
        .get(0);
    assert_eq!(state, "assigned", "the shared engine stays");

    // Its room is taken again, by a database of the same name: it starts clean.
    let again = shared_database(&stack, &blue, "blueshop", plan_id).await;
    assert_eq!(
        engine_of(&stack, again["id"].as_i64().unwrap()).await,
        engine,
        "the freed room is used"
    );
    let fresh = pg_connect(&stack.owner_uri(&again).await)
        .await
        .expect("the new blueshop works");
    let tables: i64 = fresh
        .query_one("SELECT count(*) FROM pg_tables WHERE tablename = 'secrets'", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(tables, 0, "nothing of the old blueshop is left");
    let red_app_id = id_of(red_app["_links"]["self"].as_str().unwrap());
    let reset = stack.reset_password(red_app_id).await;
    pg_connect(reset["connection_uri"].as_str().unwrap())
        .await
        .expect("a reset on a shared engine works");
    stack.cleanup().await;
}
