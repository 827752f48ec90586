//! The engine a database runs on, with what it takes to manage it.

use dbaas_core::model::{owner_username, Credential, DatabaseDetail};
use dbaas_core::secrets;
use dbaas_provisioner::{engine_for, Endpoint, Engine, RoleSpec};

use super::{JobError, JobResult};
use crate::Context;

pub struct EngineTarget {
    pub detail: DatabaseDetail,
    pub engine: Box<dyn Engine>,
    pub endpoint: Endpoint,
    pub admin_password: String,
}

impl EngineTarget {
    /// The engine of a database that was provisioned; `None` when it never got as far as
    /// having a port and a superuser password (so there is nothing in any engine to manage).
    pub async fn of(ctx: &Context, database_id: i64) -> JobResult<Option<EngineTarget>> {
        let detail = ctx.store.database_detail(database_id).await?;
        let (Some(port), Some(sealed)) = (detail.database.port, detail.database.admin_password_enc.clone()) else {
            return Ok(None);
        };
        let engine = engine_for(&detail.plan.engine)
            .ok_or_else(|| JobError::Invalid(format!("this worker cannot run '{}' engines", detail.plan.engine)))?;
        let endpoint = endpoint(&detail.environment.host_address, port)?;
        let admin_password = ctx.config.secrets.open(&sealed)?;
        Ok(Some(EngineTarget {
            detail,
            engine,
            endpoint,
            admin_password,
        }))
    }

    /// Like [`Self::of`], for work that needs a provisioned engine.
    pub async fn require(ctx: &Context, database_id: i64) -> JobResult<EngineTarget> {
        Self::of(ctx, database_id)
            .await?
            .ok_or_else(|| JobError::Invalid("the database was never provisioned".into()))
    }

    /// Gives a credential a new generated password: stored as pending, applied to the engine,
    /// then made the credential's password. A resumed run applies the same pending password.
    pub async fn rotate_password(&self, ctx: &Context, credential: &Credential) -> JobResult<()> {
        let secrets = &ctx.config.secrets;
        let candidate = secrets.seal(&secrets::generate_password());
        let sealed = ctx.store.credential_pending_password(credential.id, candidate).await?;
        let password = secrets.open(&sealed)?;
        let role = RoleSpec {
            username: &credential.username,
            password: &password,
        };
        self.engine
            .set_password(&self.endpoint, &self.admin_password, &role)
            .await?;
        ctx.store.credential_commit_pending(credential.id).await?;
        Ok(())
    }

    pub fn database_name(&self) -> &str {
        &self.detail.database.name
    }

    pub fn owner(&self) -> String {
        owner_username(&self.detail.database.name)
    }
}

pub fn endpoint(host: &str, port: i32) -> JobResult<Endpoint> {
    let port = u16::try_from(port).map_err(|_| JobError::Invalid(format!("port {port} is out of range")))?;
    Ok(Endpoint {
        host: host.to_owned(),
        port,
    })
}
