//! The spine, end to end, for each engine: one API call ends in a real database that answers
//! to the generated password.

use std::time::Duration;

use dbaas_tests::{id_of, path_of, retry, task_id, Engine, EngineError, TestStack};
use serde_json::{json, Value};

const READY_TIMEOUT: Duration = Duration::from_secs(120);
const MIB: i64 = 1024 * 1024;

/// The plan of that name, as the API lists it.
async fn plan_named(stack: &TestStack, name: &str) -> Value {
    let (status, plans) = stack.get("/api/plan/").await;
    assert_eq!(status, 200, "{plans}");
    plans["plan"]
        .as_array()
        .expect("plans")
        .iter()
        .find(|p| p["name"] == name)
        .cloned()
        .unwrap_or_else(|| panic!("no plan {name}: {plans}"))
}

/// What follows the host and port in the endpoint of database `name`: the URI asks for TLS.
fn endpoint_tail(engine: Engine, name: &str) -> String {
    match engine {
        Engine::Postgres => format!("/{name}?sslmode=require"),
        Engine::MongoDb => format!("/{name}?authSource={name}&directConnection=true&tls=true"),
    }
}

/// Checks that the container's configuration (its environment and its command, which
/// `docker inspect` shows to anyone with the socket) holds none of `secrets`, and no
/// `*PASSWORD=value` at all: the superuser password is handed over as a file (`*_FILE`).
fn assert_no_secret_in(engine: Engine, config: &bollard::models::ContainerConfig, secrets: &[&str]) {
    let env = config.env.clone().unwrap_or_default();
    let cmd = config.cmd.clone().unwrap_or_default();
    for secret in secrets {
        assert!(secret.len() >= 20, "{engine:?}: a real password");
        for (n, entry) in env.iter().enumerate() {
            assert!(!entry.contains(secret), "{engine:?}: a password is in Env[{n}]");
        }
        for (n, arg) in cmd.iter().enumerate() {
            assert!(!arg.contains(secret), "{engine:?}: a password is in Cmd[{n}]");
        }
    }
    for entry in &env {
        let (name, value) = entry.split_once('=').unwrap_or((entry, ""));
        assert!(
            !name.contains("PASSWORD") || name.ends_with("_FILE") || value.is_empty(),
            "{engine:?}: the container's Env holds a password: {name}=<{} characters>",
            value.len()
        );
    }
    assert!(
        env.iter().any(|e| e.contains("PASSWORD_FILE=")),
        "{engine:?}: the superuser password is handed over as a file: {:?}",
        env.iter()
            .map(|e| e.split('=').next().unwrap_or_default())
            .collect::<Vec<_>>()
    );
}

