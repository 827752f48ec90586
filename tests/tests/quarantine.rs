//! Quarantine, restore and destruction: the first DELETE replaces every password and cuts
//! every session, a restore within the period gives every credential a new one, and the second
//! DELETE (or the period running out) destroys the database after a final dump that is read
//! back here; each case runs once per engine (`..._postgres`, `..._mongodb`).

use std::collections::HashMap;
use std::io::Read;
use std::time::Duration;

use dbaas_tests::{id_of, task_id, Engine, EngineError, TestStack};
use mongodb::bson::{doc, Document};
use serde_json::json;

const TIMEOUT: Duration = Duration::from_secs(120);

/// The same URI with another login.
fn with_login(uri: &str, user: &str, password: &str) -> String {
    let mut url = reqwest::Url::parse(uri).expect("a URI");
    url.set_username(user).expect("a user");
    url.set_password(Some(password)).expect("a password");
    url.to_string()
}

/// The files of a tar archive, by path.
fn untar(archive: &[u8]) -> HashMap<String, Vec<u8>> {
    let mut files = HashMap::new();
    for entry in tar::Archive::new(archive).entries().expect("a tar archive") {
        let mut entry = entry.expect("a tar entry");
        let path = entry.path().expect("a path").to_string_lossy().into_owned();
        let mut contents = Vec::new();
        entry.read_to_end(&mut contents).expect("the entry's contents");
        files.insert(path, contents);
    }
    files
}

/// A `.bson` file of mongodump: BSON documents one after another.
fn bson_documents(bytes: &[u8]) -> Vec<Document> {
    let mut reader = std::io::Cursor::new(bytes);
    let mut documents = Vec::new();
    while (reader.position() as usize) < bytes.len() {
        documents.push(Document::from_reader(&mut reader).expect("a BSON document"));
    }
    documents
}

/// Checks that a final dump holds table `kept` with the values 1 and 2.
fn check_dump_holds_kept(engine: Engine, stack: &TestStack, database: &str, whole: &[u8]) {
    match engine {
        Engine::Postgres => {
            assert!(whole.starts_with(b"PGDMP"), "a pg_dump custom-format archive");
            let file = std::env::temp_dir().join(format!("dump-{}.pgdump", stack.id));
            std::fs::write(&file, whole).unwrap();
            let listing = std::process::Command::new("pg_restore")
                .arg("--list")
                .arg(&file)
                .output()
                .expect("pg_restore");
            std::fs::remove_file(&file).unwrap();
            assert!(
                String::from_utf8_lossy(&listing.stdout).contains("TABLE public kept"),
                "the dump holds the data"
            );
        }
        Engine::MongoDb => {
            // mongodump's layout, in a tar archive.
            let files = untar(whole);
            let bson = files
                .get(&format!("{database}/kept.bson"))
                .unwrap_or_else(|| panic!("no {database}/kept.bson in {:?}", files.keys()));
            let mut values: Vec<i64> = bson_documents(bson)
                .iter()
                .map(|d| d.get_i64("v").expect("v"))
                .collect();
            values.sort();
            assert_eq!(values, [1, 2], "the dump holds the data");
            let metadata = files
                .get(&format!("{database}/kept.metadata.json"))
                .unwrap_or_else(|| panic!("no {database}/kept.metadata.json in {:?}", files.keys()));
            let metadata: serde_json::Value = serde_json::from_slice(metadata).expect("JSON");
            assert_eq!(metadata["collectionName"], "kept", "{metadata}");
            assert!(metadata["indexes"].is_array(), "{metadata}");
        }
    }
}

