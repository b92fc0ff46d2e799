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
    /// Flush workers; default: the tier's (2; peak: 3).
    #[arg(long)]
    pub workers: Option<usize>,
    /// A real Kafka cluster (e.g. from scripts/kafka-up.sh); default: in-process mock cluster.
    #[arg(long)]
    pub brokers: Option<String>,
    /// REST API base URL (e.g. http://127.0.0.1:8080) for progress reads and claims beside
    /// the stream; without it the API is served in-process on the run's schema.
    #[arg(long)]
    pub api_url: Option<String>,
    /// No API traffic (reported as skipped).
    #[arg(long, conflicts_with = "api_url")]
    pub no_api: bool,
    /// Schema to recreate and work in.
    #[arg(long, default_value = DEFAULT_SCHEMA)]
    pub schema: String,
    /// Where the report files go: DIR/load/<tier>.json, DIR/load/*.svg, DIR/load-report.md.
    #[arg(long, default_value = "docs")]
    pub report_dir: PathBuf,
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
        profile
    }
}

/// Runs the tier; fails when the verdict or a correctness target fails.
pub async fn run(db: &DbConfig, catalog_path: &Path, args: &LoadArgs) -> anyhow::Result<()> {
    let catalog = Arc::new(super::load_catalog(catalog_path)?);
    let config = driver::Config {
        profile: args.profile(),
        brokers: args.brokers.clone(),
        api_url: args.api_url.clone(),
        in_process_api: !args.no_api,
        schema: args.schema.clone(),
        progress: true,
        seed: 42,
    };
    let report = driver::run(db, catalog, &config).await?;
    print!("{}", report.text());
    if !args.no_report {
        let path = output::save(&args.report_dir, &report)?;
        println!("report: {}", path.display());
    }
    if args.json {
        println!("{}", report.json_line());
    }
    anyhow::ensure!(
        report.passed(),
        "load tier {} failed: lost {}, duplicated {}, not durable {}, errors {}{}",
        report.profile.as_str(),
        report.lost,
        report.duplicated,
        report.not_durable,
        report.errors,
        report.notes.iter().map(|n| format!("; {n}")).collect::<String>()
    );
    Ok(())
}
