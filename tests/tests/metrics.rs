//! Metrics and readiness of the real processes: `/metrics` of the api and of the worker's own
//! listener parse as Prometheus' text format and count what a test did (a create shows in
//! the requests, the tasks and the provisioning steps; labels are operation ids, never paths
//! or user names); `/ready` fails while the catalog is stopped and recovers with it, while
//! `/health` stays 200; and every metric the Grafana dashboard of the Helm chart uses is one
//! the processes declare.

use std::collections::BTreeSet;
use std::time::Duration;

use dbaas_tests::metrics::{scrape, Scrape};
use dbaas_tests::{free_port, retry, task_id, Engine, PrivatePostgres, Services, TestStack};
use serde_json::{json, Value};

const TIMEOUT: Duration = Duration::from_secs(120);

/// The steps of a cold provisioning, each timed once per create.
const COLD_STEPS: &[&str] = &[
    "provision.placed",
    "provision.port",
    "provision.password",
    "provision.container",
    "provision.ready",
    "provision.roles",
];

async fn api_metrics(stack: &TestStack) -> Scrape {
    scrape(&stack.http, &stack.url("/metrics")).await
}

async fn worker_metrics(stack: &TestStack) -> Scrape {
    scrape(&stack.http, &stack.worker_url("/metrics")).await
}

