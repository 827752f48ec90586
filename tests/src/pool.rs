//! Plans with a pool, for the tests and benchmarks of the pool.

use std::time::Duration;

use serde_json::{json, Value};

use crate::{retry, Engine, TestStack};

const MIB: i64 = 1024 * 1024;

impl TestStack {
    /// The image of the stack's default plan of `engine`.
    pub fn image_of(&self, engine: Engine) -> &str {
        match engine {
            Engine::Postgres => &self.config.defaults.postgres_image,
            Engine::MongoDb => &self.config.defaults.mongodb_image,
        }
    }

    /// Creates a plan of `engine` with the default plans' limits (512 MiB, one core) keeping `pool_size` engines started;
    /// returns its id.
    pub async fn pooled_plan(&self, engine: Engine, name: &str, pool_size: i32) -> i64 {
        let plan = self
            .as_admin()
            .create(
                "/api/plan",
                json!({
                    "name": name, "engine": engine.name(), "image": self.image_of(engine),
                    "memory_bytes": 512 * MIB, "cpus": 1, "size_bytes": 1024 * MIB,
                    "pool_size": pool_size,
                }),
            )
            .await;
        assert_eq!(plan["pool_size"], pool_size, "{plan}");
        plan["id"].as_i64().expect("plan id")
    }

    /// Raises every team's database quota to at least `room`, for benchmarks that keep many
    /// databases.
    pub async fn room_for_databases(&self, room: i32) {
        self.catalog()
            .await
            .execute(
                "UPDATE teams SET database_limit = GREATEST(database_limit, $1)",
                &[&room],
            )
            .await
            .expect("the team's quota");
    }

    /// Waits until the plan's pool in the default environment has `ready` engines and none
    /// starting; returns the plan as an admin sees it.
    pub async fn pool_settled(&self, plan_id: i64, ready: i64, timeout: Duration) -> Value {
        retry(timeout, Duration::from_millis(100), || async {
            let (_, plan) = self.get(&format!("/api/plan/{plan_id}/")).await;
            let pool = &plan["pool"][0];
            if pool["ready"] == ready && pool["filling"] == 0 {
                Ok(plan)
            } else {
                Err(plan)
            }
        })
        .await
        .unwrap_or_else(|plan| panic!("the pool never settled at {ready} ready: {plan}"))
    }
}
