//! The engines the end-to-end tests run against, each with a real client: a test takes an
//! [`Engine`] and runs once per engine (`for engine in Engine::ALL`), so that no test is copied
//! per engine. [`Session`] speaks to a provisioned database in the words tests need (tables,
//! rows, who am I), whatever the engine; what differs between engines is said by [`Engine`].

use std::time::Duration;

use mongodb::bson::{doc, Document};
use mongodb::error::ErrorKind;
use mongodb::options::ClientOptions;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    Postgres,
    MongoDb,
}

/// Why a call to an engine failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EngineError {
    /// The login was refused: a wrong or replaced password (Postgres 28P01, MongoDB 18).
    LoginRefused,
    /// The user may not do that (Postgres 42501, MongoDB 13).
    Denied,
    Other(String),
}

impl std::fmt::Display for EngineError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            EngineError::LoginRefused => f.write_str("login refused"),
            EngineError::Denied => f.write_str("denied"),
            EngineError::Other(e) => f.write_str(e),
        }
    }
}

impl From<tokio_postgres::Error> for EngineError {
    fn from(e: tokio_postgres::Error) -> Self {
        match e.code().map(|c| c.code()) {
            Some("28P01") => EngineError::LoginRefused,
            Some("42501") => EngineError::Denied,
            _ => EngineError::Other(e.to_string()),
        }
    }
}

impl From<mongodb::error::Error> for EngineError {
    fn from(e: mongodb::error::Error) -> Self {
        let code = match e.kind.as_ref() {
            ErrorKind::Command(c) => Some(c.code),
            ErrorKind::Authentication { .. } => Some(18),
            _ => None,
        };
        match code {
            Some(18) => EngineError::LoginRefused,
            Some(13) => EngineError::Denied,
            _ if e.to_string().contains("Authentication failed") => EngineError::LoginRefused,
            _ => EngineError::Other(e.to_string()),
        }
    }
}

pub type EngineResult<T> = Result<T, EngineError>;

impl Engine {
    pub const ALL: [Engine; 2] = [Engine::Postgres, Engine::MongoDb];

    /// A benchmark's command line, `[COUNT] [postgres|mongodb]` in any order: the count
    /// (`default` when none is given) and the engine (Postgres when none is named).
    pub fn bench_args(default: usize) -> (usize, Engine) {
        let args: Vec<String> = std::env::args().skip(1).collect();
        let count = args.iter().find_map(|a| a.parse().ok()).unwrap_or(default);
        let engine = match args.iter().find(|a| !a.starts_with('-') && a.parse::<usize>().is_err()) {
            None => Engine::Postgres,
            Some(name) => Engine::ALL
                .into_iter()
                .find(|e| e.name() == name)
                .unwrap_or_else(|| panic!("unknown engine {name}: postgres or mongodb")),
        };
        (count, engine)
    }

    /// As plans name it.
    pub fn name(self) -> &'static str {
        match self {
            Engine::Postgres => "postgres",
            Engine::MongoDb => "mongodb",
        }
    }

    /// The default plan of this engine, made by the first start of every stack.
    pub fn plan(self) -> &'static str {
        match self {
            Engine::Postgres => "postgres-small",
            Engine::MongoDb => "mongodb-small",
        }
    }

    /// A database name unique to this engine within a test.
    pub fn db_name(self, base: &str) -> String {
        match self {
            Engine::Postgres => format!("{base}_pg"),
            Engine::MongoDb => format!("{base}_mongo"),
        }
    }

    /// The URI scheme of the engine's connection URIs.
    pub fn scheme(self) -> &'static str {
        match self {
            Engine::Postgres => "postgresql",
            Engine::MongoDb => "mongodb",
        }
    }

    /// Whether a `read-write` credential may create and drop tables (collections): MongoDB's
    /// `readWrite` may, a Postgres read-write role may not.
    pub fn read_write_changes_schema(self) -> bool {
        matches!(self, Engine::MongoDb)
    }

    /// Whether a credential may carry a `connection_limit`.
    pub fn limits_connections(self) -> bool {
        matches!(self, Engine::Postgres)
    }

    /// What the engine's final dumps are.
    pub fn dump_format(self) -> &'static str {
        match self {
            Engine::Postgres => "pg_dump-custom",
            Engine::MongoDb => "mongodump-tar",
        }
    }

    /// Logs in with the URI as it is, the way a stock client would, and proves the login
    /// with an authenticated command.
    pub async fn connect(self, uri: &str) -> EngineResult<Session> {
        match self {
            Engine::Postgres => {
                let client = crate::pg_connect(uri).await?;
                client.simple_query("SELECT 1").await?;
                Ok(Session::Postgres(client))
            }
            Engine::MongoDb => {
                let mut options = ClientOptions::parse(uri).await?;
                // `tls=true` and no CA of its own: verify with the stacks' CAs.
                let trusted = crate::tls::trusted_file();
                if let (Some(mongodb::options::Tls::Enabled(tls)), Some((_, path))) = (&mut options.tls, &trusted) {
                    tls.ca_file_path.get_or_insert_with(|| path.clone());
                }
                options.server_selection_timeout = Some(Duration::from_secs(10));
                options.connect_timeout = Some(Duration::from_secs(5));
                let database = options
                    .default_database
                    .clone()
                    .ok_or_else(|| EngineError::Other(format!("{uri}: no database in the URI")))?;
                let client = mongodb::Client::with_options(options)?;
                let session = Session::MongoDb(client.database(&database));
                session.current_user().await?;
                Ok(session)
            }
        }
    }
}

