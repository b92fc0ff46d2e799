//! Unit tests of `retry`.

use super::*;

#[test]
fn doubles_with_jitter_up_to_the_cap() {
    let mut backoff = Backoff::new(Duration::from_millis(100), Duration::from_millis(700));
    let delays: Vec<Duration> = (0..6).map(|_| backoff.next_delay()).collect();
    let ceilings = [100, 200, 400, 700, 700, 700];
    for (delay, ceiling) in delays.iter().zip(ceilings) {
        let ceiling = Duration::from_millis(ceiling);
        assert!(*delay >= ceiling / 2 && *delay <= ceiling, "{delay:?} vs {ceiling:?}");
    }
    assert_eq!(backoff.attempts(), 6);
    let resumed = Backoff::new(Duration::from_millis(100), Duration::from_millis(700)).after(2);
    let delay = resumed.clone().next_delay();
    assert!(
        delay >= Duration::from_millis(200) && delay <= Duration::from_millis(400),
        "{delay:?}"
    );
}
