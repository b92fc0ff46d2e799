//! The job queue's plain types: what is enqueued, claimed, completed or failed, the settings
//! that order the queue, and the states a job goes through. The SQL is in `store::jobs`, the
//! worker pool in `jobs`.

use std::time::Duration;

use chrono::{DateTime, Utc};
use serde_json::Value;

use super::names::names;

/// Queue used when a job names none.
pub const DEFAULT_QUEUE: &str = "default";
/// Priority used when a job names none (1 most urgent, 5 least).
pub const DEFAULT_PRIORITY: i16 = 3;
/// Attempts before a job fails for good.
pub const DEFAULT_MAX_ATTEMPTS: i32 = 5;
/// Aging: a waiting job gains one priority level per interval, so a priority-5 job is served
/// like a priority-1 job after 4 intervals.
pub const DEFAULT_AGING_INTERVAL: Duration = Duration::from_secs(10);
/// Fairness: the virtual time one job takes from its tenant's share.
pub const DEFAULT_FAIR_QUANTUM: Duration = Duration::from_millis(1);

/// How the queue orders work.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct QueueSettings {
    /// See [`DEFAULT_AGING_INTERVAL`].
    pub aging_interval: Duration,
    /// See [`DEFAULT_FAIR_QUANTUM`].
    pub fair_quantum: Duration,
}

impl Default for QueueSettings {
    fn default() -> Self {
        QueueSettings { aging_interval: DEFAULT_AGING_INTERVAL, fair_quantum: DEFAULT_FAIR_QUANTUM }
    }
}

/// A job to enqueue.
#[derive(Debug, Clone, PartialEq)]
pub struct NewJob {
    /// Which handler runs it.
    pub kind: String,
    /// Queue.
    pub queue: String,
    /// Fairness key ("" for none).
    pub tenant: String,
    /// 1 (most urgent) to 5.
    pub priority: i16,
    /// Handler arguments.
    pub args: Value,
    /// Attempts before it fails for good.
    pub max_attempts: i32,
    /// Not before this time (None: now).
    pub run_at: Option<DateTime<Utc>>,
    /// At most one live job per key.
    pub unique_key: Option<String>,
}

impl NewJob {
    /// A job of `kind` with `args` and the defaults.
    pub fn new(kind: impl Into<String>, args: Value) -> Self {
        NewJob {
            kind: kind.into(),
            queue: DEFAULT_QUEUE.into(),
            tenant: String::new(),
            priority: DEFAULT_PRIORITY,
            args,
            max_attempts: DEFAULT_MAX_ATTEMPTS,
            run_at: None,
            unique_key: None,
        }
    }

    /// The same job in `queue`.
    pub fn in_queue(mut self, queue: impl Into<String>) -> Self {
        self.queue = queue.into();
        self
    }

    /// The same job for `tenant`.
    pub fn for_tenant(mut self, tenant: impl Into<String>) -> Self {
        self.tenant = tenant.into();
        self
    }

    /// The same job at `priority`.
    pub fn with_priority(mut self, priority: i16) -> Self {
        self.priority = priority;
        self
    }

    /// The same job with a unique key.
    pub fn unique(mut self, key: impl Into<String>) -> Self {
        self.unique_key = Some(key.into());
        self
    }

    /// The same job with at most `max_attempts` attempts.
    pub fn attempts(mut self, max_attempts: i32) -> Self {
        self.max_attempts = max_attempts;
        self
    }

    /// Why the job cannot be enqueued, if it cannot.
    pub fn check(&self) -> Result<(), String> {
        if self.kind.trim().is_empty() {
            return Err("a job needs a kind".into());
        }
        if !(1..=5).contains(&self.priority) {
            return Err(format!("priority must be 1 to 5, got {}", self.priority));
        }
        if self.max_attempts < 1 {
            return Err(format!("max_attempts must be at least 1, got {}", self.max_attempts));
        }
        Ok(())
    }
}

/// A job handed to a worker.
#[derive(Debug, Clone, PartialEq)]
pub struct ClaimedJob {
    /// Job id.
    pub id: i64,
    /// Handler.
    pub kind: String,
    /// Queue.
    pub queue: String,
    /// Fairness key.
    pub tenant: String,
    /// Priority after inheritance.
    pub effective_priority: i16,
    /// Arguments.
    pub args: Value,
    /// This attempt's number (fences its completion).
    pub attempt: i32,
    /// Attempts allowed.
    pub max_attempts: i32,
}

/// A failed attempt to record.
#[derive(Debug, Clone, PartialEq)]
pub struct Failure {
    /// Job id.
    pub id: i64,
    /// The attempt that failed.
    pub attempt: i32,
    /// Why.
    pub error: String,
}

/// Delay before retry number `attempt` (1-based): 1 s doubling, at most 1 hour, with jitter
/// over the upper half so that jobs failing together do not retry together.
pub fn retry_delay(attempt: i32) -> Duration {
    let tries_before = u32::try_from(attempt.max(1) - 1).unwrap_or(0);
    crate::retry::Backoff::new(Duration::from_secs(1), Duration::from_secs(3600))
        .after(tries_before)
        .next_delay()
}

names! {
    sql
    /// Where a job is in its life (`jobs.state`).
    pub enum JobState ("job state") {
        /// Waiting for its parents.
        Pending => "pending",
        /// Waiting for its `run_at`.
        Scheduled => "scheduled",
        /// Ready to be claimed.
        Available => "available",
        /// Claimed by a worker.
        Running => "running",
        /// Failed an attempt; runs again at its `run_at`.
        Retryable => "retryable",
        /// Done.
        Completed => "completed",
        /// Out of attempts (dead).
        Failed => "failed",
        /// Cancelled before it ran.
        Cancelled => "cancelled",
    }
}

impl JobState {
    /// States in which a job has not started and can be cancelled.
    pub const CANCELLABLE: [JobState; 4] =
        [JobState::Pending, JobState::Scheduled, JobState::Available, JobState::Retryable];

    /// Whether the job is done for good (completed, failed or cancelled).
    pub fn is_finished(self) -> bool {
        matches!(self, JobState::Completed | JobState::Failed | JobState::Cancelled)
    }
}
