//! `goalstream bench flush`: the COPY merge against seed 004's per-row and UNNEST upserts, on
//! the same generated keys, at several batch sizes, insert-heavy and update-heavy, in one run.
//!
//! Each (batch size, workload, strategy) starts from an emptied scratch table; the
//! update-heavy workload first writes its keys (untimed) and vacuums, so every strategy
//! updates the same steady-state table. One connection writes, as one flush worker would.

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use clap::{Args, ValueEnum};
use deadpool_postgres::Pool;
use indicatif::{ProgressBar, ProgressStyle};
use rand::seq::SliceRandom;
use rand::SeedableRng;
use serde::Serialize;

use super::gate::{self, Gate};
use super::percentile_ms;
use crate::catalog::Catalog;
use crate::db::DbConfig;
use crate::harness::store::baseline::{self, Increment};
use crate::store::seen_events::BatchEvent;
use crate::store::{BatchEvents, FlushBatch, ProgressStore, Scratch};
use crate::update::{Change, ProgressUpdate};

/// Scratch schema the benchmark works in; dropped at the end unless `--keep`.
pub const SCHEMA: &str = "goalstream_bench";
/// Batch sizes measured when `--batch` is not given.
pub const DEFAULT_BATCHES: [usize; 3] = [100, 1_000, 10_000];
/// Goals per synthetic player: keys are (player, goal).
const GOALS: usize = 10;
/// Targets high enough that no goal completes, so every strategy does the same work.
const TARGET: i64 = 1_000_000_000;

/// Options of `goalstream bench flush`.
#[derive(Debug, Clone, Args)]
pub struct FlushBenchArgs {
    /// Rows (distinct keys) written per strategy, workload and batch size. The per-row
    /// strategy, far slower, writes at most 2000 of them (its rate hardly depends on the batch).
    #[arg(long, default_value_t = 100_000)]
    pub rows: usize,
    /// One batch size instead of 100, 1000 and 10000 in turn.
    #[arg(long)]
    pub batch: Option<usize>,
    /// Share (0-1) of the update-heavy workload's rows that update an existing row; the rest
    /// insert.
    #[arg(long, default_value_t = 1.0)]
    pub update_ratio: f64,
    /// Fillfactor of the scratch progress table, to measure its effect on HOT updates
    /// (default: the migration's).
    #[arg(long, value_parser = clap::value_parser!(u8).range(10..=100))]
    pub fillfactor: Option<u8>,
    /// Strategies to run, comma-separated (default: all).
    #[arg(long, value_delimiter = ',')]
    pub strategies: Vec<Strategy>,
    /// Scratch schema to (re)create and work in.
    #[arg(long, default_value = SCHEMA)]
    pub schema: String,
    /// Keep the scratch schema afterwards, to inspect it.
    #[arg(long)]
    pub keep: bool,
    /// Print one JSON object with every result on the last line.
    #[arg(long)]
    pub json: bool,
    /// Fail (exit non-zero) unless copy_merge writes at least this many times per_row's rows/s
    /// at every batch size and workload of this run: a same-run ratio, CI's perf smoke.
    #[arg(long)]
    pub min_ratio_vs_per_row: Option<f64>,
    /// The same against UNNEST (one statement per batch, like copy_merge): catches a flush that
    /// got a few times slower, which the per-row gate (fsync-bound) does not.
    #[arg(long)]
    pub min_ratio_vs_unnest: Option<f64>,
    /// Test-only: sleep this long (ms) inside every copy_merge flush (a deliberately slowed
    /// build, which the ratio gate must fail).
    #[arg(long, env = "GOALSTREAM_TEST_FLUSH_DELAY_MS", default_value_t = 0, hide = true)]
    pub test_flush_delay_ms: u64,
}

/// A way of writing a batch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Serialize)]
#[serde(rename_all = "snake_case")]
#[value(rename_all = "snake_case")]
pub enum Strategy {
    /// Seed 004's single upsert per row, auto-committed.
    PerRow,
    /// Seed 004's multi-row UNNEST upsert.
    Unnest,
    /// goalstream: binary COPY into a temp table, one merge statement.
    CopyMerge,
    /// The same with de-duplication by event id on (`run --dedup-window-s`): one event with a
    /// fresh id per row, claimed in the flush transaction.
    CopyMergeDedup,
}

