//! PostgreSQL: containers that honour the official `postgres` image's contract, and the
//! database and roles inside them.

use std::time::{Duration, Instant};

use async_trait::async_trait;
use postgres_protocol::escape::{escape_identifier, escape_literal};
use tokio_postgres::{Client, NoTls};

use crate::engine::{ContainerLaunch, Endpoint, Engine, RoleSpec};
use crate::error::{ProvisionError, ProvisionResult};

pub struct Postgres;

const ADMIN_USER: &str = "postgres";
const DATA_PATH: &str = "/var/lib/postgresql/data";

async fn connect(
    endpoint: &Endpoint,
    admin_password: &str,
) -> Result<Client, tokio_postgres::Error> {
    let mut config = tokio_postgres::Config::new();
    config
        .host(&endpoint.host)
        .port(endpoint.port)
        .user(ADMIN_USER)
        .password(admin_password)
        .dbname("postgres")
        .application_name("dbaas-provisioner")
        .connect_timeout(Duration::from_secs(5));
    let (client, connection) = config.connect(NoTls).await?;
    tokio::spawn(async move {
        if let Err(e) = connection.await {
            tracing::debug!(error = %e, "provisioner connection to postgres closed");
        }
    });
    Ok(client)
}

fn engine_error(e: tokio_postgres::Error) -> ProvisionError {
    // The server's own message, never the statement (which may carry a password).
    match e.as_db_error() {
        Some(db) => ProvisionError::Engine(format!("{}: {}", db.code().code(), db.message())),
        None => ProvisionError::Engine(e.to_string()),
    }
}

#[async_trait]
impl Engine for Postgres {
    fn name(&self) -> &'static str {
        "postgres"
    }

    fn admin_user(&self) -> &'static str {
        ADMIN_USER
    }

    fn launch(&self, endpoint: &Endpoint, admin_password: &str) -> ContainerLaunch {
        ContainerLaunch {
            env: vec![
                format!("POSTGRES_PASSWORD={admin_password}"),
                format!("POSTGRES_USER={ADMIN_USER}"),
            ],
            cmd: vec![
                "postgres".into(),
                "-p".into(),
                endpoint.port.to_string(),
                "-c".into(),
                format!("listen_addresses={}", endpoint.host),
            ],
            data_path: DATA_PATH,
        }
    }

    async fn wait_ready(
        &self,
        endpoint: &Endpoint,
        admin_password: &str,
        timeout: Duration,
    ) -> ProvisionResult<()> {
        let deadline = Instant::now() + timeout;
        let mut delay = Duration::from_millis(20);
        loop {
            match connect(endpoint, admin_password).await {
                Ok(client) => match client.simple_query("SELECT 1").await {
                    Ok(_) => return Ok(()),
                    Err(e) => tracing::debug!(error = %e, "postgres not ready yet"),
                },
                Err(e) => tracing::debug!(error = %e, "postgres not accepting connections yet"),
            }
            if Instant::now() >= deadline {
                return Err(ProvisionError::NotReady(timeout.as_secs()));
            }
            tokio::time::sleep(delay).await;
            delay = (delay * 2).min(Duration::from_millis(50));
        }
    }

    async fn ensure_database(
        &self,
        endpoint: &Endpoint,
        admin_password: &str,
        database: &str,
        owner: &RoleSpec<'_>,
    ) -> ProvisionResult<()> {
        let client = connect(endpoint, admin_password)
            .await
            .map_err(engine_error)?;
        // A failed statement is logged by the server with its text; these carry passwords.
        client
            .batch_execute("SET log_min_error_statement = 'panic'; SET log_statement = 'none'")
            .await
            .map_err(engine_error)?;

        let role = escape_identifier(owner.username);
        let password = escape_literal(owner.password);
        let role_exists = !client
            .query(
                "SELECT 1 FROM pg_roles WHERE rolname = $1",
                &[&owner.username],
            )
            .await
            .map_err(engine_error)?
            .is_empty();
        let statement = if role_exists {
            format!("ALTER ROLE {role} WITH LOGIN PASSWORD {password}")
        } else {
            format!("CREATE ROLE {role} WITH LOGIN PASSWORD {password}")
        };
        client
            .batch_execute(&statement)
            .await
            .map_err(engine_error)?;

        let database_exists = !client
            .query("SELECT 1 FROM pg_database WHERE datname = $1", &[&database])
            .await
            .map_err(engine_error)?
            .is_empty();
        let db = escape_identifier(database);
        if !database_exists {
            client
                .batch_execute(&format!("CREATE DATABASE {db} OWNER {role}"))
                .await
                .map_err(engine_error)?;
        }
        // Only the database's own roles may connect to it: later plans put many tenants'
        // databases on one engine.
        client
            .batch_execute(&format!(
                "ALTER DATABASE {db} OWNER TO {role}; REVOKE ALL ON DATABASE {db} FROM PUBLIC"
            ))
            .await
            .map_err(engine_error)?;
        Ok(())
    }
}
