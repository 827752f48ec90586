//! The audit trail (`api/src/http/audit_trail.rs`, `GET /api/audit/`): every kind of record
//! appears after its call, with who, where from, what and how it ended; each role reads its
//! part; the filters and pages work; a call whose record cannot be written changes nothing
//! (503); a lost outcome or a lost password-read record does not fail the call; failed logins
//! are recorded within a rate limit; old records go; and no password or secret of the run is
//! anywhere in the trail.

use std::time::Duration;

use dbaas_tests::{id_of, path_of, refused, retry, TestStack};
use serde_json::{json, Value};

const TIMEOUT: Duration = Duration::from_secs(120);
const ALICE_PASSWORD: &str = "alice-password-1";
const BOB_PASSWORD: &str = "bob-password-123";

/// Every record `client` may read with `query`, following the `next` links.
async fn trail(client: &dbaas_tests::ApiClient<'_>, query: &str) -> Vec<Value> {
    let mut records = Vec::new();
    let mut next = format!("/api/audit/?page_size=7{query}");
    loop {
        let (status, page) = client.get(&next).await;
        assert_eq!(status, 200, "{next}: {page}");
        records.extend(page["audit"].as_array().expect("audit").iter().cloned());
        match page["_links"]["next"].as_str() {
            Some(link) => next = link.to_owned(),
            None => return records,
        }
    }
}

/// The one record of `operation` on `resource`, else a failure listing what there is.
fn one<'a>(records: &'a [Value], operation: &str, resource: &str) -> &'a Value {
    let found: Vec<&Value> = records
        .iter()
        .filter(|r| r["operation"] == operation && r["resource"] == resource)
        .collect();
    assert_eq!(found.len(), 1, "{operation} {resource} in {records:#?}");
    found[0]
}

fn recorded(record: &Value, user: &str, method: &str, status: u16) {
    assert_eq!(record["user"], user, "{record}");
    assert_eq!(record["method"], method, "{record}");
    assert_eq!(record["status"], status, "{record}");
    assert_eq!(record["client_address"], "127.0.0.1", "{record}");
    assert!(record["at"].is_string(), "{record}");
}