async fn a_created_database_accepts_its_generated_password(engine: Engine) {
    let stack = TestStack::start().await;
    let name = engine.db_name("test database2");
    let (db, user) = (name.replace(' ', "_"), format!("u_{}", name.replace(' ', "_")));
    let plan = plan_named(&stack, engine.plan()).await;
    let plan_path = path_of(&plan);

    // The reference document's request, as written (links for the plan and environment).
    let (status, created) = stack
        .post(
            "/api/database/",
            &json!({"name": name, "plan": plan_path, "environment": "/api/environment/1/"}),
        )
        .await;
    assert_eq!(status, 202, "{created}");
    assert_eq!(created["name"], db.as_str());
    assert_eq!(created["status"], "creating");
    assert_eq!(created["plan"], stack.url(&plan_path));
    assert_eq!(created["environment"], stack.url("/api/environment/1/"));
    assert_eq!(created["credentials"][0]["user"], user.as_str());
    let id = created["id"].as_i64().expect("id");
    assert_eq!(created["_links"]["self"], stack.url(&format!("/api/database/{id}/")));

    let ready = stack.wait_for_status(id, "ready", READY_TIMEOUT).await;
    let endpoint = ready["endpoint"].as_str().expect("endpoint");
    assert!(
        endpoint.starts_with(&format!("{}://<user>:<password>@127.0.0.1:", engine.scheme())),
        "{endpoint}"
    );
    assert!(endpoint.ends_with(&endpoint_tail(engine, &db)), "{endpoint}");

    // The task is recorded as ended just after the database is marked ready.
    let task = stack.wait_for_task(task_id(&ready), READY_TIMEOUT).await;
    assert_eq!(task["status"], "succeeded", "{task}");
    assert!(task["attempts"].as_i64().unwrap() >= 1);

    let credential_id = id_of(ready["credentials"][0]["_links"]["self"].as_str().unwrap());
    let (status, credential) = stack.get(&format!("/api/credential/{credential_id}/")).await;
    assert_eq!(status, 200, "{credential}");
    assert_eq!(credential["user"], user.as_str());
    let password = credential["password"].as_str().expect("password");
    assert!(password.len() >= 20, "generated passwords are long");
    let uri = credential["connection_uri"].as_str().expect("connection_uri");

    // A real client, the returned URI, real data.
    let session = engine
        .connect(uri)
        .await
        .unwrap_or_else(|e| panic!("connect with the returned connection_uri: {e}"));
    session.create_table("orders").await.expect("create table");
    session.insert("orders", 7).await.expect("insert");
    assert_eq!(session.values("orders").await.expect("select"), [7]);
    assert_eq!(session.current_user().await.expect("current user"), user);

    // The password is what lets one in: a wrong one is refused.
    let wrong = uri.replace(password, "not-the-password");
    let refused = engine.connect(&wrong).await.err();
    assert_eq!(refused, Some(EngineError::LoginRefused));

    // One container, labelled, limited by the plan, on the host network.
    let containers = stack.containers_with("dbaas.database.id", &id.to_string()).await;
    assert_eq!(containers.len(), 1, "{containers:?}");
    let inspected = stack
        .docker()
        .await
        .inspect_container(containers[0].trim_start_matches('/'), None)
        .await
        .unwrap();
    let config = inspected.config.as_ref().unwrap();
    let labels = config.labels.clone().unwrap();
    assert_eq!(labels["dbaas.database.name"], db.as_str());
    assert_eq!(labels["dbaas.team"], "1");
    assert_eq!(labels["dbaas.managed"], "true");
    let host_config = inspected.host_config.clone().unwrap();
    assert_eq!(host_config.network_mode.as_deref(), Some("host"));
    assert_eq!(host_config.memory, Some(512 * MIB));
    assert_eq!(host_config.nano_cpus, Some(1_000_000_000));

    // The password is sealed at rest: the catalog never holds it in clear.
    let catalog = stack.catalog().await;
    let rows = catalog
        .query("SELECT password_enc FROM credentials WHERE id = $1", &[&credential_id])
        .await
        .unwrap();
    let sealed: Vec<u8> = rows[0].get(0);
    assert!(!sealed.windows(password.len()).any(|w| w == password.as_bytes()));

    // Neither the owner's password nor the engine's superuser password (which only the
    // catalog holds, sealed) is in the container's configuration.
    let sealed_admin: Vec<u8> = catalog
        .query_one(
            "SELECT e.admin_password_enc FROM databases d JOIN engines e ON e.id = d.engine_id WHERE d.id = $1",
            &[&id],
        )
        .await
        .unwrap()
        .get(0);
    let admin_password = stack.config.secrets.open(&sealed_admin).unwrap();
    assert_no_secret_in(engine, config, &[password, &admin_password]);

    stack.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_created_database_accepts_its_generated_password_postgres() {
    a_created_database_accepts_its_generated_password(Engine::Postgres).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_created_database_accepts_its_generated_password_mongodb() {
    a_created_database_accepts_its_generated_password(Engine::MongoDb).await;
}

async fn provisioning_twice_leaves_one_container_and_the_same_password(engine: Engine) {
    let stack = TestStack::start().await;
    let (status, created) = stack
        .post(
            "/api/database",
            &json!({"name": engine.db_name("twice"), "plan": engine.plan(), "environment": "dev"}),
        )
        .await;
    assert_eq!(status, 202, "{created}");
    let id = created["id"].as_i64().unwrap();
    let ready = stack.wait_for_status(id, "ready", READY_TIMEOUT).await;
    let credential_id = id_of(ready["credentials"][0]["_links"]["self"].as_str().unwrap());
    let (_, credential) = stack.get(&format!("/api/credential/{credential_id}")).await;
    let uri = credential["connection_uri"].as_str().unwrap().to_owned();
    let session = engine.connect(&uri).await.unwrap();
    session.create_table("kept").await.unwrap();
    session.insert("kept", 42).await.unwrap();
    drop(session);

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
    let values = engine.connect(&uri).await.unwrap().values("kept").await.unwrap();
    assert_eq!(values, [42], "the data survived");

    stack.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn provisioning_twice_leaves_one_container_and_the_same_password_postgres() {
    provisioning_twice_leaves_one_container_and_the_same_password(Engine::Postgres).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn provisioning_twice_leaves_one_container_and_the_same_password_mongodb() {
    provisioning_twice_leaves_one_container_and_the_same_password(Engine::MongoDb).await;
}

async fn a_plan_whose_image_no_host_has_is_refused_at_once(engine: Engine) {
    let stack = TestStack::start().await;
    // An admin's plan of this engine whose image does not exist.
    let plan = stack
        .as_admin()
        .create(
            "/api/plan",
            json!({
                "name": "no-image", "engine": engine.name(), "image": "dbaas/does-not-exist:0",
                "memory_bytes": 256 * MIB, "cpus": 0.5, "size_bytes": 1024 * MIB,
            }),
        )
        .await;
    assert_eq!(plan["engine"], engine.name());
    // Once the fleet has looked at the host (and so knows its images)...
    retry(READY_TIMEOUT, Duration::from_millis(100), || async {
        let (_, hosts) = stack.get("/api/environment/1/host/").await;
        let host = &hosts["host"][0];
        if host["health"]["status"] == "healthy" && !host["health"]["images"].as_array().unwrap().is_empty() {
            return Ok(());
        }
        Err(hosts)
    })
    .await
    .unwrap_or_else(|hosts| panic!("the host was never looked at: {hosts}"));
    // ...a database of the plan is refused at once, saying why, and nothing is recorded:
    // not a task that fails later.
    let name = engine.db_name("doomed");
    let (status, body) = stack
        .post(
            "/api/database/",
            &json!({"name": name, "plan": "no-image", "environment": 1}),
        )
        .await;
    assert_eq!(status, 409, "{body}");
    let message = body["message"].as_str().unwrap_or_default();
    assert!(message.contains("lacks the image dbaas/does-not-exist:0"), "{body}");
    let (_, listed) = stack.get(&format!("/api/database/?name={name}")).await;
    assert_eq!(listed["_links"]["count"], 0, "{listed}");

    stack.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_plan_whose_image_no_host_has_is_refused_at_once_postgres() {
    a_plan_whose_image_no_host_has_is_refused_at_once(Engine::Postgres).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_plan_whose_image_no_host_has_is_refused_at_once_mongodb() {
    a_plan_whose_image_no_host_has_is_refused_at_once(Engine::MongoDb).await;
}

/// The database names of the engine the superuser session `admin` is in, but the templates.
async fn databases_of(admin: &tokio_postgres::Client) -> Vec<(String, bool)> {
    admin
        .query(
            // Databases initdb made have fixed OIDs; those CREATE DATABASE makes start at 16384.
            "SELECT datname, oid::int8 < 16384 FROM pg_database WHERE NOT datistemplate ORDER BY datname",
            &[],
        )
        .await
        .unwrap()
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect()
}

/// A cold Postgres engine's first database is initdb's maintenance database, renamed (no
/// `CREATE DATABASE` on the way to `ready`), and `postgres` is made again behind it. Where
/// the rename cannot be (a session in `postgres`), the database is created; while `postgres`
/// is missing, the superuser's sessions go to template1.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_cold_postgres_engine_gives_its_first_database_the_maintenance_database() {
    let stack = TestStack::start().await;
    let engine = Engine::Postgres;
    let (ready, uri) = stack.ready_database("first").await;
    let id = ready["id"].as_i64().unwrap();
    let session = engine.connect(&uri).await.unwrap();
    session.create_table("t").await.unwrap();

    let row = stack
        .catalog()
        .await
        .query_one(
            "SELECT e.port, e.admin_password_enc FROM databases d JOIN engines e ON e.id = d.engine_id
             WHERE d.id = $1",
            &[&id],
        )
        .await
        .unwrap();
    let port: i32 = row.get(0);
    let password = stack.config.secrets.open(&row.get::<_, Vec<u8>>(1)).unwrap();
    let uri_of = |database: &str| {
        dbaas_core::model::EngineKind::Postgres.connection_uri("127.0.0.1", port, "postgres", &password, database, true)
    };
    let admin = dbaas_tests::pg_connect(&uri_of("template1")).await.unwrap();
    // The tenant's database is initdb's; `postgres` is back, made after it.
    let settled = retry(Duration::from_secs(10), Duration::from_millis(50), || async {
        let databases = databases_of(&admin).await;
        if databases.len() == 2 {
            Ok(databases)
        } else {
            Err(databases)
        }
    })
    .await
    .unwrap_or_else(|d| panic!("postgres never came back: {d:?}"));
    assert_eq!(settled, [("first".to_string(), true), ("postgres".to_string(), false)]);
    let described: Option<String> = admin
        .query_one(
            "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = 'first'",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(described, None, "initdb's description of postgres went with the rename");
    dbaas_tests::pg_connect(&uri_of("postgres"))
        .await
        .expect("the superuser logs in to postgres");

    // The driver itself, on the same engine: a session in `postgres` stops the rename, and the
    // database is created instead.
    let tls = dbaas_provisioner::ClientTls::new(&dbaas_tests::tls::trusted_bundle()).unwrap();
    let endpoint = dbaas_provisioner::Endpoint {
        host: "127.0.0.1".into(),
        port: u16::try_from(port).unwrap(),
    };
    let login = dbaas_provisioner::Superuser {
        endpoint: &endpoint,
        password: &password,
        tls: Some(&tls),
    };
    let driver = dbaas_provisioner::engine_for("postgres").unwrap();
    let role = |username| dbaas_provisioner::RoleSpec {
        username,
        password: "a-long-enough-password-1",
    };
    let in_postgres = dbaas_tests::pg_connect(&uri_of("postgres")).await.unwrap();
    driver
        .ensure_database(login, "second", &role("u_second"))
        .await
        .unwrap();
    drop(in_postgres);
    assert_eq!(
        databases_of(&admin).await,
        [
            ("first".to_string(), true),
            ("postgres".to_string(), false),
            ("second".to_string(), false)
        ]
    );

    // With `postgres` gone, the superuser's sessions use template1, and the next database
    // made brings `postgres` back.
    retry(Duration::from_secs(10), Duration::from_millis(50), || async {
        admin.batch_execute("DROP DATABASE postgres").await
    })
    .await
    .expect("drop postgres");
    driver
        .wait_ready(login, Duration::ZERO)
        .await
        .expect("a login without postgres");
    assert_eq!(
        driver.list_users(login, "first").await.unwrap(),
        ["u_first"],
        "a superuser session without postgres"
    );
    driver.ensure_database(login, "third", &role("u_third")).await.unwrap();
    retry(Duration::from_secs(10), Duration::from_millis(50), || async {
        let names: Vec<String> = databases_of(&admin).await.into_iter().map(|(n, _)| n).collect();
        if names == ["first", "postgres", "second", "third"] {
            Ok(())
        } else {
            Err(names)
        }
    })
    .await
    .unwrap_or_else(|names| panic!("postgres never came back: {names:?}"));
    assert_eq!(
        session.values("t").await.unwrap(),
        Vec::<i64>::new(),
        "the tenant's session stayed"
    );

    // The superuser's sessions log no failed statement's text (set at login): it would carry
    // the password.
    let secret = "a-secret-that-fails-1234";
    let failed = driver
        .set_password(
            login,
            "first",
            &dbaas_provisioner::RoleSpec {
                username: "no_such_role",
                password: secret,
            },
        )
        .await;
    assert!(failed.is_err(), "ALTER ROLE of a missing role fails");
    let engine_log = retry(Duration::from_secs(5), Duration::from_millis(50), || async {
        let text = stack.engine_log(id).await;
        if text.contains("no_such_role") {
            Ok(text)
        } else {
            Err(text)
        }
    })
    .await
    .unwrap_or_else(|text| panic!("the failure is not in the engine's log: {text}"));
    assert!(
        !engine_log.contains(secret),
        "a failed statement's password is in the engine's log"
    );

    stack.cleanup().await;
}
