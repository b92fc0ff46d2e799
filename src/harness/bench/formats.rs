//! `goalstream bench formats`: the built-in shape against mapped JSON, Protobuf and Avro in
//! one run. Each format goes through the load harness's driver in turn (a fresh schema, mock
//! cluster and topic; the real pipeline; the verdict against Postgres) with the same players,
//! seed and settings; the table compares durable events/s and stat updates/s (a `match_end`
//! carries 7 or 8 stat updates, a built-in event 1), event→durable latency, and lost and
//! duplicated increments.

use std::sync::Arc;
use std::time::Duration;

use clap::Args;
use serde::Serialize;

use super::gate::{ensure_met, Gate};
use crate::catalog::Catalog;
use crate::db::DbConfig;
use crate::harness::load::driver::{self, Config as DriverConfig};
use crate::harness::load::profile::{Profile, ProfileName};
use crate::harness::load::report::TierReport;
use crate::harness::synthetic::format::SyntheticFormat;

/// Scratch schema every format's run recreates.
pub const DEFAULT_SCHEMA: &str = "goalstream_bench_formats";
/// The target: a mapped format's stat updates/s at least this share of the built-in
/// shape's in the same run.
pub const TARGET_RATIO_VS_FIXED: f64 = 0.85;
/// Messages per partition the in-process broker surely keeps (it deletes beyond 100,000
/// messages or 5 MiB, about 20,000 `match_end` events).
const IN_PROCESS_PER_PARTITION: u64 = 20_000;

/// Options of `goalstream bench formats`.
#[derive(Debug, Clone, Args)]
pub struct FormatsBenchArgs {
    /// Formats to run, in this order, comma-separated.
    #[arg(long, value_delimiter = ',', default_value = "fixed,json,protobuf,avro")]
    pub formats: Vec<SyntheticFormat>,
    /// Events per format.
    #[arg(long, default_value_t = 100_000)]
    pub events: u64,
    /// Events per second offered to each format (the same event rate for all); 0: produced
    /// as fast as possible, so each format's rate is the pipeline's maximum draining the
    /// backlog.
    #[arg(long, default_value_t = 0)]
    pub rate: u64,
    /// Players the events are spread over (skewed, the same for every format).
    #[arg(long, default_value_t = 20_000)]
    pub users: usize,
    /// Partitions of each run's topic.
    #[arg(long, default_value_t = 8)]
    pub partitions: i32,
    /// Flush workers.
    #[arg(long, default_value_t = 2)]
    pub workers: usize,
    /// A real Kafka cluster; default: the in-process mock cluster.
    #[arg(long)]
    pub brokers: Option<String>,
    /// Scratch schema, recreated for every format.
    #[arg(long, default_value = DEFAULT_SCHEMA)]
    pub schema: String,
    /// Fail unless every mapped format's stat updates/s is at least this share of the
    /// built-in shape's (the target is 0.85); without it only lost or duplicated
    /// increments fail the run.
    #[arg(long)]
    pub min_ratio_vs_fixed: Option<f64>,
    /// Print one JSON object with every result on the last line.
    #[arg(long)]
    pub json: bool,
}

/// One format's row.
#[derive(Debug, Clone, Serialize)]
pub struct FormatResult {
    /// The format.
    pub format: SyntheticFormat,
    /// Events produced.
    pub events: u64,
    /// Durable events per second (first event produced → last durable).
    pub events_per_s: f64,
    /// Stat updates the events carried.
    pub stat_updates: u64,
    /// Durable stat updates per second.
    pub stat_updates_per_s: f64,
    /// Stat updates/s over the built-in shape's, when both ran.
    pub stat_updates_vs_fixed: Option<f64>,
    /// Event→durable latency, median (ms).
    pub p50_ms: u64,
    /// Event→durable latency, 99th percentile (ms).
    pub p99_ms: u64,
    /// Increments lost (delta units, checked against Postgres).
    pub lost: i64,
    /// Increments applied more than once.
    pub duplicated: i64,
    /// (player, goal) rows checked.
    pub checked_rows: u64,
    /// Malformed events dead-lettered (none are produced here).
    pub dead_letters: u64,
    /// Every event durable, nothing lost or duplicated.
    pub correct: bool,
}