/// A client whose connections come from `address` (any of 127.0.0.0/8 reaches the api).
fn from(address: &str) -> reqwest::Client {
    reqwest::Client::builder()
        .local_address(address.parse::<std::net::IpAddr>().expect("an address"))
        .timeout(Duration::from_secs(30))
        .build()
        .expect("http client")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn every_kind_of_call_is_recorded_scoped_and_free_of_secrets() {
    let stack = TestStack::start().await;
    let admin = stack.as_admin();
    // Every password and secret of the run, to look for in the trail at the end.
    let mut secrets: Vec<String> = vec![
        stack.admin_password.clone(),
        stack.secret_key().to_owned(),
        ALICE_PASSWORD.into(),
        BOB_PASSWORD.into(),
    ];

    let red = admin.create("/api/team/", json!({"name": "red"})).await;
    let blue = admin.create("/api/team/", json!({"name": "blue"})).await;
    let alice = admin
        .create(
            "/api/user/",
            json!({"username": "alice", "password": ALICE_PASSWORD, "teams": [red["id"]]}),
        )
        .await;
    let bob = admin
        .create(
            "/api/user/",
            json!({"username": "bob", "password": BOB_PASSWORD, "teams": [blue["id"]]}),
        )
        .await;
    let alice_client = stack.as_user("alice", ALICE_PASSWORD);
    let bob_client = stack.as_user("bob", BOB_PASSWORD);

    // Alice's database, its credential, a read of its password and a reset.
    let (status, database) = alice_client
        .post(
            "/api/database/",
            &json!({"name": "ledger", "plan": 1, "environment": 1}),
        )
        .await;
    assert_eq!(status, 202, "{database}");
    let database_id = database["id"].as_i64().unwrap();
    let ready = stack.wait_for_status(database_id, "ready", TIMEOUT).await;
    let owner = id_of(ready["credentials"][0]["_links"]["self"].as_str().unwrap());
    let (status, owner_view) = alice_client.get(&format!("/api/credential/{owner}/")).await;
    assert_eq!(status, 200, "{owner_view}");
    secrets.push(owner_view["password"].as_str().expect("owner password").into());
    let (status, credential) = alice_client
        .post(
            "/api/credential/",
            &json!({"user": "u_ledger_reader", "database": database_id, "privileges": "read-only"}),
        )
        .await;
    assert_eq!(status, 201, "{credential}");
    let credential_id = credential["id"].as_i64().unwrap();
    secrets.push(credential["password"].as_str().expect("password").into());
    let (status, read) = alice_client.get(&format!("/api/credential/{credential_id}/")).await;
    assert_eq!(status, 200, "{read}");
    let (status, reset) = alice_client
        .post(&format!("/api/credential/{credential_id}/reset_password/"), &json!({}))
        .await;
    assert_eq!(status, 200, "{reset}");
    let new_password = reset["password"].as_str().expect("new password").to_owned();
    assert_ne!(new_password, secrets[secrets.len() - 1]);
    secrets.push(new_password);

    // Failed logins: an unknown user from another address, and alice with a wrong password.
    let guess = "Guess-Not-This-1";
    secrets.push(guess.into());
    let response = from("127.0.0.2")
        .get(stack.url("/api/plan/"))
        .basic_auth("Mallory Who?", Some(guess))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 401);
    let (status, _) = stack.as_user("alice", guess).get("/api/database/").await;
    assert_eq!(status, 401);

    // An admin change, bob's project, and bob probing red's database.
    let (status, plan) = admin.patch("/api/plan/1/", &json!({"description": "audited"})).await;
    assert_eq!(status, 200, "{plan}");
    let project = bob_client.create("/api/project/", json!({"name": "blue-shop"})).await;
    let (status, _) = bob_client.delete(&format!("/api/database/{database_id}/")).await;
    assert_eq!(status, 404);

    // Alice deletes her database (quarantine), and it gets there.
    let (status, deleting) = alice_client.delete(&format!("/api/database/{database_id}/")).await;
    assert_eq!(status, 202, "{deleting}");
    stack.wait_for_status(database_id, "quarantined", TIMEOUT).await;

    // The admin reads everything, exactly what the catalog holds.
    let all = trail(&admin, "").await;
    let rows = stack.count("SELECT count(*) FROM audit_records").await;
    assert_eq!(all.len() as i64, rows, "the admin reads the whole trail");
    let ids: Vec<i64> = all.iter().map(|r| r["id"].as_i64().unwrap()).collect();
    assert!(ids.windows(2).all(|w| w[0] < w[1]), "oldest first, no repeats: {ids:?}");

    let red_path = path_of(&red);
    let red_path = red_path.trim_end_matches('/');
    let team_link = |record: &Value| {
        record["_links"]["team"]
            .as_str()
            .map(|l| l[l.find("/api/").unwrap()..].to_owned())
    };
    let red_team = Some(format!("{red_path}/"));

    let team = one(&all, "team_create", red_path);
    recorded(team, "admin", "POST", 201);
    let user = one(&all, "user_create", &format!("/api/user/{}", alice["id"]));
    recorded(user, "admin", "POST", 201);
    let db = &format!("/api/database/{database_id}");
    let created = one(&all, "database_create", db);
    recorded(created, "alice", "POST", 202);
    assert_eq!(team_link(created), red_team, "{created}");
    assert!(created["_links"]["user"]
        .as_str()
        .unwrap()
        .ends_with(&format!("/api/user/{}/", alice["id"])));
    let cred = &format!("/api/credential/{credential_id}");
    recorded(one(&all, "credential_create", cred), "alice", "POST", 201);
    let password_read = one(&all, "credential_get", cred);
    recorded(password_read, "alice", "GET", 200);
    assert_eq!(team_link(password_read), red_team);
    recorded(
        one(&all, "credential_get", &format!("/api/credential/{owner}")),
        "alice",
        "GET",
        200,
    );
    recorded(
        one(&all, "credential_reset_password", &format!("{cred}/reset_password")),
        "alice",
        "POST",
        200,
    );
    recorded(one(&all, "plan_update", "/api/plan/1"), "admin", "PATCH", 200);
    let deleted: Vec<&Value> = all
        .iter()
        .filter(|r| r["operation"] == "database_delete" && r["resource"] == db.as_str())
        .collect();
    assert_eq!(deleted.len(), 2, "bob's probe and alice's delete: {deleted:#?}");
    recorded(deleted[0], "bob", "DELETE", 404);
    assert_eq!(team_link(deleted[0]), None, "an outsider's probe names no team");
    recorded(deleted[1], "alice", "DELETE", 202);
    assert_eq!(team_link(deleted[1]), red_team);
    // Failed logins: the username as given, the client's address, no user link.
    let failed: Vec<&Value> = all.iter().filter(|r| r["operation"] == "login_failed").collect();
    assert_eq!(failed.len(), 2, "{failed:#?}");
    assert_eq!(failed[0]["user"], "Mallory Who?");
    assert_eq!(failed[0]["client_address"], "127.0.0.2");
    assert_eq!(failed[0]["resource"], "/api/plan");
    assert_eq!(failed[0]["method"], "GET");
    assert_eq!(failed[0]["status"], 401);
    assert!(failed[0]["_links"].get("user").is_none(), "{}", failed[0]);
    assert_eq!(failed[1]["user"], "alice");
    assert_eq!(failed[1]["client_address"], "127.0.0.1");
    // Reads other than a password's are not recorded.
    assert!(
        !all.iter()
            .any(|r| r["method"] == "GET" && r["operation"] != "credential_get" && r["operation"] != "login_failed"),
        "{all:#?}"
    );

    // Alice reads her team's records and her own calls, none of bob's or of blue's.
    let alices = trail(&alice_client, "").await;
    let bobs = trail(&bob_client, "").await;
    let alice_id = alice["id"].as_i64().unwrap();
    let bob_id = bob["id"].as_i64().unwrap();
    let actor = |r: &Value| r["_links"]["user"].as_str().map(id_of);
    for record in &alices {
        assert!(
            team_link(record) == red_team || actor(record) == Some(alice_id),
            "alice reads {record}"
        );
    }
    for record in &bobs {
        assert!(
            team_link(record) == Some(path_of(&blue)) || actor(record) == Some(bob_id),
            "bob reads {record}"
        );
    }
    let alice_reads =
        |op: &str, resource: &str| alices.iter().any(|r| r["operation"] == op && r["resource"] == resource);
    assert!(
        alice_reads("database_create", db)
            && alice_reads("credential_reset_password", &format!("{cred}/reset_password"))
    );
    assert!(alice_reads("team_create", red_path), "the admin's creation of her team");
    assert!(!alice_reads("project_create", path_of(&project).trim_end_matches('/')));
    assert!(
        !alices.iter().any(|r| r["user"] == "bob"),
        "bob's probe is not red's to read"
    );
    assert!(
        !alices.iter().any(|r| r["operation"] == "login_failed"),
        "failed logins are the admins'"
    );
    assert!(bobs.iter().any(|r| r["operation"] == "project_create"));
    assert!(
        bobs.iter()
            .any(|r| r["operation"] == "database_delete" && r["status"] == 404),
        "his own probe"
    );
    assert!(!bobs.iter().any(|r| r["user"] == "alice"));

    // Filters, each alone and together, through pages.
    let only = |records: Vec<Value>, check: &dyn Fn(&Value) -> bool| {
        assert!(!records.is_empty());
        assert!(records.iter().all(check), "{records:#?}");
        records.len()
    };
    only(trail(&admin, "&user=alice").await, &|r| r["user"] == "alice");
    only(trail(&admin, "&user=Mallory%20Who%3F").await, &|r| {
        r["operation"] == "login_failed"
    });
    only(trail(&admin, "&operation=credential_get").await, &|r| {
        r["operation"] == "credential_get"
    });
    let about_credential = only(
        trail(&admin, &format!("&resource={}", stack.url(&format!("{cred}/")))).await,
        &|r| r["resource"].as_str().unwrap().starts_with(cred.as_str()),
    );
    assert_eq!(about_credential, 3, "its create, its read and its reset");
    assert_eq!(
        trail(
            &alice_client,
            &format!("&resource={db}/&operation=database_delete&user=alice")
        )
        .await
        .len(),
        1
    );
    // From the middle record on (`since` includes it), up to the last (`until` excludes it).
    let middle = all.len() / 2;
    let (since, until) = (
        all[middle]["at"].as_str().unwrap(),
        all.last().unwrap()["at"].as_str().unwrap(),
    );
    let encode = |t: &str| t.replace('+', "%2B");
    let window = trail(&admin, &format!("&since={}&until={}", encode(since), encode(until))).await;
    let window: Vec<&Value> = window.iter().map(|r| &r["id"]).collect();
    let expected: Vec<&Value> = all[middle..all.len() - 1].iter().map(|r| &r["id"]).collect();
    assert_eq!(window, expected, "since {since}, until {until}");
    assert!(trail(&admin, "&operation=no_such_operation").await.is_empty());

    // Bad filters name their field.
    refused(
        admin.get("/api/audit/?operation=Drop%20Table").await,
        400,
        Some("operation"),
    );
    refused(
        admin.get("/api/audit/?resource=etc/passwd").await,
        422,
        Some("resource"),
    );
    refused(admin.get("/api/audit/?since=yesterday").await, 400, Some("since"));
    refused(
        admin
            .get("/api/audit/?since=2030-01-02T00:00:00Z&until=2030-01-01T00:00:00Z")
            .await,
        422,
        Some("until"),
    );
    refused(
        admin.get(&format!("/api/audit/?user={}", "u".repeat(257))).await,
        400,
        Some("user"),
    );
    refused(admin.get("/api/audit/?page_size=0").await, 400, Some("page_size"));
    refused(admin.get("/api/audit/?colour=red").await, 400, None);
    refused(stack.anonymous().get("/api/audit/").await, 401, None);

    // No password or secret of the run is anywhere in the trail.
    let catalog = stack.catalog().await;
    let rows: Vec<String> = catalog
        .query("SELECT a::text FROM audit_records a", &[])
        .await
        .unwrap()
        .iter()
        .map(|row| row.get(0))
        .collect();
    assert_eq!(rows.len() as i64, trail(&admin, "").await.len() as i64);
    for secret in &secrets {
        assert!(secret.len() >= 12, "a real secret: {secret:?}");
        for row in &rows {
            assert!(!row.contains(secret.as_str()), "a secret in the audit trail: {row}");
        }
    }
    stack.cleanup().await;
}

