//! Waking on push (issue 13): a job pushed to an idle worker starts at once, not on the
//! worker's next poll, and still does once its subscription to wake-ups has been cut.
//!
//! The poll interval is long (30 s), so only a wake-up can start a job promptly. An idle
//! apalis consumer also fetches after each of its heartbeats (every 5 s), so one prompt start
//! could be luck (about one in five for a 1 s bound): several runs at unrelated moments are
//! all held to the bound. The bound is loose on purpose; the figures are the benchmark's
//! (`tests/benches/push_start.rs`).

use std::time::Duration;

use dbaas_tests::pickup::{push_to_start, queue_of, wake_subscribers};
use dbaas_tests::{free_port, retry, PrivateRedis, TestStack};
use rand::RngExt as _;

const POLL: Duration = Duration::from_secs(30);
/// Well before the poll interval, and before the consumer's heartbeat.
const PROMPTLY: Duration = Duration::from_secs(1);
const RUNS: usize = 4;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_idle_worker_starts_a_pushed_job_at_once_even_after_its_wake_ups_were_cut() {
    // A Redis of the test's own: cutting every subscription on it cuts no other test's.
    let port = free_port();
    let redis = PrivateRedis::start(port);
    let stack = TestStack::start_with(|c| {
        c.poll_interval = POLL;
        c.redis_url = format!("redis://127.0.0.1:{port}/");
    })
    .await;
    let queue = queue_of(&stack).await;
    retry(Duration::from_secs(10), Duration::from_millis(20), || async {
        (wake_subscribers(&stack).await == 1).then_some(()).ok_or(())
    })
    .await
    .expect("the worker subscribes to wake-ups");
    // Idle past a heartbeat: the consumer has made its first fetches and now waits.
    tokio::time::sleep(Duration::from_secs(6)).await;
    for run in 0..RUNS {
        let waited = push_to_start(&stack, &queue).await;
        assert!(
            waited < PROMPTLY,
            "run {run}: an idle worker started a pushed job after {waited:?}"
        );
        let pause = rand::rng().random_range(700..2_300);
        tokio::time::sleep(Duration::from_millis(pause)).await;
    }

    // Cut the subscription; the job pushed right after still starts promptly (the worker
    // subscribes again and fetches what it may have missed), and so do later ones.
    let client = redis::Client::open(stack.config.redis_url.as_str()).unwrap();
    let mut conn = client.get_multiplexed_async_connection().await.unwrap();
    let killed: i64 = redis::cmd("CLIENT")
        .arg(&["KILL", "TYPE", "pubsub"])
        .query_async(&mut conn)
        .await
        .unwrap();
    assert_eq!(killed, 1, "one subscription, the worker's, was cut");
    let waited = push_to_start(&stack, &queue).await;
    assert!(
        waited < PROMPTLY,
        "a job pushed as the subscription was cut started after {waited:?}"
    );
    retry(Duration::from_secs(10), Duration::from_millis(20), || async {
        (wake_subscribers(&stack).await == 1).then_some(()).ok_or(())
    })
    .await
    .expect("the worker subscribes again");
    tokio::time::sleep(Duration::from_secs(6)).await;
    for run in 0..RUNS {
        let waited = push_to_start(&stack, &queue).await;
        assert!(waited < PROMPTLY, "run {run} after the cut: started after {waited:?}");
        let pause = rand::rng().random_range(700..2_300);
        tokio::time::sleep(Duration::from_millis(pause)).await;
    }
    stack.cleanup().await;
    drop(redis);
}
