//! `dbaas cred`: credentials (engine users with generated passwords). Passwords, and the
//! password inside `connection_uri`, are shown only with `--show-password`.

use clap::Subcommand;

use super::Ctx;
use crate::client::{arg, every_page, types, Client};
use crate::commands::db;
use crate::error::CliError;
use crate::output::Column;
use crate::progress::{follow, Wait};

#[derive(Debug, Subcommand)]
pub enum Cred {
    /// Create a credential: a new engine user with a generated password
    Create {
        /// The database (id or name)
        #[arg(long)]
        database: String,
        /// The engine user's name
        #[arg(long)]
        user: String,
        /// owner, read-write (the default) or read-only
        #[arg(long)]
        privileges: Option<String>,
        /// Concurrent sessions allowed (PostgreSQL only)
        #[arg(long)]
        connection_limit: Option<i32>,
        #[command(flatten)]
        wait: Wait,
    },
    /// List credentials (never with passwords)
    List {
        /// Only those of this database (id or name)
        #[arg(long)]
        database: Option<String>,
    },
    /// Show a credential with its connection URI
    Show { id: i64 },
    /// Reset a credential's password: once done, the old one is refused
    Reset {
        id: i64,
        #[command(flatten)]
        wait: Wait,
    },
    /// Delete a credential: drops the engine user and cuts its sessions
    Delete {
        id: i64,
        #[command(flatten)]
        wait: Wait,
    },
}

const COLUMNS: &[Column] = &[
    ("ID", "/id"),
    ("USER", "/user"),
    ("PRIVILEGES", "/privileges"),
    ("CONNECTION LIMIT", "/connection_limit"),
    ("DATABASE", "/database"),
];

async fn list(api: &Client, database: Option<i64>) -> Result<Vec<types::CredentialListItem>, CliError> {
    let database: Option<types::CredentialListDatabase> =
        database.map(|d| arg("database", &d.to_string())).transpose()?;
    let database = database.as_ref();
    every_page(|cursor: Option<types::CredentialListCursor>| async move {
        let page = api.credential_list(cursor.as_ref(), database, None).await?.into_inner();
        Ok((page.credential, page.links.next))
    })
    .await
}

pub async fn run(ctx: &Ctx, command: Cred) -> Result<(), CliError> {
    let api = &ctx.api;
    match command {
        Cred::Create {
            database,
            user,
            privileges,
            connection_limit,
            wait,
        } => {
            let database = db::resolve(api, &database).await?;
            let body = types::CredentialCreate {
                database: types::CredentialCreateDatabase::Int64(database),
                user: arg("user", &user)?,
                privileges: privileges.as_deref().map(|p| arg("privileges", p)).transpose()?,
                connection_limit,
            };
            match api.credential_create(&body).await?.into_inner() {
                types::CredentialOrTask::CredentialView(view) => ctx.out.object(&view),
                types::CredentialOrTask::TaskView(task) if wait.no_wait => ctx.out.object(&task),
                types::CredentialOrTask::TaskView(task) => {
                    follow(api, task.id, &wait).await?;
                    // The task names the database, not the credential: find it by its user.
                    let made = list(api, Some(database))
                        .await?
                        .into_iter()
                        .find(|c| c.user == user)
                        .ok_or_else(|| CliError::other(format!("no credential {user} after the task")))?;
                    ctx.out.object(&api.credential_get(made.id).await?.into_inner())
                }
            }
        }
        Cred::List { database } => {
            let database = match database {
                Some(d) => Some(db::resolve(api, &d).await?),
                None => None,
            };
            ctx.out.list(&list(api, database).await?, COLUMNS)
        }
        Cred::Show { id } => ctx.out.object(&api.credential_get(id).await?.into_inner()),
        Cred::Reset { id, wait } => match api.credential_reset_password(id).await?.into_inner() {
            types::CredentialOrTask::CredentialView(view) => ctx.out.object(&view),
            types::CredentialOrTask::TaskView(task) if wait.no_wait => ctx.out.object(&task),
            types::CredentialOrTask::TaskView(task) => {
                follow(api, task.id, &wait).await?;
                ctx.out.object(&api.credential_get(id).await?.into_inner())
            }
        },
        Cred::Delete { id, wait } => {
            match api.credential_delete(id).await {
                Ok(task) if wait.no_wait => return ctx.out.object(&task.into_inner()),
                Ok(task) => {
                    follow(api, task.into_inner().id, &wait).await?;
                }
                // 204: done at once. The generated client knows only the 202 (see build.rs).
                Err(progenitor_client::Error::UnexpectedResponse(r)) if r.status() == 204 => {}
                Err(e) => return Err(e.into()),
            }
            ctx.out.note(&format!("credential {id} deleted"));
            Ok(())
        }
    }
}
