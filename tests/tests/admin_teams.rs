//! The admin side of teams and their users, end to end: who may see and change them,
//! membership, admin rights and passwords taking effect at once, and what keeps a team in use.

use dbaas_tests::{names, path_of, refused, TestStack};
use serde_json::{json, Value};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn admins_manage_teams_and_users_and_members_see_their_own() {
    let stack = TestStack::start().await;
    let admin = stack.as_admin();

    // Teams: created with the default quota and no members; names are unique and checked.
    let red = admin.create("/api/team", json!({"name": "red"})).await;
    assert_eq!(red["database_limit"], 20);
    assert_eq!(red["members"], json!([]));
    assert!(red["created_at"].is_string());
    let blue = admin
        .create("/api/team/", json!({"name": "blue", "database_limit": 5}))
        .await;
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
    let alice = admin
        .create(
            "/api/user",
            json!({"username": "alice", "password": alice_password, "teams": ["red"]}),
        )
        .await;
    assert_eq!(alice["is_admin"], false);
    assert_eq!(alice["teams"], json!([red["_links"]["self"]]));
    assert!(alice.get("password").is_none() && alice.get("password_hash").is_none());
    let bob = admin
        .create(
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
        422,
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
    let database = stack
        .database_row("orders", [Some(blue["id"].as_i64().unwrap()), None, None, None])
        .await;
    let body = refused(admin.delete(&blue_path).await, 409, None);
    assert!(body["message"].as_str().unwrap().contains("1 live database"), "{body}");
    stack.set_database_status(database, "deleted").await;
    let project = admin
        .create("/api/project", json!({"name": "blue-app", "team": "blue"}))
        .await;
    let body = refused(admin.delete(&blue_path).await, 409, None);
    assert!(body["message"].as_str().unwrap().contains("project"), "{body}");
    assert_eq!(admin.delete(&path_of(&project)).await.0, 204);
    let (status, body) = admin.delete(&blue_path).await;
    assert_eq!(status, 204, "{body}");
    refused(admin.get(&blue_path).await, 404, None);
    let (_, teams) = admin.get("/api/team").await;
    assert_eq!(names(&teams, "team"), ["admin", "crimson"]);
    // The name is free again, and the deleted database still shows its team.
    admin.create("/api/team", json!({"name": "blue"})).await;
    let (status, row) = admin.get(&format!("/api/database/{database}")).await;
    assert_eq!(status, 200, "{row}");

    stack.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_one_changes_their_own_way_in_or_out_by_accident() {
    let stack = TestStack::start().await;
    let admin = stack.as_admin();
    let (status, carol) = admin
        .post(
            "/api/user/",
            &json!({"username": "carol", "password": "carol-password-1", "is_admin": true}),
        )
        .await;
    assert_eq!(status, 201, "{carol}");
    let carol_path = path_of(&carol);
    let as_carol = stack.as_user("carol", "carol-password-1");

    // Her own password: only with the current one.
    refused(
        as_carol
            .patch(&carol_path, &json!({"password": "carol-password-2"}))
            .await,
        422,
        Some("current_password"),
    );
    refused(
        as_carol
            .patch(
                &carol_path,
                &json!({"password": "carol-password-2", "current_password": "not-her-password"}),
            )
            .await,
        422,
        Some("current_password"),
    );
    assert_eq!(as_carol.get(&carol_path).await.0, 200, "the old password still works");
    let (status, body) = as_carol
        .patch(
            &carol_path,
            &json!({"password": "carol-password-2", "current_password": "carol-password-1"}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    refused(as_carol.get(&carol_path).await, 401, None);
    let as_carol = stack.as_user("carol", "carol-password-2");
    assert_eq!(as_carol.get(&carol_path).await.0, 200);

    // Another admin's password is theirs to set without it.
    let (status, body) = admin.patch(&carol_path, &json!({"password": "carol-password-3"})).await;
    assert_eq!(status, 200, "{body}");
    let as_carol = stack.as_user("carol", "carol-password-3");

    // No one demotes or deletes themself, even with another admin around.
    let (_, admins) = admin.get("/api/user?page_size=1").await;
    let admin_path = path_of(&admins["user"][0]);
    refused(
        as_carol.patch(&carol_path, &json!({"is_admin": false})).await,
        409,
        None,
    );
    refused(as_carol.delete(&carol_path).await, 409, None);
    assert_eq!(as_carol.get(&carol_path).await.0, 200, "carol is still there");
    refused(admin.delete(&admin_path).await, 409, None);
    // What one admin may do to another.
    let (status, body) = as_carol.patch(&admin_path, &json!({"is_admin": false})).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(as_carol.patch(&admin_path, &json!({"is_admin": true})).await.0, 200);
    assert_eq!(admin.delete(&carol_path).await.0, 204);
    stack.cleanup().await;
}
