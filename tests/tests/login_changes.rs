//! Logins are answered from memory, and a change made through one api replica takes effect on
//! another within a second (the README's guarantee): a password change, a membership change,
//! an admin right taken away and a deletion, each seen by a replica that had the old login in
//! memory. And the change is also seen at once by the replica that made it.

use std::time::{Duration, Instant};

use dbaas_tests::{path_of, TestStack};
use serde_json::json;

/// The stated time: README, "Logins and replicas".
const STATED: Duration = Duration::from_secs(1);

/// The status of `GET path` at `base` as `user`.
async fn status(http: &reqwest::Client, base: &str, path: &str, (user, password): (&str, &str)) -> u16 {
    http.get(format!("{base}{path}"))
        .basic_auth(user, Some(password))
        .send()
        .await
        .expect("GET")
        .status()
        .as_u16()
}

/// Waits for `GET path` at `base` to answer `expected`, and fails if that takes longer than
/// the stated time (measured from `since`, when the change was answered).
async fn answers_within(
    http: &reqwest::Client,
    base: &str,
    path: &str,
    login: (&str, &str),
    expected: u16,
    since: Instant,
    what: &str,
) {
    loop {
        let got = status(http, base, path, login).await;
        if got == expected {
            return;
        }
        assert!(
            since.elapsed() < STATED,
            "{what}: the other replica still answers {got} (not {expected}) {:?} after the change",
            since.elapsed()
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn changes_through_one_replica_take_effect_on_the_other_within_a_second() {
    let mut stack = TestStack::start_api_only(|_| {}).await;
    let other = stack.start_another_api().await;
    let http = reqwest::Client::new();
    let admin = stack.as_admin();
    let red = admin.create("/api/team", json!({"name": "red"})).await;
    let red_path = path_of(&red);
    let ann = admin
        .create(
            "/api/user",
            json!({"username": "ann", "password": "ann-password-1", "teams": ["red"]}),
        )
        .await;
    let ann_path = path_of(&ann);

    // The other replica learns ann's login (argon2 once), then answers from memory.
    let old = ("ann", "ann-password-1");
    for _ in 0..3 {
        assert_eq!(status(&http, &other, &red_path, old).await, 200);
    }

    // A password change through the first replica.
    let (code, _) = admin.patch(&ann_path, &json!({"password": "ann-password-2"})).await;
    assert_eq!(code, 200);
    let changed = Instant::now();
    let new = ("ann", "ann-password-2");
    answers_within(&http, &other, &red_path, old, 401, changed, "the old password").await;
    answers_within(&http, &other, &red_path, new, 200, changed, "the new password").await;
    assert_eq!(
        status(&http, &stack.base_url, &red_path, old).await,
        401,
        "the replica that made it"
    );

    // A membership change: ann leaves red.
    let (code, _) = admin.patch(&ann_path, &json!({"teams": []})).await;
    assert_eq!(code, 200);
    let changed = Instant::now();
    answers_within(&http, &other, &red_path, new, 404, changed, "the team she left").await;
    assert_eq!(status(&http, &stack.base_url, &red_path, new).await, 404);

    // An admin right given, then taken away: the list of users shows everyone, then only her.
    let users = "/api/user/";
    let count = |base: String| {
        let http = http.clone();
        async move {
            let reply = http
                .get(format!("{base}{users}"))
                .basic_auth("ann", Some("ann-password-2"))
                .send()
                .await
                .expect("GET /api/user/");
            let body: serde_json::Value = reply.json().await.expect("JSON");
            body["_links"]["count"].as_i64()
        }
    };
    assert_eq!(admin.patch(&ann_path, &json!({"is_admin": true})).await.0, 200);
    let changed = Instant::now();
    while count(other.clone()).await != Some(2) {
        assert!(
            changed.elapsed() < STATED,
            "the admin right never showed on the other replica"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(admin.patch(&ann_path, &json!({"is_admin": false})).await.0, 200);
    let changed = Instant::now();
    while count(other.clone()).await != Some(1) {
        assert!(
            changed.elapsed() < STATED,
            "the admin right taken away still held on the other replica"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }

    // A deletion.
    assert_eq!(admin.delete(&ann_path).await.0, 204);
    let deleted = Instant::now();
    answers_within(&http, &other, users, new, 401, deleted, "a deleted user").await;
    assert_eq!(status(&http, &stack.base_url, users, new).await, 401);
    stack.cleanup().await;
}

/// Logins come from memory, and a change made behind the api's back, in the catalog itself
/// (an operator's SQL), is heard too: the triggers announce it, whoever makes it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_change_made_in_the_catalog_itself_is_heard() {
    let stack = TestStack::start_api_only(|_| {}).await;
    let http = reqwest::Client::new();
    let admin = stack.as_admin();
    admin
        .create(
            "/api/user",
            json!({"username": "bo", "password": "bo-password-12", "teams": []}),
        )
        .await;
    let login = ("bo", "bo-password-12");
    for _ in 0..3 {
        assert_eq!(status(&http, &stack.base_url, "/api/user/", login).await, 200);
    }
    let catalog = stack.catalog().await;
    // The logins really come from memory: a change with triggers switched off (nothing
    // announced) goes unseen, and bo's old hash keeps working for now.
    catalog
        .batch_execute(
            "ALTER TABLE api_users DISABLE TRIGGER api_users_logins_changed;
             UPDATE api_users SET password_hash = 'unannounced' WHERE username = 'bo';
             ALTER TABLE api_users ENABLE TRIGGER api_users_logins_changed;",
        )
        .await
        .expect("an unannounced change");
    for _ in 0..3 {
        assert_eq!(
            status(&http, &stack.base_url, "/api/user/", login).await,
            200,
            "the login was not answered from memory"
        );
    }
    catalog
        .execute("DELETE FROM api_users WHERE username = 'bo'", &[])
        .await
        .expect("delete bo");
    let deleted = Instant::now();
    answers_within(
        &http,
        &stack.base_url,
        "/api/user/",
        login,
        401,
        deleted,
        "a user deleted in SQL",
    )
    .await;
    stack.cleanup().await;
}
