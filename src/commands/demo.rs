//! `goalstream demo`: the whole pipeline on the embedded default. librdkafka's in-process mock
//! cluster stands in for Kafka; synthetic telemetry from the catalog goes in; the real
//! consumer, buffer and flush engine write to the local Postgres (schema `goalstream_demo`,
//! recreated each run); a summary and an exactly-once check come out.

use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use clap::Args;
use rdkafka::mocking::MockCluster;

use super::report::{progress_line, summary};
use crate::app::{App, Config, JobsSettings, Listeners, PipelineSettings};

use crate::db::{self, DbConfig};
use crate::harness::load::verdict;
use crate::harness::producer::{producer, send_events};
use crate::harness::synthetic::Synthetic;
use crate::ingest::consumer::{ConsumerConfig, DEFAULT_TOPIC};
use crate::ingest::pipeline::PipelineConfig;
use crate::jobs::service::DEFAULT_CONCURRENCY;
use crate::store::{jobs, progress_query, rewards, Scratch};
use crate::telemetry::IngestStats;
use crate::types::reward::KIND as GOAL_COMPLETED;

/// Schema the demo writes to, recreated every run.
pub const SCHEMA: &str = "goalstream_demo";
/// Partitions of the demo topic.
const PARTITIONS: i32 = 4;
/// Give up waiting for the pipeline after this long.
const MAX_WAIT: Duration = Duration::from_secs(300);
/// Time allowed for the final flush and the job workers' stop.
const SHUTDOWN_TIMEOUT: Duration = Duration::from_secs(10);

/// Options of `goalstream demo`.
#[derive(Debug, Clone, Args)]
pub struct DemoArgs {
    /// Events to produce.
    #[arg(long, default_value_t = 200_000)]
    pub events: u64,
    /// Players to spread them over (skewed: a few very active players, a long tail).
    #[arg(long, default_value_t = 20_000)]
    pub users: usize,
    /// Events per second to produce. At a steady rate the summary's event→durable latency is
    /// the pipeline's; with 0 (as fast as possible) it also counts the wait of the backlog, and
    /// the throughput line shows how fast the pipeline drains it.
    #[arg(long, default_value_t = 50_000)]
    pub rate: u64,
    /// Share of malformed events (0-1), to see dead letters at work.
    #[arg(long, default_value_t = 0.001)]
    pub bad_ratio: f64,
    /// Flush workers.
    #[arg(long, default_value_t = 2)]
    pub workers: usize,
    /// Job handlers running at once (the goal.completed reward grants); 0: no job workers
    /// (the jobs stay queued).
    #[arg(long, default_value_t = DEFAULT_CONCURRENCY)]
    pub job_concurrency: usize,
    /// Serve /metrics, /healthz and /readyz on this address while the demo runs (off by
    /// default, so demos and tests never compete for a port), e.g. 127.0.0.1:9464.
    #[arg(long)]
    pub http_addr: Option<std::net::SocketAddr>,
    /// Schema to recreate and write to.
    #[arg(long, default_value = SCHEMA)]
    pub schema: String,
}

