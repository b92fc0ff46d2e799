//! What the process tells about itself: logs (`tracing`, [`init`]), Prometheus metrics
//! ([`metrics`], served by `GET /metrics`) and the ingest pipeline's own counters
//! ([`IngestStats`], read by the demo, the logs and `/readyz`). Components emit typed
//! [`events`], each of which writes the log line and the metrics in one place; label values
//! come from the closed sets of [`labels`], or, for job kinds and queues, from what the process
//! declared ([`bounded`]). Statements over the [`slow`] thresholds are logged; HTTP servers log
//! one line per request ([`request_log`]). [`snapshot`] reads the pipeline's
//! metrics back for the web UI's live view.
//!
//! The metric registry and the slow-statement thresholds are process-wide, like the log
//! subscriber: they are where the process reports, set once by [`init`], not configuration
//! that components read.

pub mod bounded;
pub mod events;
mod ingest_stats;
pub mod labels;
mod logging;
pub mod metrics;
pub mod request_log;
pub mod slow;
pub mod snapshot;

use std::sync::OnceLock;

pub use ingest_stats::IngestStats;
pub use logging::LogFormat;
pub use slow::SlowThresholds;

/// Logging settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TelemetryConfig {
    /// `RUST_LOG`-style filter used when `RUST_LOG` is not set.
    pub default_filter: String,
    /// When a timed statement is logged as slow.
    pub slow_statements: SlowThresholds,
    /// Text or JSON lines.
    pub log_format: LogFormat,
}

impl Default for TelemetryConfig {
    fn default() -> Self {
        TelemetryConfig {
            default_filter: "info".into(),
            slow_statements: SlowThresholds::default(),
            log_format: LogFormat::default(),
        }
    }
}

static SLOW: OnceLock<SlowThresholds> = OnceLock::new();

/// Installs the log subscriber and the slow-statement thresholds, once; later calls (tests
/// starting several apps) change nothing.
pub fn init(config: &TelemetryConfig) {
    logging::init(&config.default_filter, config.log_format);
    let _ = SLOW.set(config.slow_statements);
}

/// The slow-statement thresholds in force.
fn slow_thresholds() -> SlowThresholds {
    SLOW.get().copied().unwrap_or_default()
}

/// The text exposition of every metric family (what `GET /metrics` returns).
pub fn render_metrics() -> String {
    metrics::global().render()
}

/// How many times `statement` ran in this process and its total seconds, from the statement
/// histogram (benchmarks read where the time went).
pub fn statement_totals(statement: labels::Statement) -> (u64, f64) {
    let histogram =
        metrics::global().db_statement_duration.with_label_values(&[statement.as_str()]);
    (histogram.get_sample_count(), histogram.get_sample_sum())
}
