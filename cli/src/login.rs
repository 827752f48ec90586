//! Who the CLI is, and where the API is: the URL and the user from a flag, the environment
//! (`DBAAS_URL`, `DBAAS_USER`) or the config file, in that order; the password never from a
//! flag or the environment (flags show in `ps`, the environment is inherited by every child
//! process), but from standard input (`--password-stdin`), the config file (which must then
//! be private to its owner, mode 0600), or a prompt on the terminal.
//!
//! The config file is `--config`, `DBAAS_CONFIG`, else `$XDG_CONFIG_HOME/dbaas/config.toml`
//! (`~/.config/dbaas/config.toml`):
//!
//! ```toml
//! url = "http://127.0.0.1:8000"
//! user = "alice"
//! password = "..."   # optional; the file must be mode 0600
//! ```

use std::io::{BufRead, IsTerminal};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::error::CliError;

pub const DEFAULT_URL: &str = "http://127.0.0.1:8000";

/// A login to call the API with.
pub struct Login {
    pub url: String,
    pub user: String,
    pub password: String,
}

/// What the command line says about the login (flags, or the environment through clap).
pub struct Sources {
    pub url: Option<String>,
    pub user: Option<String>,
    pub config: Option<PathBuf>,
    pub password_stdin: bool,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct Config {
    url: Option<String>,
    user: Option<String>,
    password: Option<String>,
}

fn default_config() -> Option<PathBuf> {
    let base = std::env::var_os("XDG_CONFIG_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| Path::new(&h).join(".config")))?;
    Some(base.join("dbaas").join("config.toml"))
}

fn read_config(path: &Path, explicit: bool) -> Result<Config, CliError> {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound && !explicit => return Ok(Config::default()),
        Err(e) => return Err(CliError::Login(format!("{}: {e}", path.display()))),
    };
    let config: Config = toml::from_str(&text).map_err(|e| CliError::Login(format!("{}: {e}", path.display())))?;
    if config.password.is_some() {
        let mode = std::fs::metadata(path)?.permissions().mode();
        if mode & 0o077 != 0 {
            return Err(CliError::Login(format!(
                "{} holds a password but others may read it (mode {:o}): chmod 600 it",
                path.display(),
                mode & 0o777
            )));
        }
    }
    Ok(config)
}

impl Sources {
    pub fn resolve(self) -> Result<Login, CliError> {
        let explicit = self.config.is_some();
        let config = match self.config.or_else(default_config) {
            Some(path) => read_config(&path, explicit)?,
            None => Config::default(),
        };
        let url = self.url.or(config.url).unwrap_or_else(|| DEFAULT_URL.into());
        let user = self.user.or(config.user).ok_or_else(|| {
            CliError::Login("no user: set DBAAS_USER, pass --user, or put `user` in the config file".into())
        })?;
        let password = if self.password_stdin {
            let mut line = String::new();
            std::io::stdin().lock().read_line(&mut line)?;
            line.trim_end_matches(['\r', '\n']).to_owned()
        } else if let Some(password) = config.password {
            password
        } else if std::io::stdin().is_terminal() {
            rpassword::prompt_password(format!("password for {user} at {url}: "))
                .map_err(|e| CliError::Login(format!("cannot read the password: {e}")))?
        } else {
            return Err(CliError::Login(
                "no password: pipe it with --password-stdin, put it in the config file (mode \
                 0600), or run in a terminal to be asked"
                    .into(),
            ));
        };
        if password.is_empty() {
            return Err(CliError::Login("the password is empty".into()));
        }
        Ok(Login { url, user, password })
    }
}
