use super::*;

#[test]
fn ages_and_timestamps_parse() {
    let two_hours = parse("2h").unwrap();
    let age = Utc::now() - two_hours;
    assert!((7_199..=7_201).contains(&age.num_seconds()), "{age}");
    assert_eq!(parse("2026-01-02T03:04:05Z").unwrap().to_rfc3339(), "2026-01-02T03:04:05+00:00");
    assert_eq!(parse("2026-01-02T03:04").unwrap().to_rfc3339(), "2026-01-02T03:04:00+00:00");
    assert_eq!(parse("2026-01-02T03:04:05").unwrap().to_rfc3339(), "2026-01-02T03:04:05+00:00");
}

#[test]
fn nonsense_is_refused_with_the_accepted_forms() {
    for bad in ["", "h", "2x", "-3h", "yesterday", "99999999999d"] {
        let error = parse(bad).unwrap_err();
        assert!(
            error.contains("RFC 3339") || error.contains("age") || error.contains("empty"),
            "{bad}: {error}"
        );
    }
}
