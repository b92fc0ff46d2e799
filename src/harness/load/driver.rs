//! Drives one load tier through the real service: a fresh schema and topic, the service
//! composed by [`App`] (pipeline, and the REST API unless an external one is named),
//! synthetic telemetry at the tier's rate, API traffic beside it, a sample per second; then
//! waits until everything is durable, stops in stages and compares the database with what was
//! produced.

use std::sync::atomic::AtomicU64;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use chrono::Utc;
use tokio_util::sync::CancellationToken;

use super::api::{self, ApiTraffic};
use super::broker::Broker;
use super::http::BaseUrl;
use super::profile::Profile;
use super::report::{Latency, Memory, TierReport};
use super::sampler::{self, Sampler};
use super::target::VerdictMode;
use super::{sizing, verdict};
use crate::app::{ApiSettings, App, Config as AppConfig, Listeners, PipelineSettings};
use crate::catalog::Catalog;
use crate::db::DbConfig;
use crate::harness::producer::{producer, send_events};
use crate::harness::store::checks;
use crate::harness::synthetic::format::{
    avro_schema_id, with_run_topic, FormatStream, SyntheticFormat,
};
use crate::ingest::pipeline::PipelineConfig;
use crate::store::Scratch;
use crate::telemetry::IngestStats;

/// Schema the harness works in, recreated every run.
pub const DEFAULT_SCHEMA: &str = "goalstream_load";
/// Longest wait for the consumer's first assignment before producing.
const JOIN_TIMEOUT: Duration = Duration::from_secs(60);
/// Messages per partition the in-process broker surely keeps (it keeps at most 100,000 or
/// 5 MiB, about 25,000 of our events, and deletes older ones).
const IN_PROCESS_RETENTION: u64 = 20_000;
/// Time allowed for the pipeline's final flush.
const SHUTDOWN_TIMEOUT: Duration = Duration::from_secs(30);

/// A load run's settings.
#[derive(Debug, Clone)]
pub struct Config {
    /// The tier.
    pub profile: Profile,
    /// Real brokers; the in-process mock cluster when `None`.
    pub brokers: Option<String>,
    /// librdkafka properties for the real brokers (security, `--kafka-option`s).
    pub kafka_options: Vec<(String, String)>,
    /// REST API base URL; when `None`, the API is served in-process (or, with `in_process_api`
    /// false, API traffic is skipped).
    pub api_url: Option<String>,
    /// Serve the API in-process when no `api_url` is given.
    pub in_process_api: bool,
    /// API key sent to `api_url` (a game server's key: progress:read, progress:write). The
    /// in-process API makes and configures a key of its own.
    pub api_key: Option<String>,
    /// Schema to (re)create and work in.
    pub schema: String,
    /// Progress lines on stderr.
    pub progress: bool,
    /// Seed of the synthetic stream.
    pub seed: u64,
    /// Test-only: sleep this long inside every flush (a deliberately slowed build).
    pub flush_delay: Duration,
    /// What the events are: the built-in shape, or a `match_end` through the catalog's
    /// mapping of the format's synthetic topic (moved to the run's topic).
    pub format: SyntheticFormat,
    /// Produce the tier's events as fast as the producer goes instead of at its rate: the
    /// pipeline drains the backlog at its maximum rate.
    pub unpaced: bool,
}