/// Status and JSON body of a GET without credentials.
async fn get_json(stack: &TestStack, url: &str) -> (u16, Value) {
    let reply = stack
        .http
        .get(url)
        .send()
        .await
        .unwrap_or_else(|e| panic!("GET {url}: {e}"));
    let status = reply.status().as_u16();
    (status, reply.json().await.unwrap_or(Value::Null))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_create_shows_in_the_metrics_of_the_api_and_the_worker() {
    let engine = Engine::Postgres;
    let stack = TestStack::start_processes(Services::default()).await;
    let (api_before, worker_before) = (api_metrics(&stack).await, worker_metrics(&stack).await);
    let requests = "dbaas_http_request_duration_seconds_count";
    let created = [("operation", "database_create"), ("status", "202")];
    let provisions = [("kind", "provision_database"), ("outcome", "succeeded")];
    assert_eq!(api_before.value(requests, &created), 0.0);
    assert_eq!(
        worker_before.value("dbaas_task_duration_seconds_count", &provisions),
        0.0
    );

    let (status, database) = stack
        .post(
            "/api/database/",
            &json!({"name": engine.db_name("metered"), "plan": engine.plan(), "environment": 1}),
        )
        .await;
    assert_eq!(status, 202, "{database}");
    let ready = stack
        .wait_for_status(database["id"].as_i64().unwrap(), "ready", TIMEOUT)
        .await;
    assert_eq!(ready["status"], "ready", "{ready}");
    stack.wait_for_task(task_id(&ready), TIMEOUT).await;
    // A wrong login, and a path no route has: neither the name nor the path may show.
    let (status, _) = stack
        .as_user("metrics-probe-user", "not-the-password-1")
        .get("/api/database/")
        .await;
    assert_eq!(status, 401);
    let (status, _) = stack.get("/api/no-such-route/xyz-secret-segment").await;
    assert_eq!(status, 404);

    let api = api_metrics(&stack).await;
    assert_eq!(api.value(requests, &created), 1.0, "{}", api.text);
    assert!(
        api.value(requests, &[("operation", "database_get"), ("status", "200")]) >= 1.0,
        "the polls of the database count as database_get: {}",
        api.text
    );
    assert!(
        api.value(requests, &[("operation", "unknown"), ("status", "404")])
            > api_before.value(requests, &[("operation", "unknown"), ("status", "404")]),
        "an unknown path counts in the one bucket: {}",
        api.text
    );
    assert!(
        api.value("dbaas_http_request_duration_seconds_sum", &created) > 0.0,
        "{}",
        api.text
    );
    assert_eq!(
        api.value("dbaas_failed_logins_total", &[("reason", "wrong")])
            - api_before.value("dbaas_failed_logins_total", &[("reason", "wrong")]),
        1.0,
        "{}",
        api.text
    );
    for secret in [
        "metrics-probe-user",
        "not-the-password-1",
        "no-such-route",
        "xyz-secret-segment",
        stack.admin_password.as_str(),
    ] {
        assert!(!api.text.contains(secret), "{secret:?} is in the api's metrics");
    }
    for value in api.label_values() {
        assert!(!value.contains('/'), "a path as a label value: {value:?}");
    }
    assert_eq!(
        api.value("dbaas_catalog_connections", &[("state", "max")]),
        16.0,
        "{}",
        api.text
    );
    assert!(api.has("dbaas_backend_errors_total", &[("service", "catalog")]));
    assert!(api.has("dbaas_backend_errors_total", &[("service", "redis")]));

    let worker = worker_metrics(&stack).await;
    assert_eq!(
        worker.value("dbaas_task_duration_seconds_count", &provisions),
        1.0,
        "{}",
        worker.text
    );
    for step in COLD_STEPS {
        let labels = [("step", *step)];
        assert_eq!(
            worker.value("dbaas_provisioning_step_duration_seconds_count", &labels),
            1.0,
            "step {step}: {}",
            worker.text
        );
    }
    assert!(
        worker.value(
            "dbaas_provisioning_step_duration_seconds_sum",
            &[("step", "provision.ready")]
        ) > 0.0,
        "{}",
        worker.text
    );
    assert_eq!(
        worker.value("dbaas_engines", &[("engine", "postgres")]),
        1.0,
        "the database's engine, whatever its health: {}",
        worker.text
    );
    assert!(
        worker.has(
            "dbaas_queue_tasks",
            &[("kind", "provision_database"), ("status", "queued")]
        ),
        "{}",
        worker.text
    );
    assert!(
        worker.has("dbaas_pool_engines", &[("plan", "postgres-small"), ("state", "size")]),
        "{}",
        worker.text
    );
    assert!(
        worker.value("dbaas_catalog_connections", &[("state", "max")]) > 0.0,
        "{}",
        worker.text
    );
    for url in [
        stack.worker_url("/health"),
        stack.worker_url("/ready"),
        stack.url("/ready"),
    ] {
        let (status, body) = get_json(&stack, &url).await;
        assert_eq!(status, 200, "{url}: {body}");
    }
    stack.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn readiness_fails_while_the_catalog_is_stopped() {
    let postgres = PrivatePostgres::start_new(free_port());
    let services = Services {
        postgres_admin_url: Some(postgres.admin_url()),
        ..Services::default()
    };
    let stack = TestStack::start_processes(services).await;
    let (api_ready, worker_ready) = (stack.url("/ready"), stack.worker_url("/ready"));
    for url in [&api_ready, &worker_ready] {
        let (status, body) = get_json(&stack, url).await;
        assert_eq!(status, 200, "{url}: {body}");
        assert_eq!(body, json!({"status": "ready", "catalog": "ok", "redis": "ok"}));
    }

    postgres.stop();
    for url in [&api_ready, &worker_ready] {
        let body = retry(Duration::from_secs(15), Duration::from_millis(200), || async {
            match get_json(&stack, url).await {
                (503, body) => Ok(body),
                (status, body) => Err(format!("{status} {body}")),
            }
        })
        .await
        .unwrap_or_else(|last| panic!("{url} stays ready with the catalog stopped: {last}"));
        assert_eq!(
            body,
            json!({"status": "unavailable", "catalog": "unreachable", "redis": "ok"}),
            "{url}"
        );
    }
    for url in [stack.url("/health"), stack.worker_url("/health")] {
        let (status, body) = get_json(&stack, &url).await;
        assert_eq!(status, 200, "liveness does not follow the catalog: {url}: {body}");
    }
    // The metrics still answer, and count the catalog's errors.
    let api = api_metrics(&stack).await;
    assert!(
        api.value("dbaas_backend_errors_total", &[("service", "catalog")]) >= 1.0,
        "{}",
        api.text
    );
    let worker = worker_metrics(&stack).await;
    assert!(
        worker.value("dbaas_backend_errors_total", &[("service", "catalog")]) >= 1.0,
        "{}",
        worker.text
    );
    assert!(
        !worker.has("dbaas_queue_tasks", &[]),
        "no stale figures while the catalog cannot be read: {}",
        worker.text
    );

    postgres.start();
    for url in [&api_ready, &worker_ready] {
        retry(Duration::from_secs(60), Duration::from_millis(200), || async {
            match get_json(&stack, url).await {
                (200, _) => Ok(()),
                (status, body) => Err(format!("{status} {body}")),
            }
        })
        .await
        .unwrap_or_else(|last| panic!("{url} is not ready again with the catalog back: {last}"));
    }
    stack.cleanup().await;
    drop(postgres);
}

/// Every `dbaas_...` name in the dashboard's queries.
fn dashboard_metrics(dashboard: &Value) -> BTreeSet<String> {
    let name = regex::Regex::new(r"\bdbaas_[a-z0-9_]+").expect("regex");
    let mut exprs = Vec::new();
    collect_exprs(dashboard, &mut exprs);
    assert!(exprs.len() >= 10, "the dashboard has queries: {exprs:?}");
    exprs
        .iter()
        .flat_map(|e| name.find_iter(e).map(|m| m.as_str().to_owned()))
        .collect()
}

fn collect_exprs(value: &Value, into: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (key, v) in map {
                match (key.as_str(), v) {
                    ("expr" | "query", Value::String(e)) => into.push(e.clone()),
                    _ => collect_exprs(v, into),
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|v| collect_exprs(v, into)),
        _ => {}
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn every_metric_of_the_dashboard_is_one_the_processes_declare() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../charts/dbaas/dashboards/dbaas.json");
    let dashboard: Value =
        serde_json::from_str(&std::fs::read_to_string(path).expect("the dashboard")).expect("the dashboard is JSON");
    let used = dashboard_metrics(&dashboard);
    assert!(used.len() >= 8, "the dashboard uses a few metrics: {used:?}");

    let stack = TestStack::start_processes(Services::default()).await;
    let (api, worker) = (api_metrics(&stack).await, worker_metrics(&stack).await);
    let missing: Vec<&String> = used
        .iter()
        .filter(|name| !api.declares(name) && !worker.declares(name))
        .collect();
    assert!(
        missing.is_empty(),
        "the dashboard uses metrics no process declares: {missing:?}\napi:\n{}\nworker:\n{}",
        api.text,
        worker.text
    );
    stack.cleanup().await;
}