/// Runs the demo.
pub async fn run(db: &DbConfig, catalog_path: &Path, args: &DemoArgs) -> anyhow::Result<()> {
    anyhow::ensure!(args.events > 0, "--events must be at least 1");
    anyhow::ensure!(args.users > 0, "--users must be at least 1");
    anyhow::ensure!((0.0..=1.0).contains(&args.bad_ratio), "--bad-ratio must be within 0..=1");
    anyhow::ensure!(args.workers > 0, "--workers must be at least 1");
    let catalog = Arc::new(super::load_catalog(catalog_path)?);
    let scratch = Scratch::create(&db.clone().with_pool_size(1), &args.schema).await?;

    let mock = MockCluster::new(1).context("starting the in-process Kafka")?;
    mock.create_topic(DEFAULT_TOPIC, PARTITIONS, 1)?;
    let brokers = mock.bootstrap_servers();
    println!(
        "goalstream demo: {} events over {} players -> in-process Kafka ({DEFAULT_TOPIC}, {PARTITIONS} partitions) -> {} flush workers -> Postgres {} (schema {})",
        args.events,
        args.users,
        args.workers,
        db::describe(&db.pg_config()?),
        args.schema
    );

    let consumer =
        ConsumerConfig::new(&brokers, "goalstream-demo", vec![DEFAULT_TOPIC.into()]).kip848();
    let mut config = Config::new(scratch.config.clone(), catalog.clone());
    config.pipeline = Some(PipelineSettings::new(PipelineConfig::new(consumer, args.workers)));
    config.jobs = (args.job_concurrency > 0)
        .then(|| JobsSettings { concurrency: args.job_concurrency, ..JobsSettings::default() });
    config.ui = Some(crate::app::UiSettings::default());
    config.shutdown_timeout = SHUTDOWN_TIMEOUT;
    let ops = match args.http_addr {
        Some(addr) => Some(crate::http::bind(addr).await?),
        None => None,
    };
    let running = App::new(config).start(Listeners { ops, api: None }).await?;
    if let Some(addr) = running.ops_addr() {
        println!("metrics: http://{addr}/metrics");
    }
    let stats = running.ingest_stats().clone();

    let started = Instant::now();
    let wall_started = chrono::Utc::now();
    let sent = Arc::new(AtomicU64::new(0));
    let stream = Synthetic::new(&catalog, args.users, args.bad_ratio, 42);
    let mut producing = tokio::spawn(send_events(
        producer(&brokers, &[])?,
        DEFAULT_TOPIC.into(),
        stream,
        args.events,
        args.rate,
        sent.clone(),
    ));
    let mut stream = None;
    let mut last_durable = 0;
    let mut tick = tokio::time::interval(Duration::from_millis(500));
    loop {
        tokio::select! {
            result = &mut producing, if stream.is_none() => {
                stream = Some(result.context("producer task")?.context("producing")?.stream);
            }
            _ = tick.tick() => {
                progress_line(&stats, Some(sent.load(Ordering::Relaxed)), started.elapsed(), &mut last_durable);
                if stream.is_some() && IngestStats::get(&stats.durable) >= args.events {
                    break;
                }
                anyhow::ensure!(started.elapsed() < MAX_WAIT, "the pipeline did not catch up within {MAX_WAIT:?}");
            }
        }
    }
    let elapsed = started.elapsed();
    let client = scratch.pool.get().await?;
    let rewards = match args.job_concurrency {
        0 => None,
        _ => {
            wait_for_reward_jobs(&client).await?;
            Some(rewards::count(&client).await?)
        }
    };
    let stopped = running.stop().await;
    drop(mock);

    summary(&stats, elapsed, &progress_query::sample(&client, 8).await?);
    let by_state = jobs::count_kind_by_state(&client, GOAL_COMPLETED).await?;
    let states: Vec<String> = by_state.iter().map(|(s, n)| format!("{n} {s}")).collect();
    println!(
        "jobs:     {GOAL_COMPLETED} enqueued in the flush transactions: {}; reward grants: {}",
        if states.is_empty() { "none".to_string() } else { states.join(", ") },
        rewards.map_or("- (no job workers)".to_string(), |n| n.to_string())
    );
    let stream = stream.expect("produced");
    // Every (player, increment goal) the stream fed: a row short of its produced sum, or
    // missing altogether, is lost; one above it was applied twice.
    let verdict =
        verdict::check(&client, &catalog, &stream.delta_sums(), wall_started, chrono::Utc::now())
            .await?;
    let held = verdict.ok() && verdict.checked_rows > 0;
    println!(
        "exactly once: {} of {} (player, increment goal) pairs fed by the stream equal the sum of the deltas produced for them; lost {} ({} rows, missing rows included), duplicated {} ({} rows){}",
        verdict.checked_rows - verdict.lost_rows - verdict.duplicated_rows,
        verdict.checked_rows,
        verdict.lost,
        verdict.lost_rows,
        verdict.duplicated,
        verdict.duplicated_rows,
        if held { "" } else { " (MISMATCH)" }
    );
    println!(
        "inspect:  psql {} -c 'SET search_path = {}; SELECT * FROM user_goal_progress LIMIT 20'",
        crate::config::print::mask_secrets(&db.url),
        args.schema
    );
    stopped.context("shutdown")?;
    anyhow::ensure!(held, "exactly-once check failed: {verdict:?}");
    Ok(())
}

/// Waits until no goal.completed job is waiting or running (bounded by [`MAX_WAIT`]).
async fn wait_for_reward_jobs(client: &deadpool_postgres::Client) -> anyhow::Result<()> {
    let started = Instant::now();
    loop {
        let by_state = jobs::count_kind_by_state(client, GOAL_COMPLETED).await?;
        let waiting: i64 =
            by_state.iter().filter(|(state, _)| !state.is_finished()).map(|(_, n)| n).sum();
        if waiting == 0 {
            return Ok(());
        }
        anyhow::ensure!(
            started.elapsed() < MAX_WAIT,
            "{waiting} {GOAL_COMPLETED} jobs still waiting after {MAX_WAIT:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
