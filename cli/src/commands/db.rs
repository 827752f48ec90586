//! `dbaas db`: a tenant's databases.

use clap::Subcommand;

use super::Ctx;
use crate::client::{arg, every_page, types, Client};
use crate::error::CliError;
use crate::output::Column;
use crate::progress::{follow_url, Wait};

#[derive(Debug, Subcommand)]
pub enum Db {
    /// Create a database, wait until it is ready, and show it with its owner credential
    Create {
        /// 1 to 63 lowercase letters, digits and underscores, starting with a letter
        name: String,
        /// The plan: a name (`postgres-small`, `mongodb-small`), an id or a URL
        #[arg(long, default_value = "postgres-small")]
        plan: String,
        /// The environment: a name, an id or a URL
        #[arg(long = "env", default_value = "dev")]
        environment: String,
        #[arg(long)]
        description: Option<String>,
        /// The project: a name, an id or a URL
        #[arg(long)]
        project: Option<String>,
        /// A tag (repeat for more)
        #[arg(long = "tag")]
        tags: Vec<String>,
        #[command(flatten)]
        wait: Wait,
    },
    /// List databases
    List {
        #[arg(long)]
        name: Option<String>,
        /// creating, ready, failed, quarantined or deleted
        #[arg(long)]
        status: Option<String>,
        #[arg(long = "env")]
        environment: Option<String>,
        #[arg(long)]
        team: Option<i64>,
        /// Include deleted databases
        #[arg(long)]
        deleted: bool,
    },
    /// Show a database (by id or name)
    Show { database: String },
    /// Delete a database: the first delete quarantines it (the data stays, passwords are
    /// replaced), a second one destroys it after a final dump
    Delete {
        database: String,
        #[command(flatten)]
        wait: Wait,
    },
    /// Resize a database to another plan of its engine and image: limits change on the
    /// running engine and sessions stay (a shrink under what the engine set aside at start
    /// needs --restart, which ends every session)
    Resize {
        database: String,
        /// The plan: a name, an id or a URL
        #[arg(long)]
        plan: String,
        /// Allow the restart such a shrink needs
        #[arg(long)]
        restart: bool,
        #[command(flatten)]
        wait: Wait,
    },
    /// Restore a quarantined database (every credential gets a new password)
    Restore {
        database: String,
        #[command(flatten)]
        wait: Wait,
    },
    /// Move a database, with its data, to another host (operators and admins): it is down
    /// from its engine's stop to the new engine's start, and its endpoint changes
    Move {
        database: String,
        /// The host: an id or a name in the database's environment (else placement chooses)
        #[arg(long)]
        host: Option<String>,
        #[command(flatten)]
        wait: Wait,
    },
    /// List a database's moves: the endpoint before and after, and the downtime
    Moves { database: String },
}

const MOVE_COLUMNS: &[Column] = &[
    ("ID", "/id"),
    ("FROM", "/from_endpoint"),
    ("TO", "/to_endpoint"),
    ("BYTES", "/bytes"),
    ("DOWNTIME MS", "/downtime_ms"),
    ("MOVED AT", "/moved_at"),
];

/// How many times `db create` sends its request again when no answer came (same key).
const CREATE_RETRIES: u32 = 2;

const COLUMNS: &[Column] = &[
    ("ID", "/id"),
    ("NAME", "/name"),
    ("ENGINE", "/engine"),
    ("STATUS", "/status"),
    ("HEALTH", "/health"),
    ("ENDPOINT", "/endpoint"),
    ("TEAM", "/team"),
    ("CREATED", "/created_at"),
];

/// A database named on the command line, by id or by name.
pub async fn resolve(api: &Client, database: &str) -> Result<i64, CliError> {
    if let Ok(id) = database.parse() {
        return Ok(id);
    }
    let name: types::DatabaseListName = arg("database", database)?;
    let list = api
        .database_list(None, None, Some(&name), None, None, Some(true), None, None)
        .await?
        .into_inner();
    // A deleted database's name may be taken again: the live one wins.
    let live: Vec<i64> = list
        .database
        .iter()
        .filter(|d| d.status != "deleted")
        .map(|d| d.id)
        .collect();
    let all: Vec<i64> = list.database.iter().map(|d| d.id).collect();
    match (live.as_slice(), all.as_slice()) {
        ([one], _) | ([], [one]) => Ok(*one),
        ([], []) => Err(CliError::Api {
            status: 404,
            code: "not_found".into(),
            message: format!("no database is named {database}"),
            field: Some("database".into()),
        }),
        _ => Err(CliError::Usage(format!(
            "several databases are named {database}: give its id"
        ))),
    }
}

async fn show_with_owner(ctx: &Ctx, view: types::DatabaseView) -> Result<(), CliError> {
    let owner = format!("u_{}", view.name);
    let owner = view
        .credentials
        .iter()
        .find(|c| c.user == owner)
        .or(view.credentials.first());
    let mut named = vec![("database", serde_json::to_value(&view).map_err(CliError::other)?)];
    if let Some(owner) = owner {
        let credential = ctx.api.credential_get(owner.id).await?.into_inner();
        named.push(("credential", serde_json::to_value(credential).map_err(CliError::other)?));
    }
    ctx.out.objects(&named)
}

