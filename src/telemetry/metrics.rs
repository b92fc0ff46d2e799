//! Every Prometheus metric of the process, defined here and nowhere else: one [`Metrics`]
//! struct holding the families, registered on one [`Registry`], served by `GET /metrics`
//! ([`crate::http`]). Only the typed events of [`super::events`] record into it.
//!
//! One process-wide instance, as the log subscriber is one: the consumer thread, the flush
//! workers, the job workers and the store layer all emit events, and the registry is the
//! process's sink for them, not configuration (`docs/OPERATIONS.md` lists the families; a test
//! checks the list against [`Metrics::names`]).
//!
//! Naming: `goalstream_…_total` counters, `_seconds` and `_bytes` units, fixed label sets.
//! Label values known in advance are initialised to 0, so a family is visible before its first
//! event (alerts on `rate()` need the series to exist).

mod builder;

use std::sync::OnceLock;

use builder::Builder;

use super::labels::{
    FlushResult, KafkaErrorKind, RebalanceKind, RetryOperation, SkipReason, SlowLevel, Statement,
};
use prometheus::{
    Histogram, HistogramVec, IntCounter, IntCounterVec, IntGauge, IntGaugeVec, Registry,
};

/// Latency buckets for database work and flushes (seconds): 1 ms to 10 s.
const DB_BUCKETS: &[f64] =
    &[0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0];
/// Event→durable latency buckets (seconds): 10 ms to 5 min (a backlog after an outage).
const LATENCY_BUCKETS: &[f64] =
    &[0.01, 0.025, 0.05, 0.1, 0.2, 0.3, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0];
/// Flush batch sizes (distinct keys): the default flush is 10,000 keys.
const BATCH_BUCKETS: &[f64] =
    &[1.0, 10.0, 100.0, 500.0, 1_000.0, 2_500.0, 5_000.0, 10_000.0, 25_000.0, 50_000.0];
/// Job execution buckets (seconds): 1 ms to 5 min.
const JOB_BUCKETS: &[f64] =
    &[0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1.0, 5.0, 10.0, 30.0, 60.0, 300.0];

/// Job kinds known to the binary, initialised to 0 in the job families.
pub const KNOWN_JOB_KINDS: &[&str] = crate::types::reward::PIPELINE_KINDS;

/// Every metric family of the process.
#[derive(Clone)]
pub struct Metrics {
    registry: Registry,
    names: Vec<String>,

    // Ingest: the consumer thread.
    /// Messages polled from Kafka, by topic.
    pub events_consumed: IntCounterVec,
    /// Messages that decoded into an event some goal reads, by topic.
    pub events_decoded: IntCounterVec,
    /// Malformed messages sent to dead letters, by topic.
    pub events_dead_lettered: IntCounterVec,
    /// Valid events whose stat no goal reads, by topic.
    pub events_unmatched: IntCounterVec,
    /// Records dropped as already applied (duplicate delivery, stale after a re-seek).
    pub records_duplicate: IntCounter,
    /// Consumer lag per partition (messages), from librdkafka statistics.
    pub consumer_lag: IntGaugeVec,
    /// Event-time age of the newest message read per partition (seconds, when it was read).
    pub seconds_behind: IntGaugeVec,
    /// Partitions assigned to this instance.
    pub partitions_assigned: IntGauge,
    /// Partitions paused because the flush workers are behind.
    pub partitions_paused: IntGauge,
    /// Rebalance callbacks, by kind.
    pub rebalances: IntCounterVec,
    /// Fetches that found their offset out of range (the broker deleted unread events).
    pub offset_out_of_range: IntCounter,
    /// Errors the Kafka client reported (broker down, authentication, TLS, ...), by kind.
    pub kafka_errors: IntCounterVec,

    // Ingest: the flush workers.
    /// Distinct keys buffered, per flush worker.
    pub buffer_keys: IntGaugeVec,
    /// Payload bytes buffered, per flush worker.
    pub buffer_bytes: IntGaugeVec,
    /// Age of the oldest buffered record (seconds), per flush worker.
    pub buffer_age: prometheus::GaugeVec,
    /// Flush attempts by outcome.
    pub flushes: IntCounterVec,
    /// Duration of committed flushes (seconds, first attempt to commit).
    pub flush_duration: Histogram,
    /// Distinct keys per committed flush.
    pub flush_batch_rows: Histogram,
    /// Rows inserted into user_goal_progress.
    pub rows_inserted: IntCounter,
    /// Rows updated.
    pub rows_updated: IntCounter,
    /// Staged rows left alone, by reason.
    pub rows_skipped: IntCounterVec,
    /// Updates the merge refused, set aside as dead letters.
    pub rows_poison: IntCounter,
    /// Goals that became completed.
    pub goals_completed: IntCounter,
    /// Bytes of binary COPY payload sent.
    pub copy_bytes: IntCounter,
    /// Event timestamp → flush commit (seconds), per record.
    pub event_to_durable: Histogram,

