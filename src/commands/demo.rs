//! `goalstream demo`: the whole pipeline on the embedded default. librdkafka's in-process mock
//! cluster stands in for Kafka; synthetic telemetry from the catalog goes in; the real
//! consumer, buffer and flush engine write to the local Postgres (schema `goalstream_demo`,
//! recreated each run); a summary and an exactly-once check come out.

use std::collections::HashMap;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use clap::Args;
use rdkafka::mocking::MockCluster;

use super::report::{progress_line, summary};
use crate::catalog::{Catalog, Mode};
use crate::db::{self, DbConfig};
use crate::harness::producer::{producer, send_events};
use crate::harness::synthetic::Synthetic;
use crate::ingest::consumer::{ConsumerConfig, GroupProtocol, DEFAULT_TOPIC};
use crate::ingest::event::DEFAULT_MAX_PAYLOAD_BYTES;
use crate::ingest::pipeline::{Pipeline, PipelineConfig};
use crate::ingest::stats::IngestStats;
use crate::jobs::service::{
    builtin_handlers, JobService, CONNECTIONS, DEFAULT_CONCURRENCY, DEFAULT_QUEUES,
};
use crate::jobs::worker::WorkerConfig;
use crate::store::progress::GOAL_COMPLETED;
use crate::store::{admin, jobs, migrate, progress_query, rewards, ProgressStore};

/// Schema the demo writes to, recreated every run.
pub const SCHEMA: &str = "goalstream_demo";
/// Partitions of the demo topic.
const PARTITIONS: i32 = 4;
/// Give up waiting for the pipeline after this long.
const MAX_WAIT: Duration = Duration::from_secs(300);

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
}

