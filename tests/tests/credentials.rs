//! Credentials are real engine users with exactly the privileges they say.

use dbaas_tests::{id_of, pg_connect, TestStack};
use serde_json::json;

/// The SQLSTATE of a failed statement.
fn sqlstate(e: &tokio_postgres::Error) -> String {
    e.code().map(|c| c.code().to_owned()).unwrap_or_else(|| e.to_string())
}

const DENIED: &str = "42501";

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn credentials_have_exactly_their_privileges() {
    let stack = TestStack::start().await;
    let (database, owner_uri) = stack.ready_database("shop").await;
    let db = database["_links"]["self"].as_str().unwrap();
    let owner = pg_connect(&owner_uri).await.unwrap();
    owner
        .batch_execute("CREATE TABLE items (id serial PRIMARY KEY, name text); INSERT INTO items (name) VALUES ('a')")
        .await
        .unwrap();

    let (status, reader) = stack
        .post(
            "/api/credential/",
            &json!({"user": "u_reader", "database": db, "privileges": "read-only"}),
        )
        .await;
    assert_eq!(status, 201, "{reader}");
    assert_eq!(reader["privileges"], "read_only");
    let reader_uri = reader["connection_uri"].as_str().unwrap();
    let (status, writer) = stack
        .post(
            "/api/credential",
            &json!({"user": "u_writer", "database": database["id"]}),
        )
        .await;
    assert_eq!(status, 201, "{writer}");
    assert_eq!(writer["privileges"], "read_write", "read-write is the default");
    let writer_uri = writer["connection_uri"].as_str().unwrap();

    let reader = pg_connect(reader_uri).await.expect("the read-only password works");
    let count: i64 = reader
        .query_one("SELECT count(*) FROM items", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(count, 1);
    let e = reader
        .execute("INSERT INTO items (name) VALUES ('b')", &[])
        .await
        .unwrap_err();
    assert_eq!(sqlstate(&e), DENIED, "a read-only credential cannot write");
    let e = reader.batch_execute("CREATE TABLE mine (x int)").await.unwrap_err();
    assert_eq!(sqlstate(&e), DENIED, "nor create tables");

    let writer = pg_connect(writer_uri).await.expect("the read-write password works");
    writer
        .execute("INSERT INTO items (name) VALUES ('b')", &[])
        .await
        .expect("read-write writes");
    writer
        .execute("UPDATE items SET name = 'c' WHERE name = 'b'", &[])
        .await
        .unwrap();
    writer.execute("DELETE FROM items WHERE name = 'c'", &[]).await.unwrap();
    let e = writer.batch_execute("CREATE TABLE mine (x int)").await.unwrap_err();
    assert_eq!(sqlstate(&e), DENIED, "read-write does not change the schema");

    // Tables the owner creates later are covered too.
    owner
        .batch_execute("CREATE TABLE later (x int); INSERT INTO later VALUES (1)")
        .await
        .unwrap();
    reader
        .query_one("SELECT x FROM later", &[])
        .await
        .expect("read-only reads new tables");
    writer
        .execute("INSERT INTO later VALUES (2)", &[])
        .await
        .expect("read-write writes new tables");
    assert_eq!(
        sqlstate(&reader.execute("INSERT INTO later VALUES (3)", &[]).await.unwrap_err()),
        DENIED
    );

    // Lists never show passwords.
    let (status, list) = stack
        .get(&format!("/api/credential/?database={}", database["id"]))
        .await;
    assert_eq!(status, 200, "{list}");
    assert_eq!(list["_links"]["count"], 3);
    for item in list["credential"].as_array().unwrap() {
        assert!(
            item.get("password").is_none() && item.get("connection_uri").is_none(),
            "{item}"
        );
    }

    // Bad requests change nothing.
    let (status, body) = stack
        .post("/api/credential/", &json!({"user": "u_reader", "database": db}))
        .await;
    assert_eq!(status, 409, "{body}");
    for user in ["", "U_upper", "1abc", "x; drop role postgres", "postgres", "pg_monitor"] {
        let (status, body) = stack
            .post("/api/credential/", &json!({"user": user, "database": db}))
            .await;
        assert_eq!(status, 400, "{user}: {body}");
        assert_eq!(body["field"], "user");
    }
    let (status, body) = stack
        .post(
            "/api/credential/",
            &json!({"user": "u_x", "database": db, "privileges": "superuser"}),
        )
        .await;
    assert_eq!((status, body["field"].as_str()), (400, Some("privileges")), "{body}");
    let (status, body) = stack
        .post(
            "/api/credential/",
            &json!({"user": "u_x", "database": "/api/database/999/"}),
        )
        .await;
    assert_eq!((status, body["field"].as_str()), (422, Some("database")), "{body}");
    let (_, list) = stack.get("/api/credential/").await;
    assert_eq!(list["_links"]["count"], 3);

    stack.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_reset_password_works_at_once_and_the_old_one_is_refused() {
    let stack = TestStack::start().await;
    let (database, owner_uri) = stack.ready_database("rotating").await;
    let credential = id_of(database["credentials"][0]["_links"]["self"].as_str().unwrap());
    let before = pg_connect(&owner_uri).await.unwrap();
    before
        .batch_execute("CREATE TABLE t (x int); INSERT INTO t VALUES (7)")
        .await
        .unwrap();

    let response = stack
        .http
        .post(stack.url(&format!("/api/credential/{credential}/reset_password/")))
        .basic_auth(&stack.admin_user, Some(&stack.admin_password))
        .body("")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let reset: serde_json::Value = response.json().await.unwrap();
    let new_uri = reset["connection_uri"].as_str().unwrap();
    assert_ne!(new_uri, owner_uri);
    assert!(pg_connect(&owner_uri).await.is_err(), "the old password is refused");
    let after = pg_connect(new_uri).await.expect("the new password works");
    let x: i32 = after.query_one("SELECT x FROM t", &[]).await.unwrap().get(0);
    assert_eq!(x, 7);
    let (_, got) = stack.get(&format!("/api/credential/{credential}/")).await;
    assert_eq!(got["connection_uri"], reset["connection_uri"]);
    assert_eq!(
        id_of(got["_links"]["task"].as_str().unwrap()),
        id_of(reset["_links"]["task"].as_str().unwrap())
    );

    let (status, _) = stack.post("/api/credential/999/reset_password/", &json!({})).await;
    assert_eq!(status, 404);
    stack.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_deleted_credential_can_no_longer_log_in() {
    let stack = TestStack::start().await;
    let (database, _) = stack.ready_database("shrinking").await;
    let (status, extra) = stack
        .post(
            "/api/credential/",
            &json!({"user": "u_temp", "database": database["id"]}),
        )
        .await;
    assert_eq!(status, 201, "{extra}");
    let uri = extra["connection_uri"].as_str().unwrap();
    let session = pg_connect(uri).await.unwrap();

    let (status, body) = stack.delete(&format!("/api/credential/{}/", extra["id"])).await;
    assert_eq!(status, 204, "{body}");
    assert!(pg_connect(uri).await.is_err(), "the user is gone");
    assert!(session.simple_query("SELECT 1").await.is_err(), "its session was cut");
    let (status, _) = stack.get(&format!("/api/credential/{}/", extra["id"])).await;
    assert_eq!(status, 404);

    let owner = database["credentials"][0]["id"].as_i64().unwrap();
    let (status, body) = stack.delete(&format!("/api/credential/{owner}/")).await;
    assert_eq!(status, 409, "the owner goes with its database: {body}");
    stack.cleanup().await;
}
