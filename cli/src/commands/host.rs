//! `dbaas host`: an environment's Docker hosts (admins): their capacity, use and health, and
//! cordoning one so that it takes no new databases, draining one so that its databases move
//! to other hosts.

use clap::Subcommand;

use super::Ctx;
use crate::client::{every_page, types};
use crate::error::CliError;
use crate::output::Column;

#[derive(Debug, Subcommand)]
pub enum Host {
    /// List an environment's hosts
    List {
        /// The environment's id
        environment: i64,
    },
    /// Show one host
    Show { environment: i64, host: i64 },
    /// Cordon a host: it takes no new databases; its engines keep running
    Cordon { environment: i64, host: i64 },
    /// Open a cordoned host to new databases again
    Uncordon { environment: i64, host: i64 },
    /// Drain a host: it takes no new databases, and each of its databases moves to another
    /// host with its data (a task each; the host is cordoned once empty)
    Drain { environment: i64, host: i64 },
}

const COLUMNS: &[Column] = &[
    ("ID", "/id"),
    ("NAME", "/name"),
    ("STATE", "/state"),
    ("HEALTH", "/health/status"),
    ("ADDRESS", "/address"),
    ("ENDPOINT", "/docker_endpoint"),
    ("ENGINES", "/used/engines"),
    ("MEMORY USED", "/used/memory_bytes"),
    ("MEMORY", "/capacity/memory_bytes"),
];

pub async fn run(ctx: &Ctx, command: Host) -> Result<(), CliError> {
    let api = &ctx.api;
    match command {
        Host::List { environment } => {
            let items = every_page(|cursor: Option<types::HostListCursor>| async move {
                let page = api.host_list(environment, cursor.as_ref(), None).await?.into_inner();
                Ok((page.host, page.links.next))
            })
            .await?;
            ctx.out.list(&items, COLUMNS)
        }
        Host::Show { environment, host } => ctx.out.object(&api.host_get(environment, host).await?.into_inner()),
        Host::Cordon { environment, host } => set_state(ctx, environment, host, "cordoned").await,
        Host::Uncordon { environment, host } => set_state(ctx, environment, host, "active").await,
        Host::Drain { environment, host } => {
            let drain = api.host_drain(environment, host).await?.into_inner();
            ctx.out.note(&format!(
                "host {} is {}: {} move(s) started, {} waiting",
                drain.host.name,
                drain.host.state,
                drain.moves.len(),
                drain.waiting.len()
            ));
            ctx.out.object(&drain)
        }
    }
}

async fn set_state(ctx: &Ctx, environment: i64, host: i64, state: &str) -> Result<(), CliError> {
    let body = types::HostUpdate {
        state: Some(state.parse().map_err(|e| CliError::Usage(format!("{e}")))?),
        ..Default::default()
    };
    let host = ctx.api.host_update(environment, host, &body).await?.into_inner();
    ctx.out.note(&format!("host {} is {}", host.name, host.state));
    ctx.out.object(&host)
}
