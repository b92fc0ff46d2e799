//! Unit tests of `profile`.

use super::*;

#[test]
fn durations_parse_with_units() {
    assert_eq!(parse_duration("30").unwrap(), Duration::from_secs(30));
    assert_eq!(parse_duration("30s").unwrap(), Duration::from_secs(30));
    assert_eq!(parse_duration("500ms").unwrap(), Duration::from_millis(500));
    assert_eq!(parse_duration("5m").unwrap(), Duration::from_secs(300));
    assert_eq!(parse_duration("1h").unwrap(), Duration::from_secs(3600));
    assert!(parse_duration("5 parsecs").is_err());
    assert!(parse_duration("0s").is_err());
    assert!(parse_duration("").is_err());
}

#[test]
fn smoke_is_bounded_and_tiers_grow() {
    let smoke = Profile::of(ProfileName::Smoke);
    assert!(smoke.duration <= Duration::from_secs(15));
    assert_eq!(smoke.events(), 50_000);
    assert!(Profile::of(ProfileName::Peak).rate >= 50_000);
    for name in [ProfileName::Smoke, ProfileName::Normal, ProfileName::Peak, ProfileName::Endurance]
    {
        Profile::of(name).check().unwrap();
    }
}
