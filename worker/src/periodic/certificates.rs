//! Certificate renewal: every running engine whose certificate has fewer than
//! [`RENEW_BEFORE_DAYS`] left, or was signed by a CA that no longer signs (a successor took
//! over, see `dbaas_core::tls`), gets a new one written into its container, and the engine
//! takes it up: Postgres on a configuration reload, MongoDB on `rotateCertificates` where the
//! server has it, else by a restart (a few seconds without connections, once in 60 days).
//! The pass also makes the deployment's successor CA when one is due.
//!
//! The new certificate is recorded only once the engine has it, so a pass that fails half-way
//! is done again by the next one.

use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use dbaas_core::tls::{issuing_authority, RENEW_BEFORE_DAYS};

use crate::container::container_spec;
use crate::engine::EngineTarget;
use crate::error::JobResult;
use crate::tls::{prepare, save};
use crate::Context;

pub async fn pass(ctx: Arc<Context>) -> JobResult<()> {
    if !ctx.config.engine_tls.is_on() {
        return Ok(());
    }
    let authorities = ctx.certificate_authorities().await?;
    let now = Utc::now();
    let Some(issuing) = issuing_authority(&authorities, now) else {
        return Ok(());
    };
    let due = ctx
        .store
        .engine_certificates_due(now + chrono::Duration::days(RENEW_BEFORE_DAYS), issuing.id)
        .await?;
    for database_id in due {
        if let Err(e) = renew(&ctx, database_id).await {
            tracing::warn!(database_id, error = %e, "certificate renewal failed; the next pass tries again");
        }
    }
    Ok(())
}

/// Gives one running engine its new certificate.
pub async fn renew(ctx: &Context, database_id: i64) -> JobResult<()> {
    let target = EngineTarget::require(ctx, database_id).await?;
    let Some(prepared) = prepare(ctx, database_id, &target.endpoint.host).await? else {
        return Ok(());
    };
    if prepared.new.is_none() {
        // Another replica renewed it meanwhile.
        return Ok(());
    }
    let detail = &target.detail;
    let spec = container_spec(
        ctx,
        &detail.database,
        &detail.plan,
        target.engine.as_ref(),
        &target.endpoint,
        target.admin_password(),
        Some(&prepared.tls),
    );
    let host = ctx.docker_host(&detail.environment.host()).await?;
    if !host.is_running(&spec.name).await? {
        // Recovery starts it with the new files.
        return Ok(());
    }
    host.put_files(&spec.name, &spec.user, &spec.files).await?;
    if !target.engine.reload_certificates(target.admin()).await? {
        host.restart(&spec.name, Duration::from_secs(10)).await?;
    }
    save(ctx, &prepared).await?;
    tracing::info!(database_id, "engine certificate renewed");
    Ok(())
}
