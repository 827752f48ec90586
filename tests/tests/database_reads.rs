//! Reads of databases (`GET /api/database/{id}/` and the list pages) are answered from memory,
//! and a change shows on every api replica within a second (the README's guarantee,
//! "Reads and replicas"): a change through one replica, and changes made in the catalog
//! itself of a database, a credential, an engine and a plan. The replica that made a change
//! shows it at once. A database a task works on is never answered from memory.

use std::time::{Duration, Instant};

use dbaas_tests::TestStack;
use serde_json::{json, Value};

/// The stated time: README, "Reads and replicas".
const STATED: Duration = Duration::from_secs(1);

struct Reader {
    http: reqwest::Client,
    login: (String, String),
}

impl Reader {
    async fn get(&self, url: &str) -> Value {
        let reply = self
            .http
            .get(url)
            .basic_auth(&self.login.0, Some(&self.login.1))
            .send()
            .await
            .expect("GET");
        assert_eq!(reply.status(), 200, "{url}");
        reply.json().await.expect("JSON")
    }

    /// The database `id` as `GET {base}/api/database/{id}/` and as the first page of the list
    /// (filtered by its name) show it.
    async fn both(&self, base: &str, id: i64, name: &str) -> (Value, Value) {
        let one = self.get(&format!("{base}/api/database/{id}/")).await;
        let page = self.get(&format!("{base}/api/database/?name={name}")).await;
        let listed = page["database"][0].clone();
        assert_eq!(listed["id"], id, "{page}");
        (one, listed)
    }

    /// Asserts that GET and the list on each of `bases` show `description`.
    async fn all_read(&self, bases: &[&String], id: i64, description: &str, why: &str) {
        for base in bases {
            let (one, listed) = self.both(base, id, "orders").await;
            assert_eq!(one["description"], description, "GET on {base}: {why}");
            assert_eq!(listed["description"], description, "the list on {base}: {why}");
        }
    }

    /// Waits until `field` of the database no longer reads `before` on `base`, in GET and in
    /// the list, and fails if that takes longer than the stated time from `since`.
    async fn changes_within(&self, base: &str, id: i64, name: &str, field: &str, before: &Value, since: Instant) {
        loop {
            let (one, listed) = self.both(base, id, name).await;
            if &one[field] != before && &listed[field] != before {
                assert_eq!(one, listed, "GET and the list show a database alike");
                return;
            }
            assert!(
                since.elapsed() < STATED,
                "{field} on {base} still reads {} / {} {:?} after the change",
                one[field],
                listed[field],
                since.elapsed()
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reads_come_from_memory_and_every_change_shows_on_every_replica_within_a_second() {
    let mut stack = TestStack::start_api_only(|_| {}).await;
    let other = stack.start_another_api().await;
    let first = stack.base_url.clone();
    let reader = Reader {
        http: reqwest::Client::new(),
        login: (stack.admin_user.clone(), stack.admin_password.clone()),
    };
    let catalog = stack.catalog().await;
    let id = stack.database_row("orders", [None, None, None, None]).await;
    catalog
        .batch_execute(&format!(
            "INSERT INTO hosts (name, environment_id, docker_endpoint, address, port_min, port_max)
             VALUES ('reads-host', 1, 'unix:///nonexistent.sock', '127.0.0.9', 40000, 40010);
             INSERT INTO engines (uid, environment_id, host_id, plan_id, kind, image, memory_bytes,
                                  cpu_millis, container_name, volume_name, port, state, assigned_at)
             SELECT 'reads{id}', 1, h.id, 1, 'postgres', 'dbaas/postgres:15', 268435456, 500,
                    'dbaas-reads{id}', 'dbaas-reads{id}-data', 40001, 'assigned', now()
               FROM hosts h WHERE h.name = 'reads-host';
             UPDATE databases SET engine_id = (SELECT id FROM engines WHERE uid = 'reads{id}') WHERE id = {id};
             INSERT INTO credentials (database_id, username) VALUES ({id}, 'u_orders');"
        ))
        .await
        .expect("an engine and an owner for the row");
    for base in [&first, &other] {
        let (one, listed) = reader.both(base, id, "orders").await;
        assert_eq!(one, listed, "GET and the list show a database alike");
        assert_eq!(one["host"], "reads-host");
    }

    // The reads really come from memory: a change with the trigger switched off (nothing
    // announced) goes unseen by both replicas.
    unannounced(&catalog, id, "unannounced").await;
    reader
        .all_read(&[&first, &other], id, "", "not answered from memory")
        .await;

    // A change through the first replica: there at once, on the other within a second.
    let path = format!("/api/database/{id}");
    let (code, body) = stack
        .as_admin()
        .patch(&path, &json!({"description": "through the api"}))
        .await;
    assert_eq!(code, 200, "{body}");
    let changed = Instant::now();
    let (one, listed) = reader.both(&first, id, "orders").await;
    assert_eq!(
        (&one["description"], &listed["description"]),
        (&json!("through the api"), &json!("through the api")),
        "the replica that made the change"
    );
    reader
        .changes_within(&other, id, "orders", "description", &json!(""), changed)
        .await;

    // Changes made in the catalog itself, by anyone: each is heard by both replicas.
    let changes = [
        (
            "a credential",
            format!("INSERT INTO credentials (database_id, username) VALUES ({id}, 'app')"),
            "credentials",
        ),
        (
            "the engine's port",
            format!("UPDATE engines SET port = 40002 WHERE uid = 'reads{id}'"),
            "endpoint",
        ),
        (
            "the host's address",
            "UPDATE hosts SET name = 'renamed-host' WHERE name = 'reads-host'".to_owned(),
            "host",
        ),
        (
            "the plan's size",
            "UPDATE plans SET size_bytes = size_bytes + 1 WHERE id = 1".to_owned(),
            "total_size_in_bytes",
        ),
        (
            "the status",
            format!("UPDATE databases SET status = 'failed' WHERE id = {id}"),
            "status",
        ),
    ];
    for (what, statement, field) in changes {
        let before = reader.both(&other, id, "orders").await.0[field].clone();
        catalog
            .batch_execute(&statement)
            .await
            .unwrap_or_else(|e| panic!("{what}: {e}"));
        let changed = Instant::now();
        for base in [&first, &other] {
            reader.changes_within(base, id, "orders", field, &before, changed).await;
        }
    }

    // A database a task works on is read from the catalog every time: an unannounced change
    // shows at once.
    catalog
        .batch_execute(&format!(
            "INSERT INTO tasks (kind, status, database_id) VALUES ('create_credential', 'queued', {id});
             UPDATE databases SET status = 'ready',
                    latest_task_id = (SELECT max(id) FROM tasks WHERE database_id = {id}) WHERE id = {id};"
        ))
        .await
        .expect("a task under way");
    let since = Instant::now();
    reader
        .changes_within(&other, id, "orders", "status", &json!("failed"), since)
        .await;
    unannounced(&catalog, id, "while a task works").await;
    reader
        .all_read(
            &[&first, &other],
            id,
            "while a task works",
            "answered from memory while a task works",
        )
        .await;
    stack.cleanup().await;
}

/// Sets the database's description in the catalog with its trigger switched off: a change
/// nobody announces.
async fn unannounced(catalog: &tokio_postgres::Client, id: i64, description: &str) {
    catalog
        .batch_execute(&format!(
            "ALTER TABLE databases DISABLE TRIGGER databases_read_changed;
             UPDATE databases SET description = '{description}' WHERE id = {id};
             ALTER TABLE databases ENABLE TRIGGER databases_read_changed;"
        ))
        .await
        .expect("an unannounced change");
}
