//! Unit tests of `writer`.

use super::*;

#[test]
fn a_lost_insert_race_is_retried_at_once_the_first_time_only() {
    let base = Duration::from_millis(50);
    let mut backoff = Backoff::new(base, Duration::from_secs(5));
    let mut raced = false;
    assert_eq!(retry_delay(true, &mut raced, &mut backoff), Duration::ZERO);
    assert_eq!(backoff.attempts(), 0, "an immediate retry spends no backoff step");
    let again = retry_delay(true, &mut raced, &mut backoff);
    assert!(again > Duration::ZERO, "a race lost again backs off");
    assert_eq!(backoff.attempts(), 1);

    let mut fresh = Backoff::new(base, Duration::from_secs(5));
    let mut not_raced = false;
    assert!(retry_delay(false, &mut not_raced, &mut fresh) > Duration::ZERO, "other errors wait");
    assert!(!not_raced);
}