/// A trigger on the stack's own catalog that makes `operation` on the audit table fail.
async fn refuse_audit(stack: &TestStack, operation: &str) {
    stack
        .catalog()
        .await
        .batch_execute(&format!(
            "CREATE OR REPLACE FUNCTION refuse_audit() RETURNS trigger LANGUAGE plpgsql AS
                 $$ BEGIN RAISE EXCEPTION 'the audit trail is refused by the test'; END $$;
             CREATE TRIGGER refuse_audit_{op} BEFORE {operation} ON audit_records
                 FOR EACH ROW EXECUTE FUNCTION refuse_audit();",
            op = operation.to_lowercase()
        ))
        .await
        .expect("install the trigger");
}

async fn allow_audit(stack: &TestStack, operation: &str) {
    stack
        .catalog()
        .await
        .batch_execute(&format!(
            "DROP TRIGGER refuse_audit_{} ON audit_records",
            operation.to_lowercase()
        ))
        .await
        .expect("drop the trigger");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_call_whose_record_cannot_be_written_changes_nothing() {
    // No worker: nothing may act on what slipped through.
    let stack = TestStack::start_api_only(|_| {}).await;
    let database_id = stack.database_row("kept", [None, None, None, None]).await;
    let password = "sealed-password-of-the-row";
    let credential_id: i64 = stack
        .catalog()
        .await
        .query_one(
            "INSERT INTO credentials (database_id, username, password_enc) VALUES ($1, 'u_kept', $2) RETURNING id",
            &[&database_id, &stack.config.secrets.seal(password)],
        )
        .await
        .unwrap()
        .get(0);

    refuse_audit(&stack, "INSERT").await;
    let body = refused(
        stack.post("/api/team/", &json!({"name": "unrecorded"})).await,
        503,
        None,
    );
    assert_eq!(body["code"], "unavailable");
    assert_eq!(
        stack
            .count("SELECT count(*) FROM teams WHERE name = 'unrecorded'")
            .await,
        0
    );
    refused(stack.delete(&format!("/api/database/{database_id}/")).await, 503, None);
    let (_, database) = stack.get(&format!("/api/database/{database_id}/")).await;
    assert_eq!(database["status"], "ready", "{database}");
    assert_eq!(
        stack.count("SELECT count(*) FROM tasks").await,
        0,
        "no task was started"
    );
    refused(
        stack
            .post(&format!("/api/credential/{credential_id}/reset_password/"), &json!({}))
            .await,
        503,
        None,
    );
    // A password read goes on (its lost record is logged), and so does a failed login.
    let (status, read) = stack.get(&format!("/api/credential/{credential_id}/")).await;
    assert_eq!(status, 200, "{read}");
    assert_eq!(read["password"], password);
    let (status, _) = stack.as_user("admin", "not-the-password").get("/api/plan/").await;
    assert_eq!(status, 401);
    assert_eq!(stack.count("SELECT count(*) FROM audit_records").await, 0);
    allow_audit(&stack, "INSERT").await;

    // An outcome that cannot be written leaves the call done and its record without a status.
    refuse_audit(&stack, "UPDATE").await;
    let team = stack.as_admin().create("/api/team/", json!({"name": "recorded"})).await;
    allow_audit(&stack, "UPDATE").await;
    let (_, records) = stack.get("/api/audit/?operation=team_create").await;
    assert_eq!(records["_links"]["count"], 1, "{records}");
    let record = &records["audit"][0];
    assert_eq!(record["status"], Value::Null, "{record}");
    assert_eq!(
        record["resource"], "/api/team",
        "the created team was never written: {record}"
    );
    assert!(team["id"].is_i64());
    stack.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failed_logins_are_recorded_within_a_rate_limit() {
    let stack = TestStack::start_api_only(|_| {}).await;
    // Each guess under a name of its own, so the login throttle does not slow them.
    let guesses = 130;
    let started = std::time::Instant::now();
    for n in 0..guesses {
        let (status, _) = stack
            .as_user(&format!("flood{n}"), "wrong-password")
            .get("/api/plan/")
            .await;
        assert_eq!(status, 401);
    }
    let took = started.elapsed().as_secs() as i64;
    let recorded = stack
        .count("SELECT count(*) FROM audit_records WHERE operation = 'login_failed'")
        .await;
    // A burst of 100, then one a second.
    assert!(
        (100..=101 + took).contains(&recorded),
        "{recorded} of {guesses} failed logins recorded in {took} s"
    );
    let (_, first) = stack.get("/api/audit/?user=flood0").await;
    assert_eq!(first["_links"]["count"], 1, "{first}");
    stack.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn records_past_their_retention_are_dropped() {
    let stack = TestStack::start_with(|config| config.audit_retention_days = 30).await;
    let catalog = stack.catalog().await;
    for days in [31, 29] {
        catalog
            .execute(
                "INSERT INTO audit_records (at, actor_name, client_address, operation, method, resource, status)
                 VALUES (now() - make_interval(days => $1), 'old', '127.0.0.1', 'team_create', 'POST', '/api/team', 201)",
                &[&days],
            )
            .await
            .unwrap();
    }
    let left = retry(Duration::from_secs(30), Duration::from_millis(200), || async {
        match stack
            .count("SELECT count(*) FROM audit_records WHERE at < now() - interval '30 days'")
            .await
        {
            0 => Ok(()),
            n => Err(n),
        }
    })
    .await;
    assert_eq!(left, Ok(()), "the record past its retention is still there");
    assert_eq!(
        stack
            .count("SELECT count(*) FROM audit_records WHERE actor_name = 'old'")
            .await,
        1,
        "the record within its retention stays"
    );
    stack.cleanup().await;
}
