//! PostgreSQL: containers that honour the official `postgres` image's contract, and the
//! database and roles inside them.

use std::time::{Duration, Instant};

use async_trait::async_trait;
use postgres_protocol::escape::{escape_identifier, escape_literal};
use tokio_postgres::config::SslMode;
use tokio_postgres::error::SqlState;
use tokio_postgres::{Client, NoTls};

use crate::engine::{
    Access, ContainerFile, ContainerLaunch, DumpCommand, DumpMethod, Endpoint, Engine, FileOwner, Grant,
    OwnedSuperuser, RoleSpec, Superuser, READY_POLL,
};
use crate::error::{ProvisionError, ProvisionResult};
use crate::tls::ServerTls;

pub struct Postgres;

const ADMIN_USER: &str = "postgres";
/// The user the server runs as, in our image (Debian's uid) and the official one (999).
const ENGINE_USER: &str = "postgres";
/// The database a pooled engine keeps ready, renamed into the first database that claims it:
/// `CREATE DATABASE` copies (and WAL-logs) its template, tens of milliseconds; a rename
/// writes one catalog row.
const SPARE_DATABASE: &str = "dbaas_spare";
/// The database superuser sessions open, as every Postgres has one after initdb. A dedicated
/// engine's first database is made from it by a rename (see [`Found::renamed_from`]), and
/// it is made again in the background.
const MAINTENANCE_DATABASE: &str = "postgres";
/// Where superuser sessions go while the maintenance database is missing, and where a
/// session that may rename the maintenance database works (no session may be in a database
/// renamed). No session of ours stays in it for long: `CREATE DATABASE` copies it.
const OUTSIDE_DATABASE: &str = "template1";
const DATA_PATH: &str = "/var/lib/postgresql/data";
/// Read by the entrypoint (`POSTGRES_PASSWORD_FILE`, as the official image does).
const PASSWORD_FILE: &str = "/run/secrets/dbaas/postgres-password";
const CERT_FILE: &str = "/run/secrets/dbaas/server.crt";
/// Postgres refuses a key that others than its owner may read.
const KEY_FILE: &str = "/run/secrets/dbaas/server.key";
/// The deployment's CAs, for the tools in the container (`pg_dump` verifies with them).
const CA_FILE: &str = "/run/secrets/dbaas/ca.pem";
/// Replaces the data directory's `pg_hba.conf` (`-c hba_file=`), on every start.
const HBA_FILE: &str = "/run/secrets/dbaas/pg_hba.conf";
/// TCP only over TLS, with a SCRAM login; no line matches a plain TCP connection, so it is
/// refused. The container's own unix socket stays as both images have it (the entrypoint
/// uses it during first init).
const HBA_TLS_ONLY: &str = "# dbaas: TCP connections only over TLS\n\
    local   all all     trust\n\
    hostssl all all all scram-sha-256\n";

/// A superuser session in the maintenance database, or in template1 while it is missing.
async fn connect(admin: Superuser<'_>) -> Result<Client, tokio_postgres::Error> {
    match connect_to(admin, MAINTENANCE_DATABASE).await {
        Err(e) if e.code() == Some(&SqlState::INVALID_CATALOG_NAME) => connect_to(admin, OUTSIDE_DATABASE).await,
        connected => connected,
    }
}

async fn connect_to(admin: Superuser<'_>, database: &str) -> Result<Client, tokio_postgres::Error> {
    let mut config = tokio_postgres::Config::new();
    config
        .host(&admin.endpoint.host)
        .port(admin.endpoint.port)
        .user(ADMIN_USER)
        .password(admin.password)
        .dbname(database)
        .application_name("dbaas-provisioner")
        // Failed statements are not logged with their text: they carry passwords. Set at
        // login, in no round trip of its own (a superuser may).
        .options("-c log_min_error_statement=panic -c log_statement=none")
        .connect_timeout(Duration::from_secs(5));
    let client = match admin.tls {
        Some(tls) => {
            // Verified against the deployment's CAs, for the engine's address.
            config.ssl_mode(SslMode::Require);
            let (client, connection) = config.connect(tls.postgres()).await?;
            tokio::spawn(drive(connection));
            client
        }
        None => {
            let (client, connection) = config.connect(NoTls).await?;
            tokio::spawn(drive(connection));
            client
        }
    };
    Ok(client)
}

