//! What every chaos scenario sets up and ends with: a fresh schema, a broker and a topic of its
//! own, a producer in the background, and the verdict from the database against what was
//! produced.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use chrono::{DateTime, Utc};
use deadpool_postgres::Pool;
use tokio::task::JoinHandle;

use crate::catalog::Catalog;
use crate::db::DbConfig;
use crate::harness::load::broker::Broker;
use crate::harness::load::verdict::{self, DeltaSums, Verdict};
use crate::harness::producer::{producer, send_events, Produced};
use crate::harness::store::checks;
use crate::harness::synthetic::Synthetic;
use crate::store::Scratch;

/// A scenario's world.
pub struct Stage {
    /// The catalog.
    pub catalog: Arc<Catalog>,
    /// The database URL as given.
    pub database_url: String,
    /// Database settings (no schema).
    pub base: DbConfig,
    /// Schema of this scenario.
    pub schema: String,
    /// A small pool in the schema (checks, in-process pipelines).
    pub pool: Pool,
    /// The broker.
    pub broker: Broker,
    /// Topic of this run.
    pub topic: String,
    /// Partitions of the topic.
    pub partitions: i32,
    /// Consumer group of this run.
    pub group: String,
    /// When the stage was set up.
    pub started: Instant,
    /// Wall-clock start (rotation checks).
    pub started_at: DateTime<Utc>,
    /// Events delivered so far.
    pub sent: Arc<AtomicU64>,
}

impl Stage {
    /// Recreates `schema`, migrates it, starts or joins the broker and creates a topic.
    pub async fn new(
        base: &DbConfig,
        catalog: Arc<Catalog>,
        schema: &str,
        broker: Broker,
        partitions: i32,
        pool_size: usize,
    ) -> anyhow::Result<Stage> {
        let pool = Scratch::create(&base.clone().with_pool_size(pool_size), schema).await?.pool;
        let run_id = format!("{}-{}", std::process::id(), Utc::now().timestamp_millis());
        let topic = format!("goalstream.chaos.{run_id}");
        broker.create_topic(&topic, partitions).await?;
        Ok(Stage {
            catalog,
            database_url: base.url.clone(),
            base: base.clone(),
            schema: schema.to_string(),
            pool,
            broker,
            topic,
            partitions,
            group: format!("goalstream-chaos-{run_id}"),
            started: Instant::now(),
            started_at: Utc::now(),
            sent: Arc::new(AtomicU64::new(0)),
        })
    }

    /// The database URL a child process uses to work in this schema.
    pub fn child_database_url(&self) -> String {
        let separator = if self.database_url.contains('?') { '&' } else { '?' };
        format!("{}{separator}options=-csearch_path%3D{}", self.database_url, self.schema)
    }

    /// Produces `events` at `rate` in the background (`bad_ratio` of them malformed).
    pub fn produce(
        &self,
        events: u64,
        rate: u64,
        users: usize,
        bad_ratio: f64,
    ) -> anyhow::Result<JoinHandle<Result<Produced, rdkafka::error::KafkaError>>> {
        let stream = Synthetic::new(&self.catalog, users, bad_ratio, 7);
        Ok(tokio::spawn(send_events(
            producer(&self.broker.bootstrap, &self.broker.options)?,
            self.topic.clone(),
            stream,
            events,
            rate,
            self.sent.clone(),
        )))
    }

    /// Events delivered so far.
    pub fn sent(&self) -> u64 {
        self.sent.load(Ordering::Relaxed)
    }

    /// Messages made durable, by the stored offsets (-1 while the database is unreachable).
    pub async fn stored(&self) -> i64 {
        match self.pool.get().await {
            Ok(client) => checks::stored_offsets(&client, &self.group).await.unwrap_or(-1),
            Err(_) => -1,
        }
    }

