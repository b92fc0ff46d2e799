//! One shard simulation run: K shard groups stood in for by K databases of the local server (a
//! scratch schema in each), the real pipeline with its partitions placed by shard group (a
//! worker and a pool per group), events sent by the shard-aligned partitioner; then, from each
//! group's database, what it holds and which groups each of its transactions wrote.

use std::sync::atomic::AtomicU64;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use chrono::Utc;
use serde::Serialize;

use super::stream::ShardStream;
use crate::catalog::Catalog;
use crate::db::DbConfig;
use crate::harness::bench::scale::players::{ScaleStream, Skew};
use crate::harness::load::broker::Broker;
use crate::harness::load::driver::{wait_for_assignment, wait_for_durable};
use crate::harness::producer::{producer, send_events};
use crate::harness::store::shards::{self as store, GROUPS_SETTING};
use crate::ingest::pipeline::{Pipeline, PipelineConfig};
use crate::ingest::placement::Placement;
use crate::ingest::shard::ShardLayout;
use crate::store::{ProgressStore, Scratch};
use crate::telemetry::IngestStats;

/// Longest wait for the pipeline to make every event durable after producing stops.
const DRAIN_TIMEOUT: Duration = Duration::from_secs(120);
/// Time allowed for the pipeline's final flush.
const SHUTDOWN_TIMEOUT: Duration = Duration::from_secs(30);
/// Connections per group: its flush worker and the assignment's offset reads.
const POOL_SIZE: usize = 2;

/// How to drive one run.
#[derive(Debug, Clone)]
pub struct Config {
    /// The server (its database is replaced by each group's).
    pub base: DbConfig,
    /// Group `g` works in database `<prefix>_<g>` (created when missing).
    pub database_prefix: String,
    /// Scratch schema created in every group's database (dropped at the end unless `keep`).
    pub schema: String,
    /// The shard groups.
    pub layout: ShardLayout,
    /// Partitions of the run's topic (a multiple of the groups).
    pub partitions: i32,
    /// Producers partition by the shard layout (else by Kafka's default partitioner: the
    /// control that shows what alignment prevents).
    pub aligned: bool,
    /// Players the events are drawn from.
    pub players: u64,
    /// How events pick their player.
    pub skew: Skew,
    /// Events to produce.
    pub events: u64,
    /// Events per second offered (0: as fast as possible).
    pub rate: u64,
    /// Real brokers; the in-process mock cluster when `None`.
    pub brokers: Option<String>,
    /// Seed of the player draw.
    pub seed: u64,
    /// Keep the schemas for a look afterwards.
    pub keep: bool,
}

/// One shard group after a run.
#[derive(Debug, Clone, Serialize)]
pub struct GroupResult {
    /// The group.
    pub group: u32,
    /// Its database.
    pub database: String,
    /// Events made durable in it (its partitions' stored offsets).
    pub events: i64,
    /// Progress rows it holds.
    pub rows: i64,
    /// Transactions that wrote it: its flushes.
    pub flushes: i64,
    /// Progress rows its flushes wrote (a hot player's events coalesce into one row write
    /// per goal and flush): the group's share of the database work.
    pub rows_written: i64,
    /// Flushes that wrote rows of another group (or of several).
    pub multi_group_flushes: i64,
    /// Progress rows whose player Citus would place in another group.
    pub misplaced_rows: u64,
}

/// What one run measured.
#[derive(Debug, Clone, Serialize)]
pub struct RunResult {
    /// How events picked their player.
    pub skew: Skew,
    /// Whether the producer partitioned by the shard layout.
    pub aligned: bool,
    /// Players drawn from.
    pub players: u64,
    /// Events produced.
    pub events: u64,
    /// Events made durable (the pipeline's count).
    pub durable: u64,
    /// Durable events over the time from the first event sent to the last one durable.
    pub durable_per_s: f64,
    /// Every event durable within the drain timeout.
    pub drained: bool,
    /// One per shard group.
    pub groups: Vec<GroupResult>,
    /// Events of the busiest group over the mean, minus 1.
    pub event_imbalance: f64,
    /// Rows of the fullest group over the mean, minus 1.
    pub row_imbalance: f64,
    /// Rows written by the busiest group's flushes over the mean, minus 1.
    pub write_imbalance: f64,
    /// Flushes in all.
    pub flushes: i64,
    /// Flushes that wrote more than one shard group, in all (0 is the point).
    pub multi_group_flushes: i64,
    /// Rows in the wrong group, in all.
    pub misplaced_rows: u64,
    /// (player, goal) rows whose progress is not the number of events sent for them.
    pub wrong_progress: u64,
    /// (player, goal) pairs that events were sent for and no group holds.
    pub missing_rows: u64,
    /// Every event applied exactly once: the groups' stored offsets add up to the events, and
    /// every row holds exactly its events.
    pub exactly_once: bool,
}

