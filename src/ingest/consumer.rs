//! The Kafka consumer: a `BaseConsumer` polled on a dedicated thread.
//!
//! Why not `StreamConsumer`: rebalance callbacks run inside the poll call, and ours must block
//! (read stored offsets from Postgres on assign, wait for the flush workers on revoke). On a
//! thread of its own that is legal and stalls nothing else; inside a tokio worker it would
//! stall the runtime. The thread decodes messages (borrowing from librdkafka's buffers), routes
//! them to the worker owning their partition in chunks, waits while a worker is behind (and
//! pauses every partition when that lasts: it then keeps polling, so rebalances still happen)
//! and carries out the workers' requests: Kafka commits after their database commits, and
//! re-seeks.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use rdkafka::consumer::{BaseConsumer, CommitMode, Consumer};
use rdkafka::error::{KafkaError, RDKafkaErrorCode};
use rdkafka::message::BorrowedMessage;
use rdkafka::{ClientConfig, Message, Offset, TopicPartitionList};
use tokio::sync::mpsc::{self, error::TrySendError};
use tokio_util::sync::CancellationToken;

use super::context::IngestContext;
use super::event::DEFAULT_MAX_PAYLOAD_BYTES;
use super::flusher::Control;
use super::offsets::Partition;
use super::record::{Body, Input, Record};
use super::repeated_warning::RepeatedWarning;
use super::schema_hold::SchemaHolds;
use super::tally::Tally;
use crate::catalog::Catalog;
use crate::config::print::mask_secrets;
use crate::telemetry::events::{IntakePaused, OffsetOutOfRange};
use crate::telemetry::IngestStats;

/// Default topic.
pub const DEFAULT_TOPIC: &str = "game.telemetry";
/// Default consumer group.
pub const DEFAULT_GROUP: &str = "goalstream";
/// Where a partition with no stored offset starts by default.
pub const DEFAULT_AUTO_OFFSET_RESET: &str = "earliest";
/// Kafka session timeout (classic protocol), librdkafka's default: a silent instance loses
/// its partitions after this long.
pub const DEFAULT_SESSION_TIMEOUT: Duration = Duration::from_secs(45);
/// Kafka heartbeat interval (classic protocol), librdkafka's default.
pub const DEFAULT_HEARTBEAT_INTERVAL: Duration = Duration::from_secs(3);
/// Records sent to a worker at once: amortizes channel hand-offs without delaying much.
const CHUNK: usize = 512;
/// How often librdkafka reports statistics (consumer lag per partition), ms; a
/// `--kafka-option statistics.interval.ms=…` overrides it.
pub const DEFAULT_STATISTICS_INTERVAL_MS: &str = "5000";
/// A Kafka error repeating on every poll (brokers down) is logged once per this interval.
pub(super) const REPEATED_ERROR_LOG_INTERVAL: Duration = Duration::from_secs(10);
/// How long leaving the group may take at shutdown.
const LEAVE_TIMEOUT: Duration = Duration::from_secs(5);
/// How long a worker may stay behind before the consumer pauses its partitions. Shorter waits
/// (a worker busy with one flush) only stop polling: pausing makes librdkafka drop what it
/// prefetched and fetch it again, which with a backlog costs more than the flush (measured in
/// docs/BENCHMARKS.md, "Peak tier, 2026-12-01").
const PAUSE_AFTER: Duration = Duration::from_secs(1);
/// How long the consumer thread waits before offering a behind worker its chunk again.
const BEHIND_WAIT: Duration = Duration::from_millis(2);

/// How the consumer joins its group.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum GroupProtocol {
    /// The classic protocol with cooperative-sticky assignment.
    #[default]
    Classic,
    /// KIP-848 (`group.protocol=consumer`): assignment by the broker; joins faster where the
    /// broker supports it (librdkafka's mock cluster does).
    Consumer,
}

