//! `goalstream migrate`: creates the database if needed and applies missing migrations.

use crate::db::{self, DbConfig};
use crate::store::{self, migrate};

/// Creates the database if needed and applies the migrations it lacks.
pub async fn run(config: &DbConfig) -> anyhow::Result<()> {
    store::ensure_database(config).await?;
    let pool = store::connect(config).await?;
    let applied = migrate::migrate(&mut pool.get().await?).await?;
    let target = db::describe(&config.pg_config()?);
    if applied.is_empty() {
        println!("{target}: schema up to date ({} migrations)", migrate::MIGRATIONS.len());
    } else {
        println!("{target}: applied migrations {applied:?}");
    }
    Ok(())
}
