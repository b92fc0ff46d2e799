//! Command-line interface: every subcommand and knob, with defaults and the reason for them.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::commands::api::ApiArgs;
use crate::commands::catalog::CatalogArgs;
use crate::commands::chaos::{ChaosArgs, ChaosWorkerArgs};
use crate::commands::dead_letters::DeadLettersCommand;
use crate::commands::demo::DemoArgs;
use crate::commands::jobs::JobsCommand;
use crate::commands::load::LoadArgs;
use crate::commands::player::PlayerCommand;
use crate::commands::produce::ProduceArgs;
use crate::commands::replay::ReplayArgs;
use crate::commands::run::RunArgs;
use crate::db::{DbConfig, DEFAULT_DATABASE_URL};
use crate::harness::bench::api::ApiBenchArgs;
use crate::harness::bench::console::ConsoleBenchArgs;
use crate::harness::bench::flush::FlushBenchArgs;
use crate::harness::bench::formats::FormatsBenchArgs;
use crate::harness::bench::jobs::JobsBenchArgs;
use crate::harness::bench::scale::ScaleBenchArgs;
use crate::harness::bench::shards::ShardsBenchArgs;
use crate::harness::synthetic::format::SyntheticFormat;
use crate::telemetry::{LogFormat, TelemetryConfig};

/// Challenge-progress stream processor: Kafka telemetry in, exactly-once goal progress in
/// Postgres out, with a built-in job queue.
#[derive(Debug, Parser)]
#[command(name = "goalstream", version, about, long_about = None, propagate_version = true)]
pub struct Cli {
    /// Options every subcommand shares.
    #[command(flatten)]
    pub global: GlobalArgs,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Options every subcommand shares.
#[derive(Debug, Args)]
pub struct GlobalArgs {
    /// Postgres URL. The database is created if it does not exist.
    #[arg(long, env = "DATABASE_URL", default_value = DEFAULT_DATABASE_URL, global = true)]
    pub database_url: String,
    /// Challenge catalog (JSON). See config/challenges.json. `example` is the built-in example;
    /// a path that does not exist is an error (demo, produce, load, chaos and bench use the
    /// example when the default path is missing).
    #[arg(
        long,
        env = "GOALSTREAM_CATALOG",
        default_value = crate::commands::DEFAULT_CATALOG,
        global = true
    )]
    pub catalog: PathBuf,
    /// Configuration file: NAME=value lines for the environment variables the flags read
    /// (e.g. GOALSTREAM_BROKERS=kafka:9092). Flags override the environment, which overrides
    /// the file. See config/goalstream.example.env.
    #[arg(long, env = "GOALSTREAM_CONFIG", global = true)]
    pub config: Option<PathBuf>,
    /// Log lines as text (color only on a terminal, and not with NO_COLOR) or JSON lines
    /// (timestamp, level, target, span fields, message).
    #[arg(long, env = "GOALSTREAM_LOG_FORMAT", value_enum, default_value_t = LogFormat::Text, global = true)]
    pub log_format: LogFormat,
    /// Database session options.
    #[command(flatten)]
    pub db: crate::db::DbArgs,
}

impl GlobalArgs {
    /// Database settings from `--database-url` and the session options (one connection; each
    /// part sets its pool size).
    pub fn db_config(&self) -> DbConfig {
        self.db.config(&self.database_url, 1)
    }

