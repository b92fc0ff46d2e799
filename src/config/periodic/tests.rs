//! Unit tests of `periodic`: the file's shape.

use super::*;

#[test]
fn the_example_file_parses_with_its_defaults() {
    let text = include_str!("../../../config/periodic.example.toml");
    let file = PeriodicFile::parse(text).unwrap();
    assert_eq!(file.external_kinds, ["report.daily", "leaderboard.snapshot"]);
    assert_eq!(file.periodic.len(), 2);
    let report = &file.periodic[0];
    assert_eq!(report.timezone, "Europe/Berlin");
    assert_eq!(report.catch_up, CatchUp::RunOnce);
    assert_eq!(report.args, serde_json::json!({"format": "csv"}));
    assert_eq!(report.grace_seconds, DEFAULT_GRACE_SECONDS);
    let snapshot = &file.periodic[1];
    assert_eq!(snapshot.timezone, "UTC");
    assert_eq!(snapshot.args, serde_json::json!({}));
    assert_eq!((snapshot.catch_up, snapshot.grace_seconds), (CatchUp::Skip, 120));
}

#[test]
fn unknown_fields_and_bad_values_are_refused_with_their_line() {
    let typo =
        "[[periodic]]\nname = \"a\"\ncron = \"* * * * *\"\nkind = \"k\"\ncatchup = \"skip\"\n";
    let error = PeriodicFile::parse(typo).unwrap_err();
    assert!(error.contains("catchup") && error.contains("line 5"), "{error}");
    let bad =
        "[[periodic]]\nname = \"a\"\ncron = \"* * * * *\"\nkind = \"k\"\ncatch_up = \"later\"\n";
    let error = PeriodicFile::parse(bad).unwrap_err();
    assert!(error.contains("later") && error.contains("skip"), "{error}");
    let missing = "[[periodic]]\nname = \"a\"\nkind = \"k\"\n";
    assert!(PeriodicFile::parse(missing).unwrap_err().contains("cron"));
}