async fn delete_quarantines_then_destroys(engine: Engine) {
    let stack = TestStack::start().await;
    let name = engine.db_name("doomed");
    let (database, uri) = stack.ready_database_on(engine, &name).await;
    let id = database["id"].as_i64().unwrap();
    let path = format!("/api/database/{id}/");
    let owner = engine.connect(&uri).await.unwrap();
    owner.create_table("kept").await.unwrap();
    owner.insert("kept", 1).await.unwrap();
    owner.insert("kept", 2).await.unwrap();
    let (status, extra) = stack
        .post("/api/credential/", &json!({"user": "u_extra", "database": id}))
        .await;
    assert_eq!(status, 201, "{extra}");
    let extra_uri = extra["connection_uri"].as_str().unwrap().to_owned();
    let extra_session = engine.connect(&extra_uri).await.unwrap();
    // A user the tenant made itself, which the catalog does not know: the owner (dbOwner)
    // administers the database's users.
    let tenant_made = match engine {
        Engine::Postgres => None,
        Engine::MongoDb => {
            owner
                .mongodb()
                .unwrap()
                .run_command(doc! {
                    "createUser": "tenant_made",
                    "pwd": "TenantMadePassword1",
                    "roles": [{"role": "readWrite", "db": &name}],
                })
                .await
                .expect("the owner creates users");
            let tenant_uri = with_login(&uri, "tenant_made", "TenantMadePassword1");
            let session = engine
                .connect(&tenant_uri)
                .await
                .expect("the tenant's own user logs in");
            assert_eq!(session.values("kept").await.unwrap(), [1, 2]);
            Some(tenant_uri)
        }
    };

    // Protected: DELETE refused until cleared.
    let (status, body) = stack.patch(&path, &json!({"is_protected": true})).await;
    assert_eq!((status, body["is_protected"].as_bool()), (200, Some(true)), "{body}");
    let (status, body) = stack.delete(&path).await;
    assert_eq!(status, 409, "{body}");
    stack.patch(&path, &json!({"is_protected": false})).await;

    // First DELETE: quarantine. Passwords are replaced, sessions cut, the data stays.
    let (status, quarantined) = stack.delete(&path).await;
    assert_eq!(status, 202, "{quarantined}");
    assert_eq!(quarantined["status"], "quarantining");
    assert!(quarantined["quarantine_dt"].is_string());
    let task = stack.wait_for_task(task_id(&quarantined), TIMEOUT).await;
    assert_eq!(task["status"], "succeeded", "{task}");
    assert_eq!(task["kind"], "quarantine_database");
    assert_eq!(
        engine.connect(&uri).await.err(),
        Some(EngineError::LoginRefused),
        "the old password no longer works"
    );
    assert_eq!(
        engine.connect(&extra_uri).await.err(),
        Some(EngineError::LoginRefused),
        "nor any other credential's"
    );
    if let Some(tenant_uri) = &tenant_made {
        assert_eq!(
            engine.connect(tenant_uri).await.err(),
            Some(EngineError::LoginRefused),
            "nor that of a user the tenant made itself"
        );
    }
    // Postgres terminates the sessions; MongoDB's engine is restarted, and the driver's
    // reconnection fails its login.
    for session in [&owner, &extra_session] {
        let cut = session.values("kept").await;
        match engine {
            Engine::Postgres => assert!(cut.is_err(), "open sessions were cut: {cut:?}"),
            Engine::MongoDb => assert_eq!(cut, Err(EngineError::LoginRefused), "open connections were cut"),
        }
    }
    for credential in [
        id_of(database["credentials"][0]["_links"]["self"].as_str().unwrap()),
        extra["id"].as_i64().unwrap(),
    ] {
        let (_, shown) = stack.get(&format!("/api/credential/{credential}/")).await;
        assert!(
            shown["password"].is_null() && shown["connection_uri"].is_null(),
            "{shown}"
        );
    }
    let uid: String = stack
        .catalog()
        .await
        .query_one("SELECT uid FROM databases WHERE id = $1", &[&id])
        .await
        .unwrap()
        .get(0);
    assert_eq!(
        stack.containers_with("dbaas.database.uid", &uid).await.len(),
        1,
        "the data stays"
    );

    // Second DELETE: destroy. Container and volume go, the row stays as deleted.
    let (status, destroying) = stack.delete(&path).await;
    assert_eq!(status, 202, "{destroying}");
    stack.wait_for_status(id, "deleted", TIMEOUT).await;
    assert!(stack.containers_with("dbaas.database.uid", &uid).await.is_empty());
    let volume = format!("dbaas-{name}-{uid}-data");
    assert!(
        stack.docker().await.inspect_volume(&volume).await.is_err(),
        "the volume is gone"
    );
    let (status, gone) = stack.get(&path).await;
    assert_eq!(status, 200);
    assert!(gone["deleted_at"].is_string());
    let (status, body) = stack.delete(&path).await;
    assert_eq!(status, 409, "{body}");

    // A final dump was taken first: listed, downloadable whole or by ranges, and real.
    let (status, dumps) = stack.get(&format!("/api/database/{id}/dumps/")).await;
    assert_eq!(status, 200, "{dumps}");
    let dump = &dumps["dump"][0];
    assert_eq!(dump["format"], engine.dump_format());
    let size = dump["size_bytes"].as_i64().unwrap();
    let url = dump["_links"]["self"].as_str().unwrap().to_owned();
    let download = |range: Option<String>| {
        let mut request = stack
            .http
            .get(&url)
            .basic_auth(&stack.admin_user, Some(&stack.admin_password));
        if let Some(range) = range {
            request = request.header("range", range);
        }
        request.send()
    };
    let whole = download(None).await.unwrap();
    assert_eq!(whole.status(), 200);
    assert_eq!(whole.headers()["accept-ranges"], "bytes");
    let whole = whole.bytes().await.unwrap();
    assert_eq!(whole.len() as i64, size);
    let head = download(Some("bytes=0-4".into())).await.unwrap();
    assert_eq!(head.status(), 206);
    assert_eq!(head.headers()["content-range"], format!("bytes 0-4/{size}").as_str());
    let head = head.bytes().await.unwrap();
    assert_eq!(&head[..], &whole[..5]);
    if engine == Engine::Postgres {
        assert_eq!(&head[..], b"PGDMP");
    }
    let tail = download(Some(format!("bytes={}-", size / 2)))
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    let first = download(Some(format!("bytes=0-{}", size / 2 - 1)))
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert_eq!(
        [first.as_ref(), tail.as_ref()].concat(),
        whole.as_ref(),
        "ranges put together make the whole"
    );
    assert_eq!(download(Some(format!("bytes={size}-"))).await.unwrap().status(), 416);
    check_dump_holds_kept(engine, &stack, &name, &whole);

    let (_, live) = stack.get("/api/database/").await;
    assert_eq!(live["_links"]["count"], 0, "{live}");
    let (_, all) = stack.get("/api/database/?showDeleted=true").await;
    assert_eq!(all["_links"]["count"], 1);
    assert_eq!(all["database"][0]["status"], "deleted");

    // The name is free again.
    let (status, body) = stack
        .post(
            "/api/database/",
            &json!({"name": name, "plan": engine.plan(), "environment": 1}),
        )
        .await;
    assert_eq!(status, 202, "{body}");
    stack.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn delete_quarantines_then_destroys_postgres() {
    delete_quarantines_then_destroys(Engine::Postgres).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn delete_quarantines_then_destroys_mongodb() {
    delete_quarantines_then_destroys(Engine::MongoDb).await;
}

async fn restore_within_the_period_gives_every_credential_a_new_password(engine: Engine) {
    let stack = TestStack::start().await;
    let (database, uri) = stack.ready_database_on(engine, &engine.db_name("comeback")).await;
    let id = database["id"].as_i64().unwrap();
    let owner = engine.connect(&uri).await.unwrap();
    owner.create_table("kept").await.unwrap();
    owner.insert("kept", 5).await.unwrap();
    let (status, extra) = stack
        .post(
            "/api/credential/",
            &json!({"user": "u_extra", "database": id, "privileges": "read-only"}),
        )
        .await;
    assert_eq!(status, 201, "{extra}");
    let extra_uri = extra["connection_uri"].as_str().unwrap().to_owned();
    let (status, restore) = stack.post(&format!("/api/database/{id}/restore/"), &json!({})).await;
    assert_eq!(status, 409, "only quarantined databases are restored: {restore}");

    let (_, quarantined) = stack.delete(&format!("/api/database/{id}/")).await;
    stack.wait_for_task(task_id(&quarantined), TIMEOUT).await;
    let (status, restored) = stack.post(&format!("/api/database/{id}/restore/"), &json!({})).await;
    assert_eq!(status, 200, "{restored}");
    assert_eq!(restored["status"], "ready");
    assert!(restored["quarantine_dt"].is_null());

    let credential = id_of(database["credentials"][0]["_links"]["self"].as_str().unwrap());
    for (credential, old_uri) in [(credential, &uri), (extra["id"].as_i64().unwrap(), &extra_uri)] {
        let (_, fresh) = stack.get(&format!("/api/credential/{credential}/")).await;
        let new_uri = fresh["connection_uri"].as_str().expect("a new password");
        assert_ne!(new_uri, old_uri);
        assert_eq!(
            engine.connect(old_uri).await.err(),
            Some(EngineError::LoginRefused),
            "the old password is gone for good"
        );
        let session = engine.connect(new_uri).await.expect("the new password works");
        assert_eq!(session.values("kept").await.unwrap(), [5], "the data came back");
    }
    stack.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn restore_within_the_period_gives_every_credential_a_new_password_postgres() {
    restore_within_the_period_gives_every_credential_a_new_password(Engine::Postgres).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn restore_within_the_period_gives_every_credential_a_new_password_mongodb() {
    restore_within_the_period_gives_every_credential_a_new_password(Engine::MongoDb).await;
}

async fn a_quarantine_that_runs_out_destroys_the_database(engine: Engine) {
    let stack = TestStack::start().await;
    let (database, _) = stack.ready_database_on(engine, &engine.db_name("shortlived")).await;
    let id = database["id"].as_i64().unwrap();
    let (status, body) = stack
        .patch(&format!("/api/database/{id}/"), &json!({"quarantine_days": -1}))
        .await;
    assert_eq!(
        (status, body["field"].as_str()),
        (400, Some("quarantine_days")),
        "{body}"
    );
    let (status, body) = stack
        .patch(&format!("/api/database/{id}/"), &json!({"quarantine_days": 0}))
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["quarantine_days"], 0);
    let (status, quarantined) = stack.delete(&format!("/api/database/{id}/")).await;
    assert_eq!(status, 202, "{quarantined}");
    assert!(quarantined["quarantine_ends_at"].is_string(), "{quarantined}");
    let deleted = stack.wait_for_status(id, "deleted", TIMEOUT).await;
    assert!(deleted["deleted_at"].is_string());
    let (status, _) = stack.post(&format!("/api/database/{id}/restore/"), &json!({})).await;
    assert_eq!(status, 409);
    stack.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_quarantine_that_runs_out_destroys_the_database_postgres() {
    a_quarantine_that_runs_out_destroys_the_database(Engine::Postgres).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_quarantine_that_runs_out_destroys_the_database_mongodb() {
    a_quarantine_that_runs_out_destroys_the_database(Engine::MongoDb).await;
}
