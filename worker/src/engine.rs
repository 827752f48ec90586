//! The engine a database runs on, with what it takes to manage it: the one place a job finds
//! its engine, endpoint and superuser.

use dbaas_core::model::{owner_username, Credential, DatabaseDetail, Privileges};
use dbaas_core::secrets;
use dbaas_provisioner::{engine_for, Access, ClientTls, Endpoint, Engine, Grant, RoleSpec, Superuser};

use crate::error::{JobError, JobResult};
use crate::fault::fault_point;
use crate::Context;

pub struct EngineTarget {
    pub detail: DatabaseDetail,
    pub engine: Box<dyn Engine>,
    pub endpoint: Endpoint,
    admin_password: String,
    client_tls: Option<ClientTls>,
}

/// The engine that runs a plan's databases, if this worker knows it.
pub fn engine_of(detail: &DatabaseDetail) -> JobResult<Box<dyn Engine>> {
    let kind = detail.plan.engine;
    engine_for(kind.as_str()).ok_or_else(|| JobError::Invalid(format!("this worker cannot run '{kind}' engines")))
}

impl EngineTarget {
    /// The engine of a database that was provisioned; `None` when it never got as far as
    /// having a port and a superuser password (so there is nothing in any engine to manage).
    pub async fn of(ctx: &Context, database_id: i64) -> JobResult<Option<EngineTarget>> {
        let detail = ctx.store.database_detail(database_id).await?;
        let (Some(port), Some(sealed)) = (detail.database.port, detail.database.admin_password_enc.clone()) else {
            return Ok(None);
        };
        let engine = engine_of(&detail)?;
        let endpoint = ctx.engine_endpoint(&detail.environment.host(), port)?;
        let admin_password = ctx.config.secrets.open(&sealed)?;
        Ok(Some(EngineTarget {
            detail,
            engine,
            endpoint,
            admin_password,
            client_tls: ctx.client_tls().await?,
        }))
    }

    /// Like [`Self::of`], for work that needs a provisioned engine.
    pub async fn require(ctx: &Context, database_id: i64) -> JobResult<EngineTarget> {
        Self::of(ctx, database_id)
            .await?
            .ok_or_else(|| JobError::Invalid("the database was never provisioned".into()))
    }

    /// How the control plane logs in to the engine.
    pub fn admin(&self) -> Superuser<'_> {
        Superuser {
            endpoint: &self.endpoint,
            password: &self.admin_password,
            tls: self.client_tls.as_ref(),
        }
    }

    pub fn admin_password(&self) -> &str {
        &self.admin_password
    }

    /// Gives a credential a new generated password: stored as pending, applied to the engine,
    /// then made the credential's password. A resumed run applies the same pending password.
    pub async fn rotate_password(&self, ctx: &Context, credential: &Credential) -> JobResult<()> {
        let secrets = &ctx.config.secrets;
        let candidate = secrets.seal(&secrets::generate_password());
        let sealed = ctx.store.credential_pending_password(credential.id, candidate).await?;
        fault_point(ctx, "rotate.pending").await?;
        let password = secrets.open(&sealed)?;
        let role = RoleSpec {
            username: &credential.username,
            password: &password,
        };
        self.engine
            .set_password(self.admin(), self.database_name(), &role)
            .await?;
        fault_point(ctx, "rotate.applied").await?;
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

/// What a credential's privileges let its role do.
pub fn grant_of(credential: &Credential) -> Grant {
    Grant {
        access: match credential.privileges {
            Privileges::Owner => Access::Owner,
            Privileges::ReadWrite => Access::ReadWrite,
            Privileges::ReadOnly => Access::ReadOnly,
        },
        connection_limit: credential.connection_limit,
    }
}