async fn drive<F: std::future::Future<Output = Result<(), tokio_postgres::Error>>>(connection: F) {
    if let Err(e) = connection.await {
        tracing::debug!(error = %e, "provisioner connection to postgres closed");
    }
}

fn engine_error(e: tokio_postgres::Error) -> ProvisionError {
    // The server's own message, never the statement (which may carry a password).
    match e.as_db_error() {
        Some(db) => ProvisionError::Engine(format!("{}: {}", db.code().code(), db.message())),
        None => ProvisionError::Engine(e.to_string()),
    }
}

/// A superuser session in `database`.
async fn admin_session(admin: Superuser<'_>, database: &str) -> ProvisionResult<Client> {
    connect_to(admin, database).await.map_err(engine_error)
}

/// A superuser session in the maintenance database (or template1 while it is missing).
async fn maintenance_session(admin: Superuser<'_>) -> ProvisionResult<Client> {
    connect(admin).await.map_err(engine_error)
}

/// Whether `query` (with one text parameter) finds a row.
async fn any_row(client: &Client, query: &str, param: &str) -> ProvisionResult<bool> {
    Ok(!client.query(query, &[&param]).await.map_err(engine_error)?.is_empty())
}

async fn database_exists(client: &Client, database: &str) -> ProvisionResult<bool> {
    any_row(client, "SELECT 1 FROM pg_database WHERE datname = $1", database).await
}

/// `ALTER DATABASE from RENAME TO to`; `false` where it cannot be (no such database, say).
async fn renamed(client: &Client, from: &str, to: &str) -> bool {
    client
        .batch_execute(&format!(
            "ALTER DATABASE {} RENAME TO {}",
            escape_identifier(from),
            escape_identifier(to)
        ))
        .await
        .is_ok()
}

async fn role_exists(client: &Client, username: &str) -> ProvisionResult<bool> {
    any_row(client, "SELECT 1 FROM pg_roles WHERE rolname = $1", username).await
}

/// `CREATE ROLE` or `ALTER ROLE` to the given password, login and connection limit.
async fn upsert_role(client: &Client, role: &RoleSpec<'_>, connection_limit: Option<i32>) -> ProvisionResult<()> {
    let exists = role_exists(client, role.username).await?;
    client
        .batch_execute(&role_statement(role, connection_limit, exists))
        .await
        .map_err(engine_error)
}

/// The statement of [`upsert_role`], for a role that `exists` or not.
fn role_statement(role: &RoleSpec<'_>, connection_limit: Option<i32>, exists: bool) -> String {
    let name = escape_identifier(role.username);
    let password = escape_literal(role.password);
    let limit = connection_limit.unwrap_or(-1);
    let verb = if exists { "ALTER" } else { "CREATE" };
    format!("{verb} ROLE {name} WITH LOGIN PASSWORD {password} CONNECTION LIMIT {limit}")
}

/// Creates `database` owned by `owner`, or brings an existing one to that state, in the
/// superuser's session in the maintenance database: the role exists, can log in with its
/// password, owns the database, and PUBLIC may not connect to it. An engine's spare
/// database, where it has one, becomes the database (a rename writes one catalog row;
/// `CREATE DATABASE` copies its template).
async fn make_database(client: &Client, database: &str, owner: &RoleSpec<'_>) -> ProvisionResult<()> {
    upsert_role(client, owner, None).await?;
    if !database_exists(client, database).await? && !renamed(client, SPARE_DATABASE, database).await {
        create_database(client, database, "template1").await?;
    }
    client
        .batch_execute(&own_statements(database, owner.username))
        .await
        .map_err(engine_error)
}

/// `CREATE DATABASE` as a copy of `template`, where no session may be.
async fn create_database(client: &Client, database: &str, template: &str) -> ProvisionResult<()> {
    client
        .batch_execute(&format!(
            "CREATE DATABASE {} TEMPLATE {}",
            escape_identifier(database),
            escape_identifier(template)
        ))
        .await
        .map_err(engine_error)
}

/// `owner` owns `database`, and only roles granted CONNECT may connect (shared plans put many
/// tenants' databases on one engine).
fn own_statements(database: &str, owner: &str) -> String {
    let (db, role) = (escape_identifier(database), escape_identifier(owner));
    format!("ALTER DATABASE {db} OWNER TO {role}; REVOKE ALL ON DATABASE {db} FROM PUBLIC")
}