/// Insert-heavy (all keys new) or update-heavy (keys exist).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Workload {
    /// Every key is new.
    Insert,
    /// `--update-ratio` of the keys exist.
    Update,
}

/// One measured configuration.
#[derive(Debug, Clone, Serialize)]
pub struct FlushResult {
    /// Strategy.
    pub strategy: Strategy,
    /// Rows per batch.
    pub batch: usize,
    /// Workload.
    pub workload: Workload,
    /// Rows written.
    pub rows: usize,
    /// Rows per second over the timed loop.
    pub rows_per_s: f64,
    /// Median batch time.
    pub batch_ms_p50: f64,
    /// 99th-percentile batch time.
    pub batch_ms_p99: f64,
    /// Share of row updates that were HOT (update workload only).
    pub hot_update_pct: Option<f64>,
}

/// Runs the benchmark and prints the report.
pub async fn run(base: &DbConfig, args: &FlushBenchArgs) -> anyhow::Result<Vec<FlushResult>> {
    anyhow::ensure!(args.rows > 0, "--rows must be at least 1");
    anyhow::ensure!(
        (0.0..=1.0).contains(&args.update_ratio),
        "--update-ratio must be within 0..=1"
    );
    let batches: Vec<usize> = args.batch.map_or(DEFAULT_BATCHES.to_vec(), |b| vec![b]);
    anyhow::ensure!(batches.iter().all(|b| *b > 0), "--batch must be at least 1");
    let strategies = if args.strategies.is_empty() {
        vec![Strategy::PerRow, Strategy::Unnest, Strategy::CopyMerge, Strategy::CopyMergeDedup]
    } else {
        args.strategies.clone()
    };

    let scratch = Scratch::create(&base.clone().with_pool_size(2), &args.schema).await?;
    let pool = scratch.pool.clone();
    if let Some(fillfactor) = args.fillfactor {
        baseline::set_fillfactor(&pool.get().await?, fillfactor).await?;
    }
    let store = ProgressStore::new(Arc::new(synthetic_catalog()))
        .with_flush_delay(Duration::from_millis(args.test_flush_delay_ms));
    // A day, as a deployment would set it: nothing expires during the run.
    let dedup_store = store.clone().with_dedup_window(Duration::from_secs(86_400));

    let plan: Vec<(usize, Workload, Strategy)> = batches
        .iter()
        .flat_map(|b| [Workload::Insert, Workload::Update].map(|w| (*b, w)))
        .flat_map(|(b, w)| strategies.iter().map(move |s| (b, w, *s)))
        .collect();
    let total_rows: u64 = plan.iter().map(|(_, _, s)| rows_for(*s, args.rows) as u64).sum();
    let progress = ProgressBar::new(total_rows).with_style(
        ProgressStyle::with_template("{spinner} [{bar:30}] {pos}/{len} rows {msg}")
            .expect("valid template")
            .progress_chars("=> "),
    );

    let mut results = Vec::with_capacity(plan.len());
    for (batch, workload, strategy) in plan {
        progress.set_message(format!("{strategy:?} {workload:?} batch {batch}"));
        let store = if strategy == Strategy::CopyMergeDedup { &dedup_store } else { &store };
        let result = run_one(&pool, store, args, batch, workload, strategy, &progress)
            .await
            .with_context(|| format!("{strategy:?} {workload:?} batch {batch}"))?;
        results.push(result);
    }
    progress.finish_and_clear();
    drop(pool);
    if !args.keep {
        scratch.drop_schema().await?;
    }
    let mut gates = Vec::new();
    if let Some(min) = args.min_ratio_vs_per_row {
        gates.extend(gate::copy_merge_vs(Strategy::PerRow, &results, min));
    }
    if let Some(min) = args.min_ratio_vs_unnest {
        gates.extend(gate::copy_merge_vs(Strategy::Unnest, &results, min));
    }
    print_report(&results, &gates, args);
    gate::ensure_met(&gates)?;
    Ok(results)
}