/// Kafka settings of the pipeline. `Debug` masks secret options (`sasl.password`, ...).
#[derive(Clone)]
pub struct ConsumerConfig {
    /// Bootstrap servers.
    pub brokers: String,
    /// Consumer group id (also the key of the stored offsets).
    pub group_id: String,
    /// Topics to consume.
    pub topics: Vec<String>,
    /// Where a partition with no stored offset starts: `earliest` or `latest`.
    pub auto_offset_reset: String,
    /// Group protocol.
    pub group_protocol: GroupProtocol,
    /// Session timeout (classic protocol).
    pub session_timeout: Duration,
    /// Heartbeat interval (classic protocol).
    pub heartbeat_interval: Duration,
    /// Payloads over this size are dead-lettered.
    pub max_payload_bytes: usize,
    /// Extra librdkafka properties, applied last.
    pub options: Vec<(String, String)>,
}

impl std::fmt::Debug for ConsumerConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let options: Vec<String> =
            self.options.iter().map(|(k, v)| mask_secrets(&format!("{k}={v}"))).collect();
        f.debug_struct("ConsumerConfig")
            .field("brokers", &self.brokers)
            .field("group_id", &self.group_id)
            .field("topics", &self.topics)
            .field("auto_offset_reset", &self.auto_offset_reset)
            .field("group_protocol", &self.group_protocol)
            .field("session_timeout", &self.session_timeout)
            .field("heartbeat_interval", &self.heartbeat_interval)
            .field("max_payload_bytes", &self.max_payload_bytes)
            .field("options", &options)
            .finish()
    }
}

impl ConsumerConfig {
    /// Settings for `group` consuming `topics` from `brokers`, with the defaults: earliest
    /// offset when none is stored, the classic protocol with librdkafka's default timeouts,
    /// the default payload limit, no extra options.
    pub fn new(
        brokers: impl Into<String>,
        group_id: impl Into<String>,
        topics: Vec<String>,
    ) -> Self {
        ConsumerConfig {
            brokers: brokers.into(),
            group_id: group_id.into(),
            topics,
            auto_offset_reset: DEFAULT_AUTO_OFFSET_RESET.into(),
            group_protocol: GroupProtocol::Classic,
            session_timeout: DEFAULT_SESSION_TIMEOUT,
            heartbeat_interval: DEFAULT_HEARTBEAT_INTERVAL,
            max_payload_bytes: DEFAULT_MAX_PAYLOAD_BYTES,
            options: Vec::new(),
        }
    }

    /// The same settings with the KIP-848 protocol: librdkafka's mock cluster delays a classic
    /// group's first join by 3 s, and joins a KIP-848 group at once.
    pub fn kip848(mut self) -> Self {
        self.group_protocol = GroupProtocol::Consumer;
        self
    }

    /// The same settings with short group timeouts (6 s session, 500 ms heartbeat): a test
    /// broker (tansu) joins in ~3 s with them instead of ~20 s.
    pub fn short_timeouts(mut self) -> Self {
        self.session_timeout = Duration::from_secs(6);
        self.heartbeat_interval = Duration::from_millis(500);
        self
    }

    /// The librdkafka configuration.
    pub fn client_config(&self) -> ClientConfig {
        let mut config = ClientConfig::new();
        config
            .set("bootstrap.servers", &self.brokers)
            .set("group.id", &self.group_id)
            .set("enable.auto.commit", "false")
            .set("enable.auto.offset.store", "false")
            .set("auto.offset.reset", &self.auto_offset_reset)
            // The revoke callback may take up to the revoke timeout; stay well above it.
            .set("max.poll.interval.ms", "300000")
            // A fetch waits at most this long for new data: bounds what it adds to
            // event→durable latency (librdkafka's default, 500 ms, would dominate it).
            .set("fetch.wait.max.ms", "50")
            .set("client.id", "goalstream")
            // Per-partition consumer lag for the metrics (ClientContext::stats); a stats
            // callback every few seconds costs next to nothing.
            .set("statistics.interval.ms", DEFAULT_STATISTICS_INTERVAL_MS);
        match self.group_protocol {
            GroupProtocol::Classic => {
                config
                    .set("partition.assignment.strategy", "cooperative-sticky")
                    .set("session.timeout.ms", self.session_timeout.as_millis().to_string())
                    .set("heartbeat.interval.ms", self.heartbeat_interval.as_millis().to_string());
            }
            GroupProtocol::Consumer => {
                config.set("group.protocol", "consumer");
            }
        }
        for (key, value) in &self.options {
            config.set(key, value);
        }
        config
    }

