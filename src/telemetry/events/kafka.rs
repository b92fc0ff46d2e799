//! Events of the Kafka client's health: errors it reports (counted every time, logged once
//! per kind and interval by the caller's limiter) and whether any broker is reachable (what
//! `/readyz` says when none is).

use std::sync::atomic::Ordering;

use super::super::labels::KafkaErrorKind;
use super::super::metrics::global as metrics;
use super::super::IngestStats;

/// The Kafka client reported an error (librdkafka's error callback).
#[derive(Debug, Clone, Copy)]
pub struct KafkaClientError<'a> {
    /// What it was about.
    pub kind: KafkaErrorKind,
    /// The error, e.g. `Global error: AllBrokersDown (Local: All broker connections are down)`.
    pub error: &'a str,
    /// librdkafka's explanation (broker, address, ...).
    pub reason: &'a str,
    /// `Some(n)`: log it, with the `n` times it came back since its last line; `None`: only
    /// count it (it was logged less than an interval ago).
    pub log: Option<u64>,
}

impl KafkaClientError<'_> {
    /// Records it: the counter always; the log line when due (WARN for what a restarting or
    /// unreachable broker causes, ERROR for what needs a change of settings: authentication,
    /// TLS); every broker down marks the pipeline's brokers as unreachable.
    pub fn emit(self, stats: &IngestStats) {
        metrics().kafka_errors.with_label_values(&[self.kind.as_str()]).inc();
        if self.kind == KafkaErrorKind::AllBrokersDown {
            stats.brokers_down.store(true, Ordering::Relaxed);
        }
        let Some(repeated) = self.log else { return };
        let (error, reason, kind) = (self.error, self.reason, self.kind.as_str());
        match self.kind {
            KafkaErrorKind::Authentication | KafkaErrorKind::Tls => tracing::error!(
                kind,
                reason,
                repeated_since_last_line = repeated,
                "kafka client: {error}"
            ),
            _ => tracing::warn!(
                kind,
                reason,
                repeated_since_last_line = repeated,
                "kafka client: {error}"
            ),
        }
    }
}

/// A broker answered (statistics show a connection up, or the group assigned partitions).
#[derive(Debug, Clone, Copy)]
pub struct BrokersReachable;

impl BrokersReachable {
    /// Records it; logs the recovery once when brokers were down.
    pub fn emit(self, stats: &IngestStats) {
        if stats.brokers_down.swap(false, Ordering::Relaxed) {
            tracing::info!("kafka client: a broker is reachable again");
        }
    }
}
