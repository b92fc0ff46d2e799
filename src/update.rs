//! One coalesced progress update per `(user_id, goal_id)`, and the coalescing rules.
//!
//! Many events for the same key fold into one [`Change`] so that a flush writes each row once.
//! The fold is associative: folding events one by one, or folding already-folded batches in
//! Kafka order, gives the same [`Change`], so the merged result never depends on where the
//! stream was cut into batches (DESIGN.md, Merge rules).

use std::sync::Arc;

use crate::catalog::{GoalRef, Mode};

/// What a run of events (in Kafka order) says about one goal of one player.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    /// Absolute goal: the latest `value`, and the largest one seen (for completion).
    Absolute {
        /// `value` of the latest event.
        last: i64,
        /// Largest `value` of the run.
        max: i64,
    },
    /// Relative goal: the first event's `value`/`delta` (for the baseline when it is still
    /// unset), the latest `value` and the largest one.
    Relative {
        /// `value` of the first event of the run.
        first_value: i64,
        /// `delta` of the first event of the run, 0 when absent.
        first_delta: i64,
        /// `value` of the latest event.
        last: i64,
        /// Largest `value` of the run.
        max: i64,
    },
    /// Increment goal: the sum of `delta`s (saturating; deltas are never negative).
    Increment {
        /// Sum of the run's deltas.
        sum: i64,
    },
}

impl Change {
    /// The change one event makes to a goal of `mode`, or `None` when the event lacks the field
    /// the mode reads (`value` for absolute and relative, `delta` for increment): such an event
    /// leaves the goal alone and creates no row.
    pub fn from_event(mode: Mode, value: Option<i64>, delta: Option<i64>) -> Option<Change> {
        match mode {
            Mode::Absolute => value.map(|v| Change::Absolute { last: v, max: v }),
            Mode::Relative => value.map(|v| Change::Relative {
                first_value: v,
                first_delta: delta.unwrap_or(0),
                last: v,
                max: v,
            }),
            Mode::Increment => delta.map(|d| Change::Increment { sum: d }),
        }
    }

    /// Folds a later change of the same goal into this one (`later` came after `self` in
    /// Kafka order). Both sides always have the same mode; a mismatch keeps `self` and is a
    /// programming error caught in debug builds.
    pub fn absorb(&mut self, later: &Change) {
        match (self, later) {
            (Change::Absolute { last, max }, Change::Absolute { last: l, max: m }) => {
                *last = *l;
                *max = (*max).max(*m);
            }
            (Change::Relative { last, max, .. }, Change::Relative { last: l, max: m, .. }) => {
                *last = *l;
                *max = (*max).max(*m);
            }
            (Change::Increment { sum }, Change::Increment { sum: s }) => {
                *sum = sum.saturating_add(*s);
            }
            (this, later) => debug_assert!(false, "cannot fold {later:?} into {this:?}"),
        }
    }
}

/// The coalesced update of one goal of one player, ready to flush.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProgressUpdate {
    /// Player id (shared by the updates of one event and the buffer's index).
    pub user_id: Arc<str>,
    /// The goal, as an index into the catalog.
    pub goal: GoalRef,
    /// What the events said.
    pub change: Change,
}

#[cfg(test)]
mod tests;
