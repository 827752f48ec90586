//! `dbaas-worker`: runs provisioning jobs until SIGINT or SIGTERM.

use std::process::ExitCode;

use dbaas_core::Config;

/// Many small allocations per request and per job: mimalloc serves them faster than glibc.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

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
    match dbaas_worker::run(config, dbaas_core::shutdown::signal()).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("dbaas-worker: {e}");
            ExitCode::FAILURE
        }
    }
}
