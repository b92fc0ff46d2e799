//! `goalstream doctor`: reads the server's settings, the schema's table sizes and (sampled
//! while goalstream runs) the WAL written per minute, and says what to change for a
//! write-heavy progress table, with the numbers it used and the statements that apply it.
//! It changes nothing itself.

mod advice;

use std::time::Duration;

use anyhow::Context;
use clap::Args;
use serde_json::json;

use self::advice::{advise, size, Advice, Facts, SETTINGS};
use super::table::Table;
use crate::db::DbConfig;
use crate::store::{self, server_report};

/// Options of `goalstream doctor`.
#[derive(Debug, Clone, Args)]
pub struct DoctorArgs {
    /// Seconds to sample the WAL written (run it while goalstream is under its usual load);
    /// 0 skips the sample.
    #[arg(long, default_value_t = 10)]
    pub sample_s: u64,
    /// The database server's memory (e.g. 24GiB, 512MiB); default: this machine's, right when
    /// Postgres runs here.
    #[arg(long, value_parser = parse_memory)]
    pub server_memory: Option<u64>,
    /// One JSON document on stdout instead of the table.
    #[arg(long)]
    pub json: bool,
}

/// Runs the checks and prints the advice.
pub async fn run(db: &DbConfig, args: &DoctorArgs) -> anyhow::Result<()> {
    // Read-only: no database created, no migration applied (`goalstream migrate` does that).
    let pool = store::connect(&db.clone().with_pool_size(1)).await?;
    let client = pool.get().await.context("connecting to Postgres")?;
    let settings = server_report::settings(&client, &SETTINGS).await?;
    let tables = server_report::tables(&client).await?;
    let before = server_report::wal_position(&client).await?;
    let mut wal_bytes_per_min = None;
    if args.sample_s > 0 {
        eprintln!("sampling the WAL for {} s (Ctrl-C to stop)…", args.sample_s);
        tokio::time::sleep(Duration::from_secs(args.sample_s)).await;
        let after = server_report::wal_position(&client).await?;
        let bytes = (after.wal_bytes - before.wal_bytes).max(0) as f64;
        wal_bytes_per_min = Some(bytes * 60.0 / args.sample_s as f64);
    }
    let memory_bytes = args.server_memory.or_else(local_memory).map(|m| m as f64);
    let facts = Facts {
        memory_bytes,
        settings: settings.into_iter().map(|s| (s.name.clone(), s)).collect(),
        tables,
        wal_bytes_per_min,
        checkpoints: Some((before.checkpoints_timed, before.checkpoints_requested)),
    };
    let advice = advise(&facts);
    if args.json {
        let document = json!({
            "server_memory_bytes": facts.memory_bytes,
            "wal_bytes_per_min": facts.wal_bytes_per_min,
            "checkpoints": { "timed": before.checkpoints_timed,
                             "requested": before.checkpoints_requested },
            "tables": facts.tables,
            "advice": advice,
            "changes": advice.iter().filter(|a| !a.ok).count(),
        });
        println!("{document}");
        return Ok(());
    }
    print!("{}", text(&facts, &advice, args.server_memory.is_some()));
    Ok(())
}

fn text(facts: &Facts, advice: &[Advice], memory_given: bool) -> String {
    let mut out = String::new();
    let memory = match facts.memory_bytes {
        Some(m) if memory_given => format!("{} (--server-memory)", size(m)),
        Some(m) => format!("{} (this machine's; --server-memory for a remote server)", size(m)),
        None => "unknown (--server-memory)".into(),
    };
    out.push_str(&format!("server memory   {memory}\n"));
    match facts.wal_bytes_per_min {
        Some(w) => out.push_str(&format!("WAL written     {}/min over the sample\n", size(w))),
        None => out.push_str("WAL written     not sampled (--sample-s)\n"),
    }
    let mut tables = Table::new(&["table", "rows", "dead", "heap", "indexes", "total"]);
    for t in facts.tables.iter().take(6) {
        tables.row(vec![
            t.name.clone(),
            t.rows.to_string(),
            t.dead_rows.to_string(),
            size(t.heap_bytes as f64),
            size(t.index_bytes as f64),
            size(t.total_bytes as f64),
        ]);
    }
    out.push('\n');
    out.push_str(&tables.render());
    if facts.progress().is_none() {
        out.push_str(&format!(
            "no {} table here: the advice leaves out its size (point --database-url, and its \
             search_path, at the service's database, or run `goalstream migrate` first)\n",
            advice::PROGRESS_TABLE
        ));
    }
    out.push('\n');
    for a in advice {
        let mark = if a.ok { "ok    " } else { "CHANGE" };
        out.push_str(&format!("{mark} {}: {} → {}\n", a.setting, a.current, a.recommended));
        out.push_str(&format!("       {}\n", a.why));
    }
    let changes: Vec<&Advice> = advice.iter().filter(|a| a.apply.is_some()).collect();
    if changes.is_empty() {
        out.push_str("\nnothing to change\n");
        return out;
    }
    out.push_str("\nto apply (as a superuser; doctor changes nothing itself):\n");
    for a in &changes {
        out.push_str(&format!("  {}\n", a.apply.as_deref().unwrap_or_default()));
    }
    out.push_str("  SELECT pg_reload_conf();\n");
    if changes.iter().any(|a| a.restart) {
        out.push_str("  -- shared_buffers takes effect only after a server restart\n");
    }
    out
}

/// This machine's memory from /proc/meminfo, when readable.
fn local_memory() -> Option<u64> {
    let meminfo = std::fs::read_to_string("/proc/meminfo").ok()?;
    let line = meminfo.lines().find(|l| l.starts_with("MemTotal:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}

/// Parses `24GiB`, `24GB`, `512MiB`, `512MB` or a number of bytes (1024-based, as Postgres).
pub fn parse_memory(text: &str) -> Result<u64, String> {
    let text = text.trim();
    let split = text.find(|c: char| !c.is_ascii_digit() && c != '.').unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let number: f64 =
        number.parse().map_err(|_| format!("expected a size like 24GiB or 512MB, got {text:?}"))?;
    let factor = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1.0,
        "k" | "kb" | "kib" => 1024.0,
        "m" | "mb" | "mib" => 1024.0 * 1024.0,
        "g" | "gb" | "gib" => 1024.0 * 1024.0 * 1024.0,
        "t" | "tb" | "tib" => 1024.0_f64.powi(4),
        other => return Err(format!("unknown unit {other:?} in {text:?} (use MiB, GiB or TiB)")),
    };
    let bytes = number * factor;
    if !bytes.is_finite() || bytes < 1024.0 * 1024.0 {
        return Err(format!("the server's memory must be at least 1MiB, got {text:?}"));
    }
    Ok(bytes as u64)
}
