//! `goalstream produce`: synthetic telemetry to a real Kafka cluster, for load and for checks.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use clap::Args;

use crate::harness::producer::{producer, send_events};
use crate::harness::synthetic::Synthetic;
use crate::ingest::consumer::DEFAULT_TOPIC;
use crate::ingest::security::KafkaArgs;

/// Options of `goalstream produce`.
#[derive(Debug, Clone, Args)]
pub struct ProduceArgs {
    /// Kafka bootstrap servers.
    #[arg(long, env = "GOALSTREAM_BROKERS", default_value = "127.0.0.1:9092")]
    pub brokers: String,
    /// Topic to produce to.
    #[arg(long, default_value = DEFAULT_TOPIC)]
    pub topic: String,
    /// Events to produce.
    #[arg(long, default_value_t = 100_000)]
    pub events: u64,
    /// Events per second (0: as fast as possible).
    #[arg(long, default_value_t = 0)]
    pub rate: u64,
    /// Players (skewed: a few very active players, a long tail).
    #[arg(long, default_value_t = 10_000)]
    pub users: usize,
    /// Share of malformed events (0-1).
    #[arg(long, default_value_t = 0.0)]
    pub bad_ratio: f64,
    /// Random seed: the same seed produces the same players, stats and deltas.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Write the sum of deltas produced per player and stat to this JSON file (for checks).
    #[arg(long)]
    pub expect_file: Option<PathBuf>,
    /// Kafka security (TLS, SASL) and extra librdkafka properties.
    #[command(flatten)]
    pub kafka: KafkaArgs,
}

/// Produces, printing progress every second.
pub async fn run(catalog_path: &Path, args: &ProduceArgs) -> anyhow::Result<()> {
    anyhow::ensure!((0.0..=1.0).contains(&args.bad_ratio), "--bad-ratio must be within 0..=1");
    anyhow::ensure!(args.users > 0, "--users must be at least 1");
    let catalog = super::load_catalog(catalog_path)?;
    let stream = Synthetic::new(&catalog, args.users, args.bad_ratio, args.seed);
    let sent = Arc::new(AtomicU64::new(0));
    let started = Instant::now();
    let mut task = tokio::spawn(send_events(
        producer(&args.brokers, &args.kafka.client_options()?)?,
        args.topic.clone(),
        stream,
        args.events,
        args.rate,
        sent.clone(),
    ));
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    let stream = loop {
        tokio::select! {
            result = &mut task => break result.context("producer task")?.context("producing")?.stream,
            _ = tick.tick() => eprintln!("produced {:>10} [{:.0}s]", sent.load(Ordering::Relaxed), started.elapsed().as_secs_f64()),
        }
    };
    let elapsed = started.elapsed().as_secs_f64();
    println!(
        "produced {} events to {} in {elapsed:.1} s ({:.0} events/s)",
        args.events,
        args.topic,
        args.events as f64 / elapsed.max(1e-3)
    );
    if let Some(path) = &args.expect_file {
        let sums: Vec<_> = stream
            .delta_sums()
            .iter()
            .map(|((user, stat), sum)| serde_json::json!({"user_id": user, "stat_code": stat, "delta_sum": sum}))
            .collect();
        std::fs::write(path, serde_json::to_vec(&sums)?)
            .with_context(|| format!("writing {}", path.display()))?;
        println!("expected delta sums written to {}", path.display());
    }
    Ok(())
}
