//! `goalstream produce`: synthetic telemetry to a real Kafka cluster, for load and for checks,
//! in the built-in shape or as a `match_end` in mapped JSON, Protobuf or Avro
//! (docs/FORMATS.md, "Synthetic telemetry in every format").

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use clap::Args;

use crate::catalog::mapping::registry::Registry;
use crate::harness::producer::{producer, send_events};
use crate::harness::synthetic::format::{FormatStream, SyntheticFormat};
use crate::harness::synthetic::match_end::AVRO_SCHEMA;
use crate::ingest::consumer::DEFAULT_TOPIC;
use crate::ingest::security::KafkaArgs;

/// Options of `goalstream produce`.
#[derive(Debug, Clone, Args)]
pub struct ProduceArgs {
    /// Kafka bootstrap servers.
    #[arg(long, env = "GOALSTREAM_BROKERS", default_value = "127.0.0.1:9092")]
    pub brokers: String,
    /// Payload format. `fixed`: the built-in shape, one stat per event, over the catalog's
    /// stats. `json`, `protobuf`, `avro`: a synthetic `match_end` with 8 stats (kills, deaths,
    /// assists, damage_dealt, headshots, minutes_played, wins when `result` is "win",
    /// matches_played), as config/synthetic/challenges.json maps it (Protobuf:
    /// config/synthetic/match_end.proto, plain; Avro: config/synthetic/match_end.avsc,
    /// Confluent-framed, needs --registry or --schema-id).
    #[arg(long, value_enum, default_value_t = SyntheticFormat::Fixed)]
    pub format: SyntheticFormat,
    /// Topic to produce to; default: game.telemetry for `fixed`,
    /// synthetic.match_end.<format> for the others (the topics
    /// config/synthetic/challenges.json maps).
    #[arg(long)]
    pub topic: Option<String>,
    /// With `--format avro`: a Confluent-compatible schema registry (http:// or https://) to
    /// register config/synthetic/match_end.avsc with under subject `<topic>-value`; payloads
    /// carry the id it answers.
    #[arg(long, conflicts_with = "schema_id")]
    pub registry: Option<String>,
    /// With `--registry`: a file holding the registry's basic-auth `user:password` (whitespace
    /// around it trimmed; never logged).
    #[arg(long, env = "GOALSTREAM_REGISTRY_AUTH_FILE", requires = "registry")]
    pub registry_auth_file: Option<PathBuf>,
    /// With `--format avro`: the schema id written in each payload's header, without asking a
    /// registry (the schema is registered under that id already, or the consumer reads it
    /// from a schema file, as config/synthetic/challenges.json does, and ignores the id).
    #[arg(long)]
    pub schema_id: Option<u32>,
    /// Events to produce.
    #[arg(long, default_value_t = 100_000)]
    pub events: u64,
    /// Events per second (0: as fast as possible).
    #[arg(long, default_value_t = 0)]
    pub rate: u64,
    /// Players (skewed: a few very active players, a long tail).
    #[arg(long, default_value_t = 10_000)]
    pub users: usize,
    /// Share of malformed events (0-1): dead letters, whatever the format.
    #[arg(long, default_value_t = 0.0)]
    pub bad_ratio: f64,
    /// Random seed: the same seed produces the same players, stats and deltas.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Write the sum of deltas produced per player and stat to this JSON file (for checks):
    /// `[{"user_id", "stat_code", "delta_sum"}]`, every stat of every format.
    #[arg(long)]
    pub expect_file: Option<PathBuf>,
    /// Kafka security (TLS, SASL) and extra librdkafka properties.
    #[command(flatten)]
    pub kafka: KafkaArgs,
}

impl ProduceArgs {
    /// The topic: `--topic`, else the format's default.
    pub fn topic(&self) -> &str {
        match &self.topic {
            Some(topic) => topic,
            None => self.format.mapped_topic().unwrap_or(DEFAULT_TOPIC),
        }
    }

    /// Refuses flags that do not fit together, naming them.
    pub fn check(&self) -> anyhow::Result<()> {
        anyhow::ensure!((0.0..=1.0).contains(&self.bad_ratio), "--bad-ratio must be within 0..=1");
        anyhow::ensure!(self.users > 0, "--users must be at least 1");
        anyhow::ensure!(!self.topic().trim().is_empty(), "--topic must not be empty");
        let schema_source = self.registry.is_some() || self.schema_id.is_some();
        match self.format {
            SyntheticFormat::Avro => anyhow::ensure!(
                schema_source,
                "--format avro needs a schema source: --registry URL (registers \
                 config/synthetic/match_end.avsc under subject {}-value) or --schema-id N",
                self.topic()
            ),
            other => anyhow::ensure!(
                !schema_source,
                "--registry and --schema-id are for --format avro, not --format {}",
                other.as_str()
            ),
        }
        Ok(())
    }

    /// The schema id Avro payloads carry: registered now with `--registry`, or `--schema-id`.
    pub async fn schema_id(&self) -> anyhow::Result<u32> {
        let Some(url) = &self.registry else { return Ok(self.schema_id.unwrap_or_default()) };
        let credentials = match &self.registry_auth_file {
            Some(path) => Some(
                std::fs::read_to_string(path)
                    .with_context(|| format!("--registry-auth-file: reading {}", path.display()))?
                    .trim()
                    .to_string(),
            ),
            None => None,
        };
        let registry = Registry::new(url, credentials)
            .map_err(|why| anyhow::anyhow!("--registry / --registry-auth-file: {why}"))?;
        let subject = format!("{}-value", self.topic());
        let id = registry
            .register(&subject, AVRO_SCHEMA)
            .await
            .map_err(|why| anyhow::anyhow!("registering the schema: {why}"))?;
        eprintln!("config/synthetic/match_end.avsc is schema id {id} (subject {subject})");
        Ok(id)
    }
}

/// Produces, printing progress every second.
pub async fn run(catalog_path: &Path, args: &ProduceArgs) -> anyhow::Result<()> {
    args.check()?;
    // The stats of `fixed` events; the match_end shape of the others is fixed.
    let catalog = super::load_catalog(catalog_path)?;
    let schema_id = match args.format {
        SyntheticFormat::Avro => args.schema_id().await?,
        _ => 0,
    };
    let stream =
        FormatStream::new(args.format, &catalog, args.users, args.bad_ratio, args.seed, schema_id);
    let sent = Arc::new(AtomicU64::new(0));
    let started = Instant::now();
    let mut task = tokio::spawn(send_events(
        producer(&args.brokers, &args.kafka.client_options()?)?,
        args.topic().to_string(),
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
        "produced {} {} events ({} stat updates) to {} in {elapsed:.1} s ({:.0} events/s)",
        args.events,
        args.format.as_str(),
        stream.stat_updates(),
        args.topic(),
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