/// A logged-in client of one database.
pub enum Session {
    Postgres(tokio_postgres::Client),
    MongoDb(mongodb::Database),
}

impl Session {
    /// The user the engine says we are.
    pub async fn current_user(&self) -> EngineResult<String> {
        match self {
            Session::Postgres(c) => Ok(c.query_one("SELECT current_user::text", &[]).await?.get(0)),
            Session::MongoDb(db) => {
                let status = db.run_command(doc! {"connectionStatus": 1}).await?;
                status
                    .get_document("authInfo")
                    .and_then(|a| a.get_array("authenticatedUsers"))
                    .ok()
                    .and_then(|users| users.first()?.as_document()?.get_str("user").ok().map(str::to_owned))
                    .ok_or(EngineError::LoginRefused)
            }
        }
    }

    /// A table (collection) of integers.
    pub async fn create_table(&self, table: &str) -> EngineResult<()> {
        match self {
            Session::Postgres(c) => Ok(c.batch_execute(&format!("CREATE TABLE {table} (v bigint)")).await?),
            Session::MongoDb(db) => Ok(db.create_collection(table).await?),
        }
    }

    pub async fn insert(&self, table: &str, value: i64) -> EngineResult<()> {
        match self {
            Session::Postgres(c) => {
                c.execute(&format!("INSERT INTO {table} (v) VALUES ($1)"), &[&value])
                    .await?;
                Ok(())
            }
            Session::MongoDb(db) => {
                db.collection::<Document>(table).insert_one(doc! {"v": value}).await?;
                Ok(())
            }
        }
    }

    pub async fn update(&self, table: &str, from: i64, to: i64) -> EngineResult<()> {
        match self {
            Session::Postgres(c) => {
                c.execute(&format!("UPDATE {table} SET v = $2 WHERE v = $1"), &[&from, &to])
                    .await?;
                Ok(())
            }
            Session::MongoDb(db) => {
                db.collection::<Document>(table)
                    .update_many(doc! {"v": from}, doc! {"$set": {"v": to}})
                    .await?;
                Ok(())
            }
        }
    }

    pub async fn delete(&self, table: &str, value: i64) -> EngineResult<()> {
        match self {
            Session::Postgres(c) => {
                c.execute(&format!("DELETE FROM {table} WHERE v = $1"), &[&value])
                    .await?;
                Ok(())
            }
            Session::MongoDb(db) => {
                db.collection::<Document>(table).delete_many(doc! {"v": value}).await?;
                Ok(())
            }
        }
    }

    /// The table's values, in ascending order.
    pub async fn values(&self, table: &str) -> EngineResult<Vec<i64>> {
        match self {
            Session::Postgres(c) => Ok(c
                .query(&format!("SELECT v FROM {table} ORDER BY v"), &[])
                .await?
                .iter()
                .map(|r| r.get(0))
                .collect()),
            Session::MongoDb(db) => {
                use futures_util::TryStreamExt;
                let documents: Vec<Document> = db
                    .collection::<Document>(table)
                    .find(doc! {})
                    .await?
                    .try_collect()
                    .await?;
                let mut values: Vec<i64> = documents.iter().filter_map(|d| d.get_i64("v").ok()).collect();
                values.sort();
                Ok(values)
            }
        }
    }
}

impl Session {
    /// The client behind a Postgres session, for SQL beyond what [`Session`] speaks.
    pub fn postgres(&self) -> Option<&tokio_postgres::Client> {
        match self {
            Session::Postgres(c) => Some(c),
            Session::MongoDb(_) => None,
        }
    }

    /// The database behind a MongoDB session, for commands beyond what [`Session`] speaks.
    pub fn mongodb(&self) -> Option<&mongodb::Database> {
        match self {
            Session::MongoDb(db) => Some(db),
            Session::Postgres(_) => None,
        }
    }
}
