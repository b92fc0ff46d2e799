//! A reading of the pipeline's metrics from the process's own registry, for the web UI's live
//! view: consumer lag per partition, totals that the view turns into rates between two
//! readings, and the flush latency histogram's quantiles.

use prometheus::core::Collector;
use prometheus::proto::MetricFamily;
use serde::Serialize;

use super::metrics;

/// One assigned partition.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PartitionLag {
    /// Topic.
    pub topic: String,
    /// Partition.
    pub partition: String,
    /// Messages between the committed offset and the high watermark.
    pub lag_messages: i64,
    /// Event-time age of the newest message read (s), when it was read.
    pub seconds_behind: i64,
}

/// The pipeline's metrics at one moment.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PipelineSnapshot {
    /// Partitions assigned to this instance.
    pub partitions_assigned: i64,
    /// Partitions paused by backpressure.
    pub partitions_paused: i64,
    /// Per partition.
    pub partitions: Vec<PartitionLag>,
    /// Messages polled, every topic.
    pub events_consumed: u64,
    /// Messages dead-lettered, every topic.
    pub events_dead_lettered: u64,
    /// Committed flushes.
    pub flushes: u64,
    /// Their total duration (s).
    pub flush_seconds: f64,
    /// Median flush duration since the start (s; the histogram's bucket bound), if any.
    pub flush_p50_s: Option<f64>,
    /// 99th percentile of the flush duration since the start (s; the bucket bound), if any.
    pub flush_p99_s: Option<f64>,
    /// Keys buffered, every flush worker.
    pub buffered_keys: i64,
    /// Goals completed.
    pub goals_completed: u64,
}

/// Reads the process-wide metrics (all zero in a process that does not consume).
pub fn pipeline_snapshot() -> PipelineSnapshot {
    let m = metrics::global();
    let lag = series(&m.consumer_lag.collect(), |x| x.get_gauge().get_value());
    let behind = series(&m.seconds_behind.collect(), |x| x.get_gauge().get_value());
    let partitions = lag
        .iter()
        .map(|(labels, value)| PartitionLag {
            topic: label(labels, "topic"),
            partition: label(labels, "partition"),
            lag_messages: *value as i64,
            seconds_behind: behind.iter().find(|(l, _)| l == labels).map_or(0, |(_, v)| *v as i64),
        })
        .collect();
    let total = |families: Vec<MetricFamily>| -> u64 {
        series(&families, |x| x.get_counter().get_value()).iter().map(|(_, v)| *v as u64).sum()
    };
    let flush = &m.flush_duration;
    let buffered = series(&m.buffer_keys.collect(), |x| x.get_gauge().get_value());
    PipelineSnapshot {
        partitions_assigned: m.partitions_assigned.get(),
        partitions_paused: m.partitions_paused.get(),
        partitions,
        events_consumed: total(m.events_consumed.collect()),
        events_dead_lettered: total(m.events_dead_lettered.collect()),
        flushes: flush.get_sample_count(),
        flush_seconds: flush.get_sample_sum(),
        flush_p50_s: quantile(&flush.collect(), 0.5),
        flush_p99_s: quantile(&flush.collect(), 0.99),
        buffered_keys: buffered.iter().map(|(_, v)| *v as i64).sum(),
        goals_completed: m.goals_completed.get(),
    }
}

type Labels = Vec<(String, String)>;

/// Every series of `families` as (labels, value).
fn series(
    families: &[MetricFamily],
    value: impl Fn(&prometheus::proto::Metric) -> f64,
) -> Vec<(Labels, f64)> {
    families
        .iter()
        .flat_map(|family| family.get_metric())
        .map(|metric| {
            let labels = metric
                .get_label()
                .iter()
                .map(|l| (l.name().to_string(), l.value().to_string()))
                .collect();
            (labels, value(metric))
        })
        .collect()
}

/// The value of label `name` (labels come sorted by name, not in declaration order).
fn label(labels: &Labels, name: &str) -> String {
    labels.iter().find(|(n, _)| n == name).map(|(_, v)| v.clone()).unwrap_or_default()
}

/// The upper bound of the bucket holding the `q` quantile of a histogram (None when empty or
/// past the last bucket).
fn quantile(families: &[MetricFamily], q: f64) -> Option<f64> {
    let histogram = families.first()?.get_metric().first()?.get_histogram();
    let count = histogram.get_sample_count();
    if count == 0 {
        return None;
    }
    let rank = (q * count as f64).ceil() as u64;
    histogram.get_bucket().iter().find(|b| b.cumulative_count() >= rank).map(|b| b.upper_bound())
}

#[cfg(test)]
mod tests;
