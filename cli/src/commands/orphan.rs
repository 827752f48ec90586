//! `dbaas orphan`: containers of this deployment the catalog does not know (operators and
//! admins).

use clap::Subcommand;

use super::Ctx;
use crate::client::{every_page, types};
use crate::error::CliError;
use crate::output::Column;

#[derive(Debug, Subcommand)]
pub enum Orphan {
    /// List orphan containers
    List,
    /// Remove an orphan container (and its volume); a worker removes it soon after
    Rm { id: i64 },
}

const COLUMNS: &[Column] = &[
    ("ID", "/id"),
    ("ENVIRONMENT", "/environment"),
    ("CONTAINER", "/container_name"),
    ("DATABASE UID", "/database_uid"),
    ("FIRST SEEN", "/first_seen"),
    ("LAST SEEN", "/last_seen"),
    ("REMOVE ASKED", "/remove_requested_at"),
];

pub async fn run(ctx: &Ctx, command: Orphan) -> Result<(), CliError> {
    let api = &ctx.api;
    match command {
        Orphan::List => {
            let items = every_page(|cursor: Option<types::OrphanListCursor>| async move {
                let page = api.orphan_list(cursor.as_ref(), None).await?.into_inner();
                Ok((page.orphan, page.links.next))
            })
            .await?;
            ctx.out.list(&items, COLUMNS)
        }
        Orphan::Rm { id } => {
            let orphan = api.orphan_delete(id).await?.into_inner();
            ctx.out.note(&format!("removal of {} requested", orphan.container_name));
            ctx.out.object(&orphan)
        }
    }
}
