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
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn events_without_the_needed_field_change_nothing() {
        assert_eq!(Change::from_event(Mode::Increment, Some(5), None), None);
        assert_eq!(Change::from_event(Mode::Absolute, None, Some(1)), None);
        assert_eq!(Change::from_event(Mode::Relative, None, Some(1)), None);
        assert_eq!(
            Change::from_event(Mode::Relative, Some(10), None),
            Some(Change::Relative { first_value: 10, first_delta: 0, last: 10, max: 10 })
        );
    }

    #[test]
    fn increments_are_summed_and_saturate() {
        let mut change = Change::Increment { sum: 3 };
        change.absorb(&Change::Increment { sum: 4 });
        assert_eq!(change, Change::Increment { sum: 7 });
        change.absorb(&Change::Increment { sum: i64::MAX });
        assert_eq!(change, Change::Increment { sum: i64::MAX });
    }

    #[test]
    fn relative_keeps_the_first_event_for_the_baseline() {
        let mut change = Change::from_event(Mode::Relative, Some(100), Some(5)).unwrap();
        change.absorb(&Change::from_event(Mode::Relative, Some(90), Some(1)).unwrap());
        change.absorb(&Change::from_event(Mode::Relative, Some(95), None).unwrap());
        assert_eq!(
            change,
            Change::Relative { first_value: 100, first_delta: 5, last: 95, max: 100 }
        );
    }

    fn mode() -> impl Strategy<Value = Mode> {
        prop_oneof![Just(Mode::Absolute), Just(Mode::Relative), Just(Mode::Increment)]
    }

    proptest! {
        /// Folding is associative: any cut of the stream into runs, folded run by run and then
        /// folded together, equals folding the whole stream event by event.
        #[test]
        fn fold_does_not_depend_on_batch_cuts(
            mode in mode(),
            events in prop::collection::vec((0i64..1_000, 0i64..50), 1..40),
            cuts in prop::collection::vec(any::<prop::sample::Index>(), 0..6),
        ) {
            let changes: Vec<Change> = events
                .iter()
                .filter_map(|(v, d)| Change::from_event(mode, Some(*v), Some(*d)))
                .collect();
            let fold = |run: &[Change]| {
                let mut it = run.iter();
                let mut acc = *it.next()?;
                it.for_each(|c| acc.absorb(c));
                Some(acc)
            };
            let whole = fold(&changes).unwrap();
            let mut points: Vec<usize> = cuts.iter().map(|i| i.index(changes.len())).collect();
            points.extend([0, changes.len()]);
            points.sort_unstable();
            points.dedup();
            let runs: Vec<Change> =
                points.windows(2).filter_map(|w| fold(&changes[w[0]..w[1]])).collect();
            prop_assert_eq!(fold(&runs).unwrap(), whole);
        }
    }
}
