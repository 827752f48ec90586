//! The self-service API's admin side, end to end: teams, users, plans, environments and
//! projects, who may see and change them, and how lists page.

use dbaas_tests::{ApiClient, TestStack};
use serde_json::{json, Value};

const MIB: i64 = 1024 * 1024;

/// Creates through the API and checks the 201: `Location` is the object's own link.
async fn create(client: &ApiClient<'_>, path: &str, body: Value) -> Value {
    let reply = client.send("POST", path, Some(&body)).await;
    assert_eq!(reply.status, 201, "POST {path} {body}: {}", reply.body);
    let link = reply.body["_links"]["self"].as_str().expect("_links.self");
    assert_eq!(reply.location.as_deref(), Some(link), "Location");
    reply.body
}

/// Checks an error answer: its status, and the field it names (if any is expected).
fn refused(reply: (u16, Value), status: u16, field: Option<&str>) -> Value {
    let (got, body) = reply;
    assert_eq!(got, status, "{body}");
    assert!(body["code"].is_string(), "errors are JSON: {body}");
    if let Some(field) = field {
        assert_eq!(body["field"], field, "{body}");
    }
    body
}

fn path_of(object: &Value) -> String {
    let link = object["_links"]["self"].as_str().expect("_links.self");
    link[link.find("/api/").expect("an API link")..].to_owned()
}

/// A database row in `status`, recorded straight in the catalog: what makes a plan,
/// environment, project or team "in use" is the row, and no engine is needed for that.
async fn database_row(stack: &TestStack, name: &str, refs: [Option<i64>; 4]) -> i64 {
    let [team, plan, environment, project] = refs;
    let row = stack
        .catalog()
        .await
        .query_one(
            "INSERT INTO databases (uid, name, team_id, plan_id, environment_id, project_id, status)
             VALUES ($1, $2, $3, $4, $5, $6, 'ready') RETURNING id",
            &[
                &format!("{}{name}", stack.id),
                &name,
                &team.unwrap_or(1),
                &plan.unwrap_or(1),
                &environment.unwrap_or(1),
                &project,
            ],
        )
        .await
        .expect("insert a database row");
    row.get(0)
}

async fn set_status(stack: &TestStack, database_id: i64, status: &str) {
    stack
        .catalog()
        .await
        .execute(
            "UPDATE databases SET status = $2 WHERE id = $1",
            &[&database_id, &status],
        )
        .await
        .expect("update a database row");
}