impl FormatResult {
    fn of(report: &TierReport) -> FormatResult {
        FormatResult {
            format: report.format,
            events: report.events,
            events_per_s: report.events_per_s,
            stat_updates: report.stat_updates,
            stat_updates_per_s: report.stat_updates_per_s,
            stat_updates_vs_fixed: None,
            p50_ms: report.latency_ms.p50,
            p99_ms: report.latency_ms.p99,
            lost: report.lost,
            duplicated: report.duplicated,
            checked_rows: report.verdict.checked_rows,
            dead_letters: report.dead_letters,
            correct: report.verdict.ok() && report.not_durable == 0 && report.notes.is_empty(),
        }
    }
}

/// Everything one invocation measured.
#[derive(Debug, Clone, Serialize)]
pub struct FormatsReport {
    /// Events per format.
    pub events: u64,
    /// Offered events/s (0: as fast as possible).
    pub rate: u64,
    /// Players.
    pub users: usize,
    /// Partitions.
    pub partitions: i32,
    /// Flush workers.
    pub workers: usize,
    /// Broker.
    pub broker: String,
    /// The 1-minute load average before the first run.
    pub load_average: Option<f64>,
    /// One per format, in the order run.
    pub results: Vec<FormatResult>,
    /// Each mapped format's stat updates/s against the built-in shape's, judged against
    /// `--min-ratio-vs-fixed` or the 0.85.
    pub gates: Vec<Gate>,
}

/// Runs every format and prints the table; fails on a lost or duplicated increment, or a
/// missed `--min-ratio-vs-fixed`.
pub async fn run(
    base: &DbConfig,
    catalog: Arc<Catalog>,
    args: &FormatsBenchArgs,
) -> anyhow::Result<FormatsReport> {
    check(args)?;
    let load_average = load_average();
    let mut results = Vec::new();
    let mut broker = String::new();
    for (i, &format) in args.formats.iter().enumerate() {
        eprintln!("bench formats: {} ({} of {})", format.as_str(), i + 1, args.formats.len());
        let report = driver::run(base, catalog.clone(), &driver_config(args, format)).await?;
        broker = report.broker.clone();
        results.push(FormatResult::of(&report));
    }
    let threshold = args.min_ratio_vs_fixed.unwrap_or(TARGET_RATIO_VS_FIXED);
    let gates = compare_with_fixed(&mut results, threshold);
    let report = FormatsReport {
        events: args.events,
        rate: args.rate,
        users: args.users,
        partitions: args.partitions,
        workers: args.workers,
        broker,
        load_average,
        results,
        gates,
    };
    print!("{}", text(&report));
    if args.json {
        println!("{}", serde_json::to_string(&report)?);
    }
    let wrong: Vec<&str> =
        report.results.iter().filter(|r| !r.correct).map(|r| r.format.as_str()).collect();
    anyhow::ensure!(
        wrong.is_empty(),
        "bench formats: lost, duplicated or not durable events with {}",
        wrong.join(", ")
    );
    if args.min_ratio_vs_fixed.is_some() {
        ensure_met(&report.gates)?;
    }
    Ok(report)
}

fn check(args: &FormatsBenchArgs) -> anyhow::Result<()> {
    anyhow::ensure!(!args.formats.is_empty(), "--formats needs at least one format");
    anyhow::ensure!(args.events > 0, "--events must be at least 1");
    anyhow::ensure!(args.users > 0, "--users must be at least 1");
    anyhow::ensure!(args.partitions > 0, "--partitions must be at least 1");
    anyhow::ensure!(args.workers > 0, "--workers must be at least 1");
    if let Some(ratio) = args.min_ratio_vs_fixed {
        anyhow::ensure!(ratio > 0.0, "--min-ratio-vs-fixed must be above 0, got {ratio}");
        anyhow::ensure!(
            args.formats.contains(&SyntheticFormat::Fixed),
            "--min-ratio-vs-fixed compares with the built-in shape: add fixed to --formats"
        );
    }
    anyhow::ensure!(
        args.brokers.is_some()
            || args.events.div_ceil(args.partitions as u64) <= IN_PROCESS_PER_PARTITION,
        "{} events over {} partitions is more than the in-process broker keeps unread \
         ({IN_PROCESS_PER_PARTITION} per partition): raise --partitions or use --brokers",
        args.events,
        args.partitions
    );
    Ok(())
}

