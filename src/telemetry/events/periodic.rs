//! Events of the periodic-job enqueuer.

use chrono::{DateTime, Utc};

use super::super::labels::TickOutcome;
use super::super::metrics::global as metrics;

/// A periodic schedule is run by this process: its series start at 0 (schedule names come from
/// the configuration, so the label set is bounded by it).
#[derive(Debug, Clone, Copy)]
pub struct ScheduleDeclared<'a> {
    /// The schedule's name.
    pub schedule: &'a str,
}

impl ScheduleDeclared<'_> {
    /// Records it.
    pub fn emit(self) {
        for outcome in TickOutcome::ALL {
            metrics().periodic_ticks.with_label_values(&[self.schedule, outcome.as_str()]);
        }
    }
}

/// This instance handled ticks of a schedule (it moved the schedule's last tick).
#[derive(Debug, Clone, Copy)]
pub struct TicksHandled<'a> {
    /// The schedule's name.
    pub schedule: &'a str,
    /// On-time ticks, each enqueued.
    pub enqueued: u64,
    /// Missed ticks (counted up to a bound per round).
    pub missed: u64,
    /// Whether the missed ticks got one job (`run_once`) or none (`skip`).
    pub caught_up: bool,
    /// The schedule's last tick now.
    pub last_tick: DateTime<Utc>,
}

impl TicksHandled<'_> {
    /// Records it: the counters, the last-tick gauge, a line (INFO when ticks were missed).
    pub fn emit(self) {
        let Self { schedule, enqueued, missed, caught_up, .. } = self;
        let count = |outcome: TickOutcome, n: u64| {
            metrics().periodic_ticks.with_label_values(&[schedule, outcome.as_str()]).inc_by(n)
        };
        count(TickOutcome::Enqueued, enqueued);
        let missed_outcome = if caught_up { TickOutcome::CaughtUp } else { TickOutcome::Skipped };
        count(missed_outcome, missed);
        LastTick { schedule, last_tick: self.last_tick }.emit();
        let last_tick = self.last_tick.to_rfc3339();
        if missed > 0 {
            let catch_up = if caught_up { "one job for them (run_once)" } else { "skipped" };
            tracing::info!(
                schedule,
                missed,
                enqueued,
                %last_tick,
                "periodic job: ticks missed while no instance ran: {catch_up}"
            );
        } else {
            tracing::debug!(schedule, enqueued, %last_tick, "periodic job enqueued");
        }
    }
}

/// A schedule's last tick as read from the database (any instance may have moved it).
#[derive(Debug, Clone, Copy)]
pub struct LastTick<'a> {
    /// The schedule's name.
    pub schedule: &'a str,
    /// Its last tick.
    pub last_tick: DateTime<Utc>,
}

impl LastTick<'_> {
    /// Records it.
    pub fn emit(self) {
        metrics()
            .periodic_last_tick
            .with_label_values(&[self.schedule])
            .set(self.last_tick.timestamp());
    }
}
