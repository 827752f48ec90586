//! `dbaas dump`: the final dumps taken before a database was destroyed.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;

use clap::Subcommand;
use futures_util::StreamExt;
use indicatif::{ProgressBar, ProgressStyle};

use super::Ctx;
use crate::commands::db;
use crate::error::CliError;
use crate::output::Column;

#[derive(Debug, Subcommand)]
pub enum Dump {
    /// List a database's final dumps (deleted databases included: give the id)
    List { database: String },
    /// Download a final dump (the newest unless --id says which)
    Download {
        database: String,
        /// Which dump
        #[arg(long)]
        id: Option<i64>,
        /// Where to write it (`-` for standard output); by default the name the API gives
        #[arg(short, long)]
        output: Option<PathBuf>,
        /// Go on from where an earlier download of this file stopped (a `Range` request)
        #[arg(long)]
        resume: bool,
    },
}

const COLUMNS: &[Column] = &[
    ("ID", "/id"),
    ("FORMAT", "/format"),
    ("SIZE (BYTES)", "/size_bytes"),
    ("CREATED", "/created_at"),
    ("EXPIRES", "/expires_at"),
];

pub async fn run(ctx: &Ctx, command: Dump) -> Result<(), CliError> {
    let api = &ctx.api;
    match command {
        Dump::List { database } => {
            let id = db::resolve(api, &database).await?;
            ctx.out.list(&api.dump_list(id).await?.into_inner().dump, COLUMNS)
        }
        Dump::Download {
            database,
            id,
            output,
            resume,
        } => {
            let database = db::resolve(api, &database).await?;
            let dumps = api.dump_list(database).await?.into_inner().dump;
            let dump = match id {
                Some(id) => dumps.into_iter().find(|d| d.id == id),
                None => dumps.into_iter().max_by_key(|d| d.created_at),
            }
            .ok_or_else(|| CliError::Api {
                status: 404,
                code: "not_found".into(),
                message: format!("database {database} has no such dump"),
                field: Some("id".into()),
            })?;
            let path = output.unwrap_or_else(|| format!("database-{database}-dump-{}.pgdump", dump.id).into());
            let to_stdout = path.as_os_str() == "-";
            let have = match resume && !to_stdout {
                true => std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0),
                false => 0,
            };
            if have > 0 && have >= dump.size_bytes as u64 {
                ctx.out.note(&format!("{} is complete ({have} bytes)", path.display()));
                return Ok(());
            }
            let range = (have > 0).then(|| format!("bytes={have}-"));
            let answer = api.dump_download(database, dump.id, range.as_deref()).await?;
            let partial = answer.status() == 206;
            let mut sink: Box<dyn Write> = if to_stdout {
                Box::new(std::io::stdout().lock())
            } else {
                let file = std::fs::OpenOptions::new()
                    .create(true)
                    .write(true)
                    .append(partial)
                    .truncate(!partial)
                    .open(&path)?;
                Box::new(std::io::BufWriter::new(file))
            };
            let bar = (std::io::stderr().is_terminal() && !to_stdout).then(|| {
                let bar = ProgressBar::new(dump.size_bytes as u64);
                bar.set_style(
                    ProgressStyle::with_template("{bar:40} {bytes}/{total_bytes} {bytes_per_sec}")
                        .unwrap_or_else(|_| ProgressStyle::default_bar()),
                );
                bar.set_position(if partial { have } else { 0 });
                bar
            });
            let mut written = 0u64;
            let mut stream = answer.into_inner().into_inner();
            while let Some(chunk) = stream.next().await {
                let chunk = chunk?;
                sink.write_all(&chunk)?;
                written += chunk.len() as u64;
                if let Some(bar) = &bar {
                    bar.inc(chunk.len() as u64);
                }
            }
            sink.flush()?;
            if let Some(bar) = bar {
                bar.finish_and_clear();
            }
            if !to_stdout {
                let total = if partial { have + written } else { written };
                ctx.out.note(&format!(
                    "dump {} written to {} ({total} bytes)",
                    dump.id,
                    path.display()
                ));
            }
            Ok(())
        }
    }
}