pub async fn run(ctx: &Ctx, command: Db) -> Result<(), CliError> {
    let api = &ctx.api;
    match command {
        Db::Create {
            name,
            plan,
            environment,
            description,
            project,
            tags,
            wait,
        } => {
            let body = types::DatabaseCreate {
                name: arg("name", &name)?,
                plan: arg("plan", &plan)?,
                environment: arg("environment", &environment)?,
                description: description.as_deref().map(|d| arg("description", d)).transpose()?,
                project: project.as_deref().map(|p| arg("project", p)).transpose()?,
                tags: if tags.is_empty() {
                    None
                } else {
                    Some(tags.iter().map(|t| arg("tags", t)).collect::<Result<_, _>>()?)
                },
            };
            // One key for this command: when an answer is lost on the way, the retry gets
            // the database the first try made, never a second one.
            let key: types::DatabaseCreateIdempotencyKey = uuid::Uuid::new_v4()
                .to_string()
                .parse()
                .map_err(|e| CliError::Other(format!("the idempotency key: {e}")))?;
            let mut retries = CREATE_RETRIES;
            let view = loop {
                match api.database_create(Some(&key), &body).await {
                    Err(progenitor_client::Error::CommunicationError(e)) if retries > 0 => {
                        retries -= 1;
                        eprintln!("dbaas: no answer to the create ({e}); trying again with the same key");
                        tokio::time::sleep(std::time::Duration::from_secs(1)).await;
                    }
                    answer => break answer?.into_inner(),
                }
            };
            if wait.no_wait {
                return ctx.out.object(&view);
            }
            if let Some(task) = &view.links.task {
                follow_url(api, task, &wait).await?;
            }
            let view = api.database_get(view.id).await?.into_inner();
            show_with_owner(ctx, view).await
        }
        Db::List {
            name,
            status,
            environment,
            team,
            deleted,
        } => {
            let name: Option<types::DatabaseListName> = name.as_deref().map(|n| arg("name", n)).transpose()?;
            let status: Option<types::DatabaseListStatus> = status.as_deref().map(|s| arg("status", s)).transpose()?;
            let environment: Option<types::DatabaseListEnvironment> =
                environment.as_deref().map(|e| arg("environment", e)).transpose()?;
            let (environment, name, status) = (environment.as_ref(), name.as_ref(), status.as_ref());
            let items = every_page(|cursor: Option<types::DatabaseListCursor>| async move {
                let page = api
                    .database_list(
                        cursor.as_ref(),
                        environment,
                        name,
                        None,
                        None,
                        deleted.then_some(true),
                        status,
                        team,
                    )
                    .await?
                    .into_inner();
                Ok((page.database, page.links.next))
            })
            .await?;
            ctx.out.list(&items, COLUMNS)
        }
        Db::Show { database } => {
            let id = resolve(api, &database).await?;
            let view = api.database_get(id).await?.into_inner();
            ctx.out.object(&view)
        }
        Db::Delete { database, wait } => {
            let id = resolve(api, &database).await?;
            let view = api.database_delete(id).await?.into_inner();
            if wait.no_wait {
                return ctx.out.object(&view);
            }
            if let Some(task) = &view.links.task {
                follow_url(api, task, &wait).await?;
            }
            match api.database_get(id).await {
                Ok(view) => ctx.out.object(&view.into_inner()),
                Err(progenitor_client::Error::ErrorResponse(r)) if r.status() == 404 => {
                    ctx.out.note(&format!("database {id} is gone"));
                    Ok(())
                }
                Err(e) => Err(e.into()),
            }
        }
        Db::Resize {
            database,
            plan,
            restart,
            wait,
        } => {
            let id = resolve(api, &database).await?;
            let body = types::DatabasePatch {
                plan: Some(arg("plan", &plan)?),
                restart: restart.then_some(true),
                ..Default::default()
            };
            let reply = api.database_update(id, &body).await?;
            let resizing = reply.status() == 202;
            let view = reply.into_inner();
            if resizing && !wait.no_wait {
                if let Some(task) = &view.links.task {
                    follow_url(api, task, &wait).await?;
                }
                return ctx.out.object(&api.database_get(id).await?.into_inner());
            }
            ctx.out.object(&view)
        }
        Db::Move { database, host, wait } => {
            let id = resolve(api, &database).await?;
            let body = types::DatabaseMoveRequest {
                host: host.as_deref().map(|h| arg("host", h)).transpose()?,
            };
            let task = api.database_move(id, &body).await?.into_inner();
            if wait.no_wait {
                return ctx.out.object(&task);
            }
            crate::progress::follow(api, task.id, &wait).await?;
            ctx.out.object(&api.database_get(id).await?.into_inner())
        }
        Db::Moves { database } => {
            let id = resolve(api, &database).await?;
            let moves = api.database_move_list(id).await?.into_inner().moves;
            ctx.out.list(&moves, MOVE_COLUMNS)
        }
        Db::Restore { database, wait } => {
            let id = resolve(api, &database).await?;
            match api.database_restore(id).await?.into_inner() {
                types::DatabaseOrTask::DatabaseView(view) => ctx.out.object(&view),
                types::DatabaseOrTask::TaskView(task) if wait.no_wait => ctx.out.object(&task),
                types::DatabaseOrTask::TaskView(task) => {
                    crate::progress::follow(api, task.id, &wait).await?;
                    let view = api.database_get(id).await?.into_inner();
                    ctx.out.object(&view)
                }
            }
        }
    }
}
