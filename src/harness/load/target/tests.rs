//! Unit tests of `target`.

use super::*;

fn target(kind: Kind, met: bool) -> Target {
    let measured = if met { 0.0 } else { 1.0 };
    Target::new("x", kind, Comparison::AtMost, 0.0, measured)
}

#[test]
fn a_missed_performance_target_fails_every_target_but_not_correctness_only() {
    let targets = [target(Kind::Correctness, true), target(Kind::Performance, false)];
    assert!(!passed(&targets, VerdictMode::All));
    assert!(passed(&targets, VerdictMode::Correctness));
}

#[test]
fn a_missed_correctness_target_fails_both_verdicts() {
    let targets = [target(Kind::Correctness, false), target(Kind::Performance, true)];
    assert!(!passed(&targets, VerdictMode::All));
    assert!(!passed(&targets, VerdictMode::Correctness));
}

#[test]
fn comparisons_include_the_threshold_and_performance_names_its_machine() {
    let at_least = Target::at_least("durable_events_per_s", 4_500.0, 4_500.0);
    assert!(at_least.met);
    assert_eq!(at_least.unit, "events/s");
    assert_eq!(at_least.machine_class.as_deref(), Some(MACHINE_CLASS));
    let at_most = Target::at_most("event_to_durable_p99_ms", 1_500.0, 1_501.0);
    assert!(!at_most.met);
    assert!(
        at_most.line().starts_with("MISSED event_to_durable_p99_ms ≤ 1500 ms"),
        "{}",
        at_most.line()
    );
    assert_eq!(Target::correctness("lost_rows", 0.0).machine_class, None);
    let json = serde_json::to_value(&at_most).unwrap();
    assert_eq!(json["comparison"], "<=");
    assert_eq!(json["kind"], "performance");
    assert_eq!(json["threshold"], 1_500.0);
}
