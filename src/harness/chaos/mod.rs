//! Chaos scenarios behind `goalstream chaos <scenario>`: each is bounded, injects one kind of
//! fault into the real pipeline or job queue, and ends with a verdict computed from the
//! database against what was produced (0 lost, 0 double-applied, plus the scenario's own
//! checks).
//!
//! - [`kill_consumer`]: SIGKILL a `goalstream run` consumer mid-flush, repeatedly; restart it.
//!   Proven: at least one kill landed between a flush's COPY and its COMMIT (the child's log).
//! - [`rebalance`]: two consumers in one group; kill one while a rebalance is under way.
//!   Proven: the kill came after the first's `revoke started` and before its `partitions
//!   released`.
//! - [`pg_outage`]: Postgres unreachable mid-stream (a TCP proxy cut, not a server restart).
//! - [`broker_restart`]: the broker goes down mid-stream and comes back with its log.
//!   Proven: the pipeline's consumed counter stood still while the broker was down.
//! - [`malformed_flood`]: 30 % malformed events; each one dead-lettered once, the rest applied.
//! - [`worker_kill`]: a job worker SIGKILLed mid-job; rescued within 3 heartbeats, completed once.
//!
//! Each proof is a named check: a scenario whose fault did not happen as named fails
//! (`tests/chaos_scenarios.rs` runs them with the fault left out, hidden `--no-fault`).
//!
//! [`stage`] sets up and judges (producing with [`crate::harness::producer`]);
//! [`process`] runs child processes; [`pg_proxy`] is the cuttable TCP proxy.

pub mod broker_process;
pub mod broker_restart;
pub mod jobs_in_flight;
pub mod kill_consumer;
pub mod log_readback;
pub mod malformed_flood;
pub mod pg_outage;
pub mod pg_proxy;
pub mod process;
pub mod rebalance;
pub mod stage;
pub mod worker_kill;

use std::path::PathBuf;
use std::sync::Arc;

use crate::catalog::Catalog;
use crate::db::DbConfig;
use crate::harness::load::broker::Broker;
use process::Process;
use stage::{ChaosReport, Stage};

/// Scenarios work in schema `goalstream_chaos_<scenario>` by default.
pub const DEFAULT_SCHEMA_PREFIX: &str = "goalstream_chaos";

/// The scenarios.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Scenario {
    /// SIGKILL the consumer process mid-flush, repeatedly, and restart it.
    KillConsumer,
    /// Two consumer processes; kill one during a rebalance.
    Rebalance,
    /// Postgres unreachable mid-stream, then back (TCP proxy cut).
    PgOutage,
    /// The broker down mid-stream, then back with its data.
    BrokerRestart,
    /// Malformed events mixed with good ones.
    MalformedFlood,
    /// A job worker SIGKILLed mid-job.
    WorkerKill,
}

impl Scenario {
    /// Every scenario, in the order `all` runs them.
    pub const ALL: [Scenario; 6] = [
        Scenario::MalformedFlood,
        Scenario::PgOutage,
        Scenario::BrokerRestart,
        Scenario::WorkerKill,
        Scenario::KillConsumer,
        Scenario::Rebalance,
    ];

    /// Its name on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Scenario::KillConsumer => "kill-consumer",
            Scenario::Rebalance => "rebalance",
            Scenario::PgOutage => "pg-outage",
            Scenario::BrokerRestart => "broker-restart",
            Scenario::MalformedFlood => "malformed-flood",
            Scenario::WorkerKill => "worker-kill",
        }
    }
}

/// Settings shared by the scenarios.
#[derive(Debug, Clone)]
pub struct Options {
    /// The goalstream binary (child processes).
    pub bin: PathBuf,
    /// Catalog path handed to child processes.
    pub catalog_path: PathBuf,
    /// Events per second produced.
    pub rate: u64,
    /// Seconds of production.
    pub seconds: u64,
    /// Players.
    pub users: usize,
    /// SIGKILLs in kill-consumer.
    pub kills: u32,
    /// Length of the Postgres or broker outage, s.
    pub outage_s: u64,
    /// Job worker heartbeat interval, ms (worker-kill, pg-outage).
    pub heartbeat_ms: u64,
    /// How long the worker-kill job runs, ms (pg-outage's jobs: a sixth to a half of it).
    pub job_ms: u64,
    /// Where child logs go.
    pub log_dir: PathBuf,
    /// Real brokers for the consumer scenarios (the in-process mock cluster otherwise).
    pub brokers: Option<String>,
    /// scripts/kafka-up.sh, which restarts a real broker in broker-restart.
    pub kafka_up: PathBuf,
    /// Scenarios work in schema `<prefix>_<scenario>`, recreated each run.
    pub schema_prefix: String,
    /// Inject the scenario's fault. Off only to prove that a scenario whose fault did not
    /// happen fails its verdict (hidden `--no-fault`).
    pub inject_fault: bool,
}