    /// Logging settings.
    pub fn telemetry(&self) -> TelemetryConfig {
        TelemetryConfig {
            slow_statements: self.db.slow_statement_ms,
            log_format: self.log_format,
            ..TelemetryConfig::default()
        }
    }
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the whole pipeline on the embedded default: in-process Kafka (librdkafka's mock
    /// cluster), synthetic telemetry from the catalog, the local Postgres (schema
    /// goalstream_demo). Prints live progress, a summary and an exactly-once check.
    Demo(DemoArgs),
    /// Run the service: consume the telemetry topics of a Kafka cluster into Postgres until
    /// SIGINT/SIGTERM (then flush, store offsets and exit; a second signal exits at once).
    Run(Box<RunArgs>),
    /// Produce synthetic telemetry to a Kafka cluster: the built-in shape over the catalog's
    /// stats, or (--format json|protobuf|avro) a `match_end` with 8 stats in a mapped format.
    Produce(ProduceArgs),
    /// Push events from a JSON-lines file through the same decode → buffer → flush path,
    /// without Kafka (offsets are not stored; replaying a file twice applies it twice).
    Replay(ReplayArgs),
    /// Serve the REST API (/v1/..., /openapi.json) alone until SIGINT/SIGTERM.
    Api(ApiArgs),
    /// Make a service API key: prints the key (hand it to the service; it is not stored) and
    /// the line to add to --api-keys-file, which holds only the key's SHA-256.
    ApiKey(crate::commands::api::ApiKeyArgs),
    /// Apply the schema migrations in sql/ (safe to run twice, and from two processes at once).
    Migrate,
    /// Validate the challenge catalog and print its goals and mappings; with --try FILE.jsonl,
    /// print what each line of the file becomes.
    Catalog(CatalogArgs),
    /// The job queue: list, show, retry, cancel, delete jobs; pause and resume queues; the
    /// periodic schedules.
    #[command(subcommand)]
    Jobs(JobsCommand),
    /// Refused events: list, show, replay (after a catalog fix), discard.
    #[command(subcommand, name = "dead-letters")]
    DeadLetters(DeadLettersCommand),
    /// A player's goals, progress, reward grants and reward jobs.
    #[command(subcommand)]
    Player(PlayerCommand),
    /// Benchmarks that print a table, and with --json one JSON object on the last line.
    #[command(subcommand)]
    Bench(BenchCommand),
    /// Load harness: a tier (smoke, normal, peak, endurance) through the real pipeline with
    /// API traffic beside it (--api-url); latency percentiles, lag and memory over time, and a
    /// verdict on every target (lost / duplicated increments, durable, speed, latency). Writes
    /// its report and plots under --out DIR (default: a new folder in the working directory).
    Load(LoadArgs),
    /// Chaos scenarios (kill-consumer, rebalance, pg-outage, broker-restart, malformed-flood,
    /// worker-kill), each bounded and ending with a verdict from the database: 0 lost, 0
    /// applied twice. Scratch schemas goalstream_chaos_*.
    Chaos(ChaosArgs),
    /// A job worker for the worker-kill chaos scenario (runs until SIGTERM).
    #[command(hide = true)]
    ChaosWorker(ChaosWorkerArgs),
    /// The configuration.
    #[command(subcommand)]
    Config(ConfigCommand),
    /// Postgres sizing: reads the server's settings, the schema's table sizes and the WAL
    /// written per minute (sampled: run it while goalstream is under its usual load), and says
    /// what to change (shared_buffers against the progress table's hot set, max_wal_size
    /// against the WAL rate, checkpoints, autovacuum of the progress table), with the numbers
    /// used and the statements that apply it. Changes nothing itself.
    Doctor(crate::commands::doctor::DoctorArgs),
}

impl Command {
    /// Whether the command reads synthetic `match_end` events through mappings: its default
    /// catalog is then config/synthetic/challenges.json, which maps every format.
    pub fn reads_synthetic_formats(&self) -> bool {
        match self {
            Command::Load(args) => args.format != SyntheticFormat::Fixed,
            Command::Bench(BenchCommand::Formats(_)) => true,
            _ => false,
        }
    }
}

/// Configuration commands.
#[derive(Debug, Subcommand)]
pub enum ConfigCommand {
    /// Print the effective configuration of `goalstream run` (file, environment and these
    /// flags, each value with its source; secrets masked) after the checks `run` makes.
    Print(Box<RunArgs>),
}

/// Benchmarks.
#[derive(Debug, Subcommand)]
pub enum BenchCommand {
    /// Flush strategies side by side on the same data: per-row upsert, UNNEST upsert and the
    /// COPY merge, at several batch sizes, insert-heavy and update-heavy. Works in a scratch
    /// schema (goalstream_bench) of the database and leaves everything else untouched.
    Flush(FlushBenchArgs),
    /// The job queue on seed 000's scenarios with graphile-worker's protocol: bulk and single
    /// create, claim+complete (fresh and after 1M completions), lifecycle, fan-out 50 (release,
    /// priority-inheritance overhead, cascade), fan-in 50, chain of 10, claim latency at depths
    /// up to 1M, dead-worker recovery; --peer runs graphile-worker in the same invocation and
    /// prints ratios. Scratch schema goalstream_bench_jobs.
    Jobs(JobsBenchArgs),
    /// The REST API over HTTP (seed 002's measurements): first burst on a cold and on a warmed
    /// server, then mixed load (reads, claims, assignments, enqueues) with P50/P95/P99/max per
    /// endpoint. Scratch schema goalstream_bench_api.
    Api(ApiBenchArgs),
    /// The operator console's database work at scale (issue 20's targets): job-list pages on a
    /// million jobs, bulk retry of 100,000 dead jobs while a worker claims, add_job against the
    /// REST enqueue, and the wake-up of an idle listener. Scratch schema
    /// goalstream_bench_console.
    Console(ConsoleBenchArgs),
    /// Cost per event against the number of players: for each count a schema
    /// (goalstream_scale_<N>) populated once with every default goal of every player (COPY,
    /// untimed, reused by later runs), then the pipeline at a fixed rate over uniform and
    /// Zipf-skewed players: durable events/s, event→durable p50/p99, shared-buffer hit ratio,
    /// WAL bytes and server CPU per event, bytes per (player, goal). The server must run on
    /// this machine (its processes' CPU is read from /proc).
    Scale(ScaleBenchArgs),
    /// A distributed Postgres (Citus) simulated on this server: K shard groups as K databases
    /// (goalstream_shard_<g>), the pipeline with a flush worker per group owning the partitions
    /// p with p mod K = g, the producer partitioning players by the hash Citus places rows by.
    /// Per group: events, rows, flushes, flushes writing another group (must be 0); imbalance
    /// and exactly-once per run, uniform and Zipf players (docs/SCALING.md).
    Shards(ShardsBenchArgs),
    /// The built-in event shape against mapped JSON, Protobuf and Avro `match_end` events (8
    /// stats each) in one run: each format through the real pipeline on the mock cluster with
    /// the same players (config/synthetic/challenges.json, the default catalog here), durable
    /// events/s and stat updates/s, event→durable p50/p99, lost and duplicated increments
    /// checked against Postgres. Scratch schema goalstream_bench_formats.
    Formats(FormatsBenchArgs),
}
