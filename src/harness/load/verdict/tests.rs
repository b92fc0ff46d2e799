//! Unit tests of `verdict`.

use super::*;
use chrono::TimeZone;

fn row(user: &str, goal: &str, progress: i64, status: &str) -> (String, String, i64, String) {
    (user.into(), goal.into(), progress, status.into())
}

#[test]
fn lost_duplicated_missing_and_claimed_rows_are_told_apart() {
    let goals = HashMap::from([("kills-goal".to_string(), "kills".to_string())]);
    let sums: DeltaSums = [("a", 5), ("b", 7), ("c", 3), ("d", 4), ("e", 9)]
        .iter()
        .map(|(u, s)| ((u.to_string(), "kills".to_string()), *s))
        .collect();
    let rows = vec![
        row("a", "kills-goal", 5, "in_progress"),
        row("b", "kills-goal", 6, "in_progress"),
        row("c", "kills-goal", 6, "completed"),
        row("e", "kills-goal", 1, "claimed"),
        row("a", "other-goal", 99, "in_progress"),
    ];
    let verdict = compare(&goals, &sums, &rows);
    assert_eq!(verdict.checked_rows, 4);
    assert_eq!((verdict.lost_rows, verdict.lost), (2, 1 + 4));
    assert_eq!((verdict.duplicated_rows, verdict.duplicated), (1, 3));
    assert_eq!(verdict.claimed_rows_skipped, 1);
    assert!(!verdict.ok());
}

#[test]
fn goals_whose_period_rotates_during_the_run_are_left_out() {
    let catalog = Catalog::from_json(include_str!("../../../../config/challenges.json")).unwrap();
    let before = Utc.with_ymd_and_hms(2026, 3, 31, 23, 59, 0).unwrap();
    let after = Utc.with_ymd_and_hms(2026, 4, 1, 0, 1, 0).unwrap();
    let (_, rotated) = checked_goals(&catalog, before, before);
    assert!(rotated.is_empty());
    let (goals, rotated) = checked_goals(&catalog, before, after);
    assert!(rotated.contains(&"daily-kills-25".to_string()));
    assert!(rotated.contains(&"monthly-kills-1000".to_string()));
    assert!(goals.contains_key("first-login"));
}
