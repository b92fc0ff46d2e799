//! `goalstream load`: one load tier through the real pipeline, a summary with the issue's
//! targets, report files, and with `--json` one JSON object on the last line.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use clap::Args;

use crate::db::DbConfig;
use crate::harness::load::driver::{self, DEFAULT_SCHEMA};
use crate::harness::load::output;
use crate::harness::load::profile::{parse_duration, Profile, ProfileName};
use crate::harness::load::target::VerdictMode;
use crate::harness::synthetic::format::SyntheticFormat;
use crate::ingest::security::KafkaArgs;

/// Options of `goalstream load`.
#[derive(Debug, Clone, Args)]
pub struct LoadArgs {
    /// Tier: smoke (≤ 30 s, CI), normal, peak, endurance (30 min).
    #[arg(long, value_enum, default_value_t = ProfileName::Smoke)]
    pub profile: ProfileName,
    /// How long to produce (e.g. 30s, 5m); default: the tier's.
    #[arg(long, value_parser = parse_duration)]
    pub duration: Option<Duration>,
    /// Events per second; default: the tier's.
    #[arg(long)]
    pub rate: Option<u64>,
    /// Players; default: the tier's.
    #[arg(long)]
    pub users: Option<usize>,
    /// Event format: `fixed` (the built-in shape, one stat per event) or a synthetic
    /// `match_end` with 8 stats as `json`, `protobuf` or `avro` (Confluent-framed), read
    /// through the catalog's mapping of topic synthetic.match_end.<format>; with a format
    /// other than `fixed` the catalog defaults to config/synthetic/challenges.json, which maps
    /// all three (docs/FORMATS.md). The report gives stat updates/s beside events/s.
    #[arg(long, value_enum, default_value_t = SyntheticFormat::Fixed)]
    pub format: SyntheticFormat,
    /// Flush workers; default: the tier's (2; peak: 3).
    #[arg(long)]
    pub workers: Option<usize>,
    /// A real Kafka cluster (e.g. from scripts/kafka-up.sh); default: in-process mock cluster.
    #[arg(long)]
    pub brokers: Option<String>,
    /// Kafka security (TLS, SASL) and extra librdkafka properties, with --brokers.
    #[command(flatten)]
    pub kafka: KafkaArgs,
    /// REST API base URL (e.g. http://127.0.0.1:8080) for progress reads and claims beside
    /// the stream; without it the API is served in-process on the run's schema.
    #[arg(long)]
    pub api_url: Option<String>,
    /// API key sent to --api-url (a key with progress:read and progress:write).
    #[arg(long, env = "GOALSTREAM_LOAD_API_KEY", requires = "api_url")]
    pub api_key: Option<String>,
    /// API requests per second, offered open loop (scheduled whatever the server answers;
    /// latency counts from the scheduled time); default: the tier's (smoke 100, normal 500,
    /// peak 2,000, endurance 1,000).
    #[arg(long)]
    pub api_rate: Option<f64>,
    /// Keep-alive connections sending the API requests; default: the tier's.
    #[arg(long)]
    pub api_clients: Option<usize>,
    /// No API traffic (reported as skipped).
    #[arg(long, conflicts_with = "api_url")]
    pub no_api: bool,
    /// Schema to recreate and work in.
    #[arg(long, default_value = DEFAULT_SCHEMA)]
    pub schema: String,
    /// Where the report files go: DIR/load/<tier>.json, DIR/load/*.svg, DIR/load-report.md;
    /// default: a new folder `goalstream-load-<UTC time>` in the working directory (copy the
    /// reports you mean to keep into docs/ yourself).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// What decides `passed` and the exit status: every target (speed and latency too), or
    /// correctness only (lost, duplicated, durable, errors). The JSON says which.
    #[arg(long, value_enum, default_value_t = VerdictMode::All)]
    pub verdict: VerdictMode,
    /// Test-only: sleep this long (ms) inside every flush (a deliberately slowed build, which
    /// the verdict must fail).
    #[arg(long, env = "GOALSTREAM_TEST_FLUSH_DELAY_MS", default_value_t = 0, hide = true)]
    pub test_flush_delay_ms: u64,
    /// Do not write report files.
    #[arg(long)]
    pub no_report: bool,
    /// Print one JSON object on the last line.
    #[arg(long)]
    pub json: bool,
}

impl LoadArgs {
    /// The tier with the overrides applied.
    pub fn profile(&self) -> Profile {
        let mut profile = Profile::of(self.profile);
        if let Some(duration) = self.duration {
            profile.duration = duration;
        }
        if let Some(rate) = self.rate {
            profile.rate = rate;
        }
        if let Some(users) = self.users {
            profile.users = users;
        }
        if let Some(workers) = self.workers {
            profile.workers = workers;
        }
        if let Some(rate) = self.api_rate {
            profile.api_rate = rate;
        }
        if let Some(clients) = self.api_clients {
            profile.api_clients = clients;
        }
        profile
    }
}

/// Runs the tier; fails when it did not pass (every target, or correctness only with
/// `--verdict correctness`).
pub async fn run(db: &DbConfig, catalog_path: &Path, args: &LoadArgs) -> anyhow::Result<()> {
    let catalog = Arc::new(super::load_catalog(catalog_path)?);
    let config = driver::Config {
        profile: args.profile(),
        brokers: args.brokers.clone(),
        kafka_options: args.kafka.client_options()?,
        api_url: args.api_url.clone(),
        in_process_api: !args.no_api,
        api_key: args.api_key.clone(),
        schema: args.schema.clone(),
        progress: true,
        seed: 42,
        flush_delay: Duration::from_millis(args.test_flush_delay_ms),
        format: args.format,
        unpaced: false,
    };
    let mut report = driver::run(db, catalog, &config).await?;
    report.verdict_mode = args.verdict;
    print!("{}", report.text());
    if !args.no_report {
        let dir = match &args.out {
            Some(dir) => dir.clone(),
            None => default_out(),
        };
        let path = output::save(&dir, &report)?;
        println!("report: {}", path.display());
    }
    if args.json {
        println!("{}", report.json_line());
    }
    let missed: Vec<String> = report
        .targets()
        .iter()
        .filter(|t| !t.met)
        .map(|t| format!("{} (measured {}, threshold {})", t.name, t.measured, t.threshold))
        .collect();
    anyhow::ensure!(
        report.passed(),
        "load tier {} failed: missed {}{}",
        report.profile.as_str(),
        missed.join(", "),
        report.notes.iter().map(|n| format!("; {n}")).collect::<String>()
    );
    Ok(())
}

/// A new folder in the working directory, named after the time of the run.
fn default_out() -> PathBuf {
    PathBuf::from(format!("goalstream-load-{}", chrono::Utc::now().format("%Y%m%dT%H%M%SZ")))
}
