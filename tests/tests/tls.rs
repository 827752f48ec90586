//! TLS to every engine, and no secret in a container's configuration: clients that insist on
//! verification connect with the CA the api serves (and only with it, and only by the
//! address in the certificate), plain clients are refused, certificates are renewed in running
//! engines, and `docker inspect` of every container shows none of the secrets the control
//! plane holds, which reach the engines as files of their own user, mode 0600.

use std::time::Duration;

use bollard::query_parameters::{DownloadFromContainerOptionsBuilder, ListContainersOptionsBuilder};
use chrono::Utc;
use dbaas_tests::tls::bundle_file;
use dbaas_tests::{id_of, pg_connect_verified, retry, Engine, TestStack};
use futures_util::TryStreamExt;
use mongodb::bson::doc;
use mongodb::options::{ClientOptions, Tls, TlsOptions};
use serde_json::json;

const TIMEOUT: Duration = Duration::from_secs(120);

/// A MongoDB client of `uri` verifying with `ca_file` only.
async fn mongo_verified(uri: &str, ca_file: Option<&std::path::Path>) -> Result<String, String> {
    let mut options = ClientOptions::parse(uri).await.map_err(|e| e.to_string())?;
    options.server_selection_timeout = Some(Duration::from_secs(5));
    options.connect_timeout = Some(Duration::from_secs(3));
    if let Some(ca_file) = ca_file {
        options.tls = Some(Tls::Enabled(
            TlsOptions::builder().ca_file_path(ca_file.to_path_buf()).build(),
        ));
    }
    let database = options.default_database.clone().expect("a database in the URI");
    let client = mongodb::Client::with_options(options).map_err(|e| e.to_string())?;
    let status = client
        .database(&database)
        .run_command(doc! {"connectionStatus": 1})
        .await
        .map_err(|e| e.to_string())?;
    let users = status
        .get_document("authInfo")
        .and_then(|a| a.get_array("authenticatedUsers"))
        .map_err(|e| e.to_string())?;
    users
        .first()
        .and_then(|u| u.as_document()?.get_str("user").ok().map(str::to_owned))
        .ok_or_else(|| "not logged in".to_string())
}

/// Whether the Postgres session of `client` runs over TLS.
async fn pg_session_uses_tls(client: &tokio_postgres::Client) -> bool {
    client
        .query_one("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()", &[])
        .await
        .expect("pg_stat_ssl")
        .get(0)
}

/// A CA that is not the stack's.
fn stranger_ca() -> String {
    let now = Utc::now();
    dbaas_core::tls::generate_authority(&dbaas_core::tls::authority_subject("stranger", now), now)
        .expect("a CA")
        .cert_pem
}

