//! Databases over their life: listed, filtered and paged with their sizes, changed by their
//! tenants, one task at a time, within the team's quota; each case runs once per engine
//! (`..._postgres`, `..._mongodb`). Quarantine and destruction are in `quarantine.rs`.

use std::time::Duration;

use dbaas_tests::{retry, Engine, TestStack};
use serde_json::json;

const TIMEOUT: Duration = Duration::from_secs(120);

async fn one_task_at_a_time_and_within_the_quota(engine: Engine) {
    let stack = TestStack::start().await;
    stack
        .catalog()
        .await
        .batch_execute("UPDATE teams SET database_limit = 1")
        .await
        .unwrap();
    let (status, created) = stack
        .post(
            "/api/database/",
            &json!({"name": "busy", "plan": engine.plan(), "environment": 1}),
        )
        .await;
    assert_eq!(status, 202, "{created}");
    let id = created["id"].as_i64().unwrap();

    // While it is being created, nothing else may start on it.
    let (status, body) = stack.delete(&format!("/api/database/{id}/")).await;
    assert_eq!(status, 409, "{body}");
    let (status, body) = stack
        .post("/api/credential/", &json!({"user": "u_early", "database": id}))
        .await;
    assert_eq!(status, 409, "{body}");
    assert!(body["message"].as_str().unwrap().contains("task"), "{body}");

    // The quota counts it.
    let (status, body) = stack
        .post(
            "/api/database/",
            &json!({"name": "second", "plan": engine.plan(), "environment": 1}),
        )
        .await;
    assert_eq!(status, 422, "{body}");
    assert!(body["message"].as_str().unwrap().contains("1 of its 1"), "{body}");

    stack.wait_for_status(id, "ready", TIMEOUT).await;
    stack.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn one_task_at_a_time_and_within_the_quota_postgres() {
    one_task_at_a_time_and_within_the_quota(Engine::Postgres).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn one_task_at_a_time_and_within_the_quota_mongodb() {
    one_task_at_a_time_and_within_the_quota(Engine::MongoDb).await;
}

async fn lists_filter_page_and_show_sizes(engine: Engine) {
    let stack = TestStack::start().await;
    let (ready, uri) = stack.ready_database_on(engine, "alpha").await;
    // A MongoDB database takes room only once it holds something.
    let owner = engine.connect(&uri).await.unwrap();
    owner.create_table("filled").await.unwrap();
    for v in 0..100 {
        owner.insert("filled", v).await.unwrap();
    }
    for name in ["beta", "gamma"] {
        let (status, body) = stack
            .post(
                "/api/database/",
                &json!({"name": name, "plan": engine.plan(), "environment": "dev", "tags": ["t1"]}),
            )
            .await;
        assert_eq!(status, 202, "{body}");
    }

    let (status, first) = stack.get("/api/database/?page_size=2").await;
    assert_eq!(status, 200, "{first}");
    assert_eq!(first["_links"]["count"], 3);
    assert_eq!(first["database"].as_array().unwrap().len(), 2);
    assert!(first["_links"]["previous"].is_null());
    let next = first["_links"]["next"].as_str().expect("a next link");
    assert!(next.contains("page_size=2"), "filters and page size are kept: {next}");
    let second: serde_json::Value = stack
        .http
        .get(next)
        .basic_auth(&stack.admin_user, Some(&stack.admin_password))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(second["database"].as_array().unwrap().len(), 1);
    assert_eq!(second["database"][0]["name"], "gamma");
    assert!(second["_links"]["next"].is_null());
    let previous = second["_links"]["previous"].as_str().expect("a previous link");
    let back: serde_json::Value = stack
        .http
        .get(previous)
        .basic_auth(&stack.admin_user, Some(&stack.admin_password))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let ids = |page: &serde_json::Value| -> Vec<i64> {
        page["database"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d["id"].as_i64().unwrap())
            .collect()
    };
    assert_eq!(ids(&back), ids(&first));

    let (_, named) = stack.get("/api/database/?name=beta").await;
    assert_eq!(named["_links"]["count"], 1);
    assert_eq!(named["database"][0]["tags"], json!(["t1"]));
    let (_, in_env) = stack.get("/api/database/?environment=/api/environment/1/").await;
    assert_eq!(in_env["_links"]["count"], 3);
    let (_, nowhere) = stack.get("/api/database/?environment=nowhere").await;
    assert_eq!(nowhere["_links"]["count"], 0);
    for bad in ["page_size=0", "page_size=1001", "page_size=-1", "status=sleeping"] {
        let (status, body) = stack.get(&format!("/api/database/?{bad}")).await;
        assert_eq!(status, 400, "{bad}: {body}");
    }
    // A cursor this API did not give out: well-formed, pointing nowhere.
    let (status, body) = stack.get("/api/database/?cursor=bogus").await;
    assert_eq!(status, 422, "{body}");

    // Tasks list too, newest last.
    let (_, tasks) = stack.get(&format!("/api/task/?database={}", ready["id"])).await;
    assert_eq!(tasks["_links"]["count"], 1);
    assert_eq!(tasks["task"][0]["kind"], "provision_database");

    // The worker measures what the database takes.
    let id = ready["id"].as_i64().unwrap();
    let bytes = retry(TIMEOUT, Duration::from_millis(200), || async {
        let (_, body) = stack.get(&format!("/api/database/{id}/")).await;
        // Measured before the rows were in, a MongoDB database may still show 0.
        match body["used_size_in_bytes"].as_i64() {
            Some(bytes) if bytes > 0 || engine == Engine::Postgres => Ok(bytes),
            _ => Err(body),
        }
    })
    .await
    .unwrap_or_else(|body| panic!("size never collected: {body}"));
    match engine {
        Engine::Postgres => assert!(bytes > 1_000_000, "a Postgres database takes megabytes: {bytes}"),
        Engine::MongoDb => assert!(bytes > 0, "a MongoDB database with documents takes room: {bytes}"),
    }
    stack.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn lists_filter_page_and_show_sizes_postgres() {
    lists_filter_page_and_show_sizes(Engine::Postgres).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn lists_filter_page_and_show_sizes_mongodb() {
    lists_filter_page_and_show_sizes(Engine::MongoDb).await;
}

async fn tenants_change_metadata_but_not_identity(engine: Engine) {
    let stack = TestStack::start().await;
    let (status, created) = stack
        .post(
            "/api/database/",
            &json!({"name": "meta", "plan": engine.plan(), "environment": 1}),
        )
        .await;
    assert_eq!(status, 202, "{created}");
    let path = format!("/api/database/{}/", created["id"]);
    let (status, body) = stack
        .patch(
            &path,
            &json!({"description": "orders of the EU shop", "tags": ["eu", "prod"]}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["description"], "orders of the EU shop");
    assert_eq!(body["tags"], json!(["eu", "prod"]));
    for field in [json!({"name": "other"}), json!({"environment": "x"})] {
        let (status, body) = stack.patch(&path, &field).await;
        assert_eq!(status, 400, "{field}: {body}");
    }
    // The plan changes only by a resize (tests/tests/resize.rs): not while the database is
    // being created (409), never to another engine's plan (422).
    let other_engine = match engine {
        Engine::Postgres => Engine::MongoDb,
        Engine::MongoDb => Engine::Postgres,
    };
    let (status, body) = stack.patch(&path, &json!({"plan": other_engine.plan()})).await;
    assert!(matches!(status, 409 | 422), "{status} {body}");
    let (status, body) = stack.patch(&path, &json!({"project": "/api/project/999/"})).await;
    assert_eq!((status, body["field"].as_str()), (422, Some("project")), "{body}");
    let (status, body) = stack.patch(&path, &json!({"tags": [""]})).await;
    assert_eq!((status, body["field"].as_str()), (400, Some("tags")), "{body}");
    let (_, unchanged) = stack.get(&path).await;
    assert_eq!(
        unchanged["tags"],
        json!(["eu", "prod"]),
        "a refused change changes nothing"
    );
    stack
        .wait_for_status(created["id"].as_i64().unwrap(), "ready", TIMEOUT)
        .await;
    stack.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn tenants_change_metadata_but_not_identity_postgres() {
    tenants_change_metadata_but_not_identity(Engine::Postgres).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn tenants_change_metadata_but_not_identity_mongodb() {
    tenants_change_metadata_but_not_identity(Engine::MongoDb).await;
}