/// The load driver's settings for one format: no API traffic, no malformed events.
fn driver_config(args: &FormatsBenchArgs, format: SyntheticFormat) -> DriverConfig {
    let unpaced = args.rate == 0;
    let rate = if unpaced { args.events } else { args.rate };
    let profile = Profile {
        rate,
        duration: Duration::from_secs_f64(args.events as f64 / rate as f64),
        users: args.users,
        bad_ratio: 0.0,
        partitions: args.partitions,
        workers: args.workers,
        drain_timeout: Duration::from_secs(120),
        ..Profile::of(ProfileName::Smoke)
    };
    DriverConfig {
        profile,
        brokers: args.brokers.clone(),
        kafka_options: Vec::new(),
        api_url: None,
        in_process_api: false,
        api_key: None,
        schema: args.schema.clone(),
        progress: false,
        seed: 42,
        flush_delay: Duration::ZERO,
        format,
        unpaced,
    }
}

/// Fills each mapped row's ratio to the built-in shape and returns the gates.
fn compare_with_fixed(results: &mut [FormatResult], threshold: f64) -> Vec<Gate> {
    let Some(fixed) =
        results.iter().find(|r| r.format == SyntheticFormat::Fixed).map(|r| r.stat_updates_per_s)
    else {
        return Vec::new();
    };
    let mut gates = Vec::new();
    for result in results.iter_mut().filter(|r| r.format != SyntheticFormat::Fixed) {
        let measured = result.stat_updates_per_s / fixed.max(f64::MIN_POSITIVE);
        result.stat_updates_vs_fixed = Some(measured);
        gates.push(Gate {
            name: format!("{}_vs_fixed_stat_updates_per_s", result.format.as_str()),
            threshold,
            measured,
            met: measured >= threshold,
        });
    }
    gates
}

/// The 1-minute load average (Linux), for the record.
fn load_average() -> Option<f64> {
    let text = std::fs::read_to_string("/proc/loadavg").ok()?;
    text.split_whitespace().next()?.parse().ok()
}

/// The table.
pub fn text(report: &FormatsReport) -> String {
    let pace = match report.rate {
        0 => "as fast as possible".to_string(),
        rate => format!("offered {rate} events/s"),
    };
    let load = report.load_average.map_or("unknown".into(), |l| format!("{l:.1}"));
    let mut out = format!(
        "bench formats: {} events per format, {pace}, {} players, {} partitions, {} flush \
         workers, {}; load average {load}\n",
        report.events, report.users, report.partitions, report.workers, report.broker
    );
    out.push_str(&format!(
        "{:<9} {:>9} {:>10} {:>13} {:>15} {:>9} {:>8} {:>8} {:>6} {:>10}\n",
        "format",
        "events",
        "events/s",
        "stat updates",
        "stat updates/s",
        "vs fixed",
        "p50 ms",
        "p99 ms",
        "lost",
        "duplicated"
    ));
    for r in &report.results {
        let ratio = r.stat_updates_vs_fixed.map_or("-".into(), |x| format!("{x:.2}x"));
        out.push_str(&format!(
            "{:<9} {:>9} {:>10.0} {:>13} {:>15.0} {:>9} {:>8} {:>8} {:>6} {:>10}\n",
            r.format.as_str(),
            r.events,
            r.events_per_s,
            r.stat_updates,
            r.stat_updates_per_s,
            ratio,
            r.p50_ms,
            r.p99_ms,
            r.lost,
            r.duplicated
        ));
    }
    for gate in &report.gates {
        let verdict = if gate.met { "met" } else { "missed" };
        out.push_str(&format!(
            "target {}: {:.2}x (>= {:.2}x) {verdict}\n",
            gate.name, gate.measured, gate.threshold
        ));
    }
    out
}