/// Runs the pipeline over K group databases and reads what each holds.
pub async fn run(catalog: Arc<Catalog>, config: &Config) -> anyhow::Result<RunResult> {
    let groups = config.layout.groups();
    let mut scratches = Vec::with_capacity(groups as usize);
    for group in 0..groups {
        let db = config
            .base
            .clone()
            .with_database(format!("{}_{group}", config.database_prefix))
            .with_pool_size(POOL_SIZE)
            .with_setting(GROUPS_SETTING, &groups.to_string());
        let scratch = Scratch::create(&db, &config.schema).await?;
        store::install_touches(&scratch.pool.get().await?).await?;
        scratches.push(scratch);
    }
    let result = drive(catalog, config, &scratches).await;
    if !config.keep {
        for scratch in &scratches {
            scratch.drop_schema().await?;
        }
    }
    result
}

async fn drive(
    catalog: Arc<Catalog>,
    config: &Config,
    scratches: &[Scratch],
) -> anyhow::Result<RunResult> {
    let broker = Broker::from_option(config.brokers.as_deref(), Vec::new())?;
    let run_id = format!("{}-{}", std::process::id(), Utc::now().timestamp_millis());
    let topic = format!("goalstream.shards.{run_id}");
    let group_id = format!("goalstream-shards-{run_id}");
    broker.create_topic(&topic, config.partitions).await?;
    let players = ScaleStream::new(&catalog, config.players, config.skew, config.seed, &run_id);
    let stream =
        ShardStream::new(&catalog, players, config.layout, config.partitions, config.aligned)
    .context("the partitions must be a multiple of the groups, and the catalog needs a default increment goal")?;
    let pools = scratches.iter().map(|s| s.pool.clone()).collect();
    let placement = Placement::sharded(config.layout, pools).context("one pool per group")?;
    let stats = Arc::new(IngestStats::default());
    let pipeline_config =
        PipelineConfig::new(broker.consumer_config(&group_id, &topic), scratches.len());
    let pipeline = Pipeline::start_placed(
        pipeline_config,
        ProgressStore::new(catalog.clone()),
        placement,
        stats.clone(),
    )?;
    wait_for_assignment(&stats).await?;
    let started = Instant::now();
    let sent = Arc::new(AtomicU64::new(0));
    let producer = producer(&broker.bootstrap, &broker.options)?;
    let produced = send_events(producer, topic, stream, config.events, config.rate, sent)
        .await
        .context("producing")?;
    let drained = wait_for_durable(&stats, produced.events, DRAIN_TIMEOUT).await;
    let elapsed = started.elapsed().as_secs_f64();
    pipeline.shutdown(SHUTDOWN_TIMEOUT).await;
    let durable = IngestStats::get(&stats.durable);

    let expected = produced.stream.expected();
    let mut groups = Vec::with_capacity(scratches.len());
    let (mut matched, mut wrong_progress) = (0u64, 0u64);
    for (group, scratch) in (0u32..).zip(scratches) {
        let client = scratch.pool.get().await?;
        let counts = store::group_counts(&client, &group_id, group as i32).await?;
        let mut misplaced_rows = 0;
        for (user_id, goal_id, progress) in store::progress_rows(&client).await? {
            if config.layout.group_of_key(user_id.as_bytes()) != group {
                misplaced_rows += 1;
            }
            match expected.get(&(user_id, goal_id)) {
                Some(events) if *events == progress => matched += 1,
                _ => wrong_progress += 1,
            }
        }
        groups.push(GroupResult {
            group,
            database: format!("{}_{group}", config.database_prefix),
            events: counts.events,
            rows: counts.rows,
            flushes: counts.transactions,
            rows_written: counts.rows_written,
            multi_group_flushes: counts.multi_group,
            misplaced_rows,
        });
    }
    let stored: i64 = groups.iter().map(|g| g.events).sum();
    let missing_rows = expected.len() as u64 - matched;
    Ok(RunResult {
        skew: config.skew,
        aligned: config.aligned,
        players: config.players,
        events: produced.events,
        durable,
        durable_per_s: durable as f64 / elapsed.max(1e-3),
        drained,
        event_imbalance: imbalance(groups.iter().map(|g| g.events)),
        row_imbalance: imbalance(groups.iter().map(|g| g.rows)),
        write_imbalance: imbalance(groups.iter().map(|g| g.rows_written)),
        flushes: groups.iter().map(|g| g.flushes).sum(),
        multi_group_flushes: groups.iter().map(|g| g.multi_group_flushes).sum(),
        misplaced_rows: groups.iter().map(|g| g.misplaced_rows).sum(),
        exactly_once: stored == produced.events as i64 && wrong_progress == 0 && missing_rows == 0,
        wrong_progress,
        missing_rows,
        groups,
    })
}

/// The largest value over the mean, minus 1 (0: perfectly even).
pub fn imbalance(values: impl Iterator<Item = i64>) -> f64 {
    let values: Vec<i64> = values.collect();
    let mean = values.iter().sum::<i64>() as f64 / values.len().max(1) as f64;
    let max = values.iter().copied().max().unwrap_or(0) as f64;
    if mean > 0.0 {
        max / mean - 1.0
    } else {
        0.0
    }
}
