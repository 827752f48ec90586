//! Tenant isolation across the whole API: a user of another team gets 404 for every operation
//! on a team's database, credential, task, project, team and user, exactly as if they did not
//! exist, and their lists do not show them. The operations are read from the served spec, so
//! a new operation fails this test until it is classified here.

use std::time::Duration;

use dbaas_tests::spec::operations;
use dbaas_tests::{pg_connect, TestStack};
use serde_json::json;

/// What a user of another team gets from an operation on the red team's resources.
fn expected(method: &str, path: &str) -> u16 {
    match (method, path) {
        // Tenant-owned: absent.
        (_, p)
            if [
                "/api/database/",
                "/api/credential/",
                "/api/task/",
                "/api/team/",
                "/api/user/",
                "/api/project/",
            ]
            .iter()
            .any(|prefix| p.starts_with(prefix)) =>
        {
            404
        }
        // An environment's hosts: admins only.
        (_, p) if p.starts_with("/api/environment/") && p.contains("/host/") => 403,
        // Shared catalog: readable by all, changed by admins.
        ("get", p) if p.starts_with("/api/plan/") || p.starts_with("/api/environment/") => 200,
        (_, p) if p.starts_with("/api/plan/") || p.starts_with("/api/environment/") => 403,
        // Operations: operators and admins only.
        (_, p) if p.starts_with("/api/orphan/") || p.starts_with("/api/engine/") => 403,
        _ => panic!("{method} {path} is not classified in the tenancy test"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn another_team_sees_nothing_and_changes_nothing() {
    let stack = TestStack::start().await;
    let admin = stack.as_admin();
    let (_, red) = admin.post("/api/team", &json!({"name": "red"})).await;
    let (_, blue) = admin.post("/api/team", &json!({"name": "blue"})).await;
    let (status, alice) = admin
        .post(
            "/api/user",
            &json!({"username": "alice", "password": "alice-password-1", "teams": [red["id"]]}),
        )
        .await;
    assert_eq!(status, 201, "{alice}");
    let (status, bob) = admin
        .post(
            "/api/user",
            &json!({"username": "bob", "password": "bob-password-12", "teams": [blue["id"]]}),
        )
        .await;
    assert_eq!(status, 201, "{bob}");
    let alice_client = stack.as_user("alice", "alice-password-1");
    let bob_client = stack.as_user("bob", "bob-password-12");

    // Red's resources, made by alice.
    let (status, project) = alice_client.post("/api/project", &json!({"name": "red-shop"})).await;
    assert_eq!(status, 201, "{project}");
    let (status, database) = alice_client
        .post(
            "/api/database",
            &json!({"name": "redorders", "plan": 1, "environment": 1, "project": project["id"]}),
        )
        .await;
    assert_eq!(status, 202, "{database}");
    let database_id = database["id"].as_i64().unwrap();
    stack
        .wait_for_status(database_id, "ready", Duration::from_secs(120))
        .await;
    let (status, credential) = alice_client
        .post(
            "/api/credential",
            &json!({"user": "u_red_reader", "database": database_id, "privileges": "read-only"}),
        )
        .await;
    assert_eq!(status, 201, "{credential}");
    let (_, tasks) = alice_client.get(&format!("/api/task/?database={database_id}")).await;
    let task_id = tasks["task"][0]["id"].as_i64().unwrap();

    let id_for = |path: &str| -> i64 {
        let kind = path.trim_start_matches("/api/").split('/').next().unwrap();
        match kind {
            "database" => database_id,
            "credential" => credential["id"].as_i64().unwrap(),
            "task" => task_id,
            "team" => red["id"].as_i64().unwrap(),
            "user" => alice["id"].as_i64().unwrap(),
            "project" => project["id"].as_i64().unwrap(),
            _ => 1,
        }
    };

    let mut checked = 0;
    for (template, method) in operations(&stack.served_spec().await) {
        if !template.contains("{id}") {
            continue;
        }
        let path = format!(
            "{}/",
            template
                .replace("{id}", &id_for(&template).to_string())
                .replace("{dump_id}", "1")
                .replace("{host_id}", "1")
        );
        let want = expected(&method, &format!("{template}/"));
        let body = match method.as_str() {
            // A host with every required field, so that the refusal is about who asks.
            "post" if path.ends_with("/host/") => Some(json!({"name": "h", "docker_endpoint": "unix:///x.sock",
                "address": "127.0.0.1", "port_min": 1, "port_max": 2})),
            "post" | "patch" => Some(json!({})),
            _ => None,
        };
        let reply = bob_client.send(&method.to_uppercase(), &path, body.as_ref()).await;
        assert_eq!(reply.status, want, "bob: {method} {path}: {}", reply.body);
        if want == 404 {
            assert_eq!(reply.body["code"], "not_found", "{}", reply.body);
        }
        checked += 1;
    }
    assert!(checked >= 20, "only {checked} operations checked");

    // Lists show bob nothing of red's.
    for (path, key) in [
        ("/api/database/?showDeleted=true", "database"),
        ("/api/credential/", "credential"),
        ("/api/task/", "task"),
    ] {
        let (status, list) = bob_client.get(path).await;
        assert_eq!(status, 200, "{list}");
        assert_eq!(list["_links"]["count"], 0, "{path}: {list}");
        assert_eq!(list[key], json!([]));
    }
    for (path, key) in [
        ("/api/team/", "team"),
        ("/api/user/", "user"),
        ("/api/project/", "project"),
    ] {
        let (_, list) = bob_client.get(path).await;
        let names: Vec<String> = list[key].as_array().unwrap().iter().map(|i| i.to_string()).collect();
        assert!(
            !names.iter().any(|n| n.contains("red") || n.contains("alice")),
            "{path}: {list}"
        );
    }
    // Bob's audit trail holds his own calls (his probes above, without a team) and what was
    // done to blue's, nothing of red's or alice's.
    let (status, trail) = bob_client.get("/api/audit/?page_size=1000").await;
    assert_eq!(status, 200, "{trail}");
    let records = trail["audit"].as_array().unwrap();
    assert!(
        records.iter().any(|r| r["user"] == "bob"),
        "bob's probes are recorded for him: {trail}"
    );
    let blue_link = |link: &serde_json::Value| {
        link.as_str()
            .is_some_and(|l| l.ends_with(&format!("/api/team/{}/", blue["id"])))
    };
    for record in records {
        assert!(
            (record["user"] == "bob" && record["_links"].get("team").is_none()) || blue_link(&record["_links"]["team"]),
            "{record}"
        );
    }

    // References to red's resources are unknown to bob.
    let (status, body) = bob_client
        .post("/api/credential", &json!({"user": "u_spy", "database": database_id}))
        .await;
    assert_eq!(status, 422, "{body}");
    let (status, body) = bob_client
        .post(
            "/api/database",
            &json!({"name": "spy", "plan": 1, "environment": 1, "project": project["id"]}),
        )
        .await;
    assert_eq!(status, 422, "{body}");

    // Red's database came through all of that untouched, and alice still has it all.
    let (status, after) = alice_client.get(&format!("/api/database/{database_id}/")).await;
    assert_eq!(status, 200);
    assert_eq!(after["status"], "ready", "{after}");
    assert_eq!(after["is_protected"], false);
    let (status, mine) = alice_client
        .get(&format!("/api/credential/{}/", credential["id"]))
        .await;
    assert_eq!(status, 200);
    pg_connect(mine["connection_uri"].as_str().unwrap())
        .await
        .expect("alice's credential still works");
    assert_eq!(mine["password"], credential["password"], "bob's reset was refused");
    stack.cleanup().await;
}
