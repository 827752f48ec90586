//! The harness itself: a stack that goes away without `cleanup()` (a test that panicked, or a
//! stack simply dropped) still removes its containers, volumes, catalog database and queue
//! keys, and nothing of anyone else's on the same Docker and Redis.

use std::collections::HashMap;

use bollard::models::ContainerCreateBody;
use bollard::query_parameters::{
    CreateContainerOptionsBuilder, ListContainersOptionsBuilder, ListVolumesOptionsBuilder,
    RemoveContainerOptionsBuilder,
};
use dbaas_tests::services::redis_keys;
use dbaas_tests::teardown::APALIS_QUEUES;
use dbaas_tests::{pg_connect, Services, TestStack};
use rand::distr::{Alphanumeric, SampleString};

/// Where to look for what one stack made, kept for after the stack is gone.
struct Marks {
    deployment: String,
    docker_endpoint: String,
    admin_url: String,
    catalog_db: String,
    redis_url: String,
    queue_prefix: String,
}

/// What is there of one stack.
#[derive(Debug, Default, PartialEq)]
struct Footprint {
    containers: Vec<String>,
    volumes: Vec<String>,
    catalog_db: bool,
    redis_keys: Vec<String>,
    listed_queues: Vec<String>,
}

impl Marks {
    fn of(stack: &TestStack) -> Marks {
        let (head, catalog_db) = stack.config.database_url.rsplit_once('/').expect("a database URL");
        Marks {
            deployment: stack.config.deployment.clone(),
            docker_endpoint: stack.config.defaults.docker_endpoint.clone(),
            admin_url: format!("{head}/postgres"),
            catalog_db: catalog_db.to_owned(),
            redis_url: stack.config.redis_url.clone(),
            queue_prefix: stack.config.queue_prefix.clone(),
        }
    }

    async fn footprint(&self) -> Footprint {
        let docker = docker(&self.docker_endpoint).await;
        let filters = HashMap::from([(
            "label".to_string(),
            vec![format!("dbaas.deployment={}", self.deployment)],
        )]);
        let options = ListContainersOptionsBuilder::default()
            .all(true)
            .filters(&filters)
            .build();
        let containers = docker
            .list_containers(Some(options))
            .await
            .expect("list containers")
            .into_iter()
            .flat_map(|c| c.names.unwrap_or_default())
            .collect();
        let options = ListVolumesOptionsBuilder::default().filters(&filters).build();
        let volumes = docker
            .list_volumes(Some(options))
            .await
            .expect("list volumes")
            .volumes
            .unwrap_or_default()
            .into_iter()
            .map(|v| v.name)
            .collect();
        let catalog_db = pg_connect(&self.admin_url)
            .await
            .expect("the admin database")
            .query_opt("SELECT 1 FROM pg_database WHERE datname = $1", &[&self.catalog_db])
            .await
            .expect("pg_database")
            .is_some();
        let mut redis = redis_connection(&self.redis_url).await;
        let redis_keys = redis_keys(&mut redis, &self.queue_prefix).await.expect("SCAN");
        let queues: Vec<String> = redis::cmd("ZRANGE")
            .arg(APALIS_QUEUES)
            .arg(0)
            .arg(-1)
            .query_async(&mut redis)
            .await
            .expect("ZRANGE");
        let listed_queues = queues
            .into_iter()
            .filter(|q| q.starts_with(&self.queue_prefix))
            .collect();
        Footprint {
            containers,
            volumes,
            catalog_db,
            redis_keys,
            listed_queues,
        }
    }
}

async fn docker(endpoint: &str) -> bollard::Docker {
    bollard::Docker::connect_with_host(endpoint)
        .expect("docker")
        .negotiate_version()
        .await
        .expect("docker version")
}

async fn redis_connection(url: &str) -> redis::aio::MultiplexedConnection {
    redis::Client::open(url)
        .expect("a Redis URL")
        .get_multiplexed_async_connection()
        .await
        .expect("redis")
}

