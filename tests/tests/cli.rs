//! The `dbaas` command line (issue 19) against a real stack, as a person or a script runs it:
//! the binary (`cargo build --bins` first; `make test` does), its exit codes, what it prints
//! on standard output (`--json`) and standard error (progress, errors), and real clients on
//! the URIs it prints.
//!
//! - Tenants: create (following the task), connect with the printed URI, passwords hidden
//!   unless asked, reset (the old password refused), delete to quarantine, restore, destroy,
//!   download the final dump; the API's errors with their field and exit codes.
//! - Operators: engine list, show, restart, logs (tail and follow), reconcile, orphan list
//!   and rm, logged in through a config file.
//! - Admins: host list, cordon, uncordon.

use std::collections::HashMap;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Output, Stdio};
use std::time::Duration;

use bollard::models::ContainerCreateBody;
use bollard::query_parameters::CreateContainerOptionsBuilder;
use dbaas_tests::processes::binary;
use dbaas_tests::{pg_connect, TestStack};
use serde_json::{json, Value};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

/// The longest a command may take (a cold start of an engine is the slowest).
const TIMEOUT: Duration = Duration::from_secs(240);

/// How the CLI is logged in for a run.
enum Login<'a> {
    /// `--user` and the password on standard input (`--password-stdin`).
    Stdin(&'a str, &'a str),
    /// A config file with url, user and password.
    Config(&'a Path),
}

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

impl Run {
    fn json(&self) -> Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}\nstderr: {}", self.stdout, self.stderr))
    }

    #[track_caller]
    fn ok(self) -> Self {
        assert_eq!(self.code, 0, "stdout: {}\nstderr: {}", self.stdout, self.stderr);
        self
    }
}

fn command(stack: &TestStack, login: &Login, args: &[&str]) -> tokio::process::Command {
    let mut command = tokio::process::Command::new(binary("dbaas"));
    command
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        // No config file of the machine's user is read.
        .env(
            "HOME",
            std::env::temp_dir().join(format!("dbaas-cli-home-{}", stack.id)),
        )
        .env("DBAAS_URL", &stack.base_url)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    match login {
        Login::Stdin(user, _) => {
            command.env("DBAAS_USER", user).arg("--password-stdin");
        }
        Login::Config(path) => {
            command.env_remove("DBAAS_URL").env("DBAAS_CONFIG", path);
        }
    }
    command.args(args);
    command
}

async fn dbaas(stack: &TestStack, login: &Login<'_>, args: &[&str]) -> Run {
    let mut child = command(stack, login, args).spawn().expect("start dbaas");
    let mut stdin = child.stdin.take().expect("stdin");
    if let Login::Stdin(_, password) = login {
        stdin
            .write_all(format!("{password}\n").as_bytes())
            .await
            .expect("write the password");
    }
    drop(stdin);
    let Output { status, stdout, stderr } = tokio::time::timeout(TIMEOUT, child.wait_with_output())
        .await
        .unwrap_or_else(|_| panic!("dbaas {args:?} did not end within {TIMEOUT:?}"))
        .expect("dbaas ran");
    Run {
        code: status.code().expect("an exit code"),
        stdout: String::from_utf8_lossy(&stdout).into_owned(),
        stderr: String::from_utf8_lossy(&stderr).into_owned(),
    }
}

