//! `goalstream bench jobs`: the job queue on seed 000's scenarios, with graphile-worker's
//! protocol (same N, empty table between phases, first start → all durable, best of two), in a
//! scratch schema; `--peer` runs the peer (../shared/peers/graphile-worker/run.sh) in the same
//! invocation and prints the ratios.
//!
//! One file per family of scenarios: [`create`] (bulk and single enqueue), [`throughput`]
//! (claim + complete, fresh and after many completions), [`latency`] (lifecycle, claim at
//! depth), [`graph`] (fan-out, fan-in, chain, priority inheritance), [`recovery`] (dead worker).

mod create;
mod graph;
mod latency;
mod recovery;
mod throughput;

use std::time::{Duration, Instant};

use clap::Args;
use deadpool_postgres::Pool;
use serde::Serialize;
use serde_json::json;
use tokio::sync::mpsc;

use super::gate::Gate;
use crate::db::DbConfig;
use crate::jobs::handler::{Handler, HandlerFuture, Registry};
use crate::jobs::worker::{WorkerConfig, WorkerPool};
use crate::store::{jobs, Scratch};
use crate::types::{ClaimedJob, NewJob, QueueSettings, DEFAULT_QUEUE};

/// Bound on every timed phase: a bench never hangs.
const PHASE_TIMEOUT: Duration = Duration::from_secs(300);
/// Scratch schema, dropped at the end.
pub const SCHEMA: &str = "goalstream_bench_jobs";

/// Options of `goalstream bench jobs`.
#[derive(Debug, Clone, Args)]
pub struct JobsBenchArgs {
    /// Jobs for the throughput scenarios (the peer's N).
    #[arg(long, default_value_t = 100_000)]
    pub jobs: usize,
    /// Handler slots of the worker. graphile's best preset feeds 10 handlers from a local
    /// queue of 2,000 prefetched jobs; goalstream never claims more than its free slots, so its
    /// equivalent of that prefetch is more slots (no-op handlers cost nothing to run). 1,000
    /// is the best measured here: fewer slots mean more, smaller claims (each walks the
    /// claimed-but-not-vacuumed head of the claim index), more make completions so large
    /// that claims overtake them.
    #[arg(long, default_value_t = 1_000)]
    pub concurrency: usize,
    /// Latency samples.
    #[arg(long, default_value_t = 500)]
    pub samples: usize,
    /// Queue depths at which claim latency is measured (aging and fairness on).
    #[arg(long, value_delimiter = ',', default_value = "10,50,100000,1000000")]
    pub depths: Vec<usize>,
    /// Completed jobs accumulated before measuring claim + complete again (0: skip).
    #[arg(long, default_value_t = 1_000_000)]
    pub after_completions: usize,
    /// Heartbeat interval (ms) of the dead-worker recovery scenario.
    #[arg(long, default_value_t = 1_000)]
    pub heartbeat_ms: u64,
    /// Run only these families of scenarios (default: all).
    #[arg(long, value_enum, value_delimiter = ',')]
    pub only: Vec<Family>,
    /// Perf gate: fail unless claim + complete with `--concurrency` slots runs at least this
    /// many times as fast as the same queue drained by one slot (one claim, one completion
    /// per job), measured in the same run. A same-run ratio holds on a busy machine; a build
    /// whose batched claims or completions got slower fails it.
    #[arg(long)]
    pub min_ratio_vs_single_slot: Option<f64>,
    /// Also run the graphile-worker peer (path to its run.sh) and print ratios.
    #[arg(long)]
    pub peer: Option<std::path::PathBuf>,
    /// Print one JSON object on the last line.
    #[arg(long)]
    pub json: bool,
}

/// A family of scenarios, one file each.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Family {
    /// Bulk and single create.
    Create,
    /// Claim + complete, fresh and after many completions.
    Throughput,
    /// Lifecycle latency and claim latency at depth.
    Latency,
    /// Fan-out, fan-in, chain, priority inheritance.
    Graphs,
    /// Dead-worker recovery.
    Recovery,
}

