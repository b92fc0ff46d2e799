//! `goalstream bench scale`: the cost of a flushed event against the number of players. For
//! each N, a schema holding N players with every default goal of the catalog (written with
//! COPY, untimed, kept and reused by later runs), then the real pipeline on the in-process
//! mock cluster at a fixed offered rate, uniform and Zipf-skewed players; each run reports
//! durable events/s, event→durable p50/p99, the shared-buffer hit ratio of the progress
//! table, WAL bytes and server CPU per event; each N the table's bytes per (player, goal).
//!
//! - [`players`]: ids, population rows, the event stream.
//! - [`run`](mod@run): one measured run.
//! - [`server_cpu`]: server processes' CPU from `/proc`.

use std::sync::Arc;
use std::time::{Duration, Instant};

use clap::Args;
use serde::Serialize;

use crate::catalog::Catalog;
use crate::db::DbConfig;
use crate::harness::load::profile::parse_duration;
use crate::harness::store::scale::{self as store, TableBytes};
use crate::store::Scratch;

pub mod players;
pub mod run;
pub mod server_cpu;

use players::Skew;
use run::RunResult;

/// Schemas are named `<prefix>_<players>`.
pub const DEFAULT_SCHEMA_PREFIX: &str = "goalstream_scale";
/// Session settings `goalstream doctor` recommends for a 24 GiB server that a session can set
/// itself (the rest, shared_buffers above all, need the server's configuration; see
/// docs/BENCHMARKS.md, "Scale").
pub const SESSION_SETTINGS: [(&str, &str); 3] = [
    // ~75 % of 24 GiB: the planner expects the page cache to hold the indexes.
    ("effective_cache_size", "18GB"),
    // 24 GiB / 16: the population's VACUUM ANALYZE and index work in memory.
    ("maintenance_work_mem", "1536MB"),
    // Compresses the full-page images of random upserts (superuser-settable per session).
    ("wal_compression", "lz4"),
];

/// Options of `goalstream bench scale`.
#[derive(Debug, Clone, Args)]
pub struct ScaleBenchArgs {
    /// Player counts, comma-separated; each gets a schema of its own, populated once.
    #[arg(long, value_delimiter = ',', default_value = "100000,1000000,10000000")]
    pub players: Vec<u64>,
    /// Player choices to run at each count, comma-separated.
    #[arg(long, value_delimiter = ',', default_value = "uniform,zipf")]
    pub skews: Vec<Skew>,
    /// Events per second offered (a fixed rate, so latency is the pipeline's, not a backlog's).
    #[arg(long, default_value_t = 20_000)]
    pub rate: u64,
    /// How long each run produces (e.g. 20s, 1m).
    #[arg(long, value_parser = parse_duration, default_value = "20s")]
    pub duration: Duration,
    /// Partitions of each run's topic.
    #[arg(long, default_value_t = 16)]
    pub partitions: i32,
    /// Flush workers. Six, not the peak tier's three: at 10M players most pages a flush
    /// touches are read from the page cache or the disk, and more flushes in flight keep more
    /// of those reads going (10M uniform players, doctor's WAL settings: 3 workers made
    /// 0.98-1.00 × the rate at 100k with p99 1.8-2.0 s, 6 workers 1.00 × with p99 0.51-0.65 s;
    /// docs/BENCHMARKS.md)
    #[arg(long, default_value_t = 6)]
    pub workers: usize,
    /// A real Kafka cluster (e.g. from scripts/kafka-up.sh); default: in-process mock cluster.
    #[arg(long)]
    pub brokers: Option<String>,
    /// Schemas are `<prefix>_<players>`; one holding a recorded population of that size is
    /// reused as it is.
    #[arg(long, default_value = DEFAULT_SCHEMA_PREFIX)]
    pub schema_prefix: String,
    /// Drop and populate every schema again, even when it already holds its players.
    #[arg(long)]
    pub fresh: bool,
    /// Drop the schemas at the end instead of keeping them for the next run.
    #[arg(long)]
    pub drop: bool,
    /// Leave the sessions at the server's settings instead of applying doctor's session
    /// settings (effective_cache_size, maintenance_work_mem, wal_compression): to measure the
    /// server's own configuration, one setting at a time.
    #[arg(long)]
    pub server_settings_only: bool,
    /// Print one JSON object with every result on the last line.
    #[arg(long)]
    pub json: bool,
}

