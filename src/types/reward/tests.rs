//! Unit tests of `reward`.

use chrono::TimeZone;

use super::*;
use crate::catalog::Catalog;

#[test]
fn the_claims_job_is_the_flush_job_with_a_unique_key_and_args_round_trip() {
    let catalog = Catalog::from_json(include_str!("../../../config/challenges.json")).unwrap();
    let goal = catalog.goals().iter().find(|g| g.goal_id == "daily-kills-25").unwrap();
    let end = Utc.with_ymd_and_hms(2026, 1, 2, 0, 0, 0).unwrap();
    let claim = claim_job("u1", goal, Some(end));
    let flush = job("u1", goal, Some(end));
    assert_eq!(claim.kind, KIND);
    assert_eq!(claim.queue, QUEUE);
    assert_eq!(claim.args, flush.args);
    assert_eq!(flush.unique_key, None);
    assert_eq!(
        claim.unique_key.as_deref(),
        Some("goal.completed:u1:daily-kills-25:2026-01-02T00:00:00+00:00")
    );
    let args: RewardArgs = serde_json::from_value(flush.args).unwrap();
    assert_eq!(args.reward, goal.reward);
    assert_eq!(args.period_end, Some(end));
    let forever = catalog.goals().iter().find(|g| g.goal_id == "first-login").unwrap();
    let key = claim_job("u1", forever, None).unique_key.unwrap();
    assert!(key.ends_with(":always"), "{key}");
}
