//! `dbaas engine`: the fleet of engine containers (operators and admins).

use std::io::Write;

use clap::Subcommand;
use futures_util::StreamExt;

use super::Ctx;
use crate::client::{arg, every_page, types};
use crate::error::CliError;
use crate::output::Column;
use crate::progress::{follow, Wait};

#[derive(Debug, Subcommand)]
pub enum Engine {
    /// List engines (not removed), with their health and drift
    List {
        /// An environment: name, id or URL
        #[arg(long = "env")]
        environment: Option<String>,
        /// postgres or mongodb
        #[arg(long)]
        engine: Option<String>,
        /// healthy, unhealthy, ...
        #[arg(long)]
        health: Option<String>,
        /// missing, stopped, wrong_image, wrong_limits, over_size
        #[arg(long)]
        drift: Option<String>,
    },
    /// Show an engine: its container as a worker last saw it, its databases, its last task
    Show { id: i64 },
    /// Restart an engine (every connection ends) and wait until it serves again
    Restart {
        id: i64,
        #[command(flatten)]
        wait: Wait,
    },
    /// Print an engine container's log (each line starts with its timestamp)
    Logs {
        id: i64,
        /// Only the last N lines (0 to 10000)
        #[arg(long, value_name = "N")]
        tail: Option<i64>,
        /// Only the lines from this time on (RFC 3339 or Unix seconds)
        #[arg(long)]
        since: Option<String>,
        /// Go on printing lines as the engine writes them, until the server's limit
        #[arg(short, long)]
        follow: bool,
    },
}

const COLUMNS: &[Column] = &[
    ("ID", "/id"),
    ("ENGINE", "/engine"),
    ("IMAGE", "/image"),
    ("ENVIRONMENT", "/environment"),
    ("PORT", "/port"),
    ("STATE", "/state"),
    ("CONTAINER", "/container_state"),
    ("HEALTH", "/health"),
    ("DRIFT", "/drift"),
    ("DATABASES", "/databases"),
];

pub async fn run(ctx: &Ctx, command: Engine) -> Result<(), CliError> {
    let api = &ctx.api;
    match command {
        Engine::List {
            environment,
            engine,
            health,
            drift,
        } => {
            let environment: Option<types::EngineListEnvironment> =
                environment.as_deref().map(|e| arg("environment", e)).transpose()?;
            let engine: Option<types::EngineListEngine> = engine.as_deref().map(|e| arg("engine", e)).transpose()?;
            let health: Option<types::EngineListHealth> = health.as_deref().map(|h| arg("health", h)).transpose()?;
            let drift: Option<types::EngineListDrift> = drift.as_deref().map(|d| arg("drift", d)).transpose()?;
            let (drift, engine, environment, health) =
                (drift.as_ref(), engine.as_ref(), environment.as_ref(), health.as_ref());
            let items = every_page(|cursor: Option<types::EngineListCursor>| async move {
                let page = api
                    .engine_list(cursor.as_ref(), drift, engine, environment, health, None, None)
                    .await?
                    .into_inner();
                Ok((page.engine, page.links.next))
            })
            .await?;
            ctx.out.list(&items, COLUMNS)
        }
        Engine::Show { id } => ctx.out.object(&api.engine_get(id).await?.into_inner()),
        Engine::Restart { id, wait } => {
            let task = api.engine_restart(id).await?.into_inner();
            if wait.no_wait {
                return ctx.out.object(&task);
            }
            follow(api, task.id, &wait).await?;
            ctx.out.object(&api.engine_get(id).await?.into_inner())
        }
        Engine::Logs {
            id,
            tail,
            since,
            follow,
        } => {
            let since: Option<types::EngineLogsSince> = since.as_deref().map(|s| arg("since", s)).transpose()?;
            let answer = api
                .engine_logs(id, follow.then_some(true), since.as_ref(), tail)
                .await?;
            let mut stream = answer.into_inner().into_inner();
            let mut stdout = std::io::stdout().lock();
            let mut events = EventLines::default();
            while let Some(chunk) = stream.next().await {
                let chunk = chunk?;
                if !follow {
                    stdout.write_all(&chunk)?;
                    continue;
                }
                for line in events.push(&chunk) {
                    writeln!(stdout, "{line}")?;
                }
                stdout.flush()?;
                if events.ended {
                    break;
                }
            }
            stdout.flush()?;
            Ok(())
        }
    }
}

/// The `log` events of a `text/event-stream`, as the lines they carry; `ended` once the
/// server sent its `end` event.
#[derive(Default)]
struct EventLines {
    pending: Vec<u8>,
    event: Option<String>,
    data: Vec<String>,
    ended: bool,
}

impl EventLines {
    fn push(&mut self, chunk: &[u8]) -> Vec<String> {
        self.pending.extend_from_slice(chunk);
        let mut lines = Vec::new();
        while let Some(newline) = self.pending.iter().position(|b| *b == b'\n') {
            let raw: Vec<u8> = self.pending.drain(..=newline).collect();
            let line = String::from_utf8_lossy(&raw);
            let line = line.trim_end_matches(['\n', '\r']);
            if line.is_empty() {
                // The end of an event.
                match self.event.take().as_deref() {
                    Some("end") => self.ended = true,
                    None | Some("log") | Some("message") => lines.push(self.data.join("\n")),
                    Some(_) => {}
                }
                self.data.clear();
            } else if let Some(kind) = line.strip_prefix("event:") {
                self.event = Some(kind.trim_start().to_owned());
            } else if let Some(data) = line.strip_prefix("data:") {
                self.data.push(data.strip_prefix(' ').unwrap_or(data).to_owned());
            }
        }
        lines
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log_events_become_lines() {
        let mut events = EventLines::default();
        assert_eq!(events.push(b"event: log\ndata: one\n\nevent: lo"), vec!["one"]);
        assert_eq!(events.push(b"g\ndata: two\n\n"), vec!["two"]);
        assert!(!events.ended);
        assert!(events.push(b"event: end\ndata: limit\n\n").is_empty());
        assert!(events.ended);
    }
}