    // Database.
    /// Connections the pool holds.
    pub db_pool_size: IntGauge,
    /// Connections lent out.
    pub db_pool_in_use: IntGauge,
    /// Callers waiting for a connection.
    pub db_pool_waiting: IntGauge,
    /// Time to get a connection from the pool (seconds).
    pub db_pool_wait: Histogram,
    /// Duration of named statements on the hot paths (seconds).
    pub db_statement_duration: HistogramVec,
    /// Statements over the slow thresholds, by statement and level (debug, warn, error).
    pub db_slow_statements: IntCounterVec,
    /// Retried operations, by operation.
    pub retries: IntCounterVec,

    // Job queue.
    /// Jobs enqueued (not deduplicated away by a unique key), by kind.
    pub jobs_enqueued: IntCounterVec,
    /// Jobs claimed by a worker, by kind.
    pub jobs_claimed: IntCounterVec,
    /// Attempts whose handler succeeded, by kind.
    pub jobs_completed: IntCounterVec,
    /// Attempts whose handler failed, timed out or panicked, by kind.
    pub jobs_failed: IntCounterVec,
    /// Jobs put back by the rescuer, by kind.
    pub jobs_rescued: IntCounterVec,
    /// Jobs by queue, state and effective priority (live states; a periodic query).
    pub jobs_queued: IntGaugeVec,
    /// Age of the oldest available job per queue (seconds since its run_at; periodic query).
    pub jobs_oldest_available_age: prometheus::GaugeVec,
    /// Duration of one claim statement (seconds).
    pub job_claim_duration: Histogram,
    /// Ticks of periodic schedules, by schedule (from the configuration) and outcome.
    pub periodic_ticks: IntCounterVec,
    /// The newest tick a periodic schedule handled (Unix seconds), by schedule.
    pub periodic_last_tick: IntGaugeVec,
    /// Handler run time (seconds), by kind.
    pub job_execution_duration: HistogramVec,

    /// Build information: always 1, labels carry the version.
    pub build_info: IntGaugeVec,
}

/// The process-wide metrics (created on first use), to read; the process records into them
/// only through [`super::events`].
pub fn global() -> &'static Metrics {
    static METRICS: OnceLock<Metrics> = OnceLock::new();
    METRICS.get_or_init(Metrics::new)
}

