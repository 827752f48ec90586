//! MongoDB: containers that honour the official `mongo` image's contract, and the database and
//! users inside them, managed with the `mongodb` driver.
//!
//! Only what the official server also does is used, so `mongo:8` can replace our image:
//! SCRAM logins, `createUser` / `updateUser` / `dropUser` / `usersInfo`, `dbStats`,
//! `listCollections` / `listIndexes`, `killAllSessionsByPattern`. A password change never
//! closes an open connection in MongoDB, so [`Engine::can_end_connections`] is false and
//! quarantine restarts the engine instead.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use async_trait::async_trait;
use futures_util::TryStreamExt;
use mongodb::bson::{doc, Bson, Document, RawDocumentBuf};
use mongodb::error::{Error as MongoError, ErrorKind};
use mongodb::options::{ClientOptions, Credential, ServerAddress};
use mongodb::Client;
use tokio::io::{AsyncReadExt, AsyncSeekExt, AsyncWriteExt};

use crate::engine::{
    Access, ByteSink, ContainerFile, ContainerLaunch, DumpMethod, Endpoint, Engine, FileOwner, Grant, RoleSpec,
    Superuser, READY_POLL,
};
use crate::error::{ProvisionError, ProvisionResult};
use crate::tls::ServerTls;

/// The driver. It keeps the superuser client its last [`Engine::wait_ready`] logged in with,
/// for the calls after it on the same engine with the same password: a job makes them one
/// after another (`wait_ready`, then `ensure_database`), and a new client's login (two TLS
/// handshakes, one for its monitor, and SCRAM) costs milliseconds of a cold start. A client
/// that never answered is not kept: its monitor may be backing off.
#[derive(Default)]
pub struct MongoDb {
    ready: Mutex<Option<ReadyClient>>,
}

struct ReadyClient {
    endpoint: Endpoint,
    /// Never logged.
    password: String,
    client: Client,
}

impl MongoDb {
    /// A client logged in as `admin`: the one `wait_ready` left, where it is for `admin`.
    fn client(&self, admin: Superuser<'_>) -> ProvisionResult<Client> {
        let ready = self.ready.lock().expect("mongodb client slot poisoned");
        match ready.as_ref() {
            Some(r) if &r.endpoint == admin.endpoint && r.password == admin.password => Ok(r.client.clone()),
            _ => new_client(admin),
        }
    }

    fn keep(&self, admin: Superuser<'_>, client: Client) {
        *self.ready.lock().expect("mongodb client slot poisoned") = Some(ReadyClient {
            endpoint: admin.endpoint.clone(),
            password: admin.password.to_owned(),
            client,
        });
    }
}

const ADMIN_USER: &str = "root";
const ADMIN_DB: &str = "admin";
const DATA_PATH: &str = "/data/db";
/// Read by the entrypoint (`MONGO_INITDB_ROOT_PASSWORD_FILE`). The official image reads it as
/// its `mongodb` user, ours as root: owned by that user, readable by it only.
const PASSWORD_FILE: &str = "/run/secrets/dbaas/mongodb-password";
/// The user the server runs as (999 in both images).
const ENGINE_USER: &str = "mongodb";
/// The server's certificate and key in one PEM, as mongod's `--tlsCertificateKeyFile` takes
/// them: a secret, so its owner's only.
const CERT_KEY_FILE: &str = "/run/secrets/dbaas/mongodb.pem";
const CA_FILE: &str = "/run/secrets/dbaas/ca.pem";
/// Server error codes, as mongod has them.
const USER_NOT_FOUND: i32 = 11;
const USER_EXISTS: i32 = 51003;
const COMMAND_NOT_FOUND: i32 = 59;

fn engine_error(e: MongoError) -> ProvisionError {
    // The server's own words, never the command (which may carry a password).
    match e.kind.as_ref() {
        ErrorKind::Command(c) => ProvisionError::Engine(format!("{} ({}): {}", c.code, c.code_name, c.message)),
        _ => ProvisionError::Engine(e.to_string()),
    }
}

fn command_code(e: &MongoError) -> Option<i32> {
    match e.kind.as_ref() {
        ErrorKind::Command(c) => Some(c.code),
        _ => None,
    }
}

/// How long [`MongoDb::wait_ready`]'s probe waits for a TLS handshake: one on loopback or a
/// LAN takes milliseconds.
const HANDSHAKE_PROBE: Duration = Duration::from_millis(250);

