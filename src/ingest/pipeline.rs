//! The ingest pipeline assembled: a consumer thread and N flush workers, started together and
//! stopped in stages (stop intake → workers flush and store offsets → Kafka commits → leave
//! the group).

use std::sync::{Arc, Mutex};
use std::time::Duration;

use deadpool_postgres::Pool;
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::error::KafkaError;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use super::buffer::BufferConfig;
use super::consumer::{ConsumerConfig, PollLoop, REPEATED_ERROR_LOG_INTERVAL};
use super::context::IngestContext;
use super::flusher::{Flusher, FlusherConfig, DEFAULT_REVOKE_TIMEOUT};
use super::placement::Placement;
use super::repeated_warning::RepeatedWarning;
use crate::store::ProgressStore;
use crate::telemetry::IngestStats;

/// Chunks of records queued per worker before the consumer pauses intake: 64 × 512 = 32k
/// records (~5 MB) per worker, enough to keep reading at 200k+ events/s while a worker
/// flushes (~50-300 ms). A full queue stops the consumer's reads; only one full for a second
/// pauses the partitions (`consumer.rs`: pausing discards librdkafka's prefetched messages).
pub const DEFAULT_CHANNEL_CHUNKS: usize = 64;
/// How long shutdown waits for the Kafka consumer to close.
pub const CLOSE_TIMEOUT: Duration = Duration::from_secs(10);
/// How long a new assignment waits for the stored offsets when Postgres is away.
pub const DEFAULT_ASSIGN_TIMEOUT: Duration = Duration::from_secs(30);

/// Settings of the pipeline.
#[derive(Debug, Clone)]
pub struct PipelineConfig {
    /// Kafka.
    pub consumer: ConsumerConfig,
    /// When the workers flush.
    pub buffer: BufferConfig,
    /// Flush workers (each owns a disjoint set of partitions and uses one connection).
    pub workers: usize,
    /// Bound on the flush a revoke triggers.
    pub revoke_timeout: Duration,
    /// Bound on reading stored offsets at assignment.
    pub assign_timeout: Duration,
    /// Test-only: sleep this long inside every flush, between the COPY and the merge (see
    /// [`ProgressStore::with_flush_delay`]); zero in production.
    pub flush_delay: Duration,
}

impl PipelineConfig {
    /// Defaults around a consumer configuration.
    pub fn new(consumer: ConsumerConfig, workers: usize) -> Self {
        PipelineConfig {
            consumer,
            buffer: BufferConfig::default(),
            workers: workers.max(1),
            revoke_timeout: DEFAULT_REVOKE_TIMEOUT,
            assign_timeout: DEFAULT_ASSIGN_TIMEOUT,
            flush_delay: Duration::ZERO,
        }
    }
}

/// A running pipeline.
pub struct Pipeline {
    poll_thread: Option<std::thread::JoinHandle<()>>,
    workers: Vec<tokio::task::JoinHandle<()>>,
    intake_stop: CancellationToken,
    exit: CancellationToken,
    hard_stop: CancellationToken,
    stats: Arc<IngestStats>,
}

impl Pipeline {
    /// Subscribes and starts consuming. Must be called inside a tokio runtime.
    pub fn start(
        config: PipelineConfig,
        store: ProgressStore,
        pool: Pool,
        stats: Arc<IngestStats>,
    ) -> Result<Pipeline, KafkaError> {
        Self::start_placed(config, store, Placement::single(pool), stats)
    }

