//! `dbaas-api [serve | migrate | reseal | openapi]`

use std::process::ExitCode;

use dbaas_core::Config;

const USAGE: &str = "usage: dbaas-api [serve | migrate | reseal | openapi]
  serve    apply migrations, then serve the API (the default)
  migrate  apply migrations and fill an empty catalog, then exit
  reseal   seal every secret of the catalog with the current DBAAS_SECRET_KEY
           (after a rotation; older keys in DBAAS_SECRET_KEYS_OLD), then exit
  openapi  print the OpenAPI document";

/// Many small allocations per request and per job: mimalloc serves them faster than glibc.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> ExitCode {
    dbaas_core::logging::init("info");
    let command = std::env::args().nth(1).unwrap_or_else(|| "serve".into());
    if command == "openapi" {
        println!("{}", dbaas_api::spec_json());
        return ExitCode::SUCCESS;
    }
    if !matches!(command.as_str(), "serve" | "migrate" | "reseal") {
        eprintln!("{USAGE}");
        return ExitCode::from(2);
    }
    let config = match Config::from_env() {
        Ok(config) => config,
        Err(e) => {
            eprintln!("dbaas-api: {e}");
            return ExitCode::from(2);
        }
    };
    let result = match command.as_str() {
        "migrate" => dbaas_api::prepare(&config).await.map(|_| ()),
        "reseal" => match dbaas_api::reseal(&config).await {
            Ok(true) => Ok(()),
            Ok(false) => {
                eprintln!("dbaas-api: some secrets could not be opened (above); keep the keys they need");
                return ExitCode::FAILURE;
            }
            Err(e) => Err(e),
        },
        _ => match tokio::net::TcpListener::bind(config.listen).await {
            Ok(listener) => dbaas_api::serve(config, listener, dbaas_core::shutdown::signal()).await,
            Err(e) => Err(e.into()),
        },
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("dbaas-api: {e}");
            ExitCode::FAILURE
        }
    }
}