/// A new client logged in as the superuser, talking to this one server only.
fn new_client(admin: Superuser<'_>) -> ProvisionResult<Client> {
    let options = ClientOptions::builder()
        .hosts(vec![ServerAddress::Tcp {
            host: admin.endpoint.host.clone(),
            port: Some(admin.endpoint.port),
        }])
        .credential(
            Credential::builder()
                .username(ADMIN_USER.to_string())
                .password(admin.password.to_string())
                .source(ADMIN_DB.to_string())
                .build(),
        )
        .direct_connection(true)
        .tls(admin.tls.map(|tls| tls.mongodb()))
        .app_name("dbaas-provisioner".to_string())
        .connect_timeout(Duration::from_secs(5))
        .server_selection_timeout(Duration::from_secs(5))
        .build();
    Client::with_options(options).map_err(engine_error)
}

fn role_name(access: Access) -> &'static str {
    match access {
        Access::Owner => "dbOwner",
        Access::ReadWrite => "readWrite",
        Access::ReadOnly => "read",
    }
}

/// `createUser`, or `updateUser` when the user exists: the password and exactly these roles.
async fn upsert_user(client: &Client, database: &str, role: &RoleSpec<'_>, access: Access) -> ProvisionResult<()> {
    let db = client.database(database);
    let roles = vec![doc! {"role": role_name(access), "db": database}];
    let created = db
        .run_command(doc! {"createUser": role.username, "pwd": role.password, "roles": roles.clone()})
        .await;
    match created {
        Ok(_) => Ok(()),
        Err(e) if command_code(&e) == Some(USER_EXISTS) => db
            .run_command(doc! {"updateUser": role.username, "pwd": role.password, "roles": roles})
            .await
            .map(|_| ())
            .map_err(engine_error),
        Err(e) => Err(engine_error(e)),
    }
}

/// A number from a server reply, whatever BSON type the server chose for it.
fn number(document: &Document, key: &str) -> Option<i64> {
    match document.get(key)? {
        Bson::Int32(n) => Some(i64::from(*n)),
        Bson::Int64(n) => Some(*n),
        Bson::Double(n) => Some(*n as i64),
        _ => None,
    }
}

/// One file of a tar archive: the header, then [`pad`] after the contents.
fn tar_header(path: &str, size: u64) -> ProvisionResult<Vec<u8>> {
    let mut header = tar::Header::new_ustar();
    header
        .set_path(path)
        .map_err(|e| ProvisionError::Invalid(format!("cannot name {path} in the dump: {e}")))?;
    header.set_size(size);
    header.set_mode(0o644);
    header.set_mtime(chrono::Utc::now().timestamp().max(0) as u64);
    header.set_entry_type(tar::EntryType::Regular);
    header.set_cksum();
    Ok(header.as_bytes().to_vec())
}

/// Zeros that bring a tar entry of `size` bytes to a whole block.
fn pad(size: u64) -> Vec<u8> {
    vec![0; ((512 - size % 512) % 512) as usize]
}

async fn write_entry(sink: &mut dyn ByteSink, path: &str, contents: Vec<u8>) -> ProvisionResult<()> {
    let size = contents.len() as u64;
    sink.write(tar_header(path, size)?).await?;
    sink.write(contents).await?;
    sink.write(pad(size)).await
}

fn io_error(e: std::io::Error) -> ProvisionError {
    ProvisionError::Engine(format!("spooling the dump: {e}"))
}

/// Writes a collection's documents as mongodump does (`<db>/<collection>.bson`: the documents'
/// BSON one after another). They are spooled to a temporary file first, since a tar header
/// states the size before the contents; the file goes when dropped.
async fn write_collection(
    sink: &mut dyn ByteSink,
    client: &Client,
    database: &str,
    collection: &str,
) -> ProvisionResult<()> {
    let spool = tempfile::tempfile().map_err(io_error)?;
    let mut spool = tokio::fs::File::from_std(spool);
    let mut cursor = client
        .database(database)
        .collection::<RawDocumentBuf>(collection)
        .find(doc! {})
        .await
        .map_err(engine_error)?;
    let mut size = 0u64;
    while let Some(document) = cursor.try_next().await.map_err(engine_error)? {
        spool.write_all(document.as_bytes()).await.map_err(io_error)?;
        size += document.as_bytes().len() as u64;
    }
    spool.flush().await.map_err(io_error)?;
    spool.rewind().await.map_err(io_error)?;
    sink.write(tar_header(&format!("{database}/{collection}.bson"), size)?)
        .await?;
    let mut chunk = vec![0u8; 256 * 1024];
    loop {
        let read = spool.read(&mut chunk).await.map_err(io_error)?;
        if read == 0 {
            break;
        }
        sink.write(chunk[..read].to_vec()).await?;
    }
    sink.write(pad(size)).await
}

