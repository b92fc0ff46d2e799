//! The consumer's rebalance callbacks. They run inside `poll`, on the consumer's own thread,
//! so they may block: on assign they read the stored offsets from Postgres and start each
//! partition there; on revoke they have the owning flush workers flush (bounded) before the
//! partitions are released (DESIGN.md, Delivery). The client's errors (brokers down,
//! authentication, TLS) are counted every time and logged once per error and interval.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rdkafka::config::RDKafkaLogLevel;
use rdkafka::consumer::{BaseConsumer, Consumer, ConsumerContext, RebalanceProtocol};
use rdkafka::error::{KafkaError, RDKafkaErrorCode};
use rdkafka::types::RDKafkaRespErr;
use rdkafka::{ClientContext, Offset, TopicPartitionList};
use tokio::sync::{mpsc, oneshot};

use super::offsets::Partition;
use super::placement::Placement;
use super::record::Input;
use super::repeated_warning::RepeatedWarning;
use crate::retry::Backoff;
use crate::store;
use crate::telemetry::events::{
    BrokersReachable, ConsumerLag, KafkaClientError, OffsetOutOfRange, Rebalanced, Retried,
};
use crate::telemetry::labels::{KafkaErrorKind, RebalanceKind, RetryOperation};
use crate::telemetry::IngestStats;

/// State the callbacks share with the poll loop (same thread; the mutexes are uncontended).
pub struct IngestContext {
    pub(super) runtime: tokio::runtime::Handle,
    /// Which worker owns a partition, and where its stored offset is.
    pub(super) placement: Placement,
    pub(super) group_id: String,
    /// Inputs of the flush workers; `None` once shutdown closed them.
    pub(super) workers: Mutex<Option<Vec<mpsc::Sender<Input>>>>,
    /// Seek epoch per partition: bumped by every assignment and re-seek.
    pub(super) epochs: Mutex<HashMap<Partition, u64>>,
    pub(super) stats: Arc<IngestStats>,
    pub(super) revoke_timeout: Duration,
    pub(super) assign_timeout: Duration,
    /// Logs each distinct client error once per interval (librdkafka repeats "all brokers
    /// down" about twenty times a second while the cluster is unreachable).
    pub(super) client_errors: Mutex<RepeatedWarning>,
}

/// What a client error is about, from its librdkafka code.
fn error_kind(error: &KafkaError) -> KafkaErrorKind {
    match error.rdkafka_error_code() {
        Some(RDKafkaErrorCode::AllBrokersDown) => KafkaErrorKind::AllBrokersDown,
        Some(RDKafkaErrorCode::BrokerTransportFailure) => KafkaErrorKind::Transport,
        Some(RDKafkaErrorCode::Resolve) => KafkaErrorKind::Resolve,
        Some(RDKafkaErrorCode::Authentication | RDKafkaErrorCode::SaslAuthenticationFailed) => {
            KafkaErrorKind::Authentication
        }
        Some(RDKafkaErrorCode::SSL) => KafkaErrorKind::Tls,
        _ => KafkaErrorKind::Other,
    }
}

impl ClientContext for IngestContext {
    /// librdkafka's log lines, as tracing events. A fetch whose offset the broker no longer
    /// has (retention deleted events before they were consumed) is reset by librdkafka
    /// (`auto.offset.reset`) with only a log line: it is counted and logged as an error here.
    fn log(&self, level: RDKafkaLogLevel, fac: &str, log_message: &str) {
        if fac == "OFFSET" && log_message.contains("Offset out of range") {
            OffsetOutOfRange { detail: log_message }.emit();
            return;
        }
        match level {
            RDKafkaLogLevel::Emerg
            | RDKafkaLogLevel::Alert
            | RDKafkaLogLevel::Critical
            | RDKafkaLogLevel::Error => tracing::error!("librdkafka: {fac} {log_message}"),
            RDKafkaLogLevel::Warning => tracing::warn!("librdkafka: {fac} {log_message}"),
            RDKafkaLogLevel::Notice | RDKafkaLogLevel::Info => {
                tracing::info!("librdkafka: {fac} {log_message}")
            }
            RDKafkaLogLevel::Debug => tracing::debug!("librdkafka: {fac} {log_message}"),
        }
    }

