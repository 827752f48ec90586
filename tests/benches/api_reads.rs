//! Authenticated reads under load, against the real api (in this process) and catalog, with
//! wrk as the load from another process.
//!
//! 1. Under the same load, one after another: `/health`, `GET /api/database/{id}/` as a
//!    tenant and a full page of 100 as the admin, each with req/s, p50 and p99, and the
//!    ratios to `/health`; the catalog queries per request (commits counted by
//!    `pg_stat_database` over sequential requests).
//! 2. Ten thousand databases: list pages (first, middle, last) as the admin and as a tenant,
//!    filters and GET by id, first with 10 databases in the catalog, then with 10,000 across 50
//!    teams (rows only: database, engine, owner credential, latest task), and the ratios.
//!
//!     cargo bench -p dbaas-tests --bench api_reads -- [SECONDS per run]

use std::process::Command;
use std::time::Duration;

use base64::Engine as _;
use dbaas_tests::TestStack;
use serde_json::{json, Value};

const THREADS: &str = "2";
const CONNECTIONS: &str = "32";
const TEAMS: usize = 50;
const MANY: i64 = 10_000;
const FEW: i64 = 10;
/// The page size of the scale comparison: a page holds as many at 10 databases as at 10,000.
const SCALE_PAGE: usize = 10;

/// What wrk measured of one URL.
#[derive(Debug, Clone, Copy)]
struct Load {
    rate: f64,
    p50_ms: f64,
    p99_ms: f64,
}

/// A wrk duration ("812.00us", "1.23ms", "2.00s") in milliseconds.
fn millis(text: &str) -> f64 {
    let split = text.find(|c: char| c.is_ascii_alphabetic()).unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let number: f64 = number.parse().unwrap_or(f64::NAN);
    match unit {
        "us" => number / 1000.0,
        "ms" => number,
        "s" => number * 1000.0,
        "m" => number * 60_000.0,
        _ => f64::NAN,
    }
}

fn wrk(url: &str, auth: Option<&str>, seconds: u64) -> Load {
    let mut command = Command::new("wrk");
    command.args([
        "-t",
        THREADS,
        "-c",
        CONNECTIONS,
        "-d",
        &format!("{seconds}s"),
        "--latency",
    ]);
    if let Some(auth) = auth {
        command.args(["-H", &format!("Authorization: Basic {auth}")]);
    }
    let output = command
        .arg(url)
        .output()
        .expect("wrk (scripts/deps.sh bench installs it)");
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "wrk failed: {text}");
    assert!(!text.contains("Non-2xx"), "{url} answered errors under load: {text}");
    let field = |prefix: &str| {
        text.lines()
            .map(str::trim)
            .find_map(|line| line.strip_prefix(prefix))
            .map(str::trim)
            .unwrap_or_else(|| panic!("no '{prefix}' in wrk's output: {text}"))
            .to_owned()
    };
    Load {
        rate: field("Requests/sec:").parse().unwrap_or(f64::NAN),
        p50_ms: millis(&field("50%")),
        p99_ms: millis(&field("99%")),
    }
}

fn basic(user: &str, password: &str) -> String {
    base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"))
}

fn print(name: &str, load: Load, base: Option<Load>) {
    let ratio = base.map_or(String::new(), |b| format!("  {:.2}× of /health", load.rate / b.rate));
    println!(
        "  {name:<44} {:>8.0} req/s  p50 {:>6.2} ms  p99 {:>6.2} ms{ratio}",
        load.rate, load.p50_ms, load.p99_ms
    );
}