/// A stack with a ready database; returns where to look for it, after checking that it is
/// all there (so that finding nothing later means something).
async fn stack_with_a_database(stack: &TestStack) -> Marks {
    stack.ready_database("left").await;
    let marks = Marks::of(stack);
    let made = marks.footprint().await;
    assert_eq!(made.containers.len(), 1, "{made:?}");
    assert!(!made.volumes.is_empty(), "{made:?}");
    assert!(made.catalog_db, "{made:?}");
    assert!(!made.redis_keys.is_empty(), "{made:?}");
    marks
}

/// Another deployment's container and queue key on the same Docker and Redis (as `make up`'s
/// would be): marked `dbaas.managed` like ours, and none of the stack's business.
struct Bystander {
    deployment: String,
    container: String,
    key: String,
}

impl Bystander {
    async fn make(stack: &TestStack) -> Bystander {
        let other = Alphanumeric.sample_string(&mut rand::rng(), 8).to_lowercase();
        // Named as test stacks are, so that `scripts/test.sh` reaps one left by a failed run.
        let deployment = format!("dbaas-test-{other}");
        let container = format!("dbaas-bystander-{other}");
        let labels = HashMap::from([
            ("dbaas.managed".to_string(), "true".to_string()),
            ("dbaas.deployment".to_string(), deployment.clone()),
        ]);
        let body = ContainerCreateBody {
            image: Some(stack.config.defaults.postgres_image.clone()),
            labels: Some(labels),
            ..Default::default()
        };
        let options = CreateContainerOptionsBuilder::default().name(&container).build();
        stack
            .docker()
            .await
            .create_container(Some(options), body)
            .await
            .expect("create the bystander container");
        let key = format!("{deployment}:jobs:data");
        let mut redis = redis_connection(&stack.config.redis_url).await;
        redis::cmd("SET")
            .arg(&key)
            .arg("not yours")
            .arg("EX")
            .arg(600)
            .query_async::<()>(&mut redis)
            .await
            .expect("SET the bystander key");
        Bystander {
            deployment,
            container,
            key,
        }
    }

    /// Checks it is all still there, and removes it.
    async fn check_and_remove(self, docker_endpoint: &str, redis_url: &str) {
        let docker = docker(docker_endpoint).await;
        let seen = docker.inspect_container(&self.container, None).await;
        let mut redis = redis_connection(redis_url).await;
        let value: Option<String> = redis::cmd("GET")
            .arg(&self.key)
            .query_async(&mut redis)
            .await
            .expect("GET");
        let options = RemoveContainerOptionsBuilder::default().force(true).v(true).build();
        let _ = docker.remove_container(&self.container, Some(options)).await;
        let _: Result<(), _> = redis::cmd("DEL").arg(&self.key).query_async(&mut redis).await;
        assert!(seen.is_ok(), "{}'s container was removed too", self.deployment);
        assert_eq!(
            value.as_deref(),
            Some("not yours"),
            "{}'s key was removed too",
            self.key
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_stack_in_a_test_that_panics_removes_what_it_made() {
    let (marks_tx, marks_rx) = tokio::sync::oneshot::channel();
    let failing_test = tokio::spawn(async move {
        let stack = TestStack::start().await;
        let marks = stack_with_a_database(&stack).await;
        let bystander = Bystander::make(&stack).await;
        let _ = marks_tx.send((marks, bystander));
        panic!("an assertion fails with the stack in scope");
    });
    let outcome = failing_test.await;
    assert!(outcome.is_err_and(|e| e.is_panic()), "the test's task panicked");
    let (marks, bystander) = marks_rx.await.expect("the stack was made");
    assert_eq!(
        marks.footprint().await,
        Footprint::default(),
        "{} left things",
        marks.deployment
    );
    bystander
        .check_and_remove(&marks.docker_endpoint, &marks.redis_url)
        .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_stack_of_processes_that_is_dropped_removes_what_it_made() {
    let stack = TestStack::start_processes(Services::default()).await;
    let marks = stack_with_a_database(&stack).await;
    drop(stack);
    assert_eq!(
        marks.footprint().await,
        Footprint::default(),
        "{} left things",
        marks.deployment
    );
}