    /// [`Pipeline::start`] with partitions routed by `placement` (shard-aligned flushes); at
    /// least [`Placement::workers`] flush workers.
    pub fn start_placed(
        config: PipelineConfig,
        store: ProgressStore,
        placement: Placement,
        stats: Arc<IngestStats>,
    ) -> Result<Pipeline, KafkaError> {
        let workers = placement.workers(config.workers);
        let store = match config.flush_delay.is_zero() {
            true => store,
            false => store.with_flush_delay(config.flush_delay),
        };
        let store = match config.buffer.dedup_window {
            Some(window) => store.with_dedup_window(window),
            None => store,
        };
        let hard_stop = CancellationToken::new();
        let (control_tx, control_rx) = mpsc::unbounded_channel();
        let mut inputs = Vec::with_capacity(workers);
        let mut tasks = Vec::with_capacity(workers);
        for worker in 0..workers {
            let (tx, rx) = mpsc::channel(DEFAULT_CHANNEL_CHUNKS);
            inputs.push(tx);
            let flusher = Flusher::new(
                FlusherConfig {
                    worker,
                    group_id: config.consumer.group_id.clone(),
                    buffer: config.buffer,
                    revoke_timeout: config.revoke_timeout,
                },
                store.clone(),
                placement.pool_of_worker(worker).clone(),
                rx,
                control_tx.clone(),
                stats.clone(),
                hard_stop.clone(),
            );
            tasks.push(tokio::spawn(flusher.run()));
        }
        let context = IngestContext {
            runtime: tokio::runtime::Handle::current(),
            placement,
            group_id: config.consumer.group_id.clone(),
            workers: Mutex::new(Some(inputs)),
            epochs: Mutex::new(Default::default()),
            stats: stats.clone(),
            revoke_timeout: config.revoke_timeout,
            assign_timeout: config.assign_timeout,
            client_errors: Mutex::new(RepeatedWarning::new(REPEATED_ERROR_LOG_INTERVAL)),
        };
        let consumer: BaseConsumer<IngestContext> =
            config.consumer.client_config().create_with_context(context)?;
        let topics: Vec<&str> = config.consumer.topics.iter().map(String::as_str).collect();
        consumer.subscribe(&topics)?;
        let intake_stop = CancellationToken::new();
        let exit = CancellationToken::new();
        let poll = PollLoop {
            consumer,
            config: config.consumer.clone(),
            catalog: store.catalog().clone(),
            control: control_rx,
            stats: stats.clone(),
            intake_stop: intake_stop.clone(),
            exit: exit.clone(),
        };
        let poll_thread = std::thread::Builder::new()
            .name("goalstream-consumer".into())
            .spawn(move || poll.run())
            .expect("spawn the consumer thread");
        Ok(Pipeline {
            poll_thread: Some(poll_thread),
            workers: tasks,
            intake_stop,
            exit,
            hard_stop,
            stats,
        })
    }

    /// The pipeline's counters.
    pub fn stats(&self) -> &Arc<IngestStats> {
        &self.stats
    }

    /// Stops in stages: no more intake; workers flush what they hold and store its offsets
    /// (within `deadline`, else they stop unflushed: those records are read again next time);
    /// Kafka commits; the consumer leaves its group. Returns whether every worker finished its
    /// final flush in time.
    pub async fn shutdown(mut self, deadline: Duration) -> bool {
        self.intake_stop.cancel();
        let workers = std::mem::take(&mut self.workers);
        let mut all = futures::future::join_all(workers);
        let clean = match tokio::time::timeout(deadline, &mut all).await {
            Ok(_) => true,
            Err(_) => {
                tracing::warn!(?deadline, "shutdown deadline passed; stopping unflushed work");
                self.hard_stop.cancel();
                all.await;
                false
            }
        };
        self.exit.cancel();
        if let Some(thread) = self.poll_thread.take() {
            // Closing the Kafka client can hang on a broker that does not answer; offsets live
            // in Postgres, so nothing depends on it: wait a bounded time, then leave it be.
            let join = tokio::task::spawn_blocking(move || thread.join());
            if tokio::time::timeout(CLOSE_TIMEOUT, join).await.is_err() {
                tracing::warn!(?CLOSE_TIMEOUT, "the Kafka consumer did not close in time");
            }
        }
        clean
    }
}

impl Drop for Pipeline {
    fn drop(&mut self) {
        // Dropped without shutdown (a panic, or a test ending): stop everything, flush nothing.
        self.hard_stop.cancel();
        self.intake_stop.cancel();
        self.exit.cancel();
    }
}