    /// librdkafka's global errors (replacing rdkafka's default, an ERROR line each time):
    /// counted, logged once per distinct error and interval, and "all brokers down" marks
    /// the brokers unreachable for `/readyz`.
    fn error(&self, error: KafkaError, reason: &str) {
        let text = error.to_string();
        let log = self.client_errors.lock().map_or(Some(0), |mut limiter| limiter.due(&text));
        KafkaClientError { kind: error_kind(&error), error: &text, reason, log }.emit(&self.stats);
    }

    /// librdkafka statistics (every `statistics.interval.ms`): consumer lag per assigned
    /// partition. Lag counts from the offset committed to Kafka, which follows the database
    /// commit, so it is the lag to durability; -1 (nothing committed yet) is left out.
    fn stats(&self, statistics: rdkafka::Statistics) {
        if statistics.brokers.values().any(|broker| broker.state == "UP") {
            BrokersReachable.emit(&self.stats);
        }
        let mut partitions = Vec::new();
        for (topic, stats) in &statistics.topics {
            for (partition, p) in &stats.partitions {
                // -1 is librdkafka's internal "unassigned" partition.
                if *partition >= 0 && p.consumer_lag >= 0 && p.fetch_state == "active" {
                    partitions.push((topic.as_str(), *partition, p.consumer_lag));
                }
            }
        }
        ConsumerLag { partitions: &partitions }.emit();
    }
}

impl ConsumerContext for IngestContext {
    fn rebalance(
        &self,
        consumer: &BaseConsumer<Self>,
        err: RDKafkaRespErr,
        tpl: &mut TopicPartitionList,
    ) {
        let cooperative = matches!(consumer.rebalance_protocol(), RebalanceProtocol::Cooperative);
        let partitions: Vec<Partition> =
            tpl.elements().iter().map(|e| (Arc::<str>::from(e.topic()), e.partition())).collect();
        let (kind, lost) = match err {
            RDKafkaRespErr::RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS => {
                // The group coordinator answered: a broker is reachable.
                BrokersReachable.emit(&self.stats);
                self.assign(&partitions, tpl);
                let result = if cooperative {
                    consumer.incremental_assign(tpl)
                } else {
                    consumer.assign(tpl)
                };
                if let Err(error) = result {
                    tracing::error!(%error, "assigning partitions failed");
                }
                (RebalanceKind::Assign, false)
            }
            RDKafkaRespErr::RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS => {
                let lost = consumer.assignment_lost();
                self.revoke(&partitions, lost);
                // A partition paused for backpressure would stay paused if assigned back.
                let _ = consumer.resume(tpl);
                let result = if cooperative {
                    consumer.incremental_unassign(tpl)
                } else {
                    consumer.unassign()
                };
                if let Err(error) = result {
                    tracing::error!(%error, "releasing partitions failed");
                }
                (RebalanceKind::Revoke, lost)
            }
            _ => {
                tracing::error!(?err, "rebalance error; releasing the partitions");
                self.revoke(&partitions, true);
                let _ = if cooperative {
                    consumer.incremental_unassign(tpl)
                } else {
                    consumer.unassign()
                };
                (RebalanceKind::Error, true)
            }
        };
        let assigned = consumer.assignment().map_or(0, |a| a.count());
        Rebalanced { kind, partitions: &names(&partitions), lost, assigned }.emit(&self.stats);
    }
}

impl IngestContext {
    /// The worker that owns a partition.
    pub(super) fn worker_of(&self, partition: &Partition, workers: usize) -> usize {
        self.placement.worker_of(partition, workers)
    }

    /// The current seek epoch of a partition.
    pub(super) fn epoch(&self, partition: &Partition) -> u64 {
        self.epochs.lock().expect("not poisoned").get(partition).copied().unwrap_or(0)
    }