/// Runs one tier and returns its report.
pub async fn run(
    base: &DbConfig,
    catalog: Arc<Catalog>,
    config: &Config,
) -> anyhow::Result<TierReport> {
    let profile = &config.profile;
    profile.check().map_err(anyhow::Error::msg)?;
    let mut api_base =
        config.api_url.as_deref().map(BaseUrl::parse).transpose().map_err(anyhow::Error::msg)?;

    let run_id = format!("{}-{}", std::process::id(), Utc::now().timestamp_millis());
    let topic = format!("goalstream.load.{run_id}");
    let group = format!("goalstream-load-{run_id}");
    let catalog = with_run_topic(catalog, config.format, &topic)?;

    let scratch = Scratch::create(&base.clone().with_pool_size(1), &config.schema).await?;
    let broker = Broker::from_option(config.brokers.as_deref(), config.kafka_options.clone())?;
    broker.create_topic(&topic, profile.partitions).await?;

    // The service as `goalstream run` composes it: the pipeline, and the REST API on a
    // listener of its own when no external API is named.
    let serve_api = api_base.is_none() && config.in_process_api;
    let mut app = AppConfig::new(scratch.config.clone(), catalog.clone());
    let consumer = broker.consumer_config(&group, &topic);
    let pipeline = PipelineConfig {
        flush_delay: config.flush_delay,
        ..PipelineConfig::new(consumer, profile.workers)
    };
    app.pipeline = Some(PipelineSettings::new(pipeline));
    // The in-process API authenticates like a deployed one: a service key of its own, in a
    // keys file that exists for the run.
    let (api_key, _keys_file) = if serve_api {
        let (key, file) = service_key(&run_id)?;
        let mut settings = ApiSettings::default();
        settings.config.auth.api_keys_file = Some(file.path().to_path_buf());
        app.api = Some(settings);
        (Some(key), Some(file))
    } else {
        (config.api_key.clone(), None)
    };
    app.shutdown_timeout = SHUTDOWN_TIMEOUT;
    let api_listener = match serve_api {
        true => Some(tokio::net::TcpListener::bind(("127.0.0.1", 0)).await?),
        false => None,
    };
    let running = App::new(app).start(Listeners { ops: None, api: api_listener }).await?;
    let api_description = match (&config.api_url, serve_api) {
        (Some(url), _) => url.clone(),
        (None, true) => {
            let url = format!("http://{}", running.api_addr().context("the API listens")?);
            api_base = Some(BaseUrl::parse(&url).map_err(anyhow::Error::msg)?);
            format!("in-process at {url}")
        }
        (None, false) => "skipped (--no-api)".to_string(),
    };
    let pace = match config.unpaced {
        true => "as fast as possible".to_string(),
        false => format!("{}/s", profile.rate),
    };
    eprintln!(
        "goalstream load --profile {} --format {}: {} events at {pace} over {} players -> {} ({topic}, {} partitions) -> {} flush workers -> Postgres (schema {}); API traffic: {}",
        profile.name.as_str(),
        config.format.as_str(),
        profile.events(),
        profile.users,
        broker.describe(),
        profile.partitions,
        profile.workers,
        config.schema,
        api_description,
    );
    let stats = running.ingest_stats().clone();
    let pool = running.pool().clone();
    wait_for_assignment(&stats).await?;
    let (checkpoints_before, _) = checks::requested_checkpoints(&pool.get().await?).await?;

    let wall_started = Utc::now();
    let started = Instant::now();
    let produced = Arc::new(AtomicU64::new(0));
    let sampler = Sampler::new(
        sampler::Config { interval: sampler::DEFAULT_INTERVAL, progress: config.progress },
        stats.clone(),
        produced.clone(),
        started,
    );
    let samples = sampler.samples();
    let stop_sampling = CancellationToken::new();
    let sampling = sampler.start(stop_sampling.clone());
    let traffic = api_base.map(|base| {
        ApiTraffic::start(api::Config {
            base,
            clients: profile.api_clients,
            users: profile.users,
            rate: profile.api_rate,
            authorization: api_key.as_ref().map(|key| format!("Bearer {key}")),
        })
    });

    let schema_id = avro_schema_id(&catalog, config.format, &topic).await?;
    let stream = FormatStream::new(
        config.format,
        &catalog,
        profile.users,
        profile.bad_ratio,
        config.seed,
        schema_id,
    );
    let events = profile.events();
    let stream = send_events(
        producer(&broker.bootstrap, &broker.options)?,
        topic.clone(),
        stream,
        events,
        if config.unpaced { 0 } else { profile.rate },
        produced,
    )
    .await
    .context("producing")?
    .stream;
    let produced_in = started.elapsed();
    let drained = wait_for_durable(&stats, events, profile.drain_timeout).await;
    let elapsed = started.elapsed();

    let api = match traffic {
        Some(traffic) => Some(traffic.stop().await),
        None => None,
    };
    stop_sampling.cancel();
    let _ = sampling.await;
    let clean = match running.stop().await {
        Ok(()) => true,
        Err(error) => {
            tracing::warn!(error = %error, "the service did not stop cleanly");
            false
        }
    };
    let wall_ended = Utc::now();

    let client = pool.get().await?;
    let verdict =
        verdict::check(&client, &catalog, &stream.delta_sums(), wall_started, wall_ended).await?;
    let stored = checks::stored_offsets(&client, &group).await?;
    let (table, primary_key, shared_buffers) = checks::progress_fit(&client).await?;
    let (checkpoints_after, max_wal_size) = checks::requested_checkpoints(&client).await?;
    let checkpoints = checkpoints_after - checkpoints_before;
    let hints: Vec<String> = sizing::hint(table, primary_key, shared_buffers)
        .into_iter()
        .chain(sizing::checkpoint_hint(checkpoints, max_wal_size, elapsed.as_secs_f64()))
        .collect();
    let samples = samples.lock().expect("not poisoned").clone();
    let get = IngestStats::get;
    let quantile = |q| stats.latency_quantile_ms(q).0;
    let api_errors: u64 = api.iter().flat_map(|a| a.values()).map(|e| e.errors).sum();
    let mut notes = Vec::new();
    if !drained {
        notes.push(format!(
            "the pipeline did not make every event durable within {:?} of the end of production",
            profile.drain_timeout
        ));
    }
    if !clean {
        notes.push("the final flush did not finish in time".to_string());
    }
    let durable = get(&stats.durable);
    // Every event durable carried its stat updates; a run cut short counts its share.
    let stat_updates = stream.stat_updates();
    let durable_updates = stat_updates as f64 * durable.min(events) as f64 / events.max(1) as f64;
    let max_lag = samples.iter().map(|s| s.lag).max().unwrap_or(0);
    if broker.in_process
        && !verdict.ok()
        && max_lag > IN_PROCESS_RETENTION * profile.partitions as u64
    {
        notes.push(format!(
            "the consumer fell {max_lag} events behind; the in-process broker keeps at most \
             100,000 messages or 5 MiB per partition and deleted the oldest, so they were never \
             read (use --brokers for backlogs)"
        ));
    }
    Ok(TierReport {
        profile: profile.name,
        settings: profile.clone(),
        format: config.format,
        broker: broker.describe(),
        events,
        events_in_per_s: events as f64 / produced_in.as_secs_f64().max(1e-3),
        events_per_s: durable as f64 / elapsed.as_secs_f64().max(1e-3),
        stat_updates,
        stat_updates_per_s: durable_updates / elapsed.as_secs_f64().max(1e-3),
        durable,
        stored_offsets: stored,
        // Offsets can jump over messages a broker deleted: count both.
        not_durable: events.saturating_sub((stored.max(0) as u64).min(durable)),
        latency_ms: Latency {
            p50: quantile(0.5),
            p95: quantile(0.95),
            p99: quantile(0.99),
            max: quantile(1.0),
        },
        lost: verdict.lost,
        duplicated: verdict.duplicated,
        verdict,
        dead_letters: get(&stats.dead_lettered),
        errors: api_errors + get(&stats.poison_rows),
        flush_retries: get(&stats.retries),
        fenced: get(&stats.fenced),
        intake_pauses: get(&stats.pauses),
        flushes: get(&stats.flushes),
        api,
        memory: Memory::of(&samples),
        elapsed_s: elapsed.as_secs_f64(),
        started_at: wall_started,
        notes,
        hints,
        samples,
        verdict_mode: VerdictMode::All,
    })
}