/// Adds database rows `from..=to` straight to the catalog, each with an engine, an owner
/// credential and a finished provisioning task; the first `FEW` go to `tenant_team`, the
/// others round the `teams`.
async fn fill(catalog: &tokio_postgres::Client, from: i64, to: i64, teams: &[i64], tenant_team: i64) {
    let statements = [
        "INSERT INTO engines (uid, environment_id, host_id, plan_id, kind, image, memory_bytes,
                              cpu_millis, container_name, volume_name, port, state, assigned_at)
         SELECT 'bench' || g, 1, (SELECT min(id) FROM hosts WHERE environment_id = 1), 1,
                'postgres', 'dbaas/postgres:15', 268435456, 500,
                'dbaas-bench' || g || '-bench' || g, 'dbaas-bench' || g || '-bench' || g || '-data',
                20000 + g, 'assigned', now()
           FROM generate_series($1::bigint, $2::bigint) g",
        "INSERT INTO databases (uid, name, team_id, plan_id, environment_id, status, engine_id)
         SELECT e.uid, e.uid,
                CASE WHEN g <= 10 THEN $4::bigint ELSE ($3::bigint[])[1 + g % array_length($3::bigint[], 1)] END,
                1, 1, 'ready', e.id
           FROM generate_series($1::bigint, $2::bigint) g JOIN engines e ON e.uid = 'bench' || g",
        "INSERT INTO credentials (database_id, username)
         SELECT d.id, 'u_' || d.name FROM databases d
          WHERE d.uid IN (SELECT 'bench' || g FROM generate_series($1::bigint, $2::bigint) g)",
        "INSERT INTO tasks (kind, status, database_id, credential_id, attempts, started_at, finished_at)
         SELECT 'provision_database', 'succeeded', c.database_id, c.id, 1, now(), now()
           FROM credentials c JOIN databases d ON d.id = c.database_id
          WHERE d.uid IN (SELECT 'bench' || g FROM generate_series($1::bigint, $2::bigint) g)",
        "UPDATE databases d SET latest_task_id = t.id FROM tasks t
          WHERE t.database_id = d.id
            AND d.uid IN (SELECT 'bench' || g FROM generate_series($1::bigint, $2::bigint) g)",
    ];
    for statement in statements {
        let params: Vec<&(dyn tokio_postgres::types::ToSql + Sync)> = if statement.contains("$4") {
            vec![&from, &to, &teams, &tenant_team]
        } else {
            vec![&from, &to]
        };
        catalog
            .execute(statement, &params)
            .await
            .unwrap_or_else(|e| panic!("filling the catalog: {e}\n{statement}"));
    }
    // As a catalog that has lived a while: vacuumed (its visibility map set) and analysed.
    catalog
        .batch_execute("VACUUM ANALYZE databases, engines, credentials, tasks, database_counts")
        .await
        .expect("VACUUM ANALYZE");
}

/// Every page's URL of a list, first to last, by following `next` links.
async fn pages(http: &reqwest::Client, first: String, (user, password): (&str, &str)) -> Vec<String> {
    let mut urls = vec![first];
    loop {
        let page: Value = http
            .get(urls.last().expect("a page"))
            .basic_auth(user, Some(password))
            .send()
            .await
            .expect("GET a page")
            .json()
            .await
            .expect("JSON");
        match page["_links"]["next"].as_str() {
            Some(next) => urls.push(next.to_owned()),
            None => return urls,
        }
    }
}

/// Commits the catalog has counted so far (each query outside a transaction is one). Backends
/// report their counts when idle for a while, so this waits for that first.
async fn commits(catalog: &tokio_postgres::Client) -> i64 {
    tokio::time::sleep(Duration::from_secs(11)).await;
    let row = catalog
        .query_one(
            "SELECT xact_commit FROM pg_stat_database WHERE datname = current_database()",
            &[],
        )
        .await
        .expect("pg_stat_database");
    row.get(0)
}

/// Catalog queries per request of `url`, over `count` sequential requests.
async fn queries_per_request(
    catalog: &tokio_postgres::Client,
    http: &reqwest::Client,
    url: &str,
    (user, password): (&str, &str),
) -> f64 {
    const COUNT: i64 = 200;
    let before = commits(catalog).await;
    for _ in 0..COUNT {
        let status = http
            .get(url)
            .basic_auth(user, Some(password))
            .send()
            .await
            .expect("GET")
            .status();
        assert!(status.is_success(), "{url}: {status}");
    }
    let after = commits(catalog).await;
    // The first count's own query is counted in the second.
    (after - before - 1) as f64 / COUNT as f64
}

struct Scale<'a> {
    stack: &'a TestStack,
    http: reqwest::Client,
    admin: (String, String),
    tenant: (&'a str, &'a str),
    tenant_team: i64,
    first_id: i64,
    seconds: u64,
}

