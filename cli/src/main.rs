//! `dbaas`: the command line of the dbaas API, for tenants (databases, credentials, dumps)
//! and operators (engines, the reconciler, orphan containers), on a client generated from
//! the committed OpenAPI document (`client.rs`).
//!
//! - [`login`]: where the URL, user and password come from.
//! - [`output`]: tables, `--json`, hidden passwords.
//! - [`progress`]: following a task with a spinner.
//! - [`error`]: the one error type and its exit codes.
//! - [`commands`]: one file per resource.

mod client;
mod commands;
mod error;
mod login;
mod output;
mod progress;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use commands::{cred::Cred, db::Db, dump::Dump, engine::Engine, host::Host, orphan::Orphan, Ctx};
use error::CliError;
use output::Output;

const AFTER_HELP: &str = "Login: the URL and user from --url/--user, DBAAS_URL/DBAAS_USER or the \
config file (~/.config/dbaas/config.toml: url, user, password); the password from \
--password-stdin, the config file (mode 0600 only) or a prompt, never from a flag or the \
environment.";

/// The dbaas command line: databases, credentials and dumps for tenants; engines,
/// reconciliation and orphan containers for operators.
#[derive(Debug, Parser)]
#[command(name = "dbaas", version, after_help = format!("{AFTER_HELP}\n\n{}", error::EXIT_CODES))]
struct Cli {
    /// The API's base URL [default: http://127.0.0.1:8000]
    #[arg(long, global = true, env = "DBAAS_URL")]
    url: Option<String>,
    /// The API user
    #[arg(long, global = true, env = "DBAAS_USER")]
    user: Option<String>,
    /// Read the password from the first line of standard input
    #[arg(long, global = true)]
    password_stdin: bool,
    /// The config file [default: ~/.config/dbaas/config.toml]
    #[arg(long, global = true, env = "DBAAS_CONFIG", value_name = "PATH")]
    config: Option<PathBuf>,
    /// Print JSON (for scripts) instead of tables
    #[arg(long, global = true)]
    json: bool,
    /// Show passwords (hidden as ******** otherwise, in URIs too)
    #[arg(long, global = true)]
    show_password: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Databases: create, list, show, delete, restore
    #[command(subcommand)]
    Db(Db),
    /// Credentials: create, list, show, reset, delete
    #[command(subcommand)]
    Cred(Cred),
    /// Final dumps of destroyed databases: list, download
    #[command(subcommand)]
    Dump(Dump),
    /// Engines (operators): list, show, restart, logs
    #[command(subcommand)]
    Engine(Engine),
    /// Run a reconciler pass over every environment now (operators)
    Reconcile {
        #[command(flatten)]
        wait: progress::Wait,
    },
    /// Orphan containers (operators): list, rm
    #[command(subcommand)]
    Orphan(Orphan),
    /// An environment's Docker hosts (admins): list, show, cordon, uncordon, drain
    #[command(subcommand)]
    Host(Host),
}

async fn run(cli: Cli) -> Result<(), CliError> {
    let login = login::Sources {
        url: cli.url,
        user: cli.user,
        config: cli.config,
        password_stdin: cli.password_stdin,
    }
    .resolve()?;
    let streaming = matches!(cli.command, Command::Engine(Engine::Logs { .. }) | Command::Dump(_));
    let ctx = Ctx {
        api: client::connect(&login, streaming)?,
        out: Output {
            json: cli.json,
            show_password: cli.show_password,
        },
    };
    match cli.command {
        Command::Db(command) => commands::db::run(&ctx, command).await,
        Command::Cred(command) => commands::cred::run(&ctx, command).await,
        Command::Dump(command) => commands::dump::run(&ctx, command).await,
        Command::Engine(command) => commands::engine::run(&ctx, command).await,
        Command::Reconcile { wait } => commands::reconcile::run(&ctx, wait).await,
        Command::Orphan(command) => commands::orphan::run(&ctx, command).await,
        Command::Host(command) => commands::host::run(&ctx, command).await,
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    let json = cli.json;
    match run(cli).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            if json {
                eprintln!("{}", e.to_json());
            } else {
                eprintln!("error: {e}");
            }
            e.exit_code()
        }
    }
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    #[test]
    fn the_command_line_is_consistent() {
        super::Cli::command().debug_assert();
    }
}