fn names(list: &Value, key: &str) -> Vec<String> {
    list[key]
        .as_array()
        .unwrap_or_else(|| panic!("no {key} in {list}"))
        .iter()
        .map(|item| item["name"].as_str().unwrap_or_default().to_owned())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn admins_manage_teams_and_users_and_members_see_their_own() {
    let stack = TestStack::start().await;
    let admin = stack.as_admin();

    // Teams: created with the default quota and no members; names are unique and checked.
    let red = create(&admin, "/api/team", json!({"name": "red"})).await;
    assert_eq!(red["database_limit"], 20);
    assert_eq!(red["members"], json!([]));
    assert!(red["created_at"].is_string());
    let blue = create(&admin, "/api/team/", json!({"name": "blue", "database_limit": 5})).await;
    assert_eq!(blue["database_limit"], 5);
    let (red_path, blue_path) = (path_of(&red), path_of(&blue));
    refused(admin.post("/api/team", &json!({"name": "red"})).await, 409, None);
    for bad in ["", "a b", "42", "a/b", &"x".repeat(65)] {
        refused(admin.post("/api/team", &json!({"name": bad})).await, 400, Some("name"));
    }
    refused(
        admin
            .post("/api/team", &json!({"name": "x", "database_limit": -1}))
            .await,
        400,
        Some("database_limit"),
    );
    refused(
        admin.post("/api/team", &json!({"name": "x", "members": []})).await,
        400,
        None,
    );

    // Users: passwords are never shown; membership is set through `teams`.
    let alice_password = "alice-password-1";
    let alice = create(
        &admin,
        "/api/user",
        json!({"username": "alice", "password": alice_password, "teams": ["red"]}),
    )
    .await;
    assert_eq!(alice["is_admin"], false);
    assert_eq!(alice["teams"], json!([red["_links"]["self"]]));
    assert!(alice.get("password").is_none() && alice.get("password_hash").is_none());
    let bob = create(
        &admin,
        "/api/user",
        json!({"username": "bob@example.com", "password": "bob-password-12", "teams": [blue["id"]]}),
    )
    .await;
    let (alice_path, bob_path) = (path_of(&alice), path_of(&bob));
    let user = |username: &str, password: &str, teams: Value| json!({"username": username, "password": password, "teams": teams});
    refused(
        admin
            .post("/api/user", &user("alice", "another-password", json!([])))
            .await,
        409,
        None,
    );
    for bad in ["", "a b", "a:b", &"u".repeat(65)] {
        refused(
            admin
                .post("/api/user", &user(bad, "long-enough-password", json!([])))
                .await,
            400,
            Some("username"),
        );
    }
    refused(
        admin.post("/api/user", &user("carol", "short", json!([]))).await,
        400,
        Some("password"),
    );
    refused(
        admin
            .post("/api/user", &user("carol", "long-enough-pw", json!(["nope"])))
            .await,
        422,
        Some("teams"),
    );
    refused(
        admin
            .post("/api/user", &user("carol", "long-enough-pw", json!(["/api/plan/1/"])))
            .await,
        400,
        Some("teams"),
    );
    let (_, red_now) = admin.get(&red_path).await;
    assert_eq!(red_now["members"][0]["username"], "alice", "{red_now}");
    assert_eq!(red_now["members"][0]["_links"]["self"], alice["_links"]["self"]);

    // A member sees their own teams and themself; anything else is absent, and changing
    // what they can see is forbidden.
    let as_alice = stack.as_user("alice", alice_password);
    let (status, teams) = as_alice.get("/api/team").await;
    assert_eq!(status, 200);
    assert_eq!(names(&teams, "team"), ["red"]);
    assert_eq!(teams["_links"]["count"], 1);
    assert_eq!(as_alice.get(&red_path).await.0, 200);
    refused(as_alice.get(&blue_path).await, 404, None);
    refused(
        as_alice.patch(&red_path, &json!({"database_limit": 99})).await,
        403,
        None,
    );
    refused(
        as_alice.patch(&blue_path, &json!({"database_limit": 99})).await,
        404,
        None,
    );
    refused(as_alice.delete(&red_path).await, 403, None);
    refused(as_alice.delete(&blue_path).await, 404, None);
    refused(as_alice.post("/api/team", &json!({"name": "mine"})).await, 403, None);
    let (status, users) = as_alice.get("/api/user/").await;
    assert_eq!(status, 200);
    assert_eq!(users["_links"]["count"], 1);
    assert_eq!(users["user"][0]["username"], "alice");
    assert_eq!(as_alice.get(&alice_path).await.0, 200);
    refused(as_alice.get(&bob_path).await, 404, None);
    refused(
        as_alice
            .patch(&alice_path, &json!({"password": "my-own-choice-1"}))
            .await,
        403,
        None,
    );
    refused(as_alice.patch(&bob_path, &json!({"is_admin": true})).await, 404, None);
    refused(as_alice.delete(&alice_path).await, 403, None);
    refused(as_alice.delete(&bob_path).await, 404, None);
    refused(
        as_alice
            .post("/api/user", &user("mallory", "long-enough-pw", json!([])))
            .await,
        403,
        None,
    );

    // Admins change teams: only the fields given.
    let (status, crimson) = admin.patch(&red_path, &json!({"name": "crimson"})).await;
    assert_eq!(status, 200, "{crimson}");
    assert_eq!(crimson["name"], "crimson");
    assert_eq!(crimson["database_limit"], 20);
    assert_eq!(crimson["members"][0]["username"], "alice");
    refused(admin.patch(&red_path, &json!({"name": "blue"})).await, 409, None);
    refused(
        admin.patch(&red_path, &json!({"name": "no good"})).await,
        400,
        Some("name"),
    );
    refused(admin.patch("/api/team/999", &json!({})).await, 404, None);

    // Membership changes, admin rights and passwords take effect on the next request.
    let (status, moved) = admin
        .patch(&alice_path, &json!({"teams": ["crimson", blue["id"], "blue"]}))
        .await;
    assert_eq!(status, 200, "{moved}");
    assert_eq!(moved["teams"].as_array().unwrap().len(), 2);
    assert_eq!(as_alice.get(&blue_path).await.0, 200);
    let (_, blue_now) = admin.get(&blue_path).await;
    assert_eq!(blue_now["members"].as_array().unwrap().len(), 2);
    admin.patch(&alice_path, &json!({"teams": []})).await;
    let (_, teams) = as_alice.get("/api/team").await;
    assert_eq!(teams["_links"]["count"], 0, "{teams}");
    admin.patch(&alice_path, &json!({"is_admin": true})).await;
    assert_eq!(as_alice.get(&bob_path).await.0, 200);
    admin.patch(&alice_path, &json!({"is_admin": false})).await;
    refused(as_alice.get(&bob_path).await, 404, None);

    refused(
        admin.patch(&alice_path, &json!({"password": "too-short"})).await,
        400,
        Some("password"),
    );
    let new_password = "alice-password-2";
    let (status, _) = admin.patch(&alice_path, &json!({"password": new_password})).await;
    assert_eq!(status, 200);
    refused(as_alice.get(&alice_path).await, 401, None);
    let (status, me) = stack.as_user("alice", new_password).get(&alice_path).await;
    assert_eq!(status, 200, "{me}");

    // The catalog always keeps an admin.
    let (_, admins) = admin.get("/api/user?page_size=1").await;
    let admin_path = path_of(&admins["user"][0]);
    assert_eq!(admins["user"][0]["username"], "admin");
    refused(admin.patch(&admin_path, &json!({"is_admin": false})).await, 409, None);
    refused(admin.delete(&admin_path).await, 409, None);

    // A deleted user cannot log in any more, at once.
    let as_bob = stack.as_user("bob@example.com", "bob-password-12");
    assert_eq!(as_bob.get(&bob_path).await.0, 200);
    assert_eq!(admin.delete(&bob_path).await.0, 204);
    refused(as_bob.get(&bob_path).await, 401, None);
    refused(admin.get(&bob_path).await, 404, None);
    refused(admin.delete(&bob_path).await, 404, None);

    // A team that owns live databases or projects stays; deleted ones do not hold it.
    let database = database_row(&stack, "orders", [Some(blue["id"].as_i64().unwrap()), None, None, None]).await;
    let body = refused(admin.delete(&blue_path).await, 409, None);
    assert!(body["message"].as_str().unwrap().contains("1 live database"), "{body}");
    set_status(&stack, database, "deleted").await;
    let project = create(&admin, "/api/project", json!({"name": "blue-app", "team": "blue"})).await;
    let body = refused(admin.delete(&blue_path).await, 409, None);
    assert!(body["message"].as_str().unwrap().contains("project"), "{body}");
    assert_eq!(admin.delete(&path_of(&project)).await.0, 204);
    let (status, body) = admin.delete(&blue_path).await;
    assert_eq!(status, 204, "{body}");
    refused(admin.get(&blue_path).await, 404, None);
    let (_, teams) = admin.get("/api/team").await;
    assert_eq!(names(&teams, "team"), ["admin", "crimson"]);
    // The name is free again, and the deleted database still shows its team.
    create(&admin, "/api/team", json!({"name": "blue"})).await;
    let (status, row) = admin.get(&format!("/api/database/{database}")).await;
    assert_eq!(status, 200, "{row}");

    stack.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn admins_manage_plans_and_environments_that_everyone_reads() {
    let stack = TestStack::start().await;
    let admin = stack.as_admin();
    create(&admin, "/api/team", json!({"name": "red"})).await;
    create(
        &admin,
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
    let plan = create(&admin, "/api/plan", plan_body.clone()).await;
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

    assert_eq!(carol.get(&plan_path).await.0, 200);
    assert_eq!(carol.get("/api/plan").await.0, 200);
    refused(carol.post("/api/plan", &with("name", json!("c"))).await, 403, None);
    refused(carol.patch(&plan_path, &json!({"cpus": 8})).await, 403, None);
    refused(carol.delete(&plan_path).await, 403, None);

    // Environments: the Docker endpoint shows to admins only.
    let env_body = json!({
        "name": "east", "docker_endpoint": "tcp://10.0.0.5:2376",
        "host_address": "10.0.0.5", "port_min": 30000, "port_max": 30100,
    });
    let east = create(&admin, "/api/environment", env_body.clone()).await;
    assert_eq!(east["quarantine_days"], 7);
    assert_eq!(east["docker_endpoint"], "tcp://10.0.0.5:2376");
    let east_path = path_of(&east);
    let (_, seen) = carol.get(&east_path).await;
    assert_eq!(seen["name"], "east");
    assert!(seen.get("docker_endpoint").is_none(), "{seen}");
    let (_, listed) = carol.get("/api/environment").await;
    assert!(listed["environment"]
        .as_array()
        .unwrap()
        .iter()
        .all(|e| e.get("docker_endpoint").is_none()));
    let (_, listed) = admin.get("/api/environment").await;
    assert!(listed["environment"][0]["docker_endpoint"].is_string());
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
        ("port_min", json!(30200), "port_min"),
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
    let (status, changed) = admin
        .patch(&east_path, &json!({"port_max": 30200, "quarantine_days": 0}))
        .await;
    assert_eq!(status, 200, "{changed}");
    assert_eq!(changed["port_min"], 30000);
    assert_eq!(changed["port_max"], 30200);
    assert_eq!(changed["quarantine_days"], 0);
    refused(
        admin.patch(&east_path, &json!({"port_max": 29999})).await,
        400,
        Some("port_min"),
    );
    refused(
        carol.post("/api/environment", &with("name", json!("w"))).await,
        403,
        None,
    );
    refused(carol.patch(&east_path, &json!({"port_max": 30001})).await, 403, None);
    refused(carol.delete(&east_path).await, 403, None);

    // In use by a live database: neither can be deleted, nor the plan change engine.
    let plan_id = plan["id"].as_i64();
    let east_id = east["id"].as_i64();
    let database = database_row(&stack, "orders", [None, plan_id, east_id, None]).await;
    for path in [&plan_path, &east_path] {
        let body = refused(admin.delete(path).await, 409, None);
        assert!(body["message"].as_str().unwrap().contains("1 live database"), "{body}");
    }
    refused(admin.patch(&plan_path, &json!({"engine": "mongodb"})).await, 409, None);
    set_status(&stack, database, "quarantined").await;
    refused(admin.delete(&plan_path).await, 409, None);
    set_status(&stack, database, "deleted").await;
    for path in [&plan_path, &east_path] {
        assert_eq!(admin.delete(path).await.0, 204);
        refused(admin.get(path).await, 404, None);
        refused(admin.delete(path).await, 404, None);
    }
    let (_, plans) = admin.get("/api/plan").await;
    assert_eq!(names(&plans, "plan"), ["postgres-small"]);
    // A deleted plan cannot be asked for; its name can be used again.
    let (status, body) = admin
        .post(
            "/api/database",
            &json!({"name": "more", "plan": "postgres-large", "environment": 1}),
        )
        .await;
    assert_eq!(status, 422, "{body}");
    create(&admin, "/api/plan", plan_body).await;
    create(&admin, "/api/environment", env_body).await;

    stack.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn projects_are_global_or_a_teams() {
    let stack = TestStack::start().await;
    let admin = stack.as_admin();
    for team in ["red", "blue"] {
        create(&admin, "/api/team", json!({"name": team})).await;
    }
    for (name, teams) in [("alice", json!(["red"])), ("nomad", json!([]))] {
        create(
            &admin,
            "/api/user",
            json!({"username": name, "password": "twelve-chars", "teams": teams}),
        )
        .await;
    }
    let alice = stack.as_user("alice", "twelve-chars");
    let nomad = stack.as_user("nomad", "twelve-chars");

    let shared = create(&admin, "/api/project", json!({"name": "shared"})).await;
    assert_eq!(shared["team"], Value::Null);
    let blue_app = create(
        &admin,
        "/api/project",
        json!({"name": "blue-app", "team": "/api/team/3/", "description": "b"}),
    )
    .await;
    assert_eq!(blue_app["team"], stack.url("/api/team/3/"));
    let red_app = create(&alice, "/api/project", json!({"name": "red-app"})).await;
    assert_eq!(red_app["team"], stack.url("/api/team/2/"), "a member's first team");
    let (shared_path, blue_path, red_path) = (path_of(&shared), path_of(&blue_app), path_of(&red_app));

    refused(
        alice.post("/api/project", &json!({"name": "x", "team": "blue"})).await,
        422,
        Some("team"),
    );
    refused(
        nomad.post("/api/project", &json!({"name": "y"})).await,
        422,
        Some("team"),
    );
    refused(admin.post("/api/project", &json!({"name": "shared"})).await, 409, None);
    refused(
        admin.post("/api/project", &json!({"name": "a b"})).await,
        400,
        Some("name"),
    );
    refused(
        admin
            .post(
                "/api/project",
                &json!({"name": "long", "description": "d".repeat(1001)}),
            )
            .await,
        400,
        Some("description"),
    );

    // Members see global projects and their teams'; another team's is absent.
    let (_, listed) = alice.get("/api/project").await;
    assert_eq!(names(&listed, "project"), ["shared", "red-app"]);
    let (_, listed) = nomad.get("/api/project").await;
    assert_eq!(names(&listed, "project"), ["shared"]);
    let (_, listed) = admin.get("/api/project").await;
    assert_eq!(listed["_links"]["count"], 3);
    assert_eq!(alice.get(&shared_path).await.0, 200);
    refused(alice.get(&blue_path).await, 404, None);
    refused(alice.patch(&blue_path, &json!({"description": "x"})).await, 404, None);
    refused(alice.delete(&blue_path).await, 404, None);
    // They may see global ones but not change them.
    refused(alice.patch(&shared_path, &json!({"description": "x"})).await, 403, None);
    refused(alice.delete(&shared_path).await, 403, None);

    // Their team's they change, within their teams.
    let (status, changed) = alice
        .patch(&red_path, &json!({"description": "ours", "name": "red-web"}))
        .await;
    assert_eq!(status, 200, "{changed}");
    assert_eq!(changed["description"], "ours");
    assert_eq!(changed["name"], "red-web");
    refused(alice.patch(&red_path, &json!({"team": null})).await, 403, None);
    refused(
        alice.patch(&red_path, &json!({"team": "blue"})).await,
        422,
        Some("team"),
    );
    refused(alice.patch(&red_path, &json!({"name": "shared"})).await, 409, None);
    let (status, moved) = admin.patch(&red_path, &json!({"team": null})).await;
    assert_eq!(status, 200, "{moved}");
    assert_eq!(moved["team"], Value::Null);
    refused(alice.patch(&red_path, &json!({"description": "x"})).await, 403, None);
    let (status, moved) = admin.patch(&red_path, &json!({"team": "red"})).await;
    assert_eq!((status, &moved["description"]), (200, &json!("ours")));

    // Not while a live database is in it.
    let database = database_row(&stack, "orders", [Some(2), None, None, red_app["id"].as_i64()]).await;
    let body = refused(alice.delete(&red_path).await, 409, None);
    assert!(body["message"].as_str().unwrap().contains("1 live database"), "{body}");
    set_status(&stack, database, "deleted").await;
    assert_eq!(alice.delete(&red_path).await.0, 204);
    refused(alice.get(&red_path).await, 404, None);
    assert_eq!(admin.delete(&shared_path).await.0, 204);

    stack.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_operation_asks_for_credentials() {
    let stack = TestStack::start().await;
    let spec: Value = stack
        .http
        .get(stack.url("/openapi.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let mut operations = 0;
    for (path, item) in spec["paths"].as_object().unwrap() {
        let path = path.replace("{id}", "1");
        for method in item.as_object().unwrap().keys() {
            let body = matches!(method.as_str(), "post" | "patch").then(|| json!({}));
            // A wrong password for a user of its own: five for one user would lock it out.
            let guesser = format!("guesser{operations}");
            for client in [stack.anonymous(), stack.as_user(&guesser, "not-the-password")] {
                let reply = client.send(&method.to_uppercase(), &path, body.as_ref()).await;
                assert_eq!(reply.status, 401, "{method} {path}: {}", reply.body);
                assert_eq!(reply.body["code"], "unauthorized");
            }
            operations += 1;
        }
    }
    assert!(operations >= 29, "only {operations} operations in the spec");
    stack.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lists_page_forwards_and_back() {
    let stack = TestStack::start().await;
    let admin = stack.as_admin();
    for i in 1..=3 {
        create(&admin, "/api/team", json!({"name": format!("team{i}")})).await;
        create(
            &admin,
            "/api/user",
            json!({"username": format!("user{i}"), "password": "twelve-chars"}),
        )
        .await;
        create(
            &admin,
            "/api/plan",
            json!({"name": format!("plan{i}"), "engine": "postgres", "image": "postgres:16",
                   "memory_bytes": 64 * MIB, "cpus": 1, "size_bytes": 1}),
        )
        .await;
        create(
            &admin,
            "/api/environment",
            json!({"name": format!("env{i}"), "docker_endpoint": "unix:///run/d.sock",
                   "host_address": "127.0.0.1", "port_min": 1000, "port_max": 2000}),
        )
        .await;
        create(&admin, "/api/project", json!({"name": format!("project{i}")})).await;
    }

    for resource in ["team", "user", "plan", "environment", "project"] {
        let (status, all) = admin.get(&format!("/api/{resource}?page_size=1000")).await;
        assert_eq!(status, 200, "{all}");
        let ids: Vec<i64> = all[resource]
            .as_array()
            .unwrap()
            .iter()
            .map(|item| item["id"].as_i64().unwrap())
            .collect();
        assert!(ids.len() >= 3, "{resource}: {all}");
        assert_eq!(all["_links"]["count"], ids.len());

        // Forwards, one at a time, to the end.
        let mut walked = Vec::new();
        let mut link = Some(stack.url(&format!("/api/{resource}/?page_size=1")));
        let mut last = Value::Null;
        while let Some(url) = link {
            let (status, page) = admin.get(&url).await;
            assert_eq!(status, 200, "{url}: {page}");
            assert_eq!(page[resource].as_array().unwrap().len(), 1, "{page}");
            assert_eq!(page["_links"]["count"], ids.len());
            walked.push(page[resource][0]["id"].as_i64().unwrap());
            link = page["_links"]["next"].as_str().map(str::to_owned);
            if link.is_none() {
                last = page;
            } else {
                assert!(link.as_deref().unwrap().contains("page_size=1"), "{page}");
            }
            assert!(walked.len() <= ids.len(), "{resource}: the walk does not end");
        }
        assert_eq!(walked, ids, "{resource} forwards");

        // And back to the start.
        let mut back = vec![last[resource][0]["id"].as_i64().unwrap()];
        let mut link = last["_links"]["previous"].as_str().map(str::to_owned);
        while let Some(url) = link {
            let (status, page) = admin.get(&url).await;
            assert_eq!(status, 200, "{url}: {page}");
            back.push(page[resource][0]["id"].as_i64().unwrap());
            link = page["_links"]["previous"].as_str().map(str::to_owned);
            assert!(back.len() <= ids.len(), "{resource}: the walk back does not end");
        }
        back.reverse();
        assert_eq!(back, ids, "{resource} backwards");

        for size in ["0", "1001", "-1"] {
            refused(
                admin.get(&format!("/api/{resource}?page_size={size}")).await,
                400,
                Some("page_size"),
            );
        }
        refused(
            admin.get(&format!("/api/{resource}?cursor=junk")).await,
            400,
            Some("cursor"),
        );
    }

    // The count and the pages are the caller's: a non-admin pages through their own.
    create(
        &admin,
        "/api/user",
        json!({"username": "member", "password": "twelve-chars", "teams": ["team1", "team2"]}),
    )
    .await;
    let member = stack.as_user("member", "twelve-chars");
    let (_, first) = member.get("/api/team?page_size=1").await;
    assert_eq!(first["_links"]["count"], 2);
    assert_eq!(first["team"][0]["name"], "team1");
    let (_, second) = member.get(first["_links"]["next"].as_str().unwrap()).await;
    assert_eq!(second["team"][0]["name"], "team2");
    assert_eq!(second["_links"]["next"], Value::Null);

    stack.cleanup().await;
}
