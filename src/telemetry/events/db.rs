//! Events of the database side: statements timed on the hot paths, waits for a pooled
//! connection, the pool's state, and operations tried again.

use std::time::Duration;

use super::super::labels::{RetryOperation, Statement};
use super::super::metrics::global as metrics;

/// A statement on a hot path ran: its duration lands in the statement histogram, and one over
/// a slow threshold is also logged at the threshold's level and counted.
#[derive(Debug, Clone, Copy)]
pub struct StatementTimed {
    /// Which statement.
    pub statement: Statement,
    /// How long it took.
    pub elapsed: Duration,
}

impl StatementTimed {
    /// Records it.
    pub fn emit(self) {
        let name = self.statement.as_str();
        let metrics = metrics();
        metrics
            .db_statement_duration
            .with_label_values(&[name])
            .observe(self.elapsed.as_secs_f64());
        let Some(level) = super::super::slow_thresholds().level(self.elapsed) else { return };
        metrics.db_slow_statements.with_label_values(&[name, level.as_str()]).inc();
        let ms = self.elapsed.as_secs_f64() * 1e3;
        match level {
            super::super::labels::SlowLevel::Debug => {
                tracing::debug!(statement = name, ms, "slow statement")
            }
            super::super::labels::SlowLevel::Warn => {
                tracing::warn!(statement = name, ms, "slow statement")
            }
            super::super::labels::SlowLevel::Error => {
                tracing::error!(statement = name, ms, "very slow statement")
            }
        }
    }
}

/// A caller waited for a pooled connection.
#[derive(Debug, Clone, Copy)]
pub struct PoolWaited {
    /// How long.
    pub elapsed: Duration,
}

impl PoolWaited {
    /// Records it.
    pub fn emit(self) {
        metrics().db_pool_wait.observe(self.elapsed.as_secs_f64());
    }
}

/// The main pool's state, read at scrape.
#[derive(Debug, Clone, Copy)]
pub struct PoolObserved {
    /// Connections held.
    pub size: usize,
    /// Connections idle.
    pub available: usize,
    /// Callers waiting.
    pub waiting: usize,
}

impl PoolObserved {
    /// Records it.
    pub fn emit(self) {
        let metrics = metrics();
        metrics.db_pool_size.set(self.size as i64);
        metrics.db_pool_in_use.set(self.size.saturating_sub(self.available) as i64);
        metrics.db_pool_waiting.set(self.waiting as i64);
    }
}

/// An operation failed and is tried again (the caller logs why, with its context).
#[derive(Debug, Clone, Copy)]
pub struct Retried {
    /// Which operation.
    pub operation: RetryOperation,
}

impl Retried {
    /// Records it.
    pub fn emit(self) {
        metrics().retries.with_label_values(&[self.operation.as_str()]).inc();
    }
}
