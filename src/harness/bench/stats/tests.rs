//! Unit tests of `stats`.

use super::*;

#[test]
fn nearest_rank() {
    let samples: Vec<Duration> = (1..=100).map(Duration::from_millis).collect();
    assert_eq!(percentile_ms(&samples, 50.0), 50.0);
    assert_eq!(percentile_ms(&samples, 99.0), 99.0);
    assert_eq!(percentile_ms(&samples, 100.0), 100.0);
    assert_eq!(percentile_ms(&[Duration::from_millis(7)], 99.0), 7.0);
    assert_eq!(percentile_ms(&[], 50.0), 0.0);
}