impl Options {
    /// Defaults: short enough for CI.
    pub fn new(bin: PathBuf, catalog_path: PathBuf) -> Options {
        Options {
            bin,
            catalog_path,
            rate: 2_000,
            seconds: 15,
            users: 2_000,
            kills: 3,
            outage_s: 5,
            heartbeat_ms: 1_000,
            job_ms: 4_000,
            log_dir: std::env::temp_dir(),
            brokers: None,
            kafka_up: PathBuf::from("scripts/kafka-up.sh"),
            schema_prefix: DEFAULT_SCHEMA_PREFIX.to_string(),
            inject_fault: true,
        }
    }
}

/// Runs one scenario in schema `<prefix>_<name>` of the database.
pub async fn run(
    base: &DbConfig,
    catalog: Arc<Catalog>,
    scenario: Scenario,
    options: &Options,
) -> anyhow::Result<ChaosReport> {
    let schema = schema_of(scenario, options);
    let broker = Broker::from_option(options.brokers.as_deref(), Vec::new())?;
    let stage = Stage::new(base, catalog, &schema, broker, 4, 2).await?;
    eprintln!(
        "chaos {}: schema {schema}, {}, topic {}",
        scenario.name(),
        stage.broker.describe(),
        stage.topic
    );
    std::fs::create_dir_all(&options.log_dir)?;
    match scenario {
        Scenario::KillConsumer => kill_consumer::run(&stage, options).await,
        Scenario::Rebalance => rebalance::run(&stage, options).await,
        Scenario::PgOutage => pg_outage::run(&stage, options).await,
        Scenario::BrokerRestart => broker_restart::run(&stage, options).await,
        Scenario::MalformedFlood => malformed_flood::run(&stage, options).await,
        Scenario::WorkerKill => worker_kill::run(&stage, options).await,
    }
}

/// The schema a scenario works in.
pub fn schema_of(scenario: Scenario, options: &Options) -> String {
    format!("{}_{}", options.schema_prefix, scenario.name().replace('-', "_"))
}

/// Waits until `process` logged its first assignment (it consumes, and handles SIGTERM).
pub async fn wait_assigned(process: &Process, timeout: std::time::Duration) -> anyhow::Result<()> {
    let started = std::time::Instant::now();
    while process.log_count("partitions assigned") == 0 {
        anyhow::ensure!(
            started.elapsed() < timeout,
            "the consumer logged no assignment within {timeout:?}; see {}",
            process.log.display()
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    Ok(())
}

/// Log line of a flush whose COPY is done and whose merge and COMMIT are next (`store::progress`,
/// debug level, logged by every consumer child).
pub const FLUSH_STAGED: &str = "flush staged";
/// Log line of a committed flush (`telemetry::events`, debug level).
pub const FLUSH_COMMITTED: &str = "flush committed";

/// Starts a `goalstream run` consumer of the stage's topic and group; with `flush_delay_ms`,
/// every flush sleeps that long between its COPY and its merge (a wide window for a kill).
pub fn spawn_consumer(
    stage: &Stage,
    options: &Options,
    name: &str,
    flush_delay_ms: u64,
) -> anyhow::Result<Process> {
    // A SIGKILLed member holds its partitions until its session times out: keep that short
    // on the in-process broker (tansu wants 6 s, see DEVELOPERS.md).
    let (session, heartbeat) =
        if stage.broker.in_process { ("3000", "300") } else { ("6000", "500") };
    let args: Vec<String> = [
        "run",
        "--brokers",
        &stage.broker.bootstrap,
        "--group",
        &stage.group,
        "--topics",
        &stage.topic,
        "--pool-size",
        "3",
        "--flush-age-ms",
        "100",
        "--session-timeout-ms",
        session,
        "--heartbeat-interval-ms",
        heartbeat,
        "--revoke-timeout-ms",
        "3000",
        "--test-flush-delay-ms",
        &flush_delay_ms.to_string(),
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    let log = options.log_dir.join(format!("{}-{name}.log", stage.schema));
    Process::spawn(
        &options.bin,
        &args,
        &[
            ("DATABASE_URL", stage.child_database_url()),
            ("GOALSTREAM_CATALOG", options.catalog_path.display().to_string()),
            // Instances side by side: each serves /metrics and the API on a port of its own.
            ("GOALSTREAM_HTTP_ADDR", "127.0.0.1:0".to_string()),
            ("GOALSTREAM_API_ADDR", "127.0.0.1:0".to_string()),
            // The flush's COPY and COMMIT lines are the scenarios' evidence, in text.
            ("GOALSTREAM_LOG_FORMAT", "text".to_string()),
            (
                "RUST_LOG",
                "info,goalstream::store::progress=debug,goalstream::telemetry::events=debug"
                    .to_string(),
            ),
        ],
        log,
    )
}
