//! `goalstream bench shards`: how flushes partition over the shard groups of a distributed
//! Postgres (docs/SCALING.md), simulated on the local server. Each of K shard groups is a
//! database of its own; the real pipeline runs with a flush worker and a pool per group, every
//! partition owned by the worker of its group (partition p → group p mod K); the producer
//! sends each player's events to a partition of the player's group, by the hash Citus places
//! rows by. Reported per group: events, rows held and written, flushes, flushes that wrote
//! another group's rows (must be 0), rows in the wrong group; per run the imbalance (busiest
//! group over the mean, minus 1) and whether every event was applied exactly once, uniform and
//! Zipf players.
//!
//! - [`stream`]: the partitioned events and what each row should hold.
//! - [`run`](mod@run): one run.

use std::sync::Arc;
use std::time::Duration;

use clap::Args;
use serde::Serialize;

use crate::catalog::Catalog;
use crate::db::DbConfig;
use crate::harness::bench::scale::players::Skew;
use crate::harness::load::profile::parse_duration;
use crate::ingest::shard::ShardLayout;

pub mod run;
pub mod stream;

use run::RunResult;

/// Group `g` works in database `<prefix>_<g>`.
pub const DEFAULT_DATABASE_PREFIX: &str = "goalstream_shard";
/// The scratch schema of every group's database.
pub const DEFAULT_SCHEMA: &str = "goalstream_shards";

/// Options of `goalstream bench shards`.
#[derive(Debug, Clone, Args)]
pub struct ShardsBenchArgs {
    /// Shard groups (databases `<prefix>_0` … on the server of DATABASE_URL).
    #[arg(long, default_value_t = 4)]
    pub groups: u32,
    /// Partitions of each run's topic (a multiple of the groups).
    #[arg(long, default_value_t = 16)]
    pub partitions: i32,
    /// Players the events are drawn from.
    #[arg(long, default_value_t = 100_000)]
    pub players: u64,
    /// Player choices, comma-separated.
    #[arg(long, value_delimiter = ',', default_value = "uniform,zipf")]
    pub skews: Vec<Skew>,
    /// Events per second offered (0: as fast as possible).
    #[arg(long, default_value_t = 20_000)]
    pub rate: u64,
    /// How long each run produces (e.g. 20s, 1m).
    #[arg(long, value_parser = parse_duration, default_value = "20s")]
    pub duration: Duration,
    /// A real Kafka cluster (e.g. from scripts/kafka-up.sh); default: in-process mock cluster.
    #[arg(long)]
    pub brokers: Option<String>,
    /// Group `g` works in database `<prefix>_<g>` (created when missing).
    #[arg(long, default_value = DEFAULT_DATABASE_PREFIX)]
    pub database_prefix: String,
    /// Producers keep Kafka's default partitioner (by key, blind to the shards): the control
    /// run that shows what the aligned partitioner prevents.
    #[arg(long)]
    pub unaligned: bool,
    /// Keep each group's schema (goalstream_shards) after the run.
    #[arg(long)]
    pub keep: bool,
    /// Print one JSON object with every result on the last line.
    #[arg(long)]
    pub json: bool,
}

/// Everything one invocation measured.
#[derive(Debug, Clone, Serialize)]
pub struct ShardsReport {
    /// Shard groups.
    pub groups: u32,
    /// Partitions.
    pub partitions: i32,
    /// Events per second offered (0: as fast as possible).
    pub rate: u64,
    /// Events per run.
    pub events: u64,
    /// One per skew.
    pub results: Vec<RunResult>,
}

/// Runs the simulation for each skew and prints the report.
pub async fn run(
    base: &DbConfig,
    catalog: Arc<Catalog>,
    args: &ShardsBenchArgs,
) -> anyhow::Result<ShardsReport> {
    anyhow::ensure!(args.groups > 0, "--groups must be at least 1");
    anyhow::ensure!(
        args.partitions > 0 && args.partitions % args.groups as i32 == 0,
        "--partitions must be a positive multiple of --groups"
    );
    anyhow::ensure!(args.players > 0, "--players must be at least 1");
    anyhow::ensure!(!args.skews.is_empty(), "--skews needs at least one of uniform, zipf");
    let events = match args.rate {
        0 => 20_000 * args.duration.as_secs().max(1),
        rate => (rate as f64 * args.duration.as_secs_f64()).round().max(1.0) as u64,
    };
    let mut results = Vec::new();
    for (seed, &skew) in (42u64..).zip(&args.skews) {
        eprintln!(
            "bench shards: {} groups, {} partitions, {} players, {}, {events} events",
            args.groups,
            args.partitions,
            args.players,
            skew.as_str()
        );
        let config = run::Config {
            base: base.clone(),
            database_prefix: args.database_prefix.clone(),
            schema: DEFAULT_SCHEMA.to_string(),
            layout: ShardLayout::new(args.groups),
            partitions: args.partitions,
            aligned: !args.unaligned,
            players: args.players,
            skew,
            events,
            rate: args.rate,
            brokers: args.brokers.clone(),
            seed,
            keep: args.keep,
        };
        results.push(run::run(catalog.clone(), &config).await?);
    }
    let report = ShardsReport {
        groups: args.groups,
        partitions: args.partitions,
        rate: args.rate,
        events,
        results,
    };
    print!("{}", text(&report));
    if args.json {
        println!("{}", serde_json::to_string(&report)?);
    }
    Ok(report)
}

/// The report as tables.
pub fn text(report: &ShardsReport) -> String {
    let mut out = format!(
        "bench shards: {} shard groups (a database each), {} partitions (p -> group p mod {}), \
         {} events per run at {}\n",
        report.groups,
        report.partitions,
        report.groups,
        report.events,
        match report.rate {
            0 => "full speed".to_string(),
            rate => format!("{rate} events/s"),
        }
    );
    for r in &report.results {
        out.push_str(&format!(
            "\n{} players, {}, {} producer: {:.0} durable events/s{}\n",
            r.players,
            r.skew.as_str(),
            if r.aligned { "shard-aligned" } else { "default-partitioned" },
            r.durable_per_s,
            if r.drained { "" } else { " (NOT drained)" }
        ));
        out.push_str(&format!(
            "{:>6} {:>10} {:>7} {:>10} {:>10} {:>8} {:>12} {:>10}\n",
            "group",
            "events",
            "share",
            "rows held",
            "written",
            "flushes",
            "multi-group",
            "misplaced"
        ));
        let total = r.groups.iter().map(|g| g.events).sum::<i64>().max(1) as f64;
        for g in &r.groups {
            out.push_str(&format!(
                "{:>6} {:>10} {:>6.1}% {:>10} {:>10} {:>8} {:>12} {:>10}\n",
                g.group,
                g.events,
                g.events as f64 / total * 100.0,
                g.rows,
                g.rows_written,
                g.flushes,
                g.multi_group_flushes,
                g.misplaced_rows
            ));
        }
        out.push_str(&format!(
            "imbalance (max/mean - 1): events {:.1} %, rows held {:.1} %, rows written {:.1} %; \
             flushes {} of which multi-group {}; exactly once: {} ({} wrong, {} missing rows)\n",
            r.event_imbalance * 100.0,
            r.row_imbalance * 100.0,
            r.write_imbalance * 100.0,
            r.flushes,
            r.multi_group_flushes,
            if r.exactly_once { "yes" } else { "NO" },
            r.wrong_progress,
            r.missing_rows
        ));
    }
    out
}
