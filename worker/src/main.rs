//! `dbaas-worker`: runs provisioning jobs until SIGINT or SIGTERM.

use std::process::ExitCode;

use dbaas_core::Config;

#[tokio::main]
async fn main() -> ExitCode {
    dbaas_core::logging::init("info,apalis=warn,apalis_core=warn,apalis_redis=warn");
    let config = match Config::from_env() {
        Ok(config) => config,
        Err(e) => {
            eprintln!("dbaas-worker: {e}");
            return ExitCode::from(2);
        }
    };
    match dbaas_worker::run(config, shutdown_signal()).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("dbaas-worker: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn shutdown_signal() {
    let mut term =
        tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).expect("cannot listen for SIGTERM");
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = term.recv() => {}
    }
    tracing::info!("shutting down: letting running jobs finish");
}
