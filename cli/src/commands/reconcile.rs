//! `dbaas reconcile`: one reconciler pass now (operators and admins).

use super::Ctx;
use crate::error::CliError;
use crate::progress::{follow, Wait};

pub async fn run(ctx: &Ctx, wait: Wait) -> Result<(), CliError> {
    let task = ctx.api.reconcile().await?.into_inner();
    if wait.no_wait {
        return ctx.out.object(&task);
    }
    let task = follow(&ctx.api, task.id, &wait).await?;
    ctx.out.object(&task)
}
