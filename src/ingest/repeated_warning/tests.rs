//! Unit tests of `repeated_warning`.

use super::*;

#[test]
fn the_same_error_is_logged_once_per_interval_and_a_new_one_at_once() {
    let mut warning = RepeatedWarning::new(Duration::from_secs(60));
    assert!(warning.warn("kafka error", "all brokers down"));
    assert!(!warning.warn("kafka error", "all brokers down"));
    assert!(!warning.warn("kafka error", "all brokers down"));
    assert!(warning.warn("kafka error", "unknown topic"));
    assert!(!warning.warn("kafka error", "all brokers down"), "alternating errors too");
    let mut quick = RepeatedWarning::new(Duration::ZERO);
    assert!(quick.warn("kafka error", "x"));
    assert!(quick.warn("kafka error", "x"));
}
