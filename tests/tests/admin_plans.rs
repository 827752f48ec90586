//! The admin side of plans and environments, end to end: admins change them, everyone reads
//! them (environments without their Docker endpoint), and a live database keeps them.

use dbaas_tests::{names, path_of, refused, TestStack};
use serde_json::{json, Value};

const MIB: i64 = 1024 * 1024;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn admins_manage_plans_and_environments_that_everyone_reads() {
    let stack = TestStack::start().await;
    let admin = stack.as_admin();
    admin.create("/api/team", json!({"name": "red"})).await;
    admin
        .create(
            "/api/user",
            json!({"username": "carol", "password": "carol-password", "teams": ["red"]}),
        )
        .await;
    let carol = stack.as_user("carol", "carol-password");

    // Plans.
    let plan_body = json!({
        "name": "postgres-large", "engine": "postgres", "image": "postgres:16",
        "memory_bytes": 2048 * MIB, "cpus": 0.5, "size_bytes": 10240 * MIB,
        "description": "big",
    });
    let plan = admin.create("/api/plan", plan_body.clone()).await;
    assert_eq!(plan["cpus"], 0.5);
    assert_eq!(plan["engine"], "postgres");
    let plan_path = path_of(&plan);
    refused(admin.post("/api/plan", &plan_body).await, 409, None);
    let with = |field: &str, value: Value| {
        let mut body = plan_body.clone();
        body["name"] = json!("other");
        body[field] = value;
        body
    };
    for (field, value) in [
        ("engine", json!("mysql")),
        ("memory_bytes", json!(64 * MIB - 1)),
        ("cpus", json!(0)),
        ("cpus", json!(-1.5)),
        ("cpus", json!(0.0001)),
        ("size_bytes", json!(0)),
        ("image", json!("has space")),
        ("name", json!("12")),
    ] {
        refused(
            admin.post("/api/plan", &with(field, value.clone())).await,
            400,
            Some(field),
        );
    }
    refused(admin.post("/api/plan", &json!({"name": "incomplete"})).await, 400, None);
    let (status, changed) = admin
        .patch(&plan_path, &json!({"cpus": 2, "memory_bytes": 128 * MIB}))
        .await;
    assert_eq!(status, 200, "{changed}");
    assert_eq!(changed["cpus"], 2.0);
    assert_eq!(changed["memory_bytes"], 128 * MIB);
    assert_eq!(changed["description"], "big", "what is not given stays");
    refused(
        admin.patch(&plan_path, &json!({"engine": "oracle"})).await,
        400,
        Some("engine"),
    );
    refused(
        admin.patch(&plan_path, &json!({"name": "postgres-small"})).await,
        409,
        None,
    );

    // Everyone sees a plan's pool size; only admins see its pool.
    let (status, seen) = carol.get(&plan_path).await;
    assert_eq!(status, 200);
    assert_eq!(seen["pool_size"], 0, "{seen}");
    assert!(seen.get("pool").is_none(), "{seen}");
    let (_, as_admin) = admin.get(&plan_path).await;
    assert_eq!(as_admin["pool"][0]["size"], 0, "{as_admin}");
    assert_eq!(as_admin["pool"][0]["ready"], 0, "{as_admin}");
    refused(
        admin.patch(&plan_path, &json!({"pool_size": 101})).await,
        400,
        Some("pool_size"),
    );
    assert_eq!(carol.get("/api/plan").await.0, 200);
    refused(carol.post("/api/plan", &with("name", json!("c"))).await, 403, None);
    refused(carol.patch(&plan_path, &json!({"cpus": 8})).await, 403, None);
    refused(carol.delete(&plan_path).await, 403, None);

    // Environments: made with their first host; hosts (Docker endpoints) show to admins
    // only. A plain tcp:// endpoint needs an environment marked for local development.
    let env_body = json!({
        "name": "east", "docker_endpoint": "tcp://127.0.0.5:2375",
        "host_address": "127.0.0.5", "port_min": 30000, "port_max": 30100, "development": true,
    });
    let east = admin.create("/api/environment", env_body.clone()).await;
    assert_eq!(east["quarantine_days"], 7);
    assert_eq!(east["development"], true);
    assert!(east.get("docker_endpoint").is_none(), "{east}");
    let east_path = path_of(&east);
    let hosts_path = format!("{east_path}host/");
    let (status, hosts) = admin.get(&hosts_path).await;
    assert_eq!(status, 200, "{hosts}");
    let first = &hosts["host"][0];
    assert_eq!(first["docker_endpoint"], "tcp://127.0.0.5:2375");
    assert_eq!(first["address"], "127.0.0.5");
    assert_eq!(
        (first["port_min"].as_i64(), first["port_max"].as_i64()),
        (Some(30000), Some(30100))
    );
    assert_eq!(first["state"], "active");
    assert_eq!(first["tls"], false);
    let (_, seen) = carol.get(&east_path).await;
    assert_eq!(seen["name"], "east");
    refused(carol.get(&hosts_path).await, 403, None);
    refused(admin.post("/api/environment", &env_body).await, 409, None);
    let with = |field: &str, value: Value| {
        let mut body = env_body.clone();
        body["name"] = json!("west");
        body[field] = value;
        body
    };
    for (field, value, at_fault) in [
        ("port_min", json!(0), "port_min"),
        ("port_max", json!(70000), "port_max"),
        ("quarantine_days", json!(-1), "quarantine_days"),
        ("docker_endpoint", json!("ftp://host"), "docker_endpoint"),
        ("docker_endpoint", json!("tcp://"), "docker_endpoint"),
        ("host_address", json!("a host"), "host_address"),
    ] {
        refused(
            admin.post("/api/environment", &with(field, value)).await,
            400,
            Some(at_fault),
        );
    }
    // A range upside down: each bound fits the schema, the two together cannot be said in
    // one: 422.
    refused(
        admin.post("/api/environment", &with("port_min", json!(30200))).await,
        422,
        Some("port_min"),
    );
    // Names the schema allows but the allow-list does not: 422.
    refused(
        admin
            .post(
                "/api/environment",
                &with("docker_endpoint", json!("tcp://192.0.2.1:2376")),
            )
            .await,
        422,
        Some("docker_endpoint"),
    );
    // Plain Docker over the network outside local development: 422, and an environment
    // with such a host cannot be unmarked (409).
    refused(
        admin.post("/api/environment", &with("development", json!(false))).await,
        422,
        Some("docker_endpoint"),
    );
    refused(admin.patch(&east_path, &json!({"development": false})).await, 409, None);
    let (status, changed) = admin.patch(&east_path, &json!({"quarantine_days": 0})).await;
    assert_eq!(status, 200, "{changed}");
    assert_eq!(changed["quarantine_days"], 0);
    // The range is the host's now.
    refused(admin.patch(&east_path, &json!({"port_max": 30200})).await, 400, None);
    refused(
        carol.post("/api/environment", &with("name", json!("w"))).await,
        403,
        None,
    );
    refused(carol.patch(&east_path, &json!({"quarantine_days": 1})).await, 403, None);
    refused(carol.delete(&east_path).await, 403, None);

    // In use by a live database: neither can be deleted, nor the plan change engine.
    let plan_id = plan["id"].as_i64();
    let east_id = east["id"].as_i64();
    let database = stack.database_row("orders", [None, plan_id, east_id, None]).await;
    for path in [&plan_path, &east_path] {
        let body = refused(admin.delete(path).await, 409, None);
        assert!(body["message"].as_str().unwrap().contains("1 live database"), "{body}");
    }
    refused(admin.patch(&plan_path, &json!({"engine": "mongodb"})).await, 409, None);
    stack.set_database_status(database, "quarantined").await;
    refused(admin.delete(&plan_path).await, 409, None);
    stack.set_database_status(database, "deleted").await;
    for path in [&plan_path, &east_path] {
        assert_eq!(admin.delete(path).await.0, 204);
        refused(admin.get(path).await, 404, None);
        refused(admin.delete(path).await, 404, None);
    }
    let (_, plans) = admin.get("/api/plan").await;
    assert_eq!(names(&plans, "plan"), ["postgres-small", "mongodb-small"]);
    // A deleted plan cannot be asked for; its name can be used again.
    let (status, body) = admin
        .post(
            "/api/database",
            &json!({"name": "more", "plan": "postgres-large", "environment": 1}),
        )
        .await;
    assert_eq!(status, 422, "{body}");
    admin.create("/api/plan", plan_body).await;
    admin.create("/api/environment", env_body).await;

    stack.cleanup().await;
}
