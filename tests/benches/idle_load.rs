//! What an idle deployment costs its catalog and Redis, per database: a stack with the
//! production intervals (`DBAAS_*_INTERVAL*` defaults, no pool) runs with no database, then
//! with N ready ones, each for a window; the catalog's transactions (`pg_stat_database`
//! commits of the stack's own catalog database) and Redis' commands (`INFO stats`, the whole
//! server: run it alone) per minute are printed for both, and the difference per database
//! scaled to a thousand.
//!
//!     cargo bench -p dbaas-tests --bench idle_load -- [DATABASES] [WINDOW_SECONDS]

use std::time::Duration;

use dbaas_tests::TestStack;

/// The catalog's commits and Redis' commands so far.
async fn counters(stack: &TestStack, redis: &mut redis::aio::MultiplexedConnection) -> (i64, i64) {
    let commits: i64 = stack
        .catalog()
        .await
        .query_one(
            "SELECT xact_commit FROM pg_stat_database WHERE datname = current_database()",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    let info: String = redis::cmd("INFO").arg("stats").query_async(redis).await.unwrap();
    let commands = info
        .lines()
        .find_map(|l| l.strip_prefix("total_commands_processed:"))
        .and_then(|n| n.trim().parse().ok())
        .expect("total_commands_processed");
    (commits, commands)
}

/// Catalog transactions and Redis commands per minute over `window`.
async fn rates(stack: &TestStack, redis: &mut redis::aio::MultiplexedConnection, window: Duration) -> (f64, f64) {
    // pg_stat_database lags by up to the stats flush interval: let it settle around the window.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let (c0, r0) = counters(stack, redis).await;
    tokio::time::sleep(window).await;
    let (c1, r1) = counters(stack, redis).await;
    let per_minute = 60.0 / window.as_secs_f64();
    ((c1 - c0) as f64 * per_minute, (r1 - r0) as f64 * per_minute)
}

#[tokio::main(flavor = "multi_thread", worker_threads = 4)]
async fn main() {
    let numbers: Vec<u64> = std::env::args().skip(1).filter_map(|a| a.parse().ok()).collect();
    let databases = numbers.first().copied().unwrap_or(10) as usize;
    let window = Duration::from_secs(numbers.get(1).copied().unwrap_or(60));
    let stack = TestStack::start_with(|c| {
        c.defaults.port_max = c.defaults.port_min + 99;
        c.poll_interval = Duration::from_millis(100);
        c.size_interval = Duration::from_secs(300);
        c.lifecycle_interval = Duration::from_secs(60);
        c.pool_interval = Duration::from_secs(10);
        c.requeue_after = Duration::from_secs(30);
        c.fleet_interval = Duration::from_millis(2_000);
        c.fleet_stats_interval = Duration::from_secs(30);
    })
    .await;
    let mut redis = redis::Client::open(stack.config.redis_url.as_str())
        .unwrap()
        .get_multiplexed_async_connection()
        .await
        .unwrap();
    let (empty_catalog, empty_redis) = rates(&stack, &mut redis, window).await;
    println!("no database: {empty_catalog:.0} catalog transactions/min, {empty_redis:.0} Redis commands/min");
    for i in 0..databases {
        stack.ready_database(&format!("idle{i}")).await;
    }
    let (catalog, redis_rate) = rates(&stack, &mut redis, window).await;
    println!("{databases} databases: {catalog:.0} catalog transactions/min, {redis_rate:.0} Redis commands/min");
    let per = |with: f64, without: f64| (with - without) / databases as f64;
    println!(
        "per database: {:.2} catalog transactions/min, {:.2} Redis commands/min; per 1000 databases: \
         {:.0} catalog transactions/min ({:.1}/s), {:.0} Redis commands/min",
        per(catalog, empty_catalog),
        per(redis_rate, empty_redis),
        per(catalog, empty_catalog) * 1000.0,
        per(catalog, empty_catalog) * 1000.0 / 60.0,
        per(redis_rate, empty_redis) * 1000.0,
    );
    stack.cleanup().await;
}
