//! Unit tests of `rotation`.

use super::*;

fn at(s: &str) -> DateTime<Utc> {
    s.parse().unwrap()
}

#[test]
fn daily_ends_at_next_midnight() {
    assert_eq!(
        Rotation::Daily.period_end(at("2026-03-04T23:59:59Z")),
        Some(at("2026-03-05T00:00:00Z"))
    );
    assert_eq!(
        Rotation::Daily.period_end(at("2026-03-05T00:00:00Z")),
        Some(at("2026-03-06T00:00:00Z"))
    );
}

#[test]
fn weekly_ends_next_monday() {
    // 2026-03-04 is a Wednesday.
    assert_eq!(
        Rotation::Weekly.period_end(at("2026-03-04T12:00:00Z")),
        Some(at("2026-03-09T00:00:00Z"))
    );
    // On a Monday the period runs to the following Monday.
    assert_eq!(
        Rotation::Weekly.period_end(at("2026-03-09T00:00:00Z")),
        Some(at("2026-03-16T00:00:00Z"))
    );
    assert_eq!(
        Rotation::Weekly.period_end(at("2026-03-15T23:00:00Z")),
        Some(at("2026-03-16T00:00:00Z"))
    );
}

#[test]
fn monthly_wraps_the_year() {
    assert_eq!(
        Rotation::Monthly.period_end(at("2026-12-31T10:00:00Z")),
        Some(at("2027-01-01T00:00:00Z"))
    );
    assert_eq!(
        Rotation::Monthly.period_end(at("2026-02-01T00:00:00Z")),
        Some(at("2026-03-01T00:00:00Z"))
    );
}

#[test]
fn none_never_expires() {
    assert_eq!(Rotation::None.period_end(at("2026-01-01T00:00:00Z")), None);
}
