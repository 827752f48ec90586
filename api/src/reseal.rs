//! `dbaas-api reseal`: after a key rotation, every secret of the catalog sealed again with
//! the current key (`DBAAS_SECRET_KEY`), opened with it or one of `DBAAS_SECRET_KEYS_OLD`.
//! Safe to run while the api and workers serve, and again: what is current is left alone.

use dbaas_core::{Config, Store};

use crate::ServeError;

/// Reseals every sealed column and prints what it did, a line per column. `Ok(false)` when
/// some secret could not be opened (listed): the older key it needs must stay until mended.
pub async fn reseal(config: &Config) -> Result<bool, ServeError> {
    let store = Store::connect(&config.database_url, 2)?;
    let report = store.reseal_all(&config.secrets).await?;
    println!("current key: {}", config.secrets.current_key_id());
    let mut complete = true;
    for column in report {
        println!(
            "{}: {} resealed, {} already current, {} changed meanwhile, {} unreadable",
            column.column,
            column.resealed,
            column.current,
            column.changed,
            column.unreadable.len()
        );
        for (id, why) in &column.unreadable {
            complete = false;
            println!("  row {id}: {why}");
        }
    }
    Ok(complete)
}
