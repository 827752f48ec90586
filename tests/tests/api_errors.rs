//! What callers get when they get it wrong: JSON errors with a code, a message and the field.

use dbaas_tests::spec::{self, committed_spec};
use dbaas_tests::TestStack;
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn errors_are_json_and_say_what_is_wrong() {
    let stack = TestStack::start().await;

    // No credentials, wrong credentials: 401 with a JSON body and a challenge.
    let response = stack.http.get(stack.url("/api/plan/")).send().await.unwrap();
    assert_eq!(response.status(), 401);
    assert!(response.headers()["www-authenticate"]
        .to_str()
        .unwrap()
        .starts_with("Basic"));
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["code"], "unauthorized");
    let response = stack
        .http
        .get(stack.url("/api/plan/"))
        .basic_auth("admin", Some("wrong"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 401);
    let response = stack
        .http
        .get(stack.url("/api/plan/"))
        .basic_auth("nobody", Some("x"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 401);

    // Malformed bodies: 400.
    let response = stack
        .http
        .post(stack.url("/api/database/"))
        .basic_auth(&stack.admin_user, Some(&stack.admin_password))
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["code"], "bad_request", "{body}");

    let (status, body) = stack.post("/api/database/", &json!({"name": "x"})).await;
    assert_eq!(status, 400, "{body}");
    let (status, body) = stack
        .post(
            "/api/database/",
            &json!({"name": "x", "plan": 1, "environment": 1, "colour": "blue"}),
        )
        .await;
    assert_eq!(status, 400, "unknown fields are refused: {body}");
    // A number or a boolean where the spec says string is a mistake, not a name.
    for wrong in [json!(1.5), json!(42), json!(true)] {
        let (status, body) = stack
            .post("/api/database/", &json!({"name": wrong, "plan": 1, "environment": 1}))
            .await;
        assert_eq!(status, 400, "{wrong} for a string: {body}");
        let (status, body) = stack.post("/api/team/", &json!({"name": wrong})).await;
        assert_eq!(status, 400, "{wrong} for a string: {body}");
    }
    let (_, databases) = stack.get("/api/database/").await;
    assert_eq!(databases["_links"]["count"], 0, "nothing was recorded: {databases}");

    // Names the spec's pattern refuses: 400 naming the field.
    for name in ["", "1abc", "robert'); drop table students;--", &"a".repeat(51), "\nx"] {
        let (status, body) = stack
            .post("/api/database/", &json!({"name": name, "plan": 1, "environment": 1}))
            .await;
        assert_eq!(status, 400, "{name}: {body}");
        assert_eq!(body["field"], "name", "{body}");
    }
    // Names the pattern allows but the engines keep for themselves: 422 naming the field.
    for name in ["postgres", "Template1", " pg_stat ", "admin"] {
        let (status, body) = stack
            .post("/api/database/", &json!({"name": name, "plan": 1, "environment": 1}))
            .await;
        assert_eq!(status, 422, "{name}: {body}");
        assert_eq!(body["field"], "name", "{body}");
    }
    // Other rules the spec states: 400 naming the field or parameter.
    for (body, field) in [
        (
            json!({"name": "x", "plan": 1, "environment": 1, "tags": ["a\u{1}b"]}),
            "tags",
        ),
        (
            json!({"name": "x", "plan": 1, "environment": 1, "tags": vec!["t"; 51]}),
            "tags",
        ),
        (
            json!({"name": "x", "plan": 1, "environment": 1, "description": "d".repeat(1001)}),
            "description",
        ),
    ] {
        let (status, reply) = stack.post("/api/database/", &body).await;
        assert_eq!((status, reply["field"].as_str()), (400, Some(field)), "{body}: {reply}");
    }
    for query in ["page_size=0", "page_size=1001", "status=gone", "colour=blue", "=x"] {
        let (status, reply) = stack.get(&format!("/api/database/?{query}")).await;
        assert_eq!(status, 400, "{query}: {reply}");
    }
    // Filters that name nothing match nothing.
    for query in ["project=", "environment=/api/plan/1/", "project=nowhere"] {
        let (status, reply) = stack.get(&format!("/api/database/?{query}")).await;
        assert_eq!(
            (status, &reply["_links"]["count"]),
            (200, &json!(0)),
            "{query}: {reply}"
        );
    }
    for query in ["database=", "database=by-name"] {
        let (status, reply) = stack.get(&format!("/api/credential/?{query}")).await;
        assert_eq!(
            (status, &reply["_links"]["count"]),
            (200, &json!(0)),
            "{query}: {reply}"
        );
    }

    // References that name nothing (another kind's URL, an unknown id or name): 422.
    let (status, body) = stack
        .post(
            "/api/database/",
            &json!({"name": "x", "plan": "/api/environment/1/", "environment": 1}),
        )
        .await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["field"], "plan");
    let (status, body) = stack
        .post(
            "/api/database/",
            &json!({"name": "x", "plan": "/api/plan/999/", "environment": 1}),
        )
        .await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["field"], "plan");
    let (status, body) = stack
        .post(
            "/api/database/",
            &json!({"name": "x", "plan": 1, "environment": "nowhere"}),
        )
        .await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["field"], "environment");

    // Nothing of the refused requests was recorded.
    assert_eq!(stack.count("SELECT count(*) FROM databases").await, 0);

    // A name in use: 409.
    let (status, body) = stack
        .post("/api/database/", &json!({"name": "dup", "plan": 1, "environment": 1}))
        .await;
    assert_eq!(status, 202, "{body}");
    let (status, body) = stack
        .post("/api/database/", &json!({"name": "DUP", "plan": 1, "environment": 1}))
        .await;
    assert_eq!(status, 409, "{body}");
    assert_eq!(body["code"], "conflict");

    // Unknown ids: 404, with and without the trailing slash; ids that are not numbers: 400.
    for path in [
        "/api/database/999/",
        "/api/database/999",
        "/api/credential/999/",
        "/api/task/999/",
        "/api/plan/999/",
    ] {
        let (status, body) = stack.get(path).await;
        assert_eq!(status, 404, "{path}: {body}");
        assert_eq!(body["code"], "not_found");
    }
    let (status, body) = stack.get("/api/database/abc/").await;
    assert_eq!(status, 400, "{body}");
    let (status, body) = stack.get("/api/nothing-here/").await;
    assert_eq!(status, 404, "{body}");
    assert_eq!(body["code"], "not_found");

    // Plans and environments list with the reference's links.
    let (status, plans) = stack.get("/api/plan").await;
    assert_eq!(status, 200);
    assert_eq!(plans["_links"]["count"], 2);
    assert_eq!(plans["plan"][0]["name"], "postgres-small");
    assert_eq!(plans["plan"][1]["name"], "mongodb-small");
    let (status, environments) = stack.get("/api/environment/").await;
    assert_eq!(status, 200);
    assert_eq!(environments["environment"][0]["name"], "dev");

    stack.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_input_gets_a_clear_4xx_and_changes_nothing() {
    let stack = TestStack::start().await;
    // Huge bodies: refused before they are read, with or without a Content-Length.
    // A client of their own: the server may close those connections mid-request, and a
    // pooled connection closed that way must not be handed to the requests after them.
    let oversize = reqwest::Client::builder().pool_max_idle_per_host(0).build().unwrap();
    let huge = json!({"name": "x", "plan": 1, "environment": 1, "description": "a".repeat(200_000)});
    let response = oversize
        .post(stack.url("/api/database/"))
        .basic_auth(&stack.admin_user, Some(&stack.admin_password))
        .json(&huge)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 413);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["code"], "payload_too_large");
    let chunks = futures_util::stream::iter((0..100).map(|_| Ok::<_, std::io::Error>(bytes_of(&"b".repeat(1024)))));
    let response = oversize
        .post(stack.url("/api/database/"))
        .basic_auth(&stack.admin_user, Some(&stack.admin_password))
        .header("content-type", "application/json")
        .body(reqwest::Body::wrap_stream(chunks))
        .send()
        .await;
    // The server answers 413 once it has read its limit, and may close the connection while
    // the client is still sending; either way nothing is recorded (checked below).
    if let Ok(response) = response {
        assert_eq!(response.status(), 413);
    }

    // Metacharacters and unicode in names: refused, naming the field.
    for name in ["$(reboot)", "a`id`", "ñame", "名前", "a/b", "a.b", "' OR 1=1 --"] {
        let (status, body) = stack
            .post("/api/database/", &json!({"name": name, "plan": 1, "environment": 1}))
            .await;
        assert_eq!((status, body["field"].as_str()), (400, Some("name")), "{name}: {body}");
    }
    // Wrong types and shapes: 400.
    for bad in [
        json!([]),
        json!("db"),
        json!({"name": ["x"], "plan": 1, "environment": 1}),
        json!({"name": "x", "plan": 1.5, "environment": 1}),
        json!({"name": "x", "plan": {"id": 1}, "environment": 1}),
    ] {
        let (status, body) = stack.post("/api/database/", &bad).await;
        assert_eq!(status, 400, "{bad}: {body}");
    }
    // Ids out of range: 400 or 404, never 500.
    for path in [
        "/api/database/99999999999999999999999/",
        "/api/database/-1/",
        "/api/task/0/",
    ] {
        let (status, body) = stack.get(path).await;
        assert!(status == 400 || status == 404, "{path}: {status} {body}");
    }
    // NUL characters: refused wherever they are, never a 500.
    let (status, body) = stack
        .post(
            "/api/database/",
            &json!({"name": "x", "plan": 1, "environment": 1, "description": "a\u{0}b"}),
        )
        .await;
    assert_eq!((status, body["code"].as_str()), (400, Some("bad_request")), "{body}");
    let (status, body) = stack.get("/api/database/?name=a%00b").await;
    assert_eq!(status, 400, "{body}");
    // No JSON content type: 415, in JSON; an unknown method: 405 saying which are allowed.
    let response = stack
        .http
        .post(stack.url("/api/team/"))
        .basic_auth(&stack.admin_user, Some(&stack.admin_password))
        .header("content-type", "text/plain")
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 415);
    assert_eq!(
        response.json::<serde_json::Value>().await.unwrap()["code"],
        "unsupported_media_type"
    );
    let response = stack
        .http
        .request(reqwest::Method::PUT, stack.url("/api/database/1/"))
        .basic_auth(&stack.admin_user, Some(&stack.admin_password))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 405);
    assert_eq!(response.headers()["allow"], "GET, PATCH, DELETE");

    // Free text is stored as it came, never interpreted.
    let description = "'; DROP TABLE databases; -- $(rm -rf /) <script>alert(1)</script> 名前";
    let (status, created) = stack
        .post(
            "/api/database/",
            &json!({"name": "hostile", "plan": 1, "environment": 1, "description": description}),
        )
        .await;
    assert_eq!(status, 202, "{created}");
    assert_eq!(created["description"], description);
    let (_, listed) = stack.get("/api/database/").await;
    assert_eq!(listed["_links"]["count"], 1, "only the accepted request was recorded");
    stack
        .wait_for_status(
            created["id"].as_i64().unwrap(),
            "ready",
            std::time::Duration::from_secs(120),
        )
        .await;
    stack.cleanup().await;
}