    fn reset_offset(&self) -> Offset {
        if self.auto_offset_reset == "latest" {
            Offset::End
        } else {
            Offset::Beginning
        }
    }
}

/// What the poll thread needs.
pub(super) struct PollLoop {
    pub consumer: BaseConsumer<IngestContext>,
    pub config: ConsumerConfig,
    pub catalog: Arc<Catalog>,
    pub control: mpsc::UnboundedReceiver<Control>,
    pub stats: Arc<IngestStats>,
    /// Stop reading messages, hand over what was read and close the workers' inputs.
    pub intake_stop: CancellationToken,
    /// Commit what the workers report, close the consumer and return.
    pub exit: CancellationToken,
}

impl PollLoop {
    /// Runs on the consumer thread until `exit`.
    pub fn run(mut self) {
        let workers = self.consumer.context().workers.lock().expect("not poisoned").clone();
        let senders = workers.unwrap_or_default();
        let mut chunks: Vec<Vec<Record>> =
            senders.iter().map(|_| Vec::with_capacity(CHUNK)).collect();
        let mut topics: HashMap<String, Arc<str>> = HashMap::new();
        let mut pending_seeks = Vec::new();
        let mut paused = false;
        let mut behind_since: Option<Instant> = None;
        let mut tally = Tally::default();
        let mut kafka_errors = RepeatedWarning::new(REPEATED_ERROR_LOG_INTERVAL);
        let mut holds = SchemaHolds::default();
        while !self.intake_stop.is_cancelled() {
            holds.release(&self.consumer, &self.catalog, &mut pending_seeks);
            self.serve_control(&mut pending_seeks);
            let behind = send_chunks(&senders, &mut chunks, false);
            let now = Instant::now();
            behind_since = behind.then(|| behind_since.unwrap_or(now));
            let pause = behind_since.is_some_and(|since| now - since >= PAUSE_AFTER);
            if pause != paused {
                self.set_paused(pause);
                paused = pause;
            }
            if behind && !paused {
                // Not polling leaves the prefetched messages in librdkafka's queue.
                std::thread::sleep(BEHIND_WAIT);
                continue;
            }
            let timeout =
                if behind { Duration::from_millis(20) } else { Duration::from_millis(100) };
            let mut polled = 0;
            let mut next = self.consumer.poll(timeout);
            while let Some(result) = next {
                match result {
                    Ok(message) => {
                        // None: its partition is held for a schema (read again later).
                        if let Some(record) = self.to_record(&message, &mut topics, &mut holds) {
                            tally.record(&record);
                            let worker =
                                self.consumer.context().worker_of(&record.partition, senders.len());
                            chunks[worker].push(record);
                        }
                        polled += 1;
                    }
                    Err(KafkaError::MessageConsumption(RDKafkaErrorCode::OffsetOutOfRange)) => {
                        OffsetOutOfRange { detail: "consumer error: offset out of range" }.emit();
                    }
                    Err(error) => {
                        kafka_errors.warn("kafka error", &error.to_string());
                    }
                }
                if polled >= CHUNK {
                    break;
                }
                next = self.consumer.poll(Duration::ZERO);
            }
            if polled > 0 {
                tally.publish(&self.stats, chrono::Utc::now().timestamp_millis());
            }
        }
        // Intake stops: hand over what was read, then close the inputs (workers flush and end).
        send_chunks(&senders, &mut chunks, true);
        drop(senders);
        self.consumer.context().workers.lock().expect("not poisoned").take();
        while !self.exit.is_cancelled() {
            self.serve_control(&mut pending_seeks);
            std::thread::sleep(Duration::from_millis(10));
        }
        self.serve_control(&mut pending_seeks);
        // Leave the group while still polling, so the revoke is served here and bounded; then
        // dropping the consumer has little left to do.
        self.consumer.unsubscribe();
        let leave_by = Instant::now() + LEAVE_TIMEOUT;
        while Instant::now() < leave_by && self.consumer.assignment().is_ok_and(|a| a.count() > 0) {
            let _ = self.consumer.poll(Duration::from_millis(50));
        }
    }

