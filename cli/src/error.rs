//! The one error type of the CLI, and the exit code of each kind, in one place.
//!
//! | code | meaning |
//! | --- | --- |
//! | 0 | done |
//! | 1 | the API refused the request (its message and field are printed), or answered something unreadable |
//! | 2 | usage: a command or option is wrong (clap's own code) |
//! | 3 | login: no user or password, or the API refused the login (401) or the action (403) |
//! | 4 | not found (404) |
//! | 5 | a task failed, or did not finish within `--wait-timeout` |
//! | 6 | the API could not be reached |

use std::process::ExitCode;

use crate::client::types::ErrorBody;

/// What `--help` says about exit codes.
pub const EXIT_CODES: &str = "Exit codes: 0 done; 1 the API refused the request (its message and \
field are printed); 2 usage; 3 login missing or refused (401), or not allowed (403); 4 not \
found; 5 a task failed or did not finish in time; 6 the API could not be reached.";

#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// The API answered an error: its status and its body.
    #[error("{message}{}", field.as_ref().map(|f| format!(" (field: {f})")).unwrap_or_default())]
    Api {
        status: u16,
        code: String,
        message: String,
        field: Option<String>,
    },
    /// No login to use (no user, no password, an unsafe config file).
    #[error("{0}")]
    Login(String),
    /// A wrong combination the parser cannot see (an unknown database name, ...).
    #[error("{0}")]
    Usage(String),
    #[error("task {id} ({kind}) {outcome}")]
    Task { id: i64, kind: String, outcome: String },
    #[error("cannot reach the API: {0}")]
    Unreachable(String),
    /// Anything else: a local file, an answer this client cannot read.
    #[error("{0}")]
    Other(String),
}

impl CliError {
    pub fn exit_code(&self) -> ExitCode {
        ExitCode::from(match self {
            CliError::Api { status: 401 | 403, .. } | CliError::Login(_) => 3,
            CliError::Api { status: 404, .. } => 4,
            CliError::Api { .. } | CliError::Other(_) => 1,
            CliError::Usage(_) => 2,
            CliError::Task { .. } => 5,
            CliError::Unreachable(_) => 6,
        })
    }

    /// The error as `--json` prints it (on standard error).
    pub fn to_json(&self) -> serde_json::Value {
        match self {
            CliError::Api {
                status,
                code,
                message,
                field,
            } => serde_json::json!({"status": status, "code": code, "message": message, "field": field}),
            other => serde_json::json!({"message": other.to_string()}),
        }
    }

    pub fn other(what: impl std::fmt::Display) -> Self {
        CliError::Other(what.to_string())
    }
}

fn from_reqwest(e: reqwest::Error) -> CliError {
    if e.is_connect() || e.is_timeout() {
        CliError::Unreachable(e.to_string())
    } else {
        CliError::Other(format!("the request failed: {e}"))
    }
}

impl From<progenitor_client::Error<ErrorBody>> for CliError {
    fn from(e: progenitor_client::Error<ErrorBody>) -> Self {
        use progenitor_client::Error;
        match e {
            Error::ErrorResponse(answer) => {
                let status = answer.status().as_u16();
                let body = answer.into_inner();
                CliError::Api {
                    status,
                    code: body.code,
                    message: body.message,
                    field: body.field,
                }
            }
            Error::UnexpectedResponse(answer) => CliError::Api {
                status: answer.status().as_u16(),
                code: "unexpected".into(),
                message: format!(
                    "the API answered {}, which this client does not expect",
                    answer.status()
                ),
                field: None,
            },
            Error::CommunicationError(e) => from_reqwest(e),
            other => CliError::Other(format!("the API's answer: {other}")),
        }
    }
}

impl From<reqwest::Error> for CliError {
    fn from(e: reqwest::Error) -> Self {
        from_reqwest(e)
    }
}

impl From<std::io::Error> for CliError {
    fn from(e: std::io::Error) -> Self {
        CliError::Other(e.to_string())
    }
}