    /// Waits until `events` messages are durable; false after `timeout`.
    pub async fn wait_stored(&self, events: u64, timeout: Duration) -> bool {
        let started = Instant::now();
        loop {
            if self.stored().await >= events as i64 {
                return true;
            }
            if started.elapsed() > timeout {
                return false;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Waits until the stored offsets reach `count`, or `timeout`.
    pub async fn wait_progress(&self, count: i64, timeout: Duration) -> anyhow::Result<()> {
        let started = Instant::now();
        while self.stored().await < count {
            anyhow::ensure!(
                started.elapsed() < timeout,
                "no progress: {count} events durable expected within {timeout:?}, have {}",
                self.stored().await
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        Ok(())
    }

    /// Compares the database with what was produced.
    pub async fn verdict(&self, produced: &Produced) -> anyhow::Result<(Verdict, i64)> {
        self.verdict_against(&produced.stream.delta_sums()).await
    }

    /// The verdict against `sums` (what a broker's log holds, when it differs from what was
    /// produced), and the stored offsets.
    pub async fn verdict_against(&self, sums: &DeltaSums) -> anyhow::Result<(Verdict, i64)> {
        let client = self.pool.get().await.context("the verdict needs the database")?;
        let verdict =
            verdict::check(&client, &self.catalog, sums, self.started_at, Utc::now()).await?;
        let stored = checks::stored_offsets(&client, &self.group).await?;
        Ok((verdict, stored))
    }

    /// Dead letters by source position.
    pub async fn dead_letters(&self) -> anyhow::Result<Vec<(i32, i64)>> {
        Ok(checks::dead_letter_offsets(&self.pool.get().await?).await?)
    }
}

/// The shared check that the stored offsets count every event produced.
pub const EVERY_EVENT_DURABLE: &str = "every event durable (stored offsets = produced)";

/// A scenario's outcome.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ChaosReport {
    /// Scenario name.
    pub scenario: String,
    /// Events produced.
    pub events: u64,
    /// Events durable by the stored offsets.
    pub stored_offsets: i64,
    /// Increments lost (delta units).
    pub lost: i64,
    /// Increments applied twice (delta units).
    pub duplicated: i64,
    /// The whole verdict.
    pub verdict: Verdict,
    /// Named checks and whether they held.
    pub checks: BTreeMap<String, bool>,
    /// Measurements of the scenario (kill times, outage length, rescue time, ...).
    pub details: BTreeMap<String, serde_json::Value>,
    /// Seconds the scenario took.
    pub elapsed_s: f64,
}

impl ChaosReport {
    /// A report from a verdict; adds the checks every scenario shares.
    pub fn new(
        stage: &Stage,
        scenario: &str,
        produced: &Produced,
        verdict: Verdict,
        stored: i64,
    ) -> Self {
        let mut checks = BTreeMap::new();
        checks.insert("0 lost, 0 double-applied increments".to_string(), verdict.ok());
        checks.insert(EVERY_EVENT_DURABLE.to_string(), stored == produced.events as i64);
        checks.insert("some rows checked".to_string(), verdict.checked_rows > 0);
        ChaosReport {
            scenario: scenario.to_string(),
            events: produced.events,
            stored_offsets: stored,
            lost: verdict.lost,
            duplicated: verdict.duplicated,
            verdict,
            checks,
            details: BTreeMap::new(),
            elapsed_s: stage.started.elapsed().as_secs_f64(),
        }
    }

    /// Replaces the shared check `old` by `new` (a scenario where it holds differently).
    pub fn replace_check(&mut self, old: &str, new: &str, held: bool) {
        self.checks.remove(old);
        self.checks.insert(new.to_string(), held);
    }

    /// A scenario-specific check.
    pub fn check(&mut self, what: &str, held: bool) {
        self.checks.insert(what.to_string(), held);
    }

    /// A measurement.
    pub fn detail(&mut self, name: &str, value: impl Into<serde_json::Value>) {
        self.details.insert(name.to_string(), value.into());
    }

    /// Every check held.
    pub fn passed(&self) -> bool {
        self.checks.values().all(|held| *held)
    }

    /// The printed verdict.
    pub fn text(&self) -> String {
        let mut out = format!(
            "chaos {}: {} events, {} durable; lost {} ({} rows), duplicated {} ({} rows), {} rows checked, {:.1} s\n",
            self.scenario,
            self.events,
            self.stored_offsets,
            self.lost,
            self.verdict.lost_rows,
            self.duplicated,
            self.verdict.duplicated_rows,
            self.verdict.checked_rows,
            self.elapsed_s
        );
        for (name, value) in &self.details {
            out.push_str(&format!("  {name}: {value}\n"));
        }
        for (what, held) in &self.checks {
            out.push_str(&format!("  {} {what}\n", if *held { "ok    " } else { "FAILED" }));
        }
        out.push_str(&format!("verdict: {}\n", if self.passed() { "PASS" } else { "FAIL" }));
        out
    }

    /// One JSON object (for `--json`).
    pub fn json_line(&self) -> String {
        let mut value = serde_json::to_value(self).expect("serializable");
        if let Some(object) = value.as_object_mut() {
            object.insert("passed".into(), self.passed().into());
        }
        serde_json::to_string(&value).expect("serializable")
    }
}

/// Starts an in-process pipeline for the stage's topic and group on `pool` and waits for its
/// first assignment.
pub async fn start_pipeline(
    stage: &Stage,
    pool: Pool,
    workers: usize,
) -> anyhow::Result<(crate::ingest::pipeline::Pipeline, Arc<crate::telemetry::IngestStats>)> {
    use crate::ingest::pipeline::{Pipeline, PipelineConfig};
    use crate::telemetry::IngestStats;
    let stats = Arc::new(IngestStats::default());
    let mut config =
        PipelineConfig::new(stage.broker.consumer_config(&stage.group, &stage.topic), workers);
    // Short flush age: more flushes in flight when the fault hits.
    config.buffer.max_age = Duration::from_millis(100);
    let pipeline = Pipeline::start(
        config,
        crate::store::ProgressStore::new(stage.catalog.clone()),
        pool,
        stats.clone(),
    )?;
    let started = Instant::now();
    while IngestStats::get(&stats.rebalances) == 0 {
        anyhow::ensure!(
            started.elapsed() < Duration::from_secs(60),
            "the pipeline was not assigned partitions within 60 s"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    Ok((pipeline, stats))
}
