//! The backing services: connections to the shared Postgres and Redis, and a Redis or Postgres
//! of a test's own, for fault tests that stop and start them without disturbing anyone else.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use crate::waiting::retry_blocking;

/// Connects to Postgres and drives the connection in the background.
///
/// A URL with `sslmode=require` (an engine's) gets TLS verified as `sslmode=verify-full`
/// does: the certificate against the CAs of the stacks started so far ([`crate::tls`]), and
/// its address. Others (the catalog's) connect without TLS.
pub async fn pg_connect(url: &str) -> Result<tokio_postgres::Client, tokio_postgres::Error> {
    let config: tokio_postgres::Config = url.parse()?;
    if config.get_ssl_mode() == tokio_postgres::config::SslMode::Require {
        return pg_connect_verified(url, &crate::tls::trusted_bundle()).await;
    }
    let (client, connection) = config.connect(tokio_postgres::NoTls).await?;
    tokio::spawn(async move {
        let _ = connection.await;
    });
    Ok(client)
}

/// Connects with TLS, verifying the server's certificate against `bundle` alone and its
/// address against the certificate, whatever the URL's `sslmode`.
pub async fn pg_connect_verified(url: &str, bundle: &str) -> Result<tokio_postgres::Client, tokio_postgres::Error> {
    let mut config: tokio_postgres::Config = url.parse()?;
    config.ssl_mode(tokio_postgres::config::SslMode::Require);
    let tls = tokio_postgres_rustls::MakeRustlsConnect::new(crate::tls::client_config(bundle));
    let (client, connection) = config.connect(tls).await?;
    tokio::spawn(async move {
        let _ = connection.await;
    });
    Ok(client)
}

/// The Redis keys that start with `prefix`, found with SCAN (never KEYS, which blocks a
/// shared Redis while it runs).
pub async fn redis_keys(conn: &mut redis::aio::MultiplexedConnection, prefix: &str) -> redis::RedisResult<Vec<String>> {
    let pattern = format!("{}*", glob_escape(prefix));
    let mut found = Vec::new();
    let mut cursor: u64 = 0;
    loop {
        let (next, keys): (u64, Vec<String>) = redis::cmd("SCAN")
            .arg(cursor)
            .arg("MATCH")
            .arg(&pattern)
            .arg("COUNT")
            .arg(1000)
            .query_async(conn)
            .await?;
        found.extend(keys);
        if next == 0 {
            return Ok(found);
        }
        cursor = next;
    }
}

/// `text` as a literal in a Redis glob pattern.
fn glob_escape(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '*' | '?' | '[' | ']' | '\\') {
            escaped.push('\\');
        }
        escaped.push(c);
    }
    escaped
}

/// A loopback port that was free a moment ago.
pub fn free_port() -> u16 {
    let probe = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    probe.local_addr().expect("addr").port()
}

/// A Redis of the test's own, so stopping it disturbs no other test. Stopped when dropped.
pub struct PrivateRedis {
    child: Child,
}

impl PrivateRedis {
    /// Starts `redis-server` on `port` without persistence, and waits until it accepts.
    pub fn start(port: u16) -> PrivateRedis {
        let child = Command::new("redis-server")
            .args([
                "--bind",
                "127.0.0.1",
                "--port",
                &port.to_string(),
                "--save",
                "",
                "--appendonly",
                "no",
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("redis-server (apt-get install redis-server)");
        retry_blocking(Duration::from_secs(10), Duration::from_millis(50), || {
            std::net::TcpStream::connect(("127.0.0.1", port)).map(drop)
        })
        .unwrap_or_else(|e| panic!("redis did not start: {e}"));
        PrivateRedis { child }
    }

    pub fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for PrivateRedis {
    fn drop(&mut self) {
        self.stop();
    }
}

/// A Postgres cluster of the test's own (for a catalog), so stopping it disturbs no other
/// test. Its role `dbaas` trusts loopback logins. Stopped and removed when dropped.
pub struct PrivatePostgres {
    dir: PathBuf,
    port: u16,
}

/// A PostgreSQL server program, of the newest version installed.
fn postgres_bin(name: &str) -> PathBuf {
    let mut found: Vec<_> = std::fs::read_dir("/usr/lib/postgresql")
        .expect("PostgreSQL server binaries (apt-get install postgresql)")
        .filter_map(Result::ok)
        .map(|e| e.path().join("bin").join(name))
        .filter(|p| p.exists())
        .collect();
    found.sort();
    found
        .pop()
        .unwrap_or_else(|| panic!("no {name} under /usr/lib/postgresql"))
}

/// Runs `program` as the `postgres` user: the server refuses to run as root.
fn as_postgres(program: &Path, args: &[&str]) {
    let status = Command::new("runuser")
        .args(["-u", "postgres", "--"])
        .arg(program)
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .expect("runuser");
    assert!(status.success(), "{} {args:?} failed", program.display());
}

impl PrivatePostgres {
    /// Creates a cluster in a fresh directory and starts it on `port`.
    pub fn start_new(port: u16) -> PrivatePostgres {
        let dir = std::env::temp_dir().join(format!("dbaas-pg-{port}"));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("cluster directory");
        Command::new("chown")
            .arg("postgres:postgres")
            .arg(&dir)
            .status()
            .expect("chown");
        let data = dir.join("data");
        as_postgres(
            &postgres_bin("initdb"),
            &[
                "-D",
                data.to_str().expect("a UTF-8 path"),
                "-U",
                "dbaas",
                "--auth=trust",
            ],
        );
        let pg = PrivatePostgres { dir, port };
        pg.start();
        pg
    }

    fn pg_ctl(&self, args: &[&str]) {
        let data = self.dir.join("data");
        let mut all = vec!["-D", data.to_str().expect("a UTF-8 path"), "-w"];
        all.extend_from_slice(args);
        as_postgres(&postgres_bin("pg_ctl"), &all);
    }

    /// Starts the cluster (again), and waits until it accepts.
    pub fn start(&self) {
        let options = format!(
            "-p {} -k {} -c listen_addresses=127.0.0.1",
            self.port,
            self.dir.display()
        );
        let log = self.dir.join("log");
        self.pg_ctl(&["-o", &options, "-l", log.to_str().expect("a UTF-8 path"), "start"]);
    }

    /// Stops the cluster, cutting its sessions.
    pub fn stop(&self) {
        self.pg_ctl(&["-m", "fast", "stop"]);
    }

    /// A URL for its superuser, as `DBAAS_TEST_ADMIN_URL`.
    pub fn admin_url(&self) -> String {
        format!("postgres://dbaas:dbaas@127.0.0.1:{}/postgres", self.port)
    }
}

impl Drop for PrivatePostgres {
    fn drop(&mut self) {
        let data = self.dir.join("data");
        let _ = Command::new("runuser")
            .args(["-u", "postgres", "--"])
            .arg(postgres_bin("pg_ctl"))
            .arg("-D")
            .arg(&data)
            .args(["-m", "immediate", "stop"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