/// One player count's population and table size.
#[derive(Debug, Clone, Serialize)]
pub struct PopulationReport {
    /// Players.
    pub players: u64,
    /// Schema holding them.
    pub schema: String,
    /// Rows of the progress table (players × default goals).
    pub progress_rows: i64,
    /// Seconds the population took in this invocation; `None` when an earlier one was reused.
    pub populated_s: Option<f64>,
    /// The table's bytes after this count's runs.
    pub bytes: TableBytes,
    /// Heap + indexes per (player, goal).
    pub bytes_per_row: f64,
    /// Heap per (player, goal).
    pub heap_per_row: f64,
    /// Primary key per (player, goal).
    pub primary_key_per_row: f64,
    /// Other indexes per (player, goal).
    pub other_indexes_per_row: f64,
}

/// Everything one invocation measured.
#[derive(Debug, Clone, Serialize)]
pub struct ScaleReport {
    /// Events per second offered.
    pub rate: u64,
    /// Seconds each run produced.
    pub duration_s: f64,
    /// Flush workers.
    pub workers: usize,
    /// Session settings applied to every connection.
    pub session_settings: Vec<(String, String)>,
    /// One per player count.
    pub populations: Vec<PopulationReport>,
    /// One per (player count, skew).
    pub results: Vec<RunResult>,
    /// Uniform durable events/s at the largest count over that at the smallest.
    pub uniform_ratio_largest_vs_smallest: Option<f64>,
}

/// Runs the benchmark and prints the report.
pub async fn run(
    base: &DbConfig,
    catalog: Arc<Catalog>,
    args: &ScaleBenchArgs,
) -> anyhow::Result<ScaleReport> {
    anyhow::ensure!(!args.players.is_empty(), "--players needs at least one count");
    anyhow::ensure!(args.players.iter().all(|p| *p > 0), "--players counts must be at least 1");
    anyhow::ensure!(!args.skews.is_empty(), "--skews needs at least one of uniform, zipf");
    anyhow::ensure!(args.rate > 0, "--rate must be at least 1 event/s");
    anyhow::ensure!(args.partitions > 0, "--partitions must be at least 1");
    anyhow::ensure!(args.workers > 0, "--workers must be at least 1");
    anyhow::ensure!(
        !players::default_goals(&catalog).is_empty(),
        "the catalog has no default-assigned goal: the scale benchmark populates those"
    );
    ensure_local(base)?;
    let session_settings: &[(&str, &str)] =
        if args.server_settings_only { &[] } else { &SESSION_SETTINGS };
    let base =
        session_settings.iter().fold(base.clone().with_pool_size(1), |config, (name, value)| {
            config.with_setting(name, value)
        });
    let mut populations = Vec::new();
    let mut results = Vec::new();
    for &players in &args.players {
        let schema = format!("{}_{players}", args.schema_prefix);
        let scratch = match args.fresh {
            true => Scratch::create(&base, &schema).await?,
            false => Scratch::open(&base, &schema).await?,
        };
        let (progress_rows, populated_s) = ensure_population(&scratch, &catalog, players).await?;
        for &skew in &args.skews {
            eprintln!(
                "bench scale: {players} players, {} at {}/s for {:?}",
                skew.as_str(),
                args.rate,
                args.duration
            );
            let config = run::Config {
                db: scratch.config.clone(),
                players,
                skew,
                rate: args.rate,
                duration: args.duration,
                partitions: args.partitions,
                workers: args.workers,
                brokers: args.brokers.clone(),
                seed: 42 + results.len() as u64,
            };
            results.push(run::run(catalog.clone(), &config).await?);
        }
        let bytes = store::sizes(&scratch.pool.get().await?).await?;
        let per_row = |b: i64| b as f64 / progress_rows.max(1) as f64;
        populations.push(PopulationReport {
            players,
            schema: schema.clone(),
            progress_rows,
            populated_s,
            bytes,
            bytes_per_row: per_row(bytes.total()),
            heap_per_row: per_row(bytes.heap),
            primary_key_per_row: per_row(bytes.primary_key),
            other_indexes_per_row: per_row(bytes.other_indexes),
        });
        if args.drop {
            scratch.drop_schema().await?;
        }
    }
    let report = ScaleReport {
        rate: args.rate,
        duration_s: args.duration.as_secs_f64(),
        workers: args.workers,
        session_settings: base.settings.clone(),
        uniform_ratio_largest_vs_smallest: uniform_ratio(&results),
        populations,
        results,
    };
    print!("{}", text(&report));
    if args.json {
        println!("{}", serde_json::to_string(&report)?);
    }
    Ok(report)
}

