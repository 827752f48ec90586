//! Logging set-up shared by the binaries.

use tracing_subscriber::EnvFilter;

/// Libraries that log what they send at debug level: SQL statements (role statements carry
/// passwords) and Docker request bodies (a container's environment carries the engine's
/// superuser password). They never log below `info`, whatever `RUST_LOG` says.
const STATEMENT_LOGGERS: &[&str] = &["tokio_postgres=info", "postgres_protocol=info", "bollard=info"];

/// Logs to stdout, filtered by `RUST_LOG` (else `default`), never with statement text.
pub fn init(default: &str) {
    let mut filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default));
    for directive in STATEMENT_LOGGERS {
        filter = filter.add_directive(directive.parse().expect("a valid directive"));
    }
    tracing_subscriber::fmt()
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stdout()))
        .with_env_filter(filter)
        .init();
}