impl Scale<'_> {
    /// The URLs of the scale comparison, by name, and whose login they take.
    async fn urls(&self) -> Vec<(String, String, bool)> {
        let base = &self.stack.base_url;
        let admin = (self.admin.0.as_str(), self.admin.1.as_str());
        let list = format!("{base}/api/database/?page_size={SCALE_PAGE}");
        let mut urls = Vec::new();
        for (who, login, is_admin) in [("admin", admin, true), ("tenant", self.tenant, false)] {
            let all = pages(&self.http, list.clone(), login).await;
            urls.push((format!("{who}: first page of {SCALE_PAGE}"), all[0].clone(), is_admin));
            urls.push((
                format!("{who}: middle page ({} of {})", all.len() / 2 + 1, all.len()),
                all[all.len() / 2].clone(),
                is_admin,
            ));
            urls.push((format!("{who}: last page"), all[all.len() - 1].clone(), is_admin));
        }
        urls.push(("tenant: ?status=ready".into(), format!("{list}&status=ready"), false));
        urls.push(("admin: ?name=bench5".into(), format!("{list}&name=bench5"), true));
        urls.push((
            "admin: ?team= (the tenant's)".to_string(),
            format!("{list}&team={}", self.tenant_team),
            true,
        ));
        urls.push((
            "tenant: GET one by id".into(),
            format!("{base}/api/database/{}/", self.first_id),
            false,
        ));
        urls
    }

    async fn measure(&self) -> Vec<(String, Load)> {
        let admin = basic(&self.admin.0, &self.admin.1);
        let tenant = basic(self.tenant.0, self.tenant.1);
        let mut results = Vec::new();
        for (name, url, is_admin) in self.urls().await {
            let load = wrk(&url, Some(if is_admin { &admin } else { &tenant }), self.seconds);
            print(&name, load, None);
            results.push((name, load));
        }
        results
    }
}

/// The api runs in this process: with the allocator its binary has.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let seconds: u64 = std::env::args().nth(1).and_then(|a| a.parse().ok()).unwrap_or(4);
    let stack = TestStack::start_api_only(|_| {}).await;
    let http = reqwest::Client::new();
    let admin = stack.as_admin();
    let mut teams = Vec::new();
    for n in 0..TEAMS {
        let team = admin
            .create("/api/team", json!({"name": format!("team{n}"), "database_limit": 1000}))
            .await;
        teams.push(team["id"].as_i64().expect("team id"));
    }
    let tenant_team = teams[1];
    let tenant = ("tenant", "tenant-password-1");
    admin
        .create(
            "/api/user",
            json!({"username": tenant.0, "password": tenant.1, "teams": [tenant_team]}),
        )
        .await;
    let catalog = stack.catalog().await;
    fill(&catalog, 1, FEW, &teams, tenant_team).await;
    let first_id: i64 = catalog
        .query_one("SELECT id FROM databases WHERE uid = 'bench1'", &[])
        .await
        .expect("bench1")
        .get(0);
    let scale = Scale {
        stack: &stack,
        http: http.clone(),
        admin: (stack.admin_user.clone(), stack.admin_password.clone()),
        tenant,
        tenant_team,
        first_id,
        seconds,
    };

    println!("api reads: wrk -t{THREADS} -c{CONNECTIONS}, {seconds} s a run, api and catalog on this machine");
    println!("with {FEW} databases:");
    let few = scale.measure().await;
    fill(&catalog, FEW + 1, MANY, &teams, tenant_team).await;
    println!("with {MANY} databases across {TEAMS} teams:");
    let many = scale.measure().await;
    println!("{MANY} databases against {FEW} (req/s ratio, p99 ratio; within 1.5× is the target):");
    for ((name, few), (_, many)) in few.iter().zip(&many) {
        println!(
            "  {name:<44} {:>5.2}× the rate, {:>5.2}× the p99",
            many.rate / few.rate,
            many.p99_ms / few.p99_ms
        );
    }

    let base = &stack.base_url;
    let one = format!("{base}/api/database/{first_id}/");
    let page = format!("{base}/api/database/?page_size=100");
    let admin_auth = basic(&stack.admin_user, &stack.admin_password);
    println!("under the same load, with {MANY} databases:");
    let health = wrk(&format!("{base}/health"), None, seconds);
    print("/health", health, None);
    print(
        "GET /api/database/{id}/ (tenant)",
        wrk(&one, Some(&basic(tenant.0, tenant.1)), seconds),
        Some(health),
    );
    let full = wrk(&page, Some(&admin_auth), seconds);
    print("GET /api/database/?page_size=100 (admin)", full, Some(health));

    let admin_login = (stack.admin_user.as_str(), stack.admin_password.as_str());
    println!("catalog queries per request (commits in pg_stat_database over 200 requests):");
    println!(
        "  GET one: {:.2}   page of 100: {:.2}",
        queries_per_request(&catalog, &http, &one, tenant).await,
        queries_per_request(&catalog, &http, &page, admin_login).await
    );
    stack.cleanup().await;
}