/// Populates the schema unless it holds a recorded population of `players` players with the
/// catalog's default goals; returns its rows and, when written now, the seconds it took.
async fn ensure_population(
    scratch: &Scratch,
    catalog: &Catalog,
    players: u64,
) -> anyhow::Result<(i64, Option<f64>)> {
    let mut client = scratch.pool.get().await?;
    let goals = players::default_goals(catalog).len() as i32;
    let players_i64 = i64::try_from(players)?;
    if let Some(found) = store::population(&client).await? {
        if found.players == players_i64 && found.goals == goals {
            eprintln!(
                "bench scale: schema {} holds {players} players ({} rows), reused",
                scratch.schema, found.progress_rows
            );
            return Ok((found.progress_rows, None));
        }
    }
    eprintln!(
        "bench scale: populating schema {} with {players} players × {goals} goals (COPY)",
        scratch.schema
    );
    let started = Instant::now();
    let payloads = players::population_payloads(catalog, players, chrono::Utc::now());
    let population = store::populate(&mut client, players_i64, goals, payloads, || {
        started.elapsed().as_secs_f64()
    })
    .await?;
    let seconds = started.elapsed().as_secs_f64();
    eprintln!("bench scale: {} rows in {seconds:.1} s", population.progress_rows);
    Ok((population.progress_rows, Some(seconds)))
}

/// Refuses a server elsewhere: its processes' CPU is read from this machine's /proc.
fn ensure_local(base: &DbConfig) -> anyhow::Result<()> {
    use tokio_postgres::config::Host;
    for host in base.pg_config()?.get_hosts() {
        if let Host::Tcp(name) = host {
            anyhow::ensure!(
                ["127.0.0.1", "localhost", "::1"].contains(&name.as_str()),
                "bench scale reads the server's CPU from this machine's /proc: DATABASE_URL \
                 must name 127.0.0.1, localhost or a socket, not {name:?}"
            );
        }
    }
    Ok(())
}

/// Uniform durable events/s at the largest player count over that at the smallest.
fn uniform_ratio(results: &[RunResult]) -> Option<f64> {
    let uniform: Vec<&RunResult> = results.iter().filter(|r| r.skew == Skew::Uniform).collect();
    let smallest = uniform.iter().min_by_key(|r| r.players)?;
    let largest = uniform.iter().max_by_key(|r| r.players)?;
    (largest.players > smallest.players && smallest.durable_per_s > 0.0)
        .then(|| largest.durable_per_s / smallest.durable_per_s)
}

/// The report as tables.
pub fn text(report: &ScaleReport) -> String {
    let mut out = format!(
        "bench scale: {} events/s offered for {:.0} s per run, {} flush workers; session: {}\n\n",
        report.rate,
        report.duration_s,
        report.workers,
        report
            .session_settings
            .iter()
            .map(|(n, v)| format!("{n}={v}"))
            .collect::<Vec<_>>()
            .join(" ")
    );
    out.push_str(&format!(
        "{:>10} {:>8} {:>10} {:>8} {:>8} {:>7} {:>9} {:>10} {:>8}\n",
        "players",
        "skew",
        "durable/s",
        "p50 ms",
        "p99 ms",
        "hit %",
        "WAL B/ev",
        "CPU us/ev",
        "drained"
    ));
    for r in &report.results {
        out.push_str(&format!(
            "{:>10} {:>8} {:>10.0} {:>8} {:>8} {:>7.2} {:>9.0} {:>10.1} {:>8}\n",
            r.players,
            r.skew.as_str(),
            r.durable_per_s,
            r.p50_ms,
            r.p99_ms,
            r.buffer_hit_ratio * 100.0,
            r.wal_bytes_per_event,
            r.server_cpu_us_per_event,
            if r.drained { "yes" } else { "NO" },
        ));
    }
    out.push_str(&format!(
        "\n{:>10} {:>12} {:>12} {:>9} {:>9} {:>9} {:>9}\n",
        "players", "rows", "populate s", "B/row", "heap", "pkey", "other ix"
    ));
    for p in &report.populations {
        out.push_str(&format!(
            "{:>10} {:>12} {:>12} {:>9.1} {:>9.1} {:>9.1} {:>9.1}\n",
            p.players,
            p.progress_rows,
            p.populated_s.map_or("reused".to_string(), |s| format!("{s:.1}")),
            p.bytes_per_row,
            p.heap_per_row,
            p.primary_key_per_row,
            p.other_indexes_per_row,
        ));
    }
    if let Some(ratio) = report.uniform_ratio_largest_vs_smallest {
        out.push_str(&format!(
            "\nuniform durable events/s, largest vs smallest player count: {ratio:.2}\n"
        ));
    }
    out
}

#[cfg(test)]
mod tests;
