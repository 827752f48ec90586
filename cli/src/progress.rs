//! Following a task until it ends: a spinner on a terminal, a line per change of state
//! otherwise (CI logs, pipes), both on standard error.

use std::io::IsTerminal;
use std::time::{Duration, Instant};

use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};

use crate::client::{id_in, types::TaskView, Client};
use crate::error::CliError;

const POLL: Duration = Duration::from_millis(500);

/// Whether and how long a command waits for the task it started.
#[derive(Debug, Clone, Args)]
pub struct Wait {
    /// Answer as soon as the API accepted the request, without following its task
    #[arg(long)]
    pub no_wait: bool,
    /// Give up following the task after this many seconds (exit code 5; the task goes on)
    #[arg(long, value_name = "SECONDS", default_value_t = 600)]
    pub wait_timeout: u64,
}

/// Follows the task at `url` (a `_links.task`) until it succeeds.
pub async fn follow_url(api: &Client, url: &str, wait: &Wait) -> Result<TaskView, CliError> {
    let id = id_in(url).ok_or_else(|| CliError::other(format!("no task id in {url}")))?;
    follow(api, id, wait).await
}

/// Follows task `id` until it succeeds; a failed task, or one still going after
/// `--wait-timeout`, is an error (exit code 5).
pub async fn follow(api: &Client, id: i64, wait: &Wait) -> Result<TaskView, CliError> {
    let started = Instant::now();
    let deadline = started + Duration::from_secs(wait.wait_timeout);
    let spinner = std::io::stderr().is_terminal().then(|| {
        let bar = ProgressBar::new_spinner();
        bar.set_style(
            ProgressStyle::with_template("{spinner} {msg} [{elapsed}]")
                .unwrap_or_else(|_| ProgressStyle::default_spinner()),
        );
        bar.enable_steady_tick(Duration::from_millis(100));
        bar
    });
    let mut last = String::new();
    let task = loop {
        let task = api.task_get(id).await?.into_inner();
        let line = format!(
            "task {} {}: {} (attempt {})",
            task.id, task.kind, task.status, task.attempts
        );
        match &spinner {
            Some(bar) => bar.set_message(line.clone()),
            None if line != last => eprintln!("{line}"),
            None => {}
        }
        last = line;
        if matches!(task.status.as_str(), "succeeded" | "failed") {
            break task;
        }
        if Instant::now() >= deadline {
            if let Some(bar) = &spinner {
                bar.finish_and_clear();
            }
            return Err(CliError::Task {
                id,
                kind: task.kind,
                outcome: format!("is still {} after {} s", task.status, wait.wait_timeout),
            });
        }
        tokio::time::sleep(POLL).await;
    };
    if let Some(bar) = &spinner {
        bar.finish_and_clear();
    }
    let took = started.elapsed().as_secs_f64();
    if task.status == "failed" {
        return Err(CliError::Task {
            id,
            kind: task.kind,
            outcome: format!("failed: {}", task.last_error.as_deref().unwrap_or("no error recorded")),
        });
    }
    eprintln!("task {} {}: succeeded in {took:.1} s", task.id, task.kind);
    Ok(task)
}
