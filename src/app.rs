//! The small commands: `migrate` (create the database if needed, apply migrations) and
//! `catalog` (validate the catalog and list its goals).

use std::path::Path;

use anyhow::Context;

use crate::catalog::Catalog;
use crate::db::{self, DbConfig};
use crate::store::migrate;

/// `goalstream migrate`: creates the database if needed and applies missing migrations.
pub async fn migrate(database_url: &str) -> anyhow::Result<()> {
    let config = DbConfig::new(database_url, 1);
    db::ensure_database(&config).await?;
    let pool = db::create_pool(&config).await?;
    let applied = migrate::migrate(&mut pool.get().await?).await?;
    let target = db::describe(&config.pg_config()?);
    if applied.is_empty() {
        println!("{target}: schema up to date ({} migrations)", migrate::MIGRATIONS.len());
    } else {
        println!("{target}: applied migrations {applied:?}");
    }
    Ok(())
}

/// `goalstream catalog`: validates the catalog and prints its goals.
pub fn check_catalog(path: &Path) -> anyhow::Result<()> {
    let catalog = Catalog::load(path).with_context(|| "the catalog is invalid")?;
    println!(
        "{}: {} challenges, {} goals",
        path.display(),
        catalog.challenges().len(),
        catalog.goals().len()
    );
    for challenge in catalog.challenges() {
        println!("  {} ({})", challenge.challenge_id, challenge.name);
        for goal in challenge.goals.iter().map(|g| &catalog.goals()[*g]) {
            println!(
                "    {:<22} {:<9} {:>6} on {:<15} rotation {:?}{}",
                goal.goal_id,
                format!("{:?}", goal.mode).to_lowercase(),
                goal.target,
                goal.stat_code,
                goal.rotation,
                if goal.default_assigned { ", default" } else { "" }
            );
        }
    }
    Ok(())
}
