//! `goalstream player show USER_ID`: what support staff need when a player says a reward did
//! not arrive: the player's goals and progress per period, reward grants and reward jobs.

use anyhow::Context;
use clap::{Args, Subcommand};
use serde_json::json;

use super::table::{opt, Table};
use crate::db::DbConfig;
use crate::store::{self, job_console, rewards, user_progress};

/// Reward jobs shown.
const JOBS_SHOWN: i64 = 100;

/// `goalstream player` subcommands.
#[derive(Debug, Subcommand)]
pub enum PlayerCommand {
    /// A player's goals and progress, reward grants and reward jobs.
    Show(ShowArgs),
}

/// Options of `player show`.
#[derive(Debug, Clone, Args)]
pub struct ShowArgs {
    /// Player id.
    pub user_id: String,
    /// One JSON document on stdout instead of tables.
    #[arg(long)]
    pub json: bool,
}

/// Runs a `player` subcommand.
pub async fn run(db: &DbConfig, command: &PlayerCommand) -> anyhow::Result<()> {
    let PlayerCommand::Show(args) = command;
    let pool = store::open(db).await?;
    let client = pool.get().await.context("connecting to Postgres")?;
    let mut progress = user_progress::user_rows(&client, &args.user_id).await?;
    progress.sort_by(|a, b| a.goal_id.cmp(&b.goal_id));
    let grants = rewards::for_player(&client, &args.user_id).await?;
    let jobs = job_console::player_jobs(&client, &args.user_id, JOBS_SHOWN).await?;
    if args.json {
        let progress: Vec<_> = progress
            .iter()
            .map(|p| {
                json!({ "goal_id": p.goal_id, "progress": p.progress, "status": p.status,
                             "is_active": p.is_active, "completed_at": p.completed_at,
                             "claimed_at": p.claimed_at, "expires_at": p.expires_at,
                             "updated_at": p.updated_at })
            })
            .collect();
        let document = json!({ "user_id": args.user_id, "progress": progress, "grants": grants,
                               "reward_jobs": jobs });
        println!("{document}");
        return Ok(());
    }
    if progress.is_empty() && grants.is_empty() && jobs.is_empty() {
        println!("player {:?}: no progress, grants or reward jobs", args.user_id);
        return Ok(());
    }
    let mut table =
        Table::new(&["goal", "progress", "status", "active", "completed", "claimed", "period end"]);
    for p in &progress {
        table.row(vec![
            p.goal_id.clone(),
            p.progress.to_string(),
            p.status.to_string(),
            p.is_active.to_string(),
            opt(p.completed_at.map(|t| t.to_rfc3339())),
            opt(p.claimed_at.map(|t| t.to_rfc3339())),
            opt(p.expires_at.map(|t| t.to_rfc3339())),
        ]);
    }
    println!("goals\n{}", table.render());
    let mut table =
        Table::new(&["goal", "period end", "reward", "item", "quantity", "job", "granted"]);
    for g in &grants {
        table.row(vec![
            g.goal_id.clone(),
            opt(g.period_end.map(|t| t.to_rfc3339())),
            g.reward_type.clone(),
            g.item_id.clone(),
            g.quantity.to_string(),
            opt(g.job_id),
            g.granted_at.to_rfc3339(),
        ]);
    }
    println!("reward grants\n{}", table.render());
    let mut table = Table::new(&["job", "state", "attempt", "created", "last error", "args"]);
    for j in &jobs {
        table.row(vec![
            j.id.to_string(),
            j.state.to_string(),
            format!("{}/{}", j.attempt, j.max_attempts),
            j.created_at.to_rfc3339(),
            opt(j.last_error.as_ref()),
            j.args.to_string(),
        ]);
    }
    print!("reward jobs\n{}", table.render());
    Ok(())
}