    /// The message as a record, or `None` when its partition is held (see [`SchemaHolds`]).
    fn to_record(
        &self,
        message: &BorrowedMessage<'_>,
        topics: &mut HashMap<String, Arc<str>>,
        holds: &mut SchemaHolds,
    ) -> Option<Record> {
        let topic = match topics.get(message.topic()) {
            Some(topic) => topic.clone(),
            None => {
                let topic: Arc<str> = Arc::from(message.topic());
                topics.insert(message.topic().to_string(), topic.clone());
                topic
            }
        };
        let partition: Partition = (topic, message.partition());
        let payload = message.payload().unwrap_or_default();
        let max_bytes = self.config.max_payload_bytes;
        let epoch = self.consumer.context().epoch(&partition);
        let offset = message.offset();
        if !holds.admit(&self.consumer, &self.catalog, &partition, epoch, offset, payload) {
            return None;
        }
        let body = Body::decode(&self.catalog, &partition.0, message.key(), payload, max_bytes);
        let timestamp_ms = message.timestamp().to_millis();
        Some(Record { epoch, partition, offset, timestamp_ms, bytes: payload.len(), body })
    }

    fn set_paused(&self, pause: bool) {
        let Ok(assignment) = self.consumer.assignment() else { return };
        let result = if pause {
            self.consumer.pause(&assignment)
        } else {
            self.consumer.resume(&assignment)
        };
        let partitions = if pause { assignment.count() } else { 0 };
        IntakePaused { partitions }.emit(&self.stats);
        if let Err(error) = result {
            tracing::warn!(%error, pause, "pause/resume failed");
        }
    }

    /// Commits offsets the workers made durable, and carries out re-seeks (retried while the
    /// partition's fetcher is not ready).
    fn serve_control(&mut self, pending_seeks: &mut Vec<(Partition, Option<i64>, u64)>) {
        while let Ok(control) = self.control.try_recv() {
            match control {
                Control::Commit(moves) => {
                    let mut tpl = TopicPartitionList::new();
                    for m in &moves {
                        let _ =
                            tpl.add_partition_offset(&m.topic, m.partition, Offset::Offset(m.next));
                    }
                    if tpl.count() > 0 {
                        if let Err(error) = self.consumer.commit(&tpl, CommitMode::Async) {
                            tracing::debug!(%error, "kafka commit failed (offsets live in Postgres)");
                        }
                    }
                }
                Control::Reseek(seeks) => {
                    let context = self.consumer.context();
                    let mut epochs = context.epochs.lock().expect("not poisoned");
                    for (partition, _, epoch) in &seeks {
                        epochs.insert(partition.clone(), *epoch);
                    }
                    drop(epochs);
                    pending_seeks.extend(seeks);
                }
            }
        }
        pending_seeks.retain(|(partition, offset, _)| {
            let target = offset.map_or(self.config.reset_offset(), Offset::Offset);
            match self.consumer.seek(&partition.0, partition.1, target, Duration::from_millis(100)) {
                Ok(()) => false,
                Err(error) => {
                    tracing::debug!(%error, topic = %partition.0, partition = partition.1, "seek not ready; retrying");
                    true
                }
            }
        });
    }
}

/// Hands each non-empty chunk to its worker. Without `wait`, a full input is left for later and
/// reported (the caller pauses intake); with `wait`, blocks until sent or the worker is gone.
fn send_chunks(senders: &[mpsc::Sender<Input>], chunks: &mut [Vec<Record>], wait: bool) -> bool {
    let mut behind = false;
    for (sender, chunk) in senders.iter().zip(chunks.iter_mut()) {
        if chunk.is_empty() {
            continue;
        }
        let records = std::mem::replace(chunk, Vec::with_capacity(CHUNK));
        if wait {
            let _ = sender.blocking_send(Input::Records(records));
            continue;
        }
        match sender.try_send(Input::Records(records)) {
            Ok(()) => {}
            Err(TrySendError::Full(Input::Records(records))) => {
                *chunk = records;
                behind = true;
            }
            Err(_) => {}
        }
    }
    behind
}