fn rows_for(strategy: Strategy, rows: usize) -> usize {
    match strategy {
        Strategy::PerRow => rows.min(2_000),
        _ => rows,
    }
}

async fn run_one(
    pool: &Pool,
    store: &ProgressStore,
    args: &FlushBenchArgs,
    batch: usize,
    workload: Workload,
    strategy: Strategy,
    progress: &ProgressBar,
) -> anyhow::Result<FlushResult> {
    let rows = rows_for(strategy, args.rows);
    let mut keys: Vec<usize> = (0..rows).collect();
    keys.shuffle(&mut rand::rngs::SmallRng::seed_from_u64(42));
    let mut client = pool.get().await?;
    baseline::reset(&client).await?;
    if workload == Workload::Update {
        let existing: Vec<usize> =
            keys.iter().copied().filter(|k| is_existing(*k, args.update_ratio)).collect();
        for chunk in existing.chunks(10_000) {
            let updates = updates_for(chunk);
            let flush = FlushBatch {
                events: Default::default(),
                now: chrono::Utc::now(),
                updates: &updates,
                group_id: "bench",
                offsets: &[],
                dead_letters: &[],
            };
            store.flush(&mut client, &flush).await?;
        }
    }
    baseline::vacuum(&client).await?;
    baseline::publish_stats(&client).await?;
    let before = baseline::table_stats(&client).await?;

    let mut times = Vec::with_capacity(rows.div_ceil(batch));
    let started = Instant::now();
    for chunk in keys.chunks(batch) {
        // Input is built before the clock starts for each batch: only the write is timed.
        let (updates, increments) = match strategy {
            Strategy::CopyMerge | Strategy::CopyMergeDedup => (updates_for(chunk), Vec::new()),
            _ => (Vec::new(), increments_for(chunk)),
        };
        let events = match strategy {
            Strategy::CopyMergeDedup => events_for(&updates),
            _ => Vec::new(),
        };
        let t = Instant::now();
        match strategy {
            Strategy::PerRow => baseline::per_row_upsert(&client, &increments).await?,
            Strategy::Unnest => baseline::unnest_upsert(&mut client, &increments).await?,
            Strategy::CopyMerge | Strategy::CopyMergeDedup => {
                let flush = FlushBatch {
                    events: BatchEvents { events: &events, updates: &updates },
                    now: chrono::Utc::now(),
                    updates: &updates,
                    group_id: "bench",
                    offsets: &[],
                    dead_letters: &[],
                };
                store.flush(&mut client, &flush).await?;
            }
        }
        times.push(t.elapsed());
        tracing::debug!(batch_ms = t.elapsed().as_secs_f64() * 1e3, "batch written");
        progress.inc(chunk.len() as u64);
    }
    let wall = started.elapsed();
    let write_time: Duration = times.iter().sum();

    baseline::publish_stats(&client).await?;
    let after = baseline::table_stats(&client).await?;
    let updates = after.0 - before.0;
    let hot_update_pct = (workload == Workload::Update && updates > 0)
        .then(|| 100.0 * (after.1 - before.1) as f64 / updates as f64);
    tracing::debug!(?wall, ?write_time, "run done");
    Ok(FlushResult {
        strategy,
        batch,
        workload,
        rows,
        rows_per_s: rows as f64 / write_time.as_secs_f64(),
        batch_ms_p50: percentile_ms(&times, 50.0),
        batch_ms_p99: percentile_ms(&times, 99.0),
        hot_update_pct,
    })
}

/// Whether key `k` exists before the update-heavy run: `ratio` of keys, spread evenly.
fn is_existing(k: usize, ratio: f64) -> bool {
    ((k % 100) as f64) < ratio * 100.0
}

fn user_of(key: usize) -> String {
    format!("bench-user-{:08}", key / GOALS)
}

fn updates_for(keys: &[usize]) -> Vec<ProgressUpdate> {
    keys.iter()
        .map(|k| ProgressUpdate {
            user_id: user_of(*k).into(),
            goal: (k % GOALS) as u32,
            change: Change::Increment { sum: 1 },
        })
        .collect()
}