/// What a dedicated engine holds of a database about to be made in it, read in one query.
struct Found {
    role: bool,
    database: bool,
    spare: bool,
    maintenance: bool,
    /// Sessions other than ours and autovacuum's (which a rename stops) in the maintenance
    /// database.
    in_maintenance: bool,
}

impl Found {
    async fn read(client: &Client, database: &str, owner: &str) -> ProvisionResult<Found> {
        let row = client
            .query_one(
                "SELECT EXISTS (SELECT FROM pg_roles WHERE rolname = $1),
                        EXISTS (SELECT FROM pg_database WHERE datname = $2),
                        EXISTS (SELECT FROM pg_database WHERE datname = $3),
                        EXISTS (SELECT FROM pg_database WHERE datname = $4),
                        EXISTS (SELECT FROM pg_stat_activity
                                WHERE datname = $4 AND backend_type <> 'autovacuum worker')",
                &[&owner, &database, &SPARE_DATABASE, &MAINTENANCE_DATABASE],
            )
            .await
            .map_err(engine_error)?;
        Ok(Found {
            role: row.get(0),
            database: row.get(1),
            spare: row.get(2),
            maintenance: row.get(3),
            in_maintenance: row.get(4),
        })
    }

    /// The database that becomes the new one by a rename: the spare (a pooled engine's), or
    /// else initdb's maintenance database where no session is in it. On a cold start, a
    /// `CREATE DATABASE` is the slowest step after the engine's start: it copies and WAL-logs
    /// template1, 40–240 ms on a fresh engine here, where a rename writes one catalog row.
    fn renamed_from(&self) -> Option<&'static str> {
        if self.database {
            None
        } else if self.spare {
            Some(SPARE_DATABASE)
        } else if self.maintenance && !self.in_maintenance {
            Some(MAINTENANCE_DATABASE)
        } else {
            None
        }
    }
}

/// One transaction: the owner's `role` statement, `from` renamed to `database`, and the
/// `own` statements. initdb's description of its maintenance database does not come along.
fn rename_into(from: &str, database: &str, role: &str, own: &str) -> String {
    let db = escape_identifier(database);
    let described = if from == MAINTENANCE_DATABASE {
        format!("COMMENT ON DATABASE {db} IS NULL;")
    } else {
        String::new()
    };
    format!(
        "{role}; ALTER DATABASE {} RENAME TO {db}; {described} {own}",
        escape_identifier(from)
    )
}

/// Makes the maintenance database again, in the background: the engine's operators and
/// tools expect it (`psql -U postgres` connects to it). Until then, sessions of ours use
/// template1. A copy of template0, which no session can be in, so that it never waits on
/// one in template1; initdb made both alike.
fn remake_maintenance_database(admin: OwnedSuperuser) {
    tokio::spawn(async move {
        let made = async {
            let client = maintenance_session(admin.login()).await?;
            if !database_exists(&client, MAINTENANCE_DATABASE).await? {
                create_database(&client, MAINTENANCE_DATABASE, "template0").await?;
                client
                    .batch_execute(&format!(
                        "COMMENT ON DATABASE {} IS 'default administrative connection database'",
                        escape_identifier(MAINTENANCE_DATABASE)
                    ))
                    .await
                    .map_err(engine_error)?;
            }
            ProvisionResult::Ok(())
        };
        if let Err(e) = made.await {
            // Sessions keep using template1; the database's next provisioning run (a
            // recovery, say) tries again.
            tracing::warn!(endpoint = ?admin.login().endpoint, error = %e, "the maintenance database was not made again");
        }
    });
}

