//! Projects, end to end: global ones (admins') and a team's (its members'), who sees and
//! changes which, and a live database keeping one.

use dbaas_tests::{names, path_of, refused, TestStack};
use serde_json::{json, Value};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn projects_are_global_or_a_teams() {
    let stack = TestStack::start().await;
    let admin = stack.as_admin();
    for team in ["red", "blue"] {
        admin.create("/api/team", json!({"name": team})).await;
    }
    for (name, teams) in [("alice", json!(["red"])), ("nomad", json!([]))] {
        admin
            .create(
                "/api/user",
                json!({"username": name, "password": "twelve-chars", "teams": teams}),
            )
            .await;
    }
    let alice = stack.as_user("alice", "twelve-chars");
    let nomad = stack.as_user("nomad", "twelve-chars");

    let shared = admin.create("/api/project", json!({"name": "shared"})).await;
    assert_eq!(shared["team"], Value::Null);
    let blue_app = admin
        .create(
            "/api/project",
            json!({"name": "blue-app", "team": "/api/team/3/", "description": "b"}),
        )
        .await;
    assert_eq!(blue_app["team"], stack.url("/api/team/3/"));
    let red_app = alice.create("/api/project", json!({"name": "red-app"})).await;
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
    let database = stack
        .database_row("orders", [Some(2), None, None, red_app["id"].as_i64()])
        .await;
    let body = refused(alice.delete(&red_path).await, 409, None);
    assert!(body["message"].as_str().unwrap().contains("1 live database"), "{body}");
    stack.set_database_status(database, "deleted").await;
    assert_eq!(alice.delete(&red_path).await.0, 204);
    refused(alice.get(&red_path).await, 404, None);
    assert_eq!(admin.delete(&shared_path).await.0, 204);

    stack.cleanup().await;
}