async fn clients_that_verify_connect_with_the_served_ca_and_plain_ones_are_refused(engine: Engine) {
    let stack = TestStack::start().await;
    let (_, uri) = stack.ready_database_on(engine, &engine.db_name("tls")).await;
    let ca = stack.ca_bundle().await.expect("GET /api/ca.pem");
    assert!(ca.starts_with("-----BEGIN CERTIFICATE-----"), "{ca}");
    let ca_file = bundle_file(&ca);
    let stranger = bundle_file(&stranger_ca());
    let (user, _) = uri.split_once("://").and_then(|(_, r)| r.split_once(':')).unwrap();
    // The engine's address, as the certificate has it, and another name for the same engine.
    let by_name = uri.replace("@127.0.0.1:", "@localhost:");

    match engine {
        Engine::Postgres => {
            assert!(uri.ends_with("?sslmode=require"), "the URI asks for TLS: {uri}");
            let client = pg_connect_verified(&uri, &ca)
                .await
                .expect("verified with the served CA");
            assert!(pg_session_uses_tls(&client).await);
            let err = pg_connect_verified(&uri, &stranger_ca())
                .await
                .map(|_| ())
                .expect_err("another CA");
            assert!(format!("{err:?}").contains("UnknownIssuer"), "{err:?}");
            let err = pg_connect_verified(&by_name, &ca)
                .await
                .map(|_| ())
                .expect_err("another name");
            assert!(format!("{err:?}").contains("NotValidForName"), "{err:?}");

            // libpq itself, insisting: psql with sslmode=verify-full and the served CA.
            let verify_full = uri.replace(
                "sslmode=require",
                &format!("sslmode=verify-full&sslrootcert={}", ca_file.path().display()),
            );
            let psql = std::process::Command::new("psql")
                .args([
                    verify_full.as_str(),
                    "-XAtc",
                    "SELECT current_user || ' ' || ssl::text FROM pg_stat_ssl WHERE pid = pg_backend_pid()",
                ])
                .output()
                .expect("psql");
            assert!(psql.status.success(), "{}", String::from_utf8_lossy(&psql.stderr));
            assert_eq!(String::from_utf8_lossy(&psql.stdout).trim(), format!("{user} true"));
            let wrong_ca = verify_full.replace(
                &ca_file.path().display().to_string(),
                &stranger.path().display().to_string(),
            );
            let psql = std::process::Command::new("psql")
                .args([wrong_ca.as_str(), "-XAtc", "SELECT 1"])
                .output()
                .expect("psql");
            assert!(!psql.status.success(), "psql trusted a stranger's CA");

            // Without TLS: refused by the server (no pg_hba line for it), not by the client.
            let plain = uri.replace("sslmode=require", "sslmode=disable");
            let refused = tokio_postgres::connect(&plain, tokio_postgres::NoTls)
                .await
                .map(|_| ())
                .expect_err("a plain connection was let in");
            let db = refused
                .as_db_error()
                .unwrap_or_else(|| panic!("not the server's refusal: {refused}"));
            assert_eq!(db.code().code(), "28000", "{db}");
            assert!(db.message().contains("no encryption"), "{db}");
        }
        Engine::MongoDb => {
            assert!(uri.contains("tls=true"), "the URI asks for TLS: {uri}");
            let verified = mongo_verified(&uri, Some(ca_file.path())).await;
            assert_eq!(verified.as_deref(), Ok(user), "verified with the served CA");
            let with_tls_ca_file = format!("{uri}&tlsCAFile={}", ca_file.path().display());
            assert_eq!(mongo_verified(&with_tls_ca_file, None).await.as_deref(), Ok(user));
            let err = mongo_verified(&uri, Some(stranger.path()))
                .await
                .expect_err("another CA");
            assert!(err.contains("UnknownIssuer") || err.contains("certificate"), "{err}");
            let err = mongo_verified(&by_name, Some(ca_file.path()))
                .await
                .expect_err("another name");
            assert!(err.contains("NotValidForName") || err.contains("certificate"), "{err}");

            // Without TLS: the server closes the connection.
            let plain = uri.replace("&tls=true", "");
            let err = mongo_verified(&plain, None)
                .await
                .expect_err("a plain connection was let in");
            assert!(!err.contains("Authentication"), "{err}");
        }
    }
    stack.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn clients_that_verify_connect_with_the_served_ca_and_plain_ones_are_refused_postgres() {
    clients_that_verify_connect_with_the_served_ca_and_plain_ones_are_refused(Engine::Postgres).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn clients_that_verify_connect_with_the_served_ca_and_plain_ones_are_refused_mongodb() {
    clients_that_verify_connect_with_the_served_ca_and_plain_ones_are_refused(Engine::MongoDb).await;
}

/// The certificate an engine presents, PEM, as `openssl s_client` sees it.
fn served_certificate(engine: Engine, port: i64) -> String {
    let starttls = match engine {
        Engine::Postgres => "-starttls postgres",
        Engine::MongoDb => "",
    };
    let out = std::process::Command::new("sh")
        .arg("-c")
        .arg(format!(
            "openssl s_client -connect 127.0.0.1:{port} {starttls} </dev/null 2>/dev/null | openssl x509"
        ))
        .output()
        .expect("openssl");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

async fn a_certificate_near_its_end_is_renewed_in_the_running_engine(engine: Engine) {
    let stack = TestStack::start().await;
    let (ready, uri) = stack.ready_database_on(engine, &engine.db_name("renew")).await;
    let id = ready["id"].as_i64().unwrap();
    let port: i64 = uri
        .split("127.0.0.1:")
        .nth(1)
        .unwrap()
        .split('/')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    let catalog = stack.catalog().await;
    let stored = || async {
        let row = catalog
            .query_one(
                "SELECT cert_pem, not_after > now() + interval '60 days' FROM engine_certificates WHERE engine_id = (SELECT engine_id FROM databases WHERE id = $1)",
                &[&id],
            )
            .await
            .unwrap();
        (row.get::<_, String>(0), row.get::<_, bool>(1))
    };
    let (first, _) = stored().await;
    assert_eq!(
        served_certificate(engine, port).trim(),
        first.trim(),
        "the engine serves its certificate"
    );

    // Twenty days left: the certificate duty renews it within a pass (every second here).
    catalog
        .execute(
            "UPDATE engine_certificates SET not_after = now() + interval '20 days' WHERE engine_id = (SELECT engine_id FROM databases WHERE id = $1)",
            &[&id],
        )
        .await
        .unwrap();
    let renewed = retry(TIMEOUT, Duration::from_millis(200), || async {
        match stored().await {
            (pem, true) if pem != first => Ok(pem),
            _ => Err(()),
        }
    })
    .await
    .expect("renewed in the catalog");
    let served = retry(TIMEOUT, Duration::from_millis(200), || async {
        let served = served_certificate(engine, port);
        if served.trim() == renewed.trim() {
            Ok(())
        } else {
            Err(served)
        }
    })
    .await;
    assert!(served.is_ok(), "the engine serves the renewed certificate: {served:?}");
    // And clients still get in, verifying.
    engine.connect(&uri).await.expect("connect after the renewal");
    stack.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_certificate_near_its_end_is_renewed_in_the_running_engine_postgres() {
    a_certificate_near_its_end_is_renewed_in_the_running_engine(Engine::Postgres).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_certificate_near_its_end_is_renewed_in_the_running_engine_mongodb() {
    a_certificate_near_its_end_is_renewed_in_the_running_engine(Engine::MongoDb).await;
}

/// A secret and the forms of it worth looking for: the whole, and each line of a PEM body.
fn needles(secret: &str) -> Vec<String> {
    let lines: Vec<String> = secret
        .lines()
        .filter(|l| !l.starts_with("-----") && l.len() >= 16)
        .map(str::to_owned)
        .collect();
    if lines.is_empty() {
        vec![secret.to_owned()]
    } else {
        lines
    }
}

/// The mode and owner of a file in a container, from the Docker API's archive of it.
async fn file_mode_and_owner(docker: &bollard::Docker, container: &str, path: &str) -> (u32, u64, u64) {
    let options = DownloadFromContainerOptionsBuilder::default().path(path).build();
    let bytes: Vec<_> = docker
        .download_from_container(container, Some(options))
        .try_collect()
        .await
        .unwrap_or_else(|e| panic!("{container}:{path}: {e}"));
    let bytes = bytes.concat();
    let mut archive = tar::Archive::new(bytes.as_slice());
    let entry = archive.entries().unwrap().next().expect("an entry").unwrap();
    let header = entry.header();
    (
        header.mode().unwrap() & 0o7777,
        header.uid().unwrap(),
        header.gid().unwrap(),
    )
}

/// The uid and gid of `user` in a container's /etc/passwd.
async fn user_ids(docker: &bollard::Docker, container: &str, user: &str) -> (u64, u64) {
    use std::io::Read;
    let options = DownloadFromContainerOptionsBuilder::default()
        .path("/etc/passwd")
        .build();
    let bytes: Vec<_> = docker
        .download_from_container(container, Some(options))
        .try_collect()
        .await
        .unwrap();
    let bytes = bytes.concat();
    let mut archive = tar::Archive::new(bytes.as_slice());
    let mut passwd = String::new();
    archive
        .entries()
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .read_to_string(&mut passwd)
        .unwrap();
    passwd
        .lines()
        .find_map(|l| {
            let f: Vec<&str> = l.split(':').collect();
            (f[0] == user).then(|| (f[2].parse().unwrap(), f[3].parse().unwrap()))
        })
        .unwrap_or_else(|| panic!("no {user} in {container}'s /etc/passwd"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn docker_inspect_of_every_container_shows_no_secret() {
    let stack = TestStack::start().await;
    let mut passwords = Vec::new();
    for engine in Engine::ALL {
        let (ready, _) = stack.ready_database_on(engine, &engine.db_name("secrets")).await;
        let id = ready["id"].as_i64().unwrap();
        let (status, extra) = stack
            .post(
                "/api/credential/",
                &json!({"user": format!("u_extra_{}", engine.name()), "database": id}),
            )
            .await;
        assert_eq!(status, 201, "{extra}");
        passwords.push(extra["password"].as_str().unwrap().to_owned());
        let owner = id_of(ready["credentials"][0]["_links"]["self"].as_str().unwrap());
        let (_, owner) = stack.get(&format!("/api/credential/{owner}/")).await;
        passwords.push(owner["password"].as_str().unwrap().to_owned());
    }
    // Restart one engine's container from scratch (recovery re-creates it): the files are
    // written again, and still nothing shows.
    let docker = stack.docker().await;
    let postgres_container = stack.containers_with("dbaas.engine", "postgres").await[0]
        .trim_start_matches('/')
        .to_owned();
    docker
        .remove_container(
            &postgres_container,
            Some(
                bollard::query_parameters::RemoveContainerOptionsBuilder::default()
                    .force(true)
                    .build(),
            ),
        )
        .await
        .unwrap();

    // Every secret the control plane holds, opened from the catalog.
    let catalog = stack.catalog().await;
    let secrets = &stack.config.secrets;
    let mut held: Vec<(String, String)> = passwords
        .into_iter()
        .map(|p| ("a credential's password".into(), p))
        .collect();
    for (what, query) in [
        (
            "a superuser password",
            "SELECT admin_password_enc FROM engines WHERE admin_password_enc IS NOT NULL",
        ),
        (
            "a credential's password",
            "SELECT password_enc FROM credentials WHERE password_enc IS NOT NULL",
        ),
        ("an engine's TLS key", "SELECT key_enc FROM engine_certificates"),
        ("a CA key", "SELECT key_enc FROM certificate_authorities"),
    ] {
        for row in catalog.query(query, &[]).await.unwrap() {
            held.push((what.into(), secrets.open(&row.get::<_, Vec<u8>>(0)).unwrap()));
        }
    }
    held.push((
        "the control plane's secret key".into(),
        stack.secret_key_for_checks().to_owned(),
    ));
    let kinds = |what: &str| held.iter().filter(|(w, _)| w == what).count();
    assert_eq!(kinds("a superuser password"), 2);
    assert!(
        kinds("an engine's TLS key") >= 2 && kinds("a CA key") == 1,
        "{:?}",
        held.iter().map(|h| &h.0).collect::<Vec<_>>()
    );

    // Wait for the re-created container, then look at every container the stack made.
    retry(TIMEOUT, Duration::from_millis(250), || async {
        let running = stack.containers_with("dbaas.engine", "postgres").await;
        match running.first() {
            Some(name)
                if stack
                    .docker()
                    .await
                    .inspect_container(name.trim_start_matches('/'), None)
                    .await
                    .ok()
                    .and_then(|c| c.state?.running)
                    == Some(true) =>
            {
                Ok(())
            }
            _ => Err(()),
        }
    })
    .await
    .expect("recovery re-created the container");
    let filters = std::collections::HashMap::from([(
        "label".to_string(),
        vec![format!("dbaas.deployment={}", stack.config.deployment)],
    )]);
    let containers = docker
        .list_containers(Some(
            ListContainersOptionsBuilder::default()
                .all(true)
                .filters(&filters)
                .build(),
        ))
        .await
        .unwrap();
    assert_eq!(containers.len(), 2, "one container per engine");
    for container in &containers {
        let id = container.id.clone().unwrap();
        let inspected = docker.inspect_container(&id, None).await.unwrap();
        let text = serde_json::to_string(&inspected).unwrap();
        for (what, secret) in &held {
            for needle in needles(secret) {
                assert!(!text.contains(&needle), "{what} is in `docker inspect {id}`");
            }
        }
        // The secrets are files of the engine's user, mode 0600.
        let labels = inspected.config.as_ref().unwrap().labels.clone().unwrap();
        let (user, files) = match labels["dbaas.engine"].as_str() {
            "postgres" => (
                "postgres",
                ["/run/secrets/dbaas/postgres-password", "/run/secrets/dbaas/server.key"],
            ),
            _ => (
                "mongodb",
                ["/run/secrets/dbaas/mongodb-password", "/run/secrets/dbaas/mongodb.pem"],
            ),
        };
        let (uid, gid) = user_ids(&docker, &id, user).await;
        for file in files {
            assert_eq!(
                file_mode_and_owner(&docker, &id, file).await,
                (0o600, uid, gid),
                "{user}: {file}"
            );
        }
    }
    stack.cleanup().await;
}