impl Family {
    /// The progress line printed before the family runs.
    fn title(self) -> &'static str {
        match self {
            Family::Create => "creating",
            Family::Throughput => "claim + complete",
            Family::Latency => "latency",
            Family::Graphs => "graphs",
            Family::Recovery => "dead worker",
        }
    }
}

/// One measured scenario.
#[derive(Debug, Clone, Serialize)]
pub struct JobsResult {
    /// Scenario name (shared with the peer's).
    pub scenario: String,
    /// Measured value.
    pub value: f64,
    /// Unit of `value`.
    pub unit: &'static str,
    /// The target, when it has one.
    pub target: Option<f64>,
}

fn result(scenario: &str, value: f64, unit: &'static str, target: Option<f64>) -> JobsResult {
    eprintln!("  {scenario}: {value:.2} {unit}");
    JobsResult { scenario: scenario.into(), value, unit, target }
}

/// What every scenario works with.
struct Bench {
    pool: Pool,
    /// Connection settings of the workers' LISTEN connection.
    listen: crate::db::DbConfig,
    settings: QueueSettings,
    args: JobsBenchArgs,
}

impl Bench {
    /// An empty, vacuumed queue.
    async fn empty(&self) -> anyhow::Result<()> {
        jobs::truncate(&self.pool.get().await?).await?;
        Ok(())
    }

    /// A listening worker with `concurrency` slots on the default queue.
    fn worker(&self, concurrency: usize) -> WorkerConfig {
        WorkerConfig::new(vec![DEFAULT_QUEUE.into()], concurrency).listening(self.listen.clone())
    }

    /// Starts a worker pool of no-op handlers that report each start on the returned channel.
    async fn noop_workers(
        &self,
        config: WorkerConfig,
    ) -> anyhow::Result<(WorkerPool, mpsc::UnboundedReceiver<Instant>)> {
        let (tx, starts) = mpsc::unbounded_channel();
        let workers =
            WorkerPool::start(config, self.pool.clone(), Registry::new().register(Noop(tx)))
                .await?;
        Ok((workers, starts))
    }

    /// Enqueues `count` jobs made by `make` in batches of 10,000.
    async fn backlog(&self, count: usize, make: impl Fn(usize) -> NewJob) -> anyhow::Result<()> {
        let client = self.pool.get().await?;
        let mut start = 0;
        while start < count {
            let end = (start + 10_000).min(count);
            let batch: Vec<NewJob> = (start..end).map(&make).collect();
            jobs::enqueue(&client, &self.settings, &batch).await?;
            start = end;
        }
        Ok(())
    }
}

/// Records each start and succeeds.
struct Noop(mpsc::UnboundedSender<Instant>);

impl Handler for Noop {
    fn kind(&self) -> &str {
        "noop"
    }

    fn run<'a>(&'a self, _job: &'a ClaimedJob, _pool: &'a Pool) -> HandlerFuture<'a> {
        let _ = self.0.send(Instant::now());
        Box::pin(async { Ok(()) })
    }
}

fn noop() -> NewJob {
    NewJob::new("noop", json!({}))
}

