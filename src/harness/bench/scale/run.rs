//! One measured run of the scale benchmark: the service's pipeline (as `goalstream run`
//! composes it) on a populated schema, events at a fixed rate over its players, and what it
//! cost the server, read before and after.

use std::sync::atomic::AtomicU64;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use chrono::Utc;

use super::players::{ScaleStream, Skew};
use super::server_cpu;
use crate::app::{App, Config as AppConfig, Listeners, PipelineSettings};
use crate::catalog::Catalog;
use crate::db::DbConfig;
use crate::harness::load::broker::Broker;
use crate::harness::load::driver::{wait_for_assignment, wait_for_durable};
use crate::harness::producer::{producer, send_events};
use crate::harness::store::scale::{self as store, Probe};
use crate::ingest::pipeline::PipelineConfig;
use crate::telemetry::IngestStats;

/// Longest wait for the pipeline to make every event durable after producing stops.
const DRAIN_TIMEOUT: Duration = Duration::from_secs(120);
/// Wait before the last reading, so the flush backends' statistics have reached the server.
const STATS_DELAY: Duration = Duration::from_millis(1_500);
/// Time allowed for the pipeline's final flush.
const SHUTDOWN_TIMEOUT: Duration = Duration::from_secs(30);

/// How to drive one run.
#[derive(Debug, Clone)]
pub struct Config {
    /// Connections working in the populated schema.
    pub db: DbConfig,
    /// Players of the population.
    pub players: u64,
    /// How events pick their player.
    pub skew: Skew,
    /// Events per second offered.
    pub rate: u64,
    /// How long events are produced.
    pub duration: Duration,
    /// Partitions of the run's topic.
    pub partitions: i32,
    /// Flush workers.
    pub workers: usize,
    /// Real brokers; the in-process mock cluster when `None`.
    pub brokers: Option<String>,
    /// Seed of the player draw.
    pub seed: u64,
}

/// What one run measured.
#[derive(Debug, Clone, serde::Serialize)]
pub struct RunResult {
    /// Players of the population.
    pub players: u64,
    /// How events picked their player.
    pub skew: Skew,
    /// Events per second offered.
    pub offered_per_s: f64,
    /// Events produced.
    pub events: u64,
    /// Events made durable.
    pub durable: u64,
    /// Durable events over the time from the first event sent to the last one durable.
    pub durable_per_s: f64,
    /// Event→durable latency, median (ms).
    pub p50_ms: u64,
    /// Event→durable latency, 99th percentile (ms).
    pub p99_ms: u64,
    /// Share of the progress table's block reads (heap and indexes) served by shared buffers.
    pub buffer_hit_ratio: f64,
    /// WAL bytes written per durable event (the whole server's WAL: other databases' writes
    /// during the run count too).
    pub wal_bytes_per_event: f64,
    /// Server CPU (user + system) per durable event, microseconds: this database's backends
    /// and the server's background processes.
    pub server_cpu_us_per_event: f64,
    /// Every event durable within the drain timeout.
    pub drained: bool,
}

/// Runs the pipeline over the population and measures it.
pub async fn run(catalog: Arc<Catalog>, config: &Config) -> anyhow::Result<RunResult> {
    let broker = Broker::from_option(config.brokers.as_deref(), Vec::new())?;
    let run_id = format!("{}-{}", std::process::id(), Utc::now().timestamp_millis());
    let topic = format!("goalstream.scale.{run_id}");
    let group = format!("goalstream-scale-{run_id}");
    broker.create_topic(&topic, config.partitions).await?;

    let mut app = AppConfig::new(config.db.clone(), catalog.clone());
    let consumer = broker.consumer_config(&group, &topic);
    app.pipeline = Some(PipelineSettings::new(PipelineConfig::new(consumer, config.workers)));
    app.shutdown_timeout = SHUTDOWN_TIMEOUT;
    let running = App::new(app).start(Listeners { ops: None, api: None }).await?;
    let stats = running.ingest_stats().clone();
    let pool = running.pool().clone();
    wait_for_assignment(&stats).await?;

    let client = pool.get().await?;
    let (probe_before, cpu_before) = read_counters(&client).await?;
    let stream = ScaleStream::new(&catalog, config.players, config.skew, config.seed, &run_id);
    anyhow::ensure!(
        !stream.is_empty(),
        "the catalog has no default-assigned increment goal for the scale benchmark to feed"
    );
    let events = ((config.rate as f64) * config.duration.as_secs_f64()).round().max(1.0) as u64;
    let started = Instant::now();
    send_events(
        producer(&broker.bootstrap, &broker.options)?,
        topic,
        stream,
        events,
        config.rate,
        Arc::new(AtomicU64::new(0)),
    )
    .await
    .context("producing")?;
    let drained = wait_for_durable(&stats, events, DRAIN_TIMEOUT).await;
    let elapsed = started.elapsed().as_secs_f64();
    // Backends report their table statistics when idle, at most once a second.
    tokio::time::sleep(STATS_DELAY).await;
    let (probe_after, cpu_after) = read_counters(&client).await?;
    drop(client);
    running.stop().await.context("stopping the pipeline")?;

    let durable = IngestStats::get(&stats.durable);
    let per_event = |total: f64| total / durable.max(1) as f64;
    let hits = (probe_after.blocks_hit - probe_before.blocks_hit) as f64;
    let reads = (probe_after.blocks_read - probe_before.blocks_read) as f64;
    Ok(RunResult {
        players: config.players,
        skew: config.skew,
        offered_per_s: config.rate as f64,
        events,
        durable,
        durable_per_s: durable as f64 / elapsed.max(1e-3),
        p50_ms: stats.latency_quantile_ms(0.5).0,
        p99_ms: stats.latency_quantile_ms(0.99).0,
        buffer_hit_ratio: if hits + reads > 0.0 { hits / (hits + reads) } else { 1.0 },
        wal_bytes_per_event: per_event((probe_after.wal_bytes - probe_before.wal_bytes) as f64),
        server_cpu_us_per_event: per_event(server_cpu::spent(&cpu_before, &cpu_after) * 1e6),
        drained,
    })
}

/// The server's counters and the CPU of the processes charged, now.
async fn read_counters(
    client: &deadpool_postgres::Client,
) -> anyhow::Result<(Probe, std::collections::HashMap<i32, f64>)> {
    let pids = store::server_pids(client).await?;
    let cpu = server_cpu::cpu_seconds(&pids);
    Ok((store::probe(client).await?, cpu))
}
