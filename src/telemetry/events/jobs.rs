//! Events of the job queue: enqueues, claims, attempts, rescues, and samples of the queue.

use std::time::Duration;

use super::super::bounded;
use super::super::metrics::global as metrics;
use crate::types::JobState;

/// Jobs were enqueued (those a unique key deduplicated away are not counted).
#[derive(Debug, Clone, Copy)]
pub struct JobsEnqueued<'a> {
    /// The kind of each job enqueued.
    pub kinds: &'a [&'a str],
}

impl JobsEnqueued<'_> {
    /// Records it.
    pub fn emit(self) {
        count_kinds(&metrics().jobs_enqueued, self.kinds);
    }
}

/// A worker claimed jobs.
#[derive(Debug, Clone, Copy)]
pub struct JobsClaimed<'a> {
    /// The kind of each job claimed.
    pub kinds: &'a [&'a str],
    /// How long the claim statement took.
    pub took: Duration,
}

impl JobsClaimed<'_> {
    /// Records it.
    pub fn emit(self) {
        let metrics = metrics();
        metrics.job_claim_duration.observe(self.took.as_secs_f64());
        count_kinds(&metrics.jobs_claimed, self.kinds);
    }
}

/// A handler finished an attempt.
#[derive(Debug, Clone, Copy)]
pub struct JobFinished<'a> {
    /// The job's kind.
    pub kind: &'a str,
    /// Whether the handler succeeded.
    pub succeeded: bool,
    /// How long it ran.
    pub took: Duration,
}

impl JobFinished<'_> {
    /// Records it.
    pub fn emit(self) {
        let metrics = metrics();
        let counter = if self.succeeded { &metrics.jobs_completed } else { &metrics.jobs_failed };
        let kind = bounded::job_kind(self.kind);
        counter.with_label_values(&[kind]).inc();
        metrics.job_execution_duration.with_label_values(&[kind]).observe(self.took.as_secs_f64());
    }
}

/// The rescuer put back the running jobs of silent workers.
#[derive(Debug, Clone, Copy)]
pub struct JobsRescued<'a> {
    /// The kind of each job put back.
    pub kinds: &'a [&'a str],
}

impl JobsRescued<'_> {
    /// Records it.
    pub fn emit(self) {
        count_kinds(&metrics().jobs_rescued, self.kinds);
    }
}

/// A sample of the queue: live jobs by queue, state and effective priority, and the age of the
/// oldest available job per queue. Series of states that emptied drop out.
#[derive(Debug, Clone, Copy)]
pub struct QueueSampled<'a> {
    /// `(queue, state, priority, jobs)`.
    pub depth: &'a [(&'a str, JobState, i16, i64)],
    /// `(queue, seconds)`.
    pub oldest_available: &'a [(&'a str, f64)],
}

impl QueueSampled<'_> {
    /// Records it.
    pub fn emit(self) {
        let metrics = metrics();
        metrics.jobs_queued.reset();
        // Undeclared queues share the `other` series: add, do not overwrite.
        for (queue, state, priority, jobs) in self.depth {
            let priority = priority.to_string();
            metrics
                .jobs_queued
                .with_label_values(&[bounded::queue(queue), state.as_str(), priority.as_str()])
                .add(*jobs);
        }
        metrics.jobs_oldest_available_age.reset();
        for (queue, age) in self.oldest_available {
            let gauge =
                metrics.jobs_oldest_available_age.with_label_values(&[bounded::queue(queue)]);
            gauge.set(gauge.get().max(*age));
        }
    }
}

fn count_kinds(counter: &prometheus::IntCounterVec, kinds: &[&str]) {
    for kind in kinds {
        counter.with_label_values(&[bounded::job_kind(kind)]).inc();
    }
}