/// Runs the scenarios and prints the report.
pub async fn run(base: &DbConfig, args: &JobsBenchArgs) -> anyhow::Result<Vec<JobsResult>> {
    anyhow::ensure!(
        args.jobs > 0 && args.concurrency > 0 && args.samples > 0,
        "--jobs, --concurrency and --samples must be at least 1"
    );
    anyhow::ensure!(args.heartbeat_ms >= 100, "--heartbeat-ms must be at least 100");
    // Handlers of the bench need no connection: the dispatcher, completer, heartbeat and the
    // bench itself do.
    let scratch = Scratch::create(&base.clone().with_pool_size(8), SCHEMA).await?;
    let bench = Bench {
        listen: scratch.config.clone(),
        pool: scratch.pool.clone(),
        settings: QueueSettings::default(),
        args: args.clone(),
    };
    let mut results = Vec::new();
    for &family in <Family as clap::ValueEnum>::value_variants() {
        if !args.only.is_empty() && !args.only.contains(&family) {
            continue;
        }
        eprintln!("{}", family.title());
        results.extend(match family {
            Family::Create => create::run(&bench).await?,
            Family::Throughput => throughput::run(&bench).await?,
            Family::Latency => latency::run(&bench).await?,
            Family::Graphs => graph::run(&bench).await?,
            Family::Recovery => recovery::run(&bench).await?,
        });
    }
    drop(bench);
    scratch.drop_schema().await?;
    let peer = match &args.peer {
        Some(path) => Some(run_peer(path)?),
        None => None,
    };
    let gates: Vec<Gate> = args
        .min_ratio_vs_single_slot
        .map(|min| {
            let measured = results
                .iter()
                .find(|r| r.scenario == throughput::VS_SINGLE_SLOT)
                .map_or(0.0, |r| r.value);
            Gate {
                name: throughput::VS_SINGLE_SLOT.into(),
                threshold: min,
                measured,
                met: measured >= min,
            }
        })
        .into_iter()
        .collect();
    print_report(&results, peer.as_ref(), &gates, args.json);
    super::gate::ensure_met(&gates)?;
    Ok(results)
}

fn run_peer(path: &std::path::Path) -> anyhow::Result<serde_json::Value> {
    eprintln!("running the peer: {}", path.display());
    let output =
        std::process::Command::new(path)
            .stderr(std::process::Stdio::inherit())
            .output()
            .map_err(|error| anyhow::anyhow!("cannot run the peer {}: {error}", path.display()))?;
    anyhow::ensure!(output.status.success(), "the peer failed ({})", output.status);
    let stdout = String::from_utf8_lossy(&output.stdout);
    let last = stdout.lines().last().unwrap_or_default();
    serde_json::from_str(last)
        .map_err(|error| anyhow::anyhow!("the peer's last line is not JSON ({error}): {last}"))
}

fn print_report(
    results: &[JobsResult],
    peer: Option<&serde_json::Value>,
    gates: &[Gate],
    as_json: bool,
) {
    let peer_value = |scenario: &str| -> Option<f64> {
        peer?["results"].as_array()?.iter().find(|r| r["scenario"] == scenario)?["value"].as_f64()
    };
    println!(
        "{:<40} {:>12} {:<10} {:>10} {:>12} {:>7}",
        "scenario", "goalstream", "unit", "target", "peer", "ratio"
    );
    let mut peer_results = Vec::new();
    for r in results {
        let peer_name = match r.scenario.as_str() {
            "claim_complete" => "claim_complete_best",
            "lifecycle_durable_p50" => "lifecycle_complete_p50",
            "lifecycle_durable_p99" => "lifecycle_complete_p99",
            other => other,
        };
        let peer = peer_value(peer_name);
        // Ratio > 1 means goalstream is better: faster throughput or lower latency.
        let ratio = peer.map(|p| if r.unit == "jobs/s" { r.value / p } else { p / r.value });
        if let (Some(p), Some(ratio)) = (peer, ratio) {
            peer_results.push(json!({ "scenario": r.scenario, "peer": p, "ratio": ratio }));
        }
        let target = r.target.map_or("-".to_string(), |t| format!("{t}"));
        println!(
            "{:<40} {:>12.2} {:<10} {:>10} {:>12} {:>7}",
            r.scenario,
            r.value,
            r.unit,
            target,
            peer.map_or("-".to_string(), |v| format!("{v:.1}")),
            ratio.map_or("-".to_string(), |v| format!("{v:.2}x")),
        );
    }
    println!("seed 000 for contrast: 230 jobs/s created, 140/s with dependencies, 3.52 acquisitions/s, fan-out 50 released 0");
    for gate in gates {
        let verdict = if gate.met { "met" } else { "MISSED" };
        println!(
            "gate {verdict}: {} {:.1}x (at least {:.1}x)",
            gate.name, gate.measured, gate.threshold
        );
    }
    if as_json {
        let passed = gates.iter().all(|g| g.met);
        println!(
            "{}",
            json!({ "results": results, "peer": peer, "ratios": peer_results, "gates": gates, "passed": passed })
        );
    }
}