impl Metrics {
    /// Every family, registered on a fresh registry, known label values at 0.
    pub fn new() -> Metrics {
        let mut b = Builder { registry: Registry::new(), names: Vec::new() };
        let metrics = Metrics {
            events_consumed: b.counter_vec(
                "goalstream_events_consumed_total",
                "Messages polled from Kafka.",
                &["topic"],
            ),
            events_decoded: b.counter_vec(
                "goalstream_events_decoded_total",
                "Messages decoded into an event that some goal reads.",
                &["topic"],
            ),
            events_dead_lettered: b.counter_vec(
                "goalstream_events_dead_lettered_total",
                "Malformed messages sent to the dead_letters table.",
                &["topic"],
            ),
            events_unmatched: b.counter_vec(
                "goalstream_events_unmatched_total",
                "Valid events whose stat_code no goal reads (counted, not dead-lettered).",
                &["topic"],
            ),
            records_duplicate: b.counter(
                "goalstream_records_duplicate_total",
                "Records dropped as already applied (redelivery, stale after a re-seek).",
            ),
            consumer_lag: b.gauge_vec(
                "goalstream_consumer_lag_messages",
                "Messages between the committed offset and the high watermark, per partition \
                 (librdkafka statistics).",
                &["topic", "partition"],
            ),
            seconds_behind: b.gauge_vec(
                "goalstream_consumer_seconds_behind",
                "Event-time age of the newest message read from the partition, when it was read.",
                &["topic", "partition"],
            ),
            partitions_assigned: b
                .gauge("goalstream_partitions_assigned", "Partitions assigned to this instance."),
            partitions_paused: b.gauge(
                "goalstream_partitions_paused",
                "Partitions paused because the flush workers are behind (backpressure).",
            ),
            rebalances: b.counter_vec(
                "goalstream_rebalances_total",
                "Rebalance callbacks, by kind (assign, revoke, error).",
                &["kind"],
            ),
            offset_out_of_range: b.counter(
                "goalstream_offset_out_of_range_total",
                "Fetches whose offset the broker no longer had (retention deleted unread events; \
                 auto.offset.reset skipped them).",
            ),
            kafka_errors: b.counter_vec(
                "goalstream_kafka_errors_total",
                "Errors the Kafka client reported, by kind (all_brokers_down, transport, resolve, \
                 authentication, tls, other); logged once per kind and interval.",
                &["kind"],
            ),
            buffer_keys: b.gauge_vec(
                "goalstream_buffer_keys",
                "Distinct (user, goal) keys buffered, per flush worker.",
                &["worker"],
            ),
            buffer_bytes: b.gauge_vec(
                "goalstream_buffer_bytes",
                "Payload bytes buffered, per flush worker.",
                &["worker"],
            ),
            buffer_age: b.float_gauge_vec(
                "goalstream_buffer_age_seconds",
                "Age of the oldest buffered record, per flush worker.",
                &["worker"],
            ),
            flushes: b.counter_vec(
                "goalstream_flushes_total",
                "Flush attempts by outcome: committed, failed (retried), fenced (another \
                 instance moved an offset), abandoned (revoke or shutdown deadline).",
                &["outcome"],
            ),
            flush_duration: b.histogram(
                "goalstream_flush_duration_seconds",
                "Committed flushes, first attempt to commit.",
                DB_BUCKETS,
            ),
            flush_batch_rows: b.histogram(
                "goalstream_flush_batch_rows",
                "Distinct keys per committed flush.",
                BATCH_BUCKETS,
            ),
            rows_inserted: b.counter(
                "goalstream_rows_inserted_total",
                "Rows inserted into user_goal_progress.",
            ),
            rows_updated: b
                .counter("goalstream_rows_updated_total", "Rows of user_goal_progress updated."),
            rows_skipped: b.counter_vec(
                "goalstream_rows_skipped_total",
                "Staged rows the merge left alone, by reason (unassigned, inactive, claimed).",
                &["reason"],
            ),
            rows_poison: b.counter(
                "goalstream_rows_poison_total",
                "Updates the merge refused (data error), set aside as dead letters.",
            ),
            goals_completed: b
                .counter("goalstream_goals_completed_total", "Goals that became completed."),
            copy_bytes: b.counter(
                "goalstream_copy_bytes_total",
                "Bytes of binary COPY payload sent to Postgres.",
            ),
            event_to_durable: b.histogram(
                "goalstream_event_to_durable_seconds",
                "Per record: Kafka message timestamp to the commit of its flush.",
                LATENCY_BUCKETS,
            ),
            db_pool_size: b
                .gauge("goalstream_db_pool_connections", "Connections the main pool holds (open)."),
            db_pool_in_use: b.gauge(
                "goalstream_db_pool_connections_in_use",
                "Connections of the main pool lent out.",
            ),
            db_pool_waiting: b
                .gauge("goalstream_db_pool_waiting", "Callers waiting for a main-pool connection."),
            db_pool_wait: b.histogram(
                "goalstream_db_pool_wait_seconds",
                "Time to get a connection from a pool (flush workers, job claims).",
                DB_BUCKETS,
            ),
            db_statement_duration: b.histogram_vec(
                "goalstream_db_statement_duration_seconds",
                "Duration of named statements on the hot paths.",
                &["statement"],
                DB_BUCKETS,
            ),
            db_slow_statements: b.counter_vec(
                "goalstream_db_slow_statements_total",
                "Statements over the slow-statement thresholds, by statement and log level.",
                &["statement", "level"],
            ),
            retries: b.counter_vec(
                "goalstream_retries_total",
                "Operations retried after a failure, by operation.",
                &["operation"],
            ),
            jobs_enqueued: b.counter_vec(
                "goalstream_jobs_enqueued_total",
                "Jobs enqueued (not deduplicated by a unique key), by kind.",
                &["kind"],
            ),
            jobs_claimed: b.counter_vec(
                "goalstream_jobs_claimed_total",
                "Jobs claimed by this instance's workers, by kind.",
                &["kind"],
            ),
            jobs_completed: b.counter_vec(
                "goalstream_jobs_completed_total",
                "Attempts whose handler succeeded, by kind.",
                &["kind"],
            ),
            jobs_failed: b.counter_vec(
                "goalstream_jobs_failed_total",
                "Attempts whose handler failed, timed out or panicked, by kind.",
                &["kind"],
            ),
            jobs_rescued: b.counter_vec(
                "goalstream_jobs_rescued_total",
                "Running jobs of silent workers put back by the rescuer, by kind.",
                &["kind"],
            ),
            jobs_queued: b.gauge_vec(
                "goalstream_jobs",
                "Jobs in a live state, by queue, state and effective priority (periodic query).",
                &["queue", "state", "priority"],
            ),
            periodic_ticks: b.counter_vec(
                "goalstream_periodic_ticks_total",
                "Ticks of periodic schedules handled by this instance, by schedule and outcome \
                 (enqueued on time, caught_up or skipped after being missed).",
                &["schedule", "outcome"],
            ),
            periodic_last_tick: b.gauge_vec(
                "goalstream_periodic_last_tick_timestamp_seconds",
                "The newest tick each periodic schedule handled on any instance (Unix time).",
                &["schedule"],
            ),
            jobs_oldest_available_age: b.float_gauge_vec(
                "goalstream_jobs_oldest_available_age_seconds",
                "Seconds since the run_at of the oldest available job, per queue (periodic query).",
                &["queue"],
            ),
            job_claim_duration: b.histogram(
                "goalstream_job_claim_duration_seconds",
                "Duration of one claim statement.",
                DB_BUCKETS,
            ),
            job_execution_duration: b.histogram_vec(
                "goalstream_job_execution_duration_seconds",
                "Handler run time, by kind.",
                &["kind"],
                JOB_BUCKETS,
            ),
            build_info: b.gauge_vec(
                "goalstream_build_info",
                "Always 1; the labels say which build runs.",
                &["version"],
            ),
            // Last: every family above is registered by now.
            registry: b.registry.clone(),
            names: std::mem::take(&mut b.names),
        };
        metrics.initialise();
        metrics
    }