/// Waits until the consumer was assigned its partitions, so that the first events' latency
/// does not include joining the group.
pub async fn wait_for_assignment(stats: &IngestStats) -> anyhow::Result<()> {
    let started = Instant::now();
    while IngestStats::get(&stats.rebalances) == 0 {
        anyhow::ensure!(
            started.elapsed() < JOIN_TIMEOUT,
            "the consumer was not assigned any partition within {JOIN_TIMEOUT:?}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // The assignment callback reads the stored offsets before fetching starts.
    tokio::time::sleep(Duration::from_millis(200)).await;
    Ok(())
}

/// Waits until `events` records are durable; false after `timeout`.
pub async fn wait_for_durable(stats: &IngestStats, events: u64, timeout: Duration) -> bool {
    let started = Instant::now();
    while IngestStats::get(&stats.durable) < events {
        if started.elapsed() > timeout {
            return false;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    true
}

/// A keys file removed when dropped.
struct KeysFile(std::path::PathBuf);

impl KeysFile {
    fn path(&self) -> &std::path::Path {
        &self.0
    }
}

impl Drop for KeysFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// A new game-server key (progress:read, progress:write) and a keys file holding its hash.
fn service_key(run_id: &str) -> anyhow::Result<(String, KeysFile)> {
    let key = crate::api::auth::keys::generate();
    let path = std::env::temp_dir().join(format!("goalstream-load-{run_id}.keys"));
    let line = format!(
        "load-harness progress:read,progress:write {}\n",
        crate::api::auth::keys::hash_hex(&key)
    );
    std::fs::write(&path, line).with_context(|| format!("writing {}", path.display()))?;
    Ok((key, KeysFile(path)))
}
