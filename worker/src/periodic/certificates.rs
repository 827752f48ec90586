//! Certificate renewal: every running engine whose certificate has fewer than
//! [`RENEW_BEFORE_DAYS`] left, or was signed by a CA that no longer signs (a successor took
//! over, see `dbaas_core::tls`), gets a new one written into its container, and the engine
//! takes it up: Postgres on a configuration reload, MongoDB on `rotateCertificates` where the
//! server has it, else by a restart (a few seconds without connections, once in 60 days).
//! The pass also makes the deployment's successor CA when one is due.
//!
//! The new certificate is recorded only once the engine has it (the reload answered, or the
//! files are in the container about to restart), so a pass that fails half-way is done again
//! by the next one.

use chrono::Utc;
use dbaas_core::tls::{issuing_authority, RENEW_BEFORE_DAYS};
use std::sync::Arc;

use crate::engine::{EngineHandle, STOP_GRACE};
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
    for engine_id in due {
        if let Err(e) = renew(&ctx, engine_id).await {
            tracing::warn!(engine_id, error = %e, "certificate renewal failed; the next pass tries again");
        }
    }
    Ok(())
}

/// Gives one running engine its new certificate.
pub async fn renew(ctx: &Context, engine_id: i64) -> JobResult<()> {
    let row = ctx.store.engine_get(engine_id).await?;
    let Some(target) = EngineHandle::open(ctx, row).await? else {
        return Ok(());
    };
    let Some(prepared) = prepare(ctx, engine_id, &target.endpoint.host).await? else {
        return Ok(());
    };
    if prepared.new.is_none() {
        // Another replica renewed it meanwhile.
        return Ok(());
    }
    // Only the files change: the container's labels are kept as they are.
    let spec = target.container_spec(ctx, Some(&prepared.tls), None);
    let host = target.docker(ctx).await?;
    if !host.is_running(&spec.name).await? {
        // Recovery starts it with the new files.
        return Ok(());
    }
    host.put_files(&spec.name, &spec.user, &spec.files).await?;
    let reloaded = target.engine.reload_certificates(target.admin()).await?;
    // Recorded before any restart: the container's files hold it already, and whatever
    // starts the container meanwhile (a recovery that saw it stop) must find it stored, not
    // issue yet another one.
    save(ctx, &prepared).await?;
    if !reloaded {
        host.restart(&spec.name, STOP_GRACE).await?;
    }
    tracing::info!(engine_id, "engine certificate renewed");
    Ok(())
}