#[async_trait]
impl Engine for MongoDb {
    fn name(&self) -> &'static str {
        "mongodb"
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
            "mongod".into(),
            "--port".into(),
            endpoint.port.to_string(),
            "--bind_ip".into(),
            endpoint.host.clone(),
            "--auth".into(),
            "--wiredTigerCacheSizeGB".into(),
            format!("{:.4}", fixed_memory as f64 / (1024.0 * 1024.0 * 1024.0)),
        ];
        let file = |path: &str, contents: String, mode, owner| ContainerFile {
            path: path.into(),
            contents: contents.into_bytes(),
            mode,
            owner,
        };
        let mut files = vec![file(
            PASSWORD_FILE,
            admin_password.to_owned(),
            0o600,
            FileOwner::EngineUser,
        )];
        if let Some(tls) = tls {
            // mongod's own flags (the image's `mongod` maps them for SecantusDB). With a CA
            // file, mongod asks clients for certificates unless told not to: ours log in with
            // SCRAM instead.
            cmd.extend(
                [
                    "--tlsMode",
                    "requireTLS",
                    "--tlsCertificateKeyFile",
                    CERT_KEY_FILE,
                    "--tlsCAFile",
                    CA_FILE,
                    "--tlsAllowConnectionsWithoutCertificates",
                ]
                .map(String::from),
            );
            let cert_and_key = format!("{}\n{}", tls.cert_pem.trim_end(), tls.key_pem);
            files.extend([
                file(CERT_KEY_FILE, cert_and_key, 0o600, FileOwner::EngineUser),
                file(CA_FILE, tls.ca_pem.clone(), 0o644, FileOwner::Root),
            ]);
        }
        ContainerLaunch {
            env: vec![
                format!("MONGO_INITDB_ROOT_USERNAME={ADMIN_USER}"),
                format!("MONGO_INITDB_ROOT_PASSWORD_FILE={PASSWORD_FILE}"),
            ],
            cmd,
            data_path: DATA_PATH,
            files,
            user: ENGINE_USER,
        }
    }

    /// mongod (5.0 and later) reads its certificate files again on `rotateCertificates`; a
    /// server without that command needs a restart.
    async fn reload_certificates(&self, admin: Superuser<'_>) -> ProvisionResult<bool> {
        match self
            .client(admin)?
            .database(ADMIN_DB)
            .run_command(doc! {"rotateCertificates": 1})
            .await
        {
            Ok(_) => Ok(true),
            Err(e) if command_code(&e) == Some(COMMAND_NOT_FOUND) => Ok(false),
            Err(e) => Err(engine_error(e)),
        }
    }

    /// Ready once the superuser's SCRAM login answers an authenticated `ping` (`hello` needs
    /// no login, so it would prove nothing).
    async fn wait_ready(&self, admin: Superuser<'_>, timeout: Duration) -> ProvisionResult<()> {
        let deadline = Instant::now() + timeout;
        loop {
            let answered = async {
                // A refused connection fails at once; the driver would wait out its server
                // selection timeout instead. Over TLS, the handshake is tried first: the
                // image's temporary first-init server listens on the same port without TLS,
                // and the driver would hang on it until it stops, then back off.
                match admin.tls {
                    Some(tls) => tls.handshake(admin.endpoint, HANDSHAKE_PROBE).await?,
                    None => {
                        tokio::net::TcpStream::connect((admin.endpoint.host.as_str(), admin.endpoint.port))
                            .await
                            .map_err(|e| ProvisionError::Engine(format!("connecting: {e}")))?;
                    }
                }
                let client = new_client(admin)?;
                client
                    .database(ADMIN_DB)
                    .run_command(doc! {"ping": 1})
                    .await
                    .map_err(engine_error)?;
                ProvisionResult::Ok(client)
            };
            match answered.await {
                Ok(client) => {
                    self.keep(admin, client);
                    return Ok(());
                }
                Err(e) => tracing::debug!(error = %e, "mongodb not ready yet"),
            }
            if Instant::now() >= deadline {
                return Err(ProvisionError::NotReady(timeout.as_secs()));
            }
            tokio::time::sleep(READY_POLL).await;
        }
    }

    async fn ensure_database(&self, admin: Superuser<'_>, database: &str, owner: &RoleSpec<'_>) -> ProvisionResult<()> {
        // A MongoDB database comes into being with its first write; its users exist at once.
        upsert_user(&self.client(admin)?, database, owner, Access::Owner).await
    }

    async fn ensure_role(
        &self,
        admin: Superuser<'_>,
        database: &str,
        _owner: &str,
        role: &RoleSpec<'_>,
        grant: Grant,
    ) -> ProvisionResult<()> {
        if grant.connection_limit.is_some_and(|limit| limit >= 0) {
            return Err(ProvisionError::Invalid(
                "MongoDB cannot limit a user's connections".into(),
            ));
        }
        upsert_user(&self.client(admin)?, database, role, grant.access).await
    }

    async fn set_password(&self, admin: Superuser<'_>, database: &str, role: &RoleSpec<'_>) -> ProvisionResult<()> {
        self.client(admin)?
            .database(database)
            .run_command(doc! {"updateUser": role.username, "pwd": role.password})
            .await
            .map(|_| ())
            .map_err(engine_error)
    }

    async fn set_admin_password(&self, admin: Superuser<'_>, password: &str) -> ProvisionResult<()> {
        let role = RoleSpec {
            username: ADMIN_USER,
            password,
        };
        self.set_password(admin, ADMIN_DB, &role).await
    }

    /// Ends the user's sessions and their operations; MongoDB keeps the connections open.
    async fn terminate_sessions(&self, admin: Superuser<'_>, database: &str, username: &str) -> ProvisionResult<()> {
        self.client(admin)?
            .database(ADMIN_DB)
            .run_command(doc! {"killAllSessionsByPattern": [{"users": [{"user": username, "db": database}]}]})
            .await
            .map(|_| ())
            .map_err(engine_error)
    }

    fn can_end_connections(&self) -> bool {
        false
    }

    async fn list_users(&self, admin: Superuser<'_>, database: &str) -> ProvisionResult<Vec<String>> {
        let reply = self
            .client(admin)?
            .database(database)
            .run_command(doc! {"usersInfo": 1})
            .await
            .map_err(engine_error)?;
        let users = reply
            .get_array("users")
            .map_err(|e| ProvisionError::Engine(e.to_string()))?;
        Ok(users
            .iter()
            .filter_map(|u| u.as_document())
            .filter(|u| u.get_str("db").is_ok_and(|db| db == database))
            .filter_map(|u| u.get_str("user").ok().map(str::to_owned))
            .collect())
    }

    async fn drop_role(
        &self,
        admin: Superuser<'_>,
        database: &str,
        _owner: &str,
        username: &str,
    ) -> ProvisionResult<()> {
        // Nothing in MongoDB is owned by a user: the documents stay with the database.
        self.terminate_sessions(admin, database, username).await?;
        match self
            .client(admin)?
            .database(database)
            .run_command(doc! {"dropUser": username})
            .await
        {
            Err(e) if command_code(&e) != Some(USER_NOT_FOUND) => Err(engine_error(e)),
            _ => Ok(()),
        }
    }

    fn dump_format(&self) -> &'static str {
        "mongodump-tar"
    }

    fn dump_method(&self, _admin: Superuser<'_>, _database: &str) -> DumpMethod {
        // No mongodump in the image (nor in the official one since 4.4): the driver reads it.
        DumpMethod::Client
    }

    /// mongodump's directory layout (`<db>/<collection>.bson` and
    /// `<db>/<collection>.metadata.json` for each collection) in a tar archive:
    /// `tar -x` then `mongorestore DIR` restores it.
    async fn dump_to(&self, admin: Superuser<'_>, database: &str, sink: &mut dyn ByteSink) -> ProvisionResult<()> {
        let client = self.client(admin)?;
        let db = client.database(database);
        let mut collections: Vec<Document> = db
            .run_command(doc! {"listCollections": 1, "filter": {"type": "collection"}})
            .await
            .map_err(engine_error)?
            .get_document("cursor")
            .and_then(|c| c.get_array("firstBatch"))
            .map_err(|e| ProvisionError::Engine(e.to_string()))?
            .iter()
            .filter_map(|c| c.as_document().cloned())
            .collect();
        collections.sort_by(|a, b| a.get_str("name").ok().cmp(&b.get_str("name").ok()));
        for info in collections {
            let Ok(name) = info.get_str("name") else { continue };
            if name.starts_with("system.") {
                continue;
            }
            write_collection(sink, &client, database, name).await?;
            let indexes: Vec<Document> = db
                .collection::<Document>(name)
                .list_indexes()
                .await
                .map_err(engine_error)?
                .try_collect::<Vec<_>>()
                .await
                .map_err(engine_error)?
                .into_iter()
                .map(|index| mongodb::bson::to_document(&index).unwrap_or_default())
                .collect();
            let metadata = doc! {
                "options": info.get_document("options").cloned().unwrap_or_default(),
                "indexes": indexes,
                "collectionName": name,
                "type": "collection",
            };
            let json = Bson::Document(metadata).into_relaxed_extjson().to_string();
            write_entry(sink, &format!("{database}/{name}.metadata.json"), json.into_bytes()).await?;
        }
        // The end of a tar archive: two zero blocks.
        sink.write(vec![0; 1024]).await
    }

    async fn database_size(&self, admin: Superuser<'_>, database: &str) -> ProvisionResult<i64> {
        let stats = self
            .client(admin)?
            .database(database)
            .run_command(doc! {"dbStats": 1})
            .await
            .map_err(engine_error)?;
        let size = number(&stats, "totalSize").or_else(|| {
            let storage = number(&stats, "storageSize")?;
            Some(storage + number(&stats, "indexSize").unwrap_or(0))
        });
        size.ok_or_else(|| ProvisionError::Engine("dbStats reported no size".into()))
    }
}
