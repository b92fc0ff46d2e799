//! `goalstream chaos <scenario>…`: fault scenarios, each ending with a verdict from the
//! database; and the hidden `goalstream chaos-worker`, the job worker process that the
//! worker-kill scenario kills.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use clap::Args;

use crate::db::DbConfig;
use crate::harness::chaos::{self, Options, Scenario};

/// Options of `goalstream chaos`.
#[derive(Debug, Clone, Args)]
pub struct ChaosArgs {
    /// Scenarios to run, in order.
    #[arg(value_enum, required_unless_present = "all")]
    pub scenarios: Vec<Scenario>,
    /// Run every scenario.
    #[arg(long)]
    pub all: bool,
    /// Events per second produced.
    #[arg(long, default_value_t = 2_000)]
    pub rate: u64,
    /// Seconds of production.
    #[arg(long, default_value_t = 15)]
    pub seconds: u64,
    /// Players.
    #[arg(long, default_value_t = 2_000)]
    pub users: usize,
    /// SIGKILLs in kill-consumer.
    #[arg(long, default_value_t = 3)]
    pub kills: u32,
    /// Length of the Postgres or broker outage (s).
    #[arg(long, default_value_t = 5)]
    pub outage_s: u64,
    /// Job worker heartbeat interval (ms), worker-kill.
    #[arg(long, default_value_t = 1_000)]
    pub heartbeat_ms: u64,
    /// How long the worker-kill job runs (ms).
    #[arg(long, default_value_t = 4_000)]
    pub job_ms: u64,
    /// A real Kafka cluster for the consumer scenarios (default: in-process mock cluster).
    /// broker-restart kills and restarts it, so there it must be one broker started by
    /// `scripts/kafka-up.sh --persistent` (its log outlives the process), and slow: use
    /// --rate 200 or so.
    #[arg(long)]
    pub brokers: Option<String>,
    /// The script that restarts the real broker in broker-restart.
    #[arg(long, default_value = "scripts/kafka-up.sh")]
    pub kafka_up: PathBuf,
    /// Where child process logs go.
    #[arg(long)]
    pub log_dir: Option<PathBuf>,
    /// Print one JSON object per scenario, the last one on the last line.
    #[arg(long)]
    pub json: bool,
    /// Test-only: run kill-consumer, rebalance and broker-restart without their fault (a
    /// graceful stop instead of the kill; no revoke kill; no outage): each must then fail.
    #[arg(long, hide = true)]
    pub no_fault: bool,
}

/// Options of the hidden `goalstream chaos-worker`.
#[derive(Debug, Clone, Args)]
pub struct ChaosWorkerArgs {
    /// Heartbeat interval (ms).
    #[arg(long, default_value_t = 1_000)]
    pub heartbeat_ms: u64,
}

/// Runs the scenarios; fails if any verdict fails.
pub async fn run(db: &DbConfig, catalog_path: &Path, args: &ChaosArgs) -> anyhow::Result<()> {
    anyhow::ensure!(args.rate > 0, "--rate must be at least 1");
    anyhow::ensure!(args.seconds >= 3, "--seconds must be at least 3");
    anyhow::ensure!(args.users > 0, "--users must be at least 1");
    anyhow::ensure!(args.heartbeat_ms >= 100, "--heartbeat-ms must be at least 100");
    let catalog = Arc::new(super::load_catalog(catalog_path)?);
    let bin = std::env::current_exe().context("locating the goalstream binary")?;
    let mut options = Options::new(bin, catalog_path.to_path_buf());
    options.rate = args.rate;
    options.seconds = args.seconds;
    options.users = args.users;
    options.kills = args.kills;
    options.outage_s = args.outage_s;
    options.heartbeat_ms = args.heartbeat_ms;
    options.job_ms = args.job_ms;
    options.brokers = args.brokers.clone();
    options.kafka_up = args.kafka_up.clone();
    options.inject_fault = !args.no_fault;
    options.log_dir =
        args.log_dir.clone().unwrap_or_else(|| std::env::temp_dir().join("goalstream-chaos"));
    let scenarios = if args.all { Scenario::ALL.to_vec() } else { args.scenarios.clone() };
    // Refused before anything runs: broker-restart on a real broker that would lose its log.
    if let (Some(brokers), true) = (&args.brokers, scenarios.contains(&Scenario::BrokerRestart)) {
        chaos::broker_process::BrokerProcess::find(brokers, args.kafka_up.clone())
            .context("chaos broker-restart")?;
    }
    let mut failed = Vec::new();
    for scenario in scenarios {
        let report = chaos::run(db, catalog.clone(), scenario, &options)
            .await
            .with_context(|| format!("chaos {}", scenario.name()))?;
        print!("{}", report.text());
        if args.json {
            println!("{}", report.json_line());
        }
        if !report.passed() {
            failed.push(scenario.name());
        }
    }
    anyhow::ensure!(failed.is_empty(), "chaos verdict failed: {}", failed.join(", "));
    Ok(())
}

/// Runs a job worker until SIGTERM.
pub async fn worker(db: &DbConfig, args: &ChaosWorkerArgs) -> anyhow::Result<()> {
    let pool = crate::store::connect(&db.clone().with_pool_size(3)).await?;
    chaos::worker_kill::serve(pool, Duration::from_millis(args.heartbeat_ms)).await
}
