//! Push → start of a job on an idle worker: from `JobQueue::push` to the moment the worker's
//! handler claims the task (its `started_at`; see `dbaas_tests::pickup`), each run after the
//! worker idled past a heartbeat of its consumer. The poll interval is 30 s, so what is
//! measured is the wake-up on push, not polling. Prints each run, then the median, min and max.
//!
//!     cargo bench -p dbaas-tests --bench push_start -- [RUNS] [IDLE_SECONDS]

use std::time::Duration;

use dbaas_tests::pickup::{push_to_start, queue_of, wake_subscribers};
use dbaas_tests::{retry, TestStack};

const POLL: Duration = Duration::from_secs(30);

#[tokio::main(flavor = "multi_thread", worker_threads = 4)]
async fn main() {
    let numbers: Vec<u64> = std::env::args().skip(1).filter_map(|a| a.parse().ok()).collect();
    let runs = numbers.first().copied().unwrap_or(10) as usize;
    let idle = Duration::from_secs(numbers.get(1).copied().unwrap_or(6));
    let stack = TestStack::start_with(|c| c.poll_interval = POLL).await;
    let queue = queue_of(&stack).await;
    retry(Duration::from_secs(10), Duration::from_millis(20), || async {
        (wake_subscribers(&stack).await >= 1).then_some(()).ok_or(())
    })
    .await
    .expect("the worker subscribes to wake-ups");
    println!("poll interval {POLL:?}, idle {idle:?} before each run");
    let mut timings = Vec::new();
    for run in 0..runs {
        tokio::time::sleep(idle).await;
        let waited = push_to_start(&stack, &queue).await;
        println!("run {run}: {:.1} ms", ms(waited));
        timings.push(waited);
    }
    timings.sort();
    println!(
        "push to start over {runs} runs: median {:.1} ms, min {:.1} ms, max {:.1} ms",
        ms(timings[timings.len() / 2]),
        ms(timings[0]),
        ms(timings[timings.len() - 1])
    );
    stack.cleanup().await;
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}