/// Runs the demo.
pub async fn run(database_url: &str, catalog_path: &Path, args: &DemoArgs) -> anyhow::Result<()> {
    anyhow::ensure!(args.events > 0, "--events must be at least 1");
    anyhow::ensure!(args.users > 0, "--users must be at least 1");
    anyhow::ensure!((0.0..=1.0).contains(&args.bad_ratio), "--bad-ratio must be within 0..=1");
    let catalog = Arc::new(super::load_catalog(catalog_path)?);

    let config = DbConfig::new(database_url, args.workers.max(1) + 1);
    db::ensure_database(&config).await?;
    let admin_pool = db::create_pool(&config).await?;
    admin::recreate_schema(&admin_pool.get().await?, SCHEMA).await?;
    let pool = db::create_pool(&config.clone().with_search_path(SCHEMA)).await?;
    migrate::migrate(&mut pool.get().await?).await?;
    let job_config = DbConfig::new(database_url, CONNECTIONS + 2).with_search_path(SCHEMA);
    let job_service = match args.job_concurrency {
        0 => None,
        concurrency => {
            let worker = WorkerConfig::new(
                DEFAULT_QUEUES.split(',').map(String::from).collect(),
                concurrency,
            )
            .listening(job_config.pg_config()?);
            let job_pool = db::create_pool(&job_config).await?;
            Some(JobService::start(worker, job_pool, builtin_handlers()).await?)
        }
    };

    let mock = MockCluster::new(1).context("starting the in-process Kafka")?;
    mock.create_topic(DEFAULT_TOPIC, PARTITIONS, 1)?;
    let brokers = mock.bootstrap_servers();
    println!(
        "goalstream demo: {} events over {} players -> in-process Kafka ({DEFAULT_TOPIC}, {PARTITIONS} partitions) -> {} flush workers -> Postgres {} (schema {SCHEMA})",
        args.events,
        args.users,
        args.workers,
        db::describe(&config.pg_config()?)
    );

    let stats = Arc::new(IngestStats::default());
    let ops = match args.http_addr {
        None => None,
        Some(addr) => {
            let listener = crate::http::bind(addr).await?;
            let db_config = config.clone().with_search_path(SCHEMA);
            let ops = crate::http::Ops::start(
                listener,
                &db_config,
                pool.clone(),
                Some(stats.clone()),
                Default::default(),
            )
            .await?;
            println!("metrics: http://{}/metrics", ops.local_addr());
            Some(ops)
        }
    };
    let consumer = ConsumerConfig {
        brokers: brokers.clone(),
        group_id: "goalstream-demo".into(),
        topics: vec![DEFAULT_TOPIC.into()],
        auto_offset_reset: "earliest".into(),
        // The mock cluster delays a classic group's first join by 3 s; KIP-848 joins at once.
        group_protocol: GroupProtocol::Consumer,
        session_timeout: Duration::from_secs(45),
        heartbeat_interval: Duration::from_secs(3),
        max_payload_bytes: DEFAULT_MAX_PAYLOAD_BYTES,
        options: Vec::new(),
    };
    let store = ProgressStore::new(catalog.clone());
    let pipeline = Pipeline::start(
        PipelineConfig::new(consumer, args.workers),
        store,
        pool.clone(),
        stats.clone(),
    )?;

    let started = Instant::now();
    let sent = Arc::new(AtomicU64::new(0));
    let stream = Synthetic::new(&catalog, args.users, args.bad_ratio, 42);
    let mut producing = tokio::spawn(send_events(
        producer(&brokers)?,
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
    let clean = pipeline.shutdown(Duration::from_secs(10)).await;
    drop(mock);
    if let Some(ops) = ops {
        ops.stop().await;
    }

    let client = pool.get().await?;
    let rewards = match job_service {
        Some(service) => {
            wait_for_reward_jobs(&client).await?;
            anyhow::ensure!(
                service.shutdown(Duration::from_secs(10)).await,
                "job workers did not stop in time"
            );
            Some(rewards::count(&client).await?)
        }
        None => None,
    };
    summary(&stats, elapsed, &progress_query::sample(&client, 8).await?);
    let by_state = jobs::count_kind_by_state(&client, GOAL_COMPLETED).await?;
    let states: Vec<String> = by_state.iter().map(|(s, n)| format!("{n} {s}")).collect();
    println!(
        "jobs:     {GOAL_COMPLETED} enqueued in the flush transactions: {}; reward grants: {}",
        if states.is_empty() { "none".to_string() } else { states.join(", ") },
        rewards.map_or("- (no job workers)".to_string(), |n| n.to_string())
    );
    let stream = stream.expect("produced");
    let (matching, checked) = check_increments(&client, &catalog, &stream).await?;
    println!(
        "exactly once: {matching} of {checked} increment-goal rows equal the sum of the deltas produced for them{}",
        if matching == checked { "" } else { " (MISMATCH)" }
    );
    println!("inspect:  psql {database_url} -c 'SET search_path = {SCHEMA}; SELECT * FROM user_goal_progress LIMIT 20'");
    anyhow::ensure!(clean, "shutdown did not finish its final flush in time");
    anyhow::ensure!(matching == checked, "exactly-once check failed");
    Ok(())
}

/// Waits until no goal.completed job is waiting or running (bounded by [`MAX_WAIT`]).
async fn wait_for_reward_jobs(client: &deadpool_postgres::Client) -> anyhow::Result<()> {
    let started = Instant::now();
    loop {
        let by_state = jobs::count_kind_by_state(client, GOAL_COMPLETED).await?;
        let waiting: i64 = by_state
            .iter()
            .filter(|(state, _)| !matches!(state.as_str(), "completed" | "failed" | "cancelled"))
            .map(|(_, n)| n)
            .sum();
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

/// Compares every increment goal's progress with the deltas produced for its player and stat.
async fn check_increments(
    client: &deadpool_postgres::Client,
    catalog: &Catalog,
    stream: &Synthetic,
) -> anyhow::Result<(usize, usize)> {
    let goals: HashMap<String, String> = catalog
        .goals()
        .iter()
        .filter(|g| g.mode == Mode::Increment)
        .map(|g| (g.goal_id.clone(), g.stat_code.clone()))
        .collect();
    let ids: Vec<String> = goals.keys().cloned().collect();
    let rows = progress_query::by_goals(client, &ids).await?;
    let sums = stream.delta_sums();
    let matching = rows
        .iter()
        .filter(|(user, goal, progress, _)| {
            let expected = sums.get(&(user.clone(), goals[goal].clone()));
            expected == Some(progress)
        })
        .count();
    Ok((matching, rows.len()))
}