    fn assign(&self, partitions: &[Partition], tpl: &mut TopicPartitionList) {
        if partitions.is_empty() {
            return;
        }
        let stored = self.load_stored(partitions);
        let Some(workers) = self.workers.lock().expect("not poisoned").clone() else { return };
        let mut per_worker: Vec<Vec<(Partition, Option<i64>, u64)>> =
            vec![Vec::new(); workers.len()];
        let mut epochs = self.epochs.lock().expect("not poisoned");
        for partition in partitions {
            let offset = stored
                .as_ref()
                .and_then(|s| s.get(&(partition.0.to_string(), partition.1)).copied());
            if let Some(offset) = offset {
                if let Err(error) =
                    tpl.set_partition_offset(&partition.0, partition.1, Offset::Offset(offset))
                {
                    tracing::error!(%error, "cannot set the start offset");
                }
            }
            let epoch = epochs.entry(partition.clone()).and_modify(|e| *e += 1).or_insert(0);
            per_worker[self.worker_of(partition, workers.len())].push((
                partition.clone(),
                offset,
                *epoch,
            ));
        }
        drop(epochs);
        for (worker, assigned) in workers.iter().zip(per_worker) {
            if !assigned.is_empty() {
                let _ = self.runtime.block_on(worker.send(Input::Assigned(assigned)));
            }
        }
    }

    /// Stored offsets of the partitions' topics; retried with backoff up to the assign timeout.
    /// Without them (database away) the partitions start from Kafka's committed offsets: the
    /// first flush is then fenced and re-reads from the stored offsets, so nothing applies twice.
    fn load_stored(&self, partitions: &[Partition]) -> Option<HashMap<(String, i32), i64>> {
        let mut topics: Vec<String> = partitions.iter().map(|p| p.0.to_string()).collect();
        topics.sort();
        topics.dedup();
        let deadline = std::time::Instant::now() + self.assign_timeout;
        let mut backoff = Backoff::default();
        loop {
            let result = self.runtime.block_on(self.read_stored(partitions, &topics));
            match result {
                Ok(stored) => return Some(stored),
                Err(error) => {
                    let delay = backoff.next_delay();
                    if std::time::Instant::now() + delay > deadline {
                        tracing::error!(%error, "cannot read stored offsets; starting from Kafka's");
                        return None;
                    }
                    Retried { operation: RetryOperation::StoredOffsets }.emit();
                    tracing::warn!(%error, ?delay, "cannot read stored offsets; retrying");
                    std::thread::sleep(delay);
                }
            }
        }
    }

    /// Stored offsets of the partitions' topics, from each pool that holds some of them.
    async fn read_stored(
        &self,
        partitions: &[Partition],
        topics: &[String],
    ) -> Result<HashMap<(String, i32), i64>, store::StoreError> {
        let mut stored = HashMap::new();
        for (index, pool) in self.placement.pools() {
            let held = |p: &Partition| self.placement.pool_index(p) == index;
            if !partitions.iter().any(held) {
                continue;
            }
            let client = pool.get().await?;
            let found = store::offsets::load(&client, &self.group_id, topics).await?;
            stored.extend(found.into_iter().filter(|((topic, partition), _)| {
                held(&(Arc::<str>::from(topic.as_str()), *partition))
            }));
        }
        Ok(stored)
    }

    fn revoke(&self, partitions: &[Partition], lost: bool) {
        let Some(workers) = self.workers.lock().expect("not poisoned").clone() else { return };
        // Logged before the workers flush (the `partitions released` line comes after): the
        // rebalance chaos scenario proves its kill landed between the two.
        tracing::info!(partitions = ?names(partitions), lost, "revoke started: flushing first");
        let mut per_worker: Vec<Vec<Partition>> = vec![Vec::new(); workers.len()];
        for partition in partitions {
            per_worker[self.worker_of(partition, workers.len())].push(partition.clone());
        }
        let mut waits = Vec::new();
        for (worker, partitions) in workers.iter().zip(per_worker) {
            if partitions.is_empty() {
                continue;
            }
            let (done, wait) = oneshot::channel();
            if self.runtime.block_on(worker.send(Input::Revoke { partitions, lost, done })).is_ok()
            {
                waits.push(wait);
            }
        }
        // The workers bound their own flush by the revoke timeout; this bound is a backstop.
        let bound = self.revoke_timeout + Duration::from_secs(5);
        // The timer must be created inside the runtime: build it in the block_on future.
        let finished = self.runtime.block_on(async {
            tokio::time::timeout(bound, futures::future::join_all(waits)).await
        });
        if finished.is_err() {
            tracing::error!(?bound, "flush workers did not release the partitions in time");
        }
    }
}

fn names(partitions: &[Partition]) -> Vec<String> {
    partitions.iter().map(|(t, p)| format!("{t}/{p}")).collect()
}