async fn connects(uri: &str) -> Result<(), String> {
    let client = pg_connect(uri).await.map_err(|e| e.to_string())?;
    client.simple_query("SELECT 1").await.map_err(|e| e.to_string())?;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_tenant_goes_through_a_database_s_life_with_the_cli() {
    let stack = TestStack::start().await;
    let admin = Login::Stdin(&stack.admin_user, &stack.admin_password);
    let name = "cli_orders";

    // Create, following the task: progress on standard error, the result as JSON.
    let created = dbaas(&stack, &admin, &["--json", "--show-password", "db", "create", name])
        .await
        .ok();
    assert!(
        created.stderr.contains("provision_database: succeeded"),
        "progress: {}",
        created.stderr
    );
    let created = created.json();
    assert_eq!(created["database"]["status"], "ready", "{created}");
    let id = created["database"]["id"].as_i64().unwrap();
    let credential = created["credential"]["id"].as_i64().unwrap();
    let old_uri = created["credential"]["connection_uri"].as_str().unwrap().to_owned();
    let old_password = created["credential"]["password"].as_str().unwrap().to_owned();
    assert!(old_uri.contains(&old_password), "{old_uri}");
    connects(&old_uri).await.expect("the printed URI connects");

    // People get tables, and no password unless they ask for it.
    let shown = dbaas(&stack, &admin, &["cred", "show", &credential.to_string()])
        .await
        .ok();
    assert!(!shown.stdout.contains(&old_password), "{}", shown.stdout);
    assert!(shown.stdout.contains("********"), "{}", shown.stdout);
    let as_json = dbaas(&stack, &admin, &["--json", "cred", "show", &credential.to_string()])
        .await
        .ok()
        .json();
    assert_eq!(as_json["password"], "********");
    assert!(!as_json["connection_uri"].as_str().unwrap().contains(&old_password));
    let listed = dbaas(&stack, &admin, &["db", "list"]).await.ok();
    assert!(
        listed.stdout.contains(name) && listed.stdout.contains("ready"),
        "{}",
        listed.stdout
    );
    let by_name = dbaas(&stack, &admin, &["--json", "db", "show", name]).await.ok().json();
    assert_eq!(by_name["id"], id);

    // Reset: a new password that connects, and the old one is refused.
    let reset = dbaas(
        &stack,
        &admin,
        &["--json", "--show-password", "cred", "reset", &credential.to_string()],
    )
    .await
    .ok()
    .json();
    let new_uri = reset["connection_uri"].as_str().unwrap().to_owned();
    assert_ne!(reset["password"].as_str().unwrap(), old_password);
    connects(&new_uri).await.expect("the new URI connects");
    assert!(connects(&old_uri).await.is_err(), "the old password is refused");
    pg_connect(&new_uri)
        .await
        .unwrap()
        .batch_execute("CREATE TABLE kept (v int); INSERT INTO kept VALUES (1), (2)")
        .await
        .unwrap();

    // Resize to a bigger plan of the same engine: the database on it, the login unchanged; a
    // plan of another engine refused with its field.
    let medium = stack
        .as_admin()
        .create(
            "/api/plan",
            json!({"name": "cli-medium", "engine": "postgres", "image": stack.image_of(dbaas_tests::Engine::Postgres),
                   "memory_bytes": 1024 * 1024 * 1024, "cpus": 1, "size_bytes": 1024 * 1024 * 1024}),
        )
        .await;
    let resized = dbaas(
        &stack,
        &admin,
        &["--json", "db", "resize", name, "--plan", "cli-medium"],
    )
    .await
    .ok()
    .json();
    assert_eq!(resized["plan"], medium["_links"]["self"], "{resized}");
    connects(&new_uri).await.expect("the login is unchanged by a resize");
    let other_engine = dbaas(&stack, &admin, &["db", "resize", name, "--plan", "mongodb-small"]).await;
    assert_eq!(other_engine.code, 1, "{}", other_engine.stderr);
    assert!(other_engine.stderr.contains("field: plan"), "{}", other_engine.stderr);

    // Errors: the API's message with its field, and exit codes scripts can rely on.
    let unknown_plan = dbaas(&stack, &admin, &["db", "create", "cli_other", "--plan", "no-such-plan"]).await;
    assert_eq!(unknown_plan.code, 1, "{}", unknown_plan.stderr);
    assert!(unknown_plan.stderr.contains("field: plan"), "{}", unknown_plan.stderr);
    let missing = dbaas(&stack, &admin, &["db", "show", "999999"]).await;
    assert_eq!(missing.code, 4, "{}", missing.stderr);
    let wrong = dbaas(
        &stack,
        &Login::Stdin(&stack.admin_user, "not-the-password"),
        &["db", "list"],
    )
    .await;
    assert_eq!(wrong.code, 3, "{}", wrong.stderr);
    let usage = dbaas(&stack, &admin, &["db", "create"]).await;
    assert_eq!(usage.code, 2, "{}", usage.stderr);

    // Delete quarantines; restore brings it back with new passwords.
    let quarantined = dbaas(&stack, &admin, &["--json", "db", "delete", name])
        .await
        .ok()
        .json();
    assert_eq!(quarantined["status"], "quarantined", "{quarantined}");
    let restored = dbaas(&stack, &admin, &["--json", "db", "restore", &id.to_string()])
        .await
        .ok()
        .json();
    assert_eq!(restored["status"], "ready", "{restored}");
    assert!(connects(&new_uri).await.is_err(), "a restore gives new passwords");
    let after = dbaas(
        &stack,
        &admin,
        &["--json", "--show-password", "cred", "show", &credential.to_string()],
    )
    .await
    .ok()
    .json();
    connects(after["connection_uri"].as_str().unwrap())
        .await
        .expect("the restored password connects");

    // Delete twice: quarantine, then destroy after a final dump, which downloads whole.
    dbaas(&stack, &admin, &["db", "delete", name]).await.ok();
    let destroyed = dbaas(&stack, &admin, &["--json", "db", "delete", &id.to_string()])
        .await
        .ok();
    assert_eq!(destroyed.json()["status"], "deleted", "{}", destroyed.stdout);
    let dumps = dbaas(&stack, &admin, &["--json", "dump", "list", &id.to_string()])
        .await
        .ok()
        .json();
    let size = dumps[0]["size_bytes"].as_u64().expect("a dump");
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("final.pgdump");
    let downloaded = dbaas(
        &stack,
        &admin,
        &["dump", "download", &id.to_string(), "-o", file.to_str().unwrap()],
    )
    .await
    .ok();
    assert!(downloaded.stderr.contains("written"), "{}", downloaded.stderr);
    let bytes = std::fs::read(&file).unwrap();
    assert_eq!(bytes.len() as u64, size);
    assert!(bytes.starts_with(b"PGDMP"), "a pg_dump archive");
    // A cut-off download resumes with a Range request and ends the same.
    std::fs::write(&file, &bytes[..bytes.len() / 2]).unwrap();
    dbaas(
        &stack,
        &admin,
        &[
            "dump",
            "download",
            &id.to_string(),
            "-o",
            file.to_str().unwrap(),
            "--resume",
        ],
    )
    .await
    .ok();
    assert_eq!(std::fs::read(&file).unwrap(), bytes, "resumed to the same bytes");
    stack.cleanup().await;
}

fn config_file(dir: &Path, stack: &TestStack, user: &str, password: &str, mode: u32) -> PathBuf {
    let path = dir.join(format!("config-{mode:o}.toml"));
    let text = format!("url = {:?}\nuser = {user:?}\npassword = {password:?}\n", stack.base_url);
    std::fs::write(&path, text).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode)).unwrap();
    path
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_operator_runs_the_engines_with_the_cli() {
    let stack = TestStack::start().await;
    let admin = Login::Stdin(&stack.admin_user, &stack.admin_password);
    let (user, password) = ("olga", "olga-password-19");
    stack
        .as_admin()
        .create(
            "/api/user/",
            json!({"username": user, "password": password, "is_operator": true}),
        )
        .await;
    let dir = tempfile::tempdir().unwrap();
    let loose = config_file(dir.path(), &stack, user, password, 0o644);
    let refused = dbaas(&stack, &Login::Config(&loose), &["engine", "list"]).await;
    assert_eq!(
        refused.code, 3,
        "a readable config file with a password: {}",
        refused.stderr
    );
    assert!(refused.stderr.contains("chmod 600"), "{}", refused.stderr);
    let config = config_file(dir.path(), &stack, user, password, 0o600);
    let ops = Login::Config(&config);

    let created = dbaas(
        &stack,
        &admin,
        &["--json", "--show-password", "db", "create", "cli_ops"],
    )
    .await
    .ok()
    .json();
    let uri = created["credential"]["connection_uri"].as_str().unwrap().to_owned();

    // engine list and show.
    let engines = dbaas(&stack, &ops, &["--json", "engine", "list"]).await.ok().json();
    let engine = engines
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["databases"].to_string().contains("cli_ops"))
        .unwrap_or_else(|| panic!("the database's engine is listed: {engines}"));
    let engine_id = engine["id"].as_i64().unwrap().to_string();
    let table = dbaas(&stack, &ops, &["engine", "list"]).await.ok();
    assert!(
        table.stdout.contains("HEALTH") && table.stdout.contains("cli_ops"),
        "{}",
        table.stdout
    );
    let shown = dbaas(&stack, &ops, &["--json", "engine", "show", &engine_id])
        .await
        .ok()
        .json();
    assert_eq!(shown["id"].to_string(), engine_id);

    // restart: followed to the end, and the engine serves again.
    let restarted = dbaas(&stack, &ops, &["engine", "restart", &engine_id]).await.ok();
    assert!(
        restarted.stderr.contains("restart_engine: succeeded"),
        "{}",
        restarted.stderr
    );
    connects(&uri).await.expect("the engine serves after its restart");

    // logs: the last lines, and following (cut short here).
    let logs = dbaas(&stack, &ops, &["engine", "logs", &engine_id, "--tail", "5"])
        .await
        .ok();
    let lines: Vec<&str> = logs.stdout.lines().collect();
    assert!(!lines.is_empty() && lines.len() <= 5, "{}", logs.stdout);
    assert!(
        lines[0].starts_with("20"),
        "each line starts with its timestamp: {}",
        lines[0]
    );
    let mut follower = command(&stack, &ops, &["engine", "logs", &engine_id, "-f", "--tail", "3"])
        .spawn()
        .expect("start dbaas engine logs -f");
    drop(follower.stdin.take());
    let mut out = BufReader::new(follower.stdout.take().unwrap()).lines();
    let first = tokio::time::timeout(Duration::from_secs(30), out.next_line())
        .await
        .expect("a followed line within 30 s")
        .unwrap()
        .expect("a line");
    assert!(first.starts_with("20"), "{first}");
    follower.kill().await.unwrap();

    // reconcile finds an orphan container; orphan list shows it, orphan rm removes it.
    let labels = HashMap::from([
        ("dbaas.managed".to_string(), "true".to_string()),
        ("dbaas.deployment".to_string(), stack.config.deployment.clone()),
        ("dbaas.database.uid".to_string(), "ghost".to_string()),
    ]);
    let body = ContainerCreateBody {
        image: Some(stack.config.defaults.postgres_image.clone()),
        labels: Some(labels),
        ..Default::default()
    };
    let ghost = format!("dbaas-ghost-{}", stack.id);
    stack
        .docker()
        .await
        .create_container(
            Some(CreateContainerOptionsBuilder::default().name(&ghost).build()),
            body,
        )
        .await
        .unwrap();
    let reconciled = dbaas(&stack, &ops, &["reconcile"]).await.ok();
    assert!(
        reconciled.stderr.contains("reconcile: succeeded"),
        "{}",
        reconciled.stderr
    );
    let orphans = dbaas(&stack, &ops, &["--json", "orphan", "list"]).await.ok().json();
    let orphan = orphans
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["container_name"] == ghost.as_str())
        .unwrap_or_else(|| panic!("the orphan is listed: {orphans}"));
    let table = dbaas(&stack, &ops, &["orphan", "list"]).await.ok();
    assert!(table.stdout.contains(&ghost), "{}", table.stdout);
    dbaas(&stack, &ops, &["orphan", "rm", &orphan["id"].to_string()])
        .await
        .ok();

    // Admins list the environment's hosts, cordon one and open it again.
    let admin = Login::Stdin(&stack.admin_user, &stack.admin_password);
    let table = dbaas(&stack, &admin, &["host", "list", "1"]).await.ok();
    assert!(
        table.stdout.contains("host-1") && table.stdout.contains("active"),
        "{}",
        table.stdout
    );
    let cordoned = dbaas(&stack, &admin, &["--json", "host", "cordon", "1", "1"])
        .await
        .ok()
        .json();
    assert_eq!(cordoned["state"], "cordoned", "{cordoned}");
    let (_, view) = stack.get("/api/environment/1/host/1/").await;
    assert_eq!(view["state"], "cordoned", "{view}");
    let opened = dbaas(&stack, &admin, &["--json", "host", "uncordon", "1", "1"])
        .await
        .ok()
        .json();
    assert_eq!(opened["state"], "active", "{opened}");
    // Operators are not admins: 403, said on standard error.
    let refused = dbaas(&stack, &ops, &["host", "list", "1"]).await;
    assert_ne!(refused.code, 0, "{}", refused.stdout);
    stack.cleanup().await;
}
