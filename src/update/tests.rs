//! Unit tests of `update`.

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
    assert_eq!(change, Change::Relative { first_value: 100, first_delta: 5, last: 95, max: 100 });
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
