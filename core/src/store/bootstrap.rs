//! What the first start puts into an empty catalog: an admin, their team, and one environment
//! and one Postgres plan, so that a new installation can create a database straight away.

use diesel::prelude::*;
use diesel_async::{AsyncConnection, RunQueryDsl};

use super::{Store, StoreResult};
use crate::config::Config;
use crate::model::{is_plain_network_endpoint, EngineKind};
use crate::schema::{api_users, environments, hosts, plans, team_members, teams};
use crate::secrets;

pub const DEFAULT_ENVIRONMENT: &str = "dev";
/// The name of an environment's first host (the one a single-endpoint environment became).
pub const DEFAULT_HOST: &str = "host-1";
pub const DEFAULT_PLAN: &str = "postgres-small";
pub const DEFAULT_MONGODB_PLAN: &str = "mongodb-small";
const ADMIN_TEAM: &str = "admin";

/// What bootstrapping did.
#[derive(Debug, Default)]
pub struct Bootstrap {
    /// Set when the admin was created with a generated password: shown once, never again.
    pub generated_admin_password: Option<String>,
    pub created_admin: bool,
}

impl Store {
    /// Creates the admin where missing, and the default environment and plan in a catalog that
    /// has none.
    /// Idempotent, and safe when several replicas start at once.
    pub async fn bootstrap(&self, config: &Config) -> StoreResult<Bootstrap> {
        let mut conn = self.conn().await?;
        let defaults = &config.defaults;
        let mut outcome = Bootstrap::default();

        let has_admin: bool = diesel::select(diesel::dsl::exists(
            api_users::table.filter(api_users::username.eq(&config.admin_user)),
        ))
        .get_result(&mut conn)
        .await?;
        if !has_admin {
            let (password, generated) = match &config.admin_password {
                Some(p) => (p.clone(), false),
                None => (secrets::generate_password(), true),
            };
            let hash = tokio::task::spawn_blocking(move || secrets::hash_password(&password).map(|h| (h, password)))
                .await
                .expect("hashing task panicked")
                .map_err(|e| super::StoreError::Unavailable(e.to_string()))?;
            let admin_user = config.admin_user.clone();
            let created = conn
                .transaction::<_, diesel::result::Error, _>(async |conn| {
                    let user_id: Option<i64> = diesel::insert_into(api_users::table)
                        .values((
                            api_users::username.eq(&admin_user),
                            api_users::password_hash.eq(&hash.0),
                            api_users::is_admin.eq(true),
                        ))
                        .on_conflict_do_nothing()
                        .returning(api_users::id)
                        .get_result(conn)
                        .await
                        .optional()?;
                    let Some(user_id) = user_id else {
                        return Ok(false);
                    };
                    diesel::insert_into(teams::table)
                        .values(teams::name.eq(ADMIN_TEAM))
                        .on_conflict_do_nothing()
                        .execute(conn)
                        .await?;
                    let team_id: i64 = teams::table
                        .filter(teams::name.eq(ADMIN_TEAM))
                        .filter(teams::deleted_at.is_null())
                        .select(teams::id)
                        .first(conn)
                        .await?;
                    diesel::insert_into(team_members::table)
                        .values((team_members::team_id.eq(team_id), team_members::user_id.eq(user_id)))
                        .on_conflict_do_nothing()
                        .execute(conn)
                        .await?;
                    Ok(true)
                })
                .await?;
            outcome.created_admin = created;
            if created && generated {
                outcome.generated_admin_password = Some(hash.1);
            }
        }

        // The defaults go into a catalog that never had an environment or a plan: one an
        // admin deleted (retired, the row stays) does not come back at the next start.
        let had_environment: bool = diesel::select(diesel::dsl::exists(environments::table.select(environments::id)))
            .get_result(&mut conn)
            .await?;
        if !had_environment {
            // With its one host: the configured Docker endpoint. A plain `tcp://` one is the
            // deployment's own choice, so the environment is marked for local development.
            let plain = is_plain_network_endpoint(&defaults.docker_endpoint, defaults.docker_tls.is_some());
            let tls_enc = defaults.docker_tls.as_ref().map(|tls| tls.seal(&config.secrets));
            conn.transaction::<_, diesel::result::Error, _>(async |conn| {
                let environment_id: Option<i64> = diesel::insert_into(environments::table)
                    .values((
                        environments::name.eq(DEFAULT_ENVIRONMENT),
                        environments::development.eq(plain),
                    ))
                    .on_conflict_do_nothing()
                    .returning(environments::id)
                    .get_result(conn)
                    .await
                    .optional()?;
                if let Some(environment_id) = environment_id {
                    diesel::insert_into(hosts::table)
                        .values((
                            hosts::environment_id.eq(environment_id),
                            hosts::name.eq(DEFAULT_HOST),
                            hosts::docker_endpoint.eq(&defaults.docker_endpoint),
                            hosts::address.eq(&defaults.host_address),
                            hosts::port_min.eq(defaults.port_min),
                            hosts::port_max.eq(defaults.port_max),
                            hosts::tls_enc.eq(tls_enc),
                        ))
                        .execute(conn)
                        .await?;
                }
                Ok(())
            })
            .await?;
        } else if let Some(tls) = &defaults.docker_tls {
            // Renewed client certificates (a Secret updated): the first host, where it still
            // has the configured endpoint, takes the configured material.
            let host: Option<(i64, Option<Vec<u8>>)> = hosts::table
                .inner_join(environments::table)
                .filter(environments::name.eq(DEFAULT_ENVIRONMENT))
                .filter(hosts::name.eq(DEFAULT_HOST))
                .filter(hosts::docker_endpoint.eq(&defaults.docker_endpoint))
                .filter(hosts::deleted_at.is_null())
                .select((hosts::id, hosts::tls_enc))
                .first(&mut conn)
                .await
                .optional()?;
            if let Some((id, sealed)) = host {
                let current = sealed.and_then(|s| config.secrets.open(&s).ok());
                let configured = serde_json::to_string(tls).expect("PEM strings serialise");
                if current.as_deref() != Some(configured.as_str()) {
                    diesel::update(hosts::table.find(id))
                        .set(hosts::tls_enc.eq(Some(tls.seal(&config.secrets))))
                        .execute(&mut conn)
                        .await?;
                }
            }
        }
        // One default plan per engine, made once: a catalog that ever had a plan of that engine
        // (retired ones count) is left as its admins made it.
        let defaults_per_engine = [
            (
                EngineKind::Postgres,
                DEFAULT_PLAN,
                &defaults.postgres_image,
                "PostgreSQL 15, 512 MiB of memory, one core, 1 GiB of data",
            ),
            (
                EngineKind::MongoDb,
                DEFAULT_MONGODB_PLAN,
                &defaults.mongodb_image,
                "MongoDB, 512 MiB of memory, one core, 1 GiB of data",
            ),
        ];
        for (engine, name, image, description) in defaults_per_engine {
            let had_plan: bool = diesel::select(diesel::dsl::exists(plans::table.filter(plans::engine.eq(engine))))
                .get_result(&mut conn)
                .await?;
            if had_plan {
                continue;
            }
            diesel::insert_into(plans::table)
                .values((
                    plans::name.eq(name),
                    plans::engine.eq(engine),
                    plans::image.eq(image),
                    plans::memory_bytes.eq(512_i64 * 1024 * 1024),
                    plans::cpu_millis.eq(1000),
                    plans::size_bytes.eq(1024_i64 * 1024 * 1024),
                    plans::description.eq(description),
                    plans::pool_size.eq(defaults.pool_size.clamp(0, 100)),
                ))
                .on_conflict_do_nothing()
                .execute(&mut conn)
                .await?;
        }
        Ok(outcome)
    }
}
