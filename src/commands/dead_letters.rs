//! `goalstream dead-letters`: refused events from the command line (list, show, replay,
//! discard), as a table or, with `--json`, one JSON document on stdout.
//! A replay is [`crate::ingest::dead_letter_replay`] (at most once, outcome recorded).

use std::path::Path;
use std::sync::Arc;

use anyhow::Context;
use chrono::{DateTime, Utc};
use clap::{Args, Subcommand};
use serde_json::json;

use super::table::{opt, Table};
use crate::db::DbConfig;
use crate::ingest::dead_letter_replay;
use crate::store::dead_letter_admin::{self, DeadLetterFilter, DeadLetterRecord};
use crate::store::{self, ProgressStore};
use crate::types::when;

/// Longest page `list` shows.
const MAX_PAGE: i64 = 1_000;

/// `goalstream dead-letters` subcommands.
#[derive(Debug, Subcommand)]
pub enum DeadLettersCommand {
    /// Dead letters matching the filters, newest first, one page (--before ID for the next).
    List(ListArgs),
    /// One dead letter with its payload (as text when it is UTF-8, else hex).
    Show(ShowArgs),
    /// Send dead letters through the pipeline again (after a catalog fix), each at most once;
    /// the outcome is recorded on the letter.
    Replay(IdsArgs),
    /// Delete dead letters.
    Discard(IdsArgs),
}

/// Options of `dead-letters list`.
#[derive(Debug, Clone, Args)]
pub struct ListArgs {
    /// Source topic (the file name for `goalstream replay`).
    #[arg(long)]
    pub topic: Option<String>,
    /// The reason contains this text (case-insensitive).
    #[arg(long)]
    pub reason: Option<String>,
    /// Written at or after: RFC 3339, or an age (90s, 15m, 2h, 7d).
    #[arg(long, value_parser = when::parse)]
    pub since: Option<DateTime<Utc>>,
    /// Written before: RFC 3339, or an age.
    #[arg(long, value_parser = when::parse)]
    pub until: Option<DateTime<Utc>>,
    /// Only letters never replayed.
    #[arg(long, conflicts_with = "replayed")]
    pub not_replayed: bool,
    /// Only letters replayed.
    #[arg(long)]
    pub replayed: bool,
    /// Letters per page (at most 1,000).
    #[arg(long, default_value_t = 50, value_parser = clap::value_parser!(i64).range(1..=MAX_PAGE))]
    pub limit: i64,
    /// Only letters with a lower id: the previous page's last id.
    #[arg(long)]
    pub before: Option<i64>,
    /// One JSON document on stdout instead of a table.
    #[arg(long)]
    pub json: bool,
}

/// Options of `dead-letters show`.
#[derive(Debug, Clone, Args)]
pub struct ShowArgs {
    /// Dead letter id.
    pub id: i64,
    /// One JSON document on stdout.
    #[arg(long)]
    pub json: bool,
}

/// Dead letter ids.
#[derive(Debug, Clone, Args)]
pub struct IdsArgs {
    /// Dead letter ids.
    #[arg(required = true)]
    pub ids: Vec<i64>,
    /// One JSON document on stdout.
    #[arg(long)]
    pub json: bool,
}

/// Runs a `dead-letters` subcommand.
pub async fn run(
    db: &DbConfig,
    catalog: &Path,
    command: &DeadLettersCommand,
) -> anyhow::Result<()> {
    let pool = store::open(&db.clone().with_pool_size(2)).await?;
    let mut client = pool.get().await.context("connecting to Postgres")?;
    match command {
        DeadLettersCommand::List(args) => {
            let filter = DeadLetterFilter {
                topic: args.topic.clone(),
                reason: args.reason.clone(),
                created_after: args.since,
                created_before: args.until,
                replayed: (args.replayed || args.not_replayed).then_some(args.replayed),
            };
            let letters =
                dead_letter_admin::page(&client, &filter, args.before, args.limit).await?;
            let next = (letters.len() as i64 == args.limit).then(|| letters.last().map(|l| l.id));
            if args.json {
                let list: Vec<_> = letters.iter().map(letter_json).collect();
                println!("{}", json!({ "dead_letters": list, "next_before": next.flatten() }));
            } else {
                let mut table = Table::new(&[
                    "id",
                    "topic",
                    "partition",
                    "offset",
                    "written",
                    "replay",
                    "reason",
                ]);
                for l in &letters {
                    table.row(vec![
                        l.id.to_string(),
                        opt(l.topic.as_ref()),
                        opt(l.partition),
                        opt(l.offset),
                        l.created_at.format("%Y-%m-%d %H:%M:%S").to_string(),
                        opt(l.replay_outcome.as_ref()),
                        l.reason.clone(),
                    ]);
                }
                print!("{}", table.render());
                if let Some(Some(id)) = next {
                    println!("(more: --before {id})");
                }
            }
        }
        DeadLettersCommand::Show(args) => {
            let letter = dead_letter_admin::get(&client, args.id)
                .await?
                .with_context(|| format!("no dead letter {}", args.id))?;
            if args.json {
                println!("{}", letter_json(&letter));
            } else {
                let document = letter_json(&letter);
                for (name, value) in document.as_object().into_iter().flatten() {
                    let value = value.as_str().map_or_else(|| value.to_string(), str::to_string);
                    println!("{name:>15}  {value}");
                }
            }
        }
        DeadLettersCommand::Discard(args) => {
            let gone = dead_letter_admin::discard(&client, &args.ids).await?;
            if args.json {
                println!("{}", json!({ "discarded": gone }));
            } else {
                println!("discarded {} dead letter(s)", gone.len());
            }
        }
        DeadLettersCommand::Replay(args) => {
            let catalog = Arc::new(super::load_catalog(catalog)?);
            let store = ProgressStore::new(catalog.clone());
            let mut results = Vec::new();
            for &id in &args.ids {
                let outcome = dead_letter_replay::replay(&store, &catalog, &mut client, id)
                    .await
                    .with_context(|| format!("replaying dead letter {id}"))?;
                if !args.json {
                    println!("dead letter {id}: {outcome}");
                }
                results.push(json!({ "id": id, "outcome": outcome }));
            }
            if args.json {
                println!("{}", json!({ "replayed": results }));
            }
        }
    }
    Ok(())
}

fn letter_json(letter: &DeadLetterRecord) -> serde_json::Value {
    let (encoding, payload) = match std::str::from_utf8(&letter.payload) {
        Ok(text) => ("utf8", text.to_string()),
        Err(_) => ("hex", hex(&letter.payload)),
    };
    json!({
        "id": letter.id,
        "topic": letter.topic,
        "partition": letter.partition,
        "offset": letter.offset,
        "key": letter.key.as_deref().map(hex),
        "reason": letter.reason,
        "created_at": letter.created_at,
        "replayed_at": letter.replayed_at,
        "replay_outcome": letter.replay_outcome,
        "payload_bytes": letter.payload.len(),
        "payload_encoding": encoding,
        "payload": payload,
    })
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