/// The statements that give `role` exactly `access` to the objects of `owner` in `database`,
/// now and for tables the owner creates later.
fn grants(database: &str, owner: &str, role: &str, access: Access) -> String {
    let (db, owner, role) = (
        escape_identifier(database),
        escape_identifier(owner),
        escape_identifier(role),
    );
    let revoke = format!(
        "REVOKE ALL ON ALL TABLES IN SCHEMA public FROM {role}; \
         REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM {role}; \
         ALTER DEFAULT PRIVILEGES FOR ROLE {owner} IN SCHEMA public REVOKE ALL ON TABLES FROM {role}; \
         ALTER DEFAULT PRIVILEGES FOR ROLE {owner} IN SCHEMA public REVOKE ALL ON SEQUENCES FROM {role};"
    );
    let base = format!("GRANT CONNECT ON DATABASE {db} TO {role}; GRANT USAGE ON SCHEMA public TO {role};");
    match access {
        Access::Owner => format!("{base} GRANT {owner} TO {role};"),
        Access::ReadWrite => format!(
            "{revoke} {base} \
             GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {role}; \
             GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA public TO {role}; \
             ALTER DEFAULT PRIVILEGES FOR ROLE {owner} IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {role}; \
             ALTER DEFAULT PRIVILEGES FOR ROLE {owner} IN SCHEMA public GRANT USAGE, SELECT, UPDATE ON SEQUENCES TO {role};"
        ),
        Access::ReadOnly => format!(
            "{revoke} {base} \
             GRANT SELECT ON ALL TABLES IN SCHEMA public TO {role}; \
             GRANT SELECT ON ALL SEQUENCES IN SCHEMA public TO {role}; \
             ALTER DEFAULT PRIVILEGES FOR ROLE {owner} IN SCHEMA public GRANT SELECT ON TABLES TO {role}; \
             ALTER DEFAULT PRIVILEGES FOR ROLE {owner} IN SCHEMA public GRANT SELECT ON SEQUENCES TO {role};"
        ),
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

    fn launch(
        &self,
        endpoint: &Endpoint,
        admin_password: &str,
        tls: Option<&ServerTls>,
        fixed_memory: i64,
    ) -> ContainerLaunch {
        let mut cmd: Vec<String> = vec![
            "postgres".into(),
            "-p".into(),
            endpoint.port.to_string(),
            "-c".into(),
            format!("listen_addresses={}", endpoint.host),
            "-c".into(),
            format!("shared_buffers={}MB", fixed_memory / (1024 * 1024)),
        ];
        let file = |path: &str, contents: &str, mode, owner| ContainerFile {
            path: path.into(),
            contents: contents.as_bytes().to_vec(),
            mode,
            owner,
        };
        let mut files = vec![file(PASSWORD_FILE, admin_password, 0o600, FileOwner::EngineUser)];
        if let Some(tls) = tls {
            for setting in [
                "ssl=on".to_string(),
                format!("ssl_cert_file={CERT_FILE}"),
                format!("ssl_key_file={KEY_FILE}"),
                format!("hba_file={HBA_FILE}"),
            ] {
                cmd.extend(["-c".to_string(), setting]);
            }
            files.extend([
                file(CERT_FILE, &tls.cert_pem, 0o644, FileOwner::Root),
                file(KEY_FILE, &tls.key_pem, 0o600, FileOwner::EngineUser),
                file(CA_FILE, &tls.ca_pem, 0o644, FileOwner::Root),
                file(HBA_FILE, HBA_TLS_ONLY, 0o644, FileOwner::Root),
            ]);
        }
        ContainerLaunch {
            env: vec![
                format!("POSTGRES_PASSWORD_FILE={PASSWORD_FILE}"),
                format!("POSTGRES_USER={ADMIN_USER}"),
            ],
            cmd,
            data_path: DATA_PATH,
            files,
            user: ENGINE_USER,
        }
    }

    /// A configuration reload (SIGHUP) makes Postgres read its certificate and key again.
    async fn reload_certificates(&self, admin: Superuser<'_>) -> ProvisionResult<bool> {
        let client = connect(admin).await.map_err(engine_error)?;
        client
            .simple_query("SELECT pg_reload_conf()")
            .await
            .map_err(engine_error)?;
        Ok(true)
    }

    async fn checkpoint(&self, admin: Superuser<'_>) -> ProvisionResult<()> {
        let client = connect(admin).await.map_err(engine_error)?;
        client.simple_query("CHECKPOINT").await.map_err(engine_error)?;
        Ok(())
    }

    async fn wait_ready(&self, admin: Superuser<'_>, timeout: Duration) -> ProvisionResult<()> {
        let deadline = Instant::now() + timeout;
        loop {
            match connect(admin).await {
                Ok(client) => match client.simple_query("SELECT 1").await {
                    Ok(_) => return Ok(()),
                    Err(e) => tracing::debug!(error = %e, "postgres not ready yet"),
                },
                Err(e) => tracing::debug!(error = %e, "postgres not accepting connections yet"),
            }
            if Instant::now() >= deadline {
                return Err(ProvisionError::NotReady(timeout.as_secs()));
            }
            tokio::time::sleep(READY_POLL).await;
        }
    }

    async fn prepare_spare(&self, admin: Superuser<'_>) -> ProvisionResult<()> {
        let client = maintenance_session(admin).await?;
        if !database_exists(&client, SPARE_DATABASE).await? {
            // Apart: CREATE DATABASE cannot run in the transaction a batch makes.
            create_database(&client, SPARE_DATABASE, "template1").await?;
            client
                .batch_execute(&format!(
                    "REVOKE ALL ON DATABASE {} FROM PUBLIC",
                    escape_identifier(SPARE_DATABASE)
                ))
                .await
                .map_err(engine_error)?;
        }
        Ok(())
    }

    /// The engine holds this database alone: its spare database (a pooled engine) or else
    /// its maintenance database becomes it, by a rename (see [`Found::renamed_from`]), in one
    /// transaction with the owner role; only where neither can does `CREATE DATABASE` copy
    /// template0 (the session is in template1, which a copy of it would wait on). The
    /// maintenance database, taken or missing, is made again in the background.
    async fn ensure_database(&self, admin: Superuser<'_>, database: &str, owner: &RoleSpec<'_>) -> ProvisionResult<()> {
        let client = admin_session(admin, OUTSIDE_DATABASE).await?;
        let found = Found::read(&client, database, owner.username).await?;
        let role = role_statement(owner, None, found.role);
        let own = own_statements(database, owner.username);
        let from = found.renamed_from();
        let took = match from {
            Some(from) => match client.batch_execute(&rename_into(from, database, &role, &own)).await {
                Ok(()) => true,
                Err(e) => {
                    // A session came into it meanwhile, say: the transaction left nothing.
                    tracing::debug!(error = %engine_error(e), "no rename; the database is created");
                    false
                }
            },
            None => false,
        };
        if !took {
            client.batch_execute(&role).await.map_err(engine_error)?;
            if !found.database {
                create_database(&client, database, "template0").await?;
            }
            client.batch_execute(&own).await.map_err(engine_error)?;
        }
        if !found.maintenance || (took && from == Some(MAINTENANCE_DATABASE)) {
            remake_maintenance_database(admin.to_owned_login());
        }
        Ok(())
    }

    async fn ensure_shared_database(
        &self,
        admin: Superuser<'_>,
        database: &str,
        owner: &RoleSpec<'_>,
        connection_limit: i32,
    ) -> ProvisionResult<()> {
        let client = maintenance_session(admin).await?;
        make_database(&client, database, owner).await?;
        // PUBLIC's CONNECT (and TEMP) on the tenant's database went when it was made; the
        // engine's own databases lose theirs here (the superuser needs no grant). No tenant
        // may connect to template1, either: a session there would stop every CREATE DATABASE.
        client
            .batch_execute(&format!(
                "REVOKE CONNECT, TEMPORARY ON DATABASE postgres FROM PUBLIC; \
                 REVOKE CONNECT, TEMPORARY ON DATABASE template1 FROM PUBLIC; \
                 ALTER DATABASE {} CONNECTION LIMIT {connection_limit}",
                escape_identifier(database)
            ))
            .await
            .map_err(engine_error)
    }

    async fn drop_database(&self, admin: Superuser<'_>, database: &str, roles: &[String]) -> ProvisionResult<()> {
        let client = maintenance_session(admin).await?;
        let mut roles = roles.to_vec();
        if database_exists(&client, database).await? {
            // Roles the tenant made cannot exist (no tenant may create roles); any other role
            // that may connect is dropped only where its name says it is this database's.
            let own = format!("{database}.");
            for role in self.list_users(admin, database).await? {
                if role.starts_with(&own) && !roles.contains(&role) {
                    roles.push(role);
                }
            }
            // FORCE ends its sessions first (Postgres 13 and later).
            client
                .batch_execute(&format!(
                    "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                    escape_identifier(database)
                ))
                .await
                .map_err(engine_error)?;
        }
        // Their sessions elsewhere: none may connect anywhere else, but be sure.
        client
            .execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
                 WHERE usename = ANY($1) AND pid <> pg_backend_pid()",
                &[&roles],
            )
            .await
            .map_err(engine_error)?;
        for role in &roles {
            client
                .batch_execute(&format!("DROP ROLE IF EXISTS {}", escape_identifier(role)))
                .await
                .map_err(engine_error)?;
        }
        Ok(())
    }

    async fn ensure_role(
        &self,
        admin: Superuser<'_>,
        database: &str,
        owner: &str,
        role: &RoleSpec<'_>,
        grant: Grant,
    ) -> ProvisionResult<()> {
        let client = maintenance_session(admin).await?;
        upsert_role(&client, role, grant.connection_limit).await?;
        // Table grants live in the database itself.
        let client = admin_session(admin, database).await?;
        client
            .batch_execute(&grants(database, owner, role.username, grant.access))
            .await
            .map_err(engine_error)
    }

    async fn set_password(&self, admin: Superuser<'_>, _database: &str, role: &RoleSpec<'_>) -> ProvisionResult<()> {
        let client = maintenance_session(admin).await?;
        let (name, password) = (escape_identifier(role.username), escape_literal(role.password));
        client
            .batch_execute(&format!("ALTER ROLE {name} WITH PASSWORD {password}"))
            .await
            .map_err(engine_error)
    }

    async fn set_admin_password(&self, admin: Superuser<'_>, password: &str) -> ProvisionResult<()> {
        let role = RoleSpec {
            username: ADMIN_USER,
            password,
        };
        self.set_password(admin, "postgres", &role).await
    }

    async fn terminate_sessions(&self, admin: Superuser<'_>, _database: &str, username: &str) -> ProvisionResult<()> {
        let client = maintenance_session(admin).await?;
        client
            .execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = $1 AND pid <> pg_backend_pid()",
                &[&username],
            )
            .await
            .map_err(engine_error)?;
        Ok(())
    }

    async fn list_users(&self, admin: Superuser<'_>, database: &str) -> ProvisionResult<Vec<String>> {
        // PUBLIC has no CONNECT on our databases: whoever has it was given it.
        let client = maintenance_session(admin).await?;
        let rows = client
            .query(
                "SELECT rolname FROM pg_roles WHERE rolcanlogin AND NOT rolsuper \
                 AND has_database_privilege(oid, $1, 'CONNECT') ORDER BY rolname",
                &[&database],
            )
            .await
            .map_err(engine_error)?;
        Ok(rows.iter().map(|r| r.get(0)).collect())
    }

    async fn drop_role(
        &self,
        admin: Superuser<'_>,
        database: &str,
        owner: &str,
        username: &str,
    ) -> ProvisionResult<()> {
        let client = maintenance_session(admin).await?;
        if !role_exists(&client, username).await? {
            return Ok(());
        }
        self.terminate_sessions(admin, database, username).await?;
        let (role, owner) = (escape_identifier(username), escape_identifier(owner));
        let in_database = admin_session(admin, database).await?;
        in_database
            .batch_execute(&format!("REASSIGN OWNED BY {role} TO {owner}; DROP OWNED BY {role}"))
            .await
            .map_err(engine_error)?;
        client
            .batch_execute(&format!("DROP ROLE IF EXISTS {role}"))
            .await
            .map_err(engine_error)
    }

    fn dump_format(&self) -> &'static str {
        "pg_dump-custom"
    }

    fn dump_method(&self, admin: Superuser<'_>, database: &str) -> DumpMethod {
        DumpMethod::Exec(DumpCommand {
            cmd: vec![
                "pg_dump".into(),
                "--format=custom".into(),
                "--host".into(),
                admin.endpoint.host.clone(),
                "--port".into(),
                admin.endpoint.port.to_string(),
                "--username".into(),
                ADMIN_USER.into(),
                "--dbname".into(),
                database.into(),
            ],
            env: [format!("PGPASSWORD={}", admin.password)]
                .into_iter()
                .chain(admin.tls.map(|_| "PGSSLMODE=verify-full".to_string()))
                .chain(admin.tls.map(|_| format!("PGSSLROOTCERT={CA_FILE}")))
                .collect(),
        })
    }

    async fn database_size(&self, admin: Superuser<'_>, database: &str) -> ProvisionResult<i64> {
        let client = connect(admin).await.map_err(engine_error)?;
        let row = client
            .query_one("SELECT pg_database_size($1)", &[&database])
            .await
            .map_err(engine_error)?;
        Ok(row.get(0))
    }
}
