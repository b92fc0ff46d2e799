//! The claim rules, without a database.

use chrono::{DateTime, Duration, Utc};

use super::*;
use crate::catalog::Catalog;

fn catalog() -> Catalog {
    Catalog::from_json(crate::catalog::EXAMPLE).unwrap()
}

fn goal<'a>(catalog: &'a Catalog, id: &str) -> &'a Goal {
    catalog.goal(catalog.goal_ref(id).unwrap())
}

fn now() -> DateTime<Utc> {
    "2026-03-04T12:00:00Z".parse().unwrap()
}

fn row(status: &str, active: bool, expires_at: Option<DateTime<Utc>>) -> ClaimRow {
    let status: GoalStatus = status.parse().unwrap();
    ClaimRow {
        progress: 10,
        status,
        is_active: active,
        claimed_at: (status == GoalStatus::Claimed).then(|| now() - Duration::minutes(1)),
        expires_at,
    }
}

fn prerequisite(id: &str, status: &str, expires_at: Option<DateTime<Utc>>) -> PrerequisiteRow {
    PrerequisiteRow { goal_id: id.into(), status: status.parse().unwrap(), expires_at }
}

#[test]
fn a_completed_active_goal_in_its_period_is_claimed() {
    let catalog = catalog();
    let daily = goal(&catalog, "daily-login");
    let tonight = Some(now() + Duration::hours(12));
    assert_eq!(
        check(daily, Some(&row("completed", true, tonight)), true, &[], now()),
        Verdict::Claim
    );
    let forever = goal(&catalog, "first-login");
    assert_eq!(
        check(forever, Some(&row("completed", true, None)), true, &[], now()),
        Verdict::Claim
    );
}

#[test]
fn refusals_come_in_rule_order() {
    let catalog = catalog();
    let daily = goal(&catalog, "daily-login");
    let ended_at = now() - Duration::seconds(1);
    let ended = Some(ended_at);
    let refused = |r: Refusal| Verdict::Refused(r);
    assert_eq!(check(daily, None, false, &[], now()), refused(Refusal::UnknownUser));
    assert_eq!(
        check(daily, None, true, &[], now()),
        refused(Refusal::NotCompleted { status: GoalStatus::NotStarted, progress: 0 })
    );
    // An ended period wins over everything, a claimed row included.
    assert_eq!(
        check(daily, Some(&row("claimed", true, ended)), true, &[], now()),
        refused(Refusal::Expired { expired_at: ended_at })
    );
    // The period ends at expires_at exactly.
    let at_now = Some(now());
    assert!(matches!(
        check(daily, Some(&row("completed", true, at_now)), true, &[], now()),
        Verdict::Refused(Refusal::Expired { .. })
    ));
    // Claimed is idempotent even when unassigned since.
    assert_eq!(
        check(daily, Some(&row("claimed", false, None)), true, &[], now()),
        Verdict::AlreadyClaimed
    );
    assert_eq!(
        check(daily, Some(&row("completed", false, None)), true, &[], now()),
        refused(Refusal::Inactive)
    );
    assert_eq!(
        check(daily, Some(&row("in_progress", true, None)), true, &[], now()),
        refused(Refusal::NotCompleted { status: GoalStatus::InProgress, progress: 10 })
    );
}

#[test]
fn prerequisites_must_be_claimed_in_their_current_period() {
    let catalog = catalog();
    let level_50 = goal(&catalog, "reach-level-50");
    let completed = row("completed", true, None);
    let missing = || {
        Verdict::Refused(Refusal::PrerequisitesNotClaimed {
            missing: vec!["reach-level-10".into()],
        })
    };
    assert_eq!(check(level_50, Some(&completed), true, &[], now()), missing());
    let only_completed = [prerequisite("reach-level-10", "completed", None)];
    assert_eq!(check(level_50, Some(&completed), true, &only_completed, now()), missing());
    let claimed = [prerequisite("reach-level-10", "claimed", None)];
    assert_eq!(check(level_50, Some(&completed), true, &claimed, now()), Verdict::Claim);
    let stale = [prerequisite("reach-level-10", "claimed", Some(now() - Duration::days(1)))];
    assert_eq!(check(level_50, Some(&completed), true, &stale, now()), missing());
}