/// One event per update, each with a new id (`e<n>`, unique within the run).
fn events_for(updates: &[ProgressUpdate]) -> Vec<BatchEvent> {
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    updates
        .iter()
        .enumerate()
        .map(|(i, u)| {
            let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            BatchEvent {
                user_id: u.user_id.clone(),
                event_id: Arc::from(format!("e{n}")),
                updates: i..i + 1,
            }
        })
        .collect()
}

fn increments_for(keys: &[usize]) -> Vec<Increment> {
    keys.iter()
        .map(|k| Increment {
            user_id: user_of(*k),
            goal_id: format!("bench-goal-{}", k % GOALS),
            delta: 1,
            target: TARGET,
        })
        .collect()
}

/// Ten default-assigned increment goals, `bench-goal-0` … `bench-goal-9`.
fn synthetic_catalog() -> Catalog {
    let goals: Vec<String> = (0..GOALS)
        .map(|i| {
            format!(
                r#"{{"goal_id":"bench-goal-{i}","name":"Bench {i}","stat_code":"bench","mode":"increment",
                "target":{TARGET},"default_assigned":true,
                "reward":{{"type":"currency","item_id":"gold","quantity":1}}}}"#
            )
        })
        .collect();
    let json = format!(
        r#"{{"challenges":[{{"challenge_id":"bench","name":"Bench","goals":[{}]}}]}}"#,
        goals.join(",")
    );
    Catalog::from_json(&json).expect("the synthetic catalog is valid")
}

fn print_report(results: &[FlushResult], gates: &[Gate], args: &FlushBenchArgs) {
    println!(
        "{:<16} {:<8} {:>6} {:>8} {:>11} {:>9} {:>9} {:>6}",
        "strategy", "workload", "batch", "rows", "rows/s", "p50 ms", "p99 ms", "HOT %"
    );
    for r in results {
        let hot = r.hot_update_pct.map_or("-".to_string(), |h| format!("{h:.0}"));
        let name = serde_json::to_value(r.strategy).expect("serializable");
        println!(
            "{:<16} {:<8} {:>6} {:>8} {:>11.0} {:>9.2} {:>9.2} {:>6}",
            name.as_str().unwrap_or_default(),
            format!("{:?}", r.workload).to_lowercase(),
            r.batch,
            r.rows,
            r.rows_per_s,
            r.batch_ms_p50,
            r.batch_ms_p99,
            hot
        );
    }
    for r in results.iter().filter(|r| r.strategy == Strategy::CopyMerge) {
        let ratio = |s: Strategy| {
            results
                .iter()
                .find(|o| o.strategy == s && o.batch == r.batch && o.workload == r.workload)
                .map(|o| format!("{:.1}x", r.rows_per_s / o.rows_per_s))
        };
        if let (Some(per_row), Some(unnest)) = (ratio(Strategy::PerRow), ratio(Strategy::Unnest)) {
            println!(
                "copy_merge {:?} batch {}: {per_row} per_row, {unnest} unnest",
                r.workload, r.batch
            );
        }
    }
    for r in results.iter().filter(|r| r.strategy == Strategy::CopyMergeDedup) {
        let plain = results.iter().find(|o| {
            o.strategy == Strategy::CopyMerge && o.batch == r.batch && o.workload == r.workload
        });
        if let Some(plain) = plain {
            println!(
                "de-duplication {:?} batch {}: {:.2}x the rate of copy_merge",
                r.workload,
                r.batch,
                r.rows_per_s / plain.rows_per_s
            );
        }
    }
    for g in gates {
        let verdict = if g.met { "met   " } else { "MISSED" };
        println!("gate {verdict} {} ≥ {:.1}x (measured {:.1}x)", g.name, g.threshold, g.measured);
    }
    if args.json {
        let mut report = serde_json::json!({ "results": results });
        if !gates.is_empty() {
            report["gates"] = serde_json::to_value(gates).expect("plain");
            report["passed"] = gates.iter().all(|g| g.met).into();
        }
        println!("{report}");
    }
}
