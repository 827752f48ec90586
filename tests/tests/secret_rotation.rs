//! Rotating the control plane's secret key: `DBAAS_SECRET_KEY` with an id, the older key in
//! `DBAAS_SECRET_KEYS_OLD`, then `dbaas-api reseal`, against the real api and worker
//! processes, the catalog and a real engine. Nothing sealed before is lost, new secrets take
//! the new key, and once resealed the old key can go.

use dbaas_core::secrets::SecretBox;
use dbaas_core::store::SEALED_COLUMNS;
use dbaas_tests::{id_of, Engine, EngineError, Services, TestStack};
use serde_json::Value;

const NEW_PREFIX: &[u8] = b"\x01\x02k2";

/// Resets the credential's password through the api (the worker opens the engine's
/// superuser password to apply it); the new URI.
async fn reset(stack: &TestStack, database: &Value) -> String {
    let credential = id_of(database["credentials"][0]["_links"]["self"].as_str().unwrap());
    stack.reset_password(credential).await["connection_uri"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// Every sealed secret of the catalog, as `(table.column, bytes)`.
async fn sealed(stack: &TestStack) -> Vec<(String, Vec<u8>)> {
    let catalog = stack.catalog().await;
    let mut all = Vec::new();
    for (table, _, column) in SEALED_COLUMNS {
        let rows = catalog
            .query(&format!("SELECT {column} FROM {table} WHERE {column} IS NOT NULL"), &[])
            .await
            .unwrap();
        all.extend(
            rows.iter()
                .map(|r| (format!("{table}.{column}"), r.get::<_, Vec<u8>>(0))),
        );
    }
    all
}

/// Replaces the worker and the api with processes reading these keys.
async fn restart_with(stack: &mut TestStack, keys: &[(&str, &str)]) {
    stack.kill_worker();
    stack.start_worker_with(keys);
    stack.wait_for_worker().await;
    stack.restart_api_with(keys).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_rotated_key_keeps_every_secret_and_the_old_one_can_go_after_a_reseal() {
    let engine = Engine::Postgres;
    let mut stack = TestStack::start_processes(Services::default()).await;
    let (database, first_uri) = stack.ready_database_on(engine, &engine.db_name("rotated")).await;
    let session = engine.connect(&first_uri).await.expect("the first password works");
    session.create_table("t").await.unwrap();
    session.insert("t", 7).await.unwrap();
    let before = sealed(&stack).await;
    assert!(
        before.iter().any(|(c, _)| c == "engines.admin_password_enc"),
        "{before:?}"
    );
    assert!(before.iter().all(|(_, s)| !s.starts_with(NEW_PREFIX)));

    // The new key is current, the old one (which had no id) only opens.
    let old_key = stack.secret_key().to_owned();
    let new_key = format!("k2:{}", SecretBox::generate_key());
    let rotation = [
        ("DBAAS_SECRET_KEY", new_key.as_str()),
        ("DBAAS_SECRET_KEYS_OLD", old_key.as_str()),
    ];
    restart_with(&mut stack, &rotation).await;
    assert_eq!(stack.owner_uri(&database).await, first_uri, "the old seal opens");
    let second_uri = reset(&stack, &database).await;
    assert_eq!(engine.connect(&first_uri).await.err(), Some(EngineError::LoginRefused));
    let session = engine.connect(&second_uri).await.expect("the reset password works");
    assert_eq!(session.values("t").await.unwrap(), [7]);
    let during = sealed(&stack).await;
    let credential = during
        .iter()
        .find(|(c, _)| c == "credentials.password_enc")
        .expect("the credential's password");
    assert!(credential.1.starts_with(NEW_PREFIX), "a new secret takes the new key");

    // Reseal: everything moves to the new key; a second run finds nothing to do.
    let (status, printed) = stack.run_binary("dbaas-api", &["reseal"], &rotation);
    assert!(status.success(), "{printed}");
    assert!(printed.contains("current key: k2"), "{printed}");
    assert!(
        printed.contains("certificate_authorities.key_enc: 1 resealed"),
        "{printed}"
    );
    assert!(printed.contains("engines.admin_password_enc: 1 resealed"), "{printed}");
    for (column, secret) in sealed(&stack).await {
        assert!(
            secret.starts_with(NEW_PREFIX),
            "{column} is still sealed with the old key"
        );
    }
    let (status, again) = stack.run_binary("dbaas-api", &["reseal"], &rotation);
    assert!(status.success(), "{again}");
    assert!(
        !again.contains(" 1 resealed") && again.contains("0 unreadable"),
        "{again}"
    );

    // Without the old key, a reseal of what it sealed would fail; nothing needs it now.
    let only_new = [("DBAAS_SECRET_KEY", new_key.as_str())];
    restart_with(&mut stack, &only_new).await;
    assert_eq!(stack.owner_uri(&database).await, second_uri);
    let third_uri = reset(&stack, &database).await;
    let session = engine
        .connect(&third_uri)
        .await
        .expect("the password after the reseal works");
    assert_eq!(session.values("t").await.unwrap(), [7]);
    // A new engine: its certificate is issued with the CA key, resealed.
    let (_, other_uri) = stack.ready_database_on(engine, &engine.db_name("after")).await;
    engine
        .connect(&other_uri)
        .await
        .expect("a database made after the rotation works");

    // A key that opens nothing here is refused by name at start, not met later.
    let (status, printed) = stack.run_binary("dbaas-api", &["reseal"], &[("DBAAS_SECRET_KEY", "k3:short")]);
    assert!(!status.success());
    assert!(printed.contains("DBAAS_SECRET_KEY"), "{printed}");
    stack.cleanup().await;
}