fn bytes_of(text: &str) -> Vec<u8> {
    text.as_bytes().to_vec()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_served_spec_is_the_committed_one_and_swagger_ui_is_up() {
    let stack = TestStack::start().await;
    let served = stack.served_spec().await;
    let committed = committed_spec();
    assert_eq!(served, committed, "openapi/dbaas.json is stale: run `make openapi`");
    let docs = stack.http.get(stack.url("/docs")).send().await.unwrap();
    assert_eq!(docs.status(), 200);
    assert!(docs.text().await.unwrap().contains("swagger"));
    stack.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_operation_asks_for_credentials() {
    let stack = TestStack::start().await;
    let mut operations = 0;
    for (template, method) in spec::operations(&stack.served_spec().await) {
        let path = template.replace("{id}", "1");
        let body = matches!(method.as_str(), "post" | "patch").then(|| json!({}));
        // A wrong password for a user of its own: one user's failures would slow each next probe
        // (tests/tests/logins.rs).
        let guesser = format!("guesser{operations}");
        for client in [stack.anonymous(), stack.as_user(&guesser, "not-the-password")] {
            let reply = client.send(&method.to_uppercase(), &path, body.as_ref()).await;
            assert_eq!(reply.status, 401, "{method} {path}: {}", reply.body);
            assert_eq!(reply.body["code"], "unauthorized");
        }
        operations += 1;
    }
    assert!(operations >= 29, "only {operations} operations in the spec");
    stack.cleanup().await;
}