    /// The registry every family is registered on.
    pub fn registry(&self) -> &Registry {
        &self.registry
    }

    /// The name of every family, in definition order.
    pub fn names(&self) -> &[String] {
        &self.names
    }

    /// The text exposition of every family (what `GET /metrics` returns).
    pub fn render(&self) -> String {
        prometheus::TextEncoder::new()
            .encode_to_string(&self.registry.gather())
            .unwrap_or_else(|error| format!("# encoding failed: {error}\n"))
    }

    fn initialise(&self) {
        self.build_info.with_label_values(&[env!("CARGO_PKG_VERSION")]).set(1);
        for outcome in FlushResult::ALL {
            self.flushes.with_label_values(&[outcome.as_str()]);
        }
        for reason in SkipReason::ALL {
            self.rows_skipped.with_label_values(&[reason.as_str()]);
        }
        for kind in RebalanceKind::ALL {
            self.rebalances.with_label_values(&[kind.as_str()]);
        }
        for kind in KafkaErrorKind::ALL {
            self.kafka_errors.with_label_values(&[kind.as_str()]);
        }
        for statement in Statement::ALL {
            self.db_statement_duration.with_label_values(&[statement.as_str()]);
            for level in SlowLevel::ALL {
                self.db_slow_statements.with_label_values(&[statement.as_str(), level.as_str()]);
            }
        }
        for operation in RetryOperation::ALL {
            self.retries.with_label_values(&[operation.as_str()]);
        }
        for kind in KNOWN_JOB_KINDS {
            for family in [
                &self.jobs_enqueued,
                &self.jobs_claimed,
                &self.jobs_completed,
                &self.jobs_failed,
                &self.jobs_rescued,
            ] {
                family.with_label_values(&[kind]);
            }
            self.job_execution_duration.with_label_values(&[kind]);
        }
    }
}

impl Default for Metrics {
    fn default() -> Self {
        Metrics::new()
    }
}

#[cfg(test)]
mod tests;
