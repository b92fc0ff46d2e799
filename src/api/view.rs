//! What the API shows of a goal for one player: the catalog's goal joined with the player's
//! row, as of the current period. A row whose period ended shows the new period (not started,
//! progress 0): that is what the flush makes of it with the next event.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::catalog::{Goal, Mode, Reward, Rotation};
use crate::store::user_progress::ProgressRecord;
use crate::types::GoalStatus;

/// One goal for one player.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GoalView {
    /// Goal id.
    pub goal_id: String,
    /// Display name.
    pub name: String,
    /// Stat code that feeds it.
    pub stat_code: String,
    /// absolute, relative or increment.
    pub mode: Mode,
    /// Progress needed.
    pub target: i64,
    /// none, daily, weekly or monthly.
    pub rotation: Rotation,
    /// Whether every player has it without an assignment.
    pub default_assigned: bool,
    /// Goals to claim before this one.
    pub prerequisites: Vec<String>,
    /// What claiming grants.
    pub reward: Reward,
    /// Progress in the current period.
    pub progress: i64,
    /// Status in the current period.
    pub status: GoalStatus,
    /// Whether the goal is assigned (default-assigned goals without a row are).
    pub is_active: bool,
    /// Whether a claim would succeed now.
    pub claimable: bool,
    /// When it was assigned.
    pub assigned_at: Option<DateTime<Utc>>,
    /// When it completed in this period.
    pub completed_at: Option<DateTime<Utc>>,
    /// When it was claimed in this period.
    pub claimed_at: Option<DateTime<Utc>>,
    /// End of the current period; `null` for goals that never rotate.
    pub expires_at: Option<DateTime<Utc>>,
}

/// One challenge for one player.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ChallengeView {
    /// Challenge id.
    pub challenge_id: String,
    /// Display name.
    pub name: String,
    /// Its goals, in catalog order.
    pub goals: Vec<GoalView>,
}

impl GoalView {
    /// The goal as of `now` for a player whose row is `row` (none: not started). `claimable`
    /// is left false; [`claimable`] sets it once every goal of the player is known.
    pub fn new(goal: &Goal, row: Option<&ProgressRecord>, now: DateTime<Utc>) -> Self {
        let current = row.filter(|r| !r.expired(now));
        let status = current.map_or(GoalStatus::NotStarted, |r| r.status);
        GoalView {
            goal_id: goal.goal_id.clone(),
            name: goal.name.clone(),
            stat_code: goal.stat_code.clone(),
            mode: goal.mode,
            target: goal.target,
            rotation: goal.rotation,
            default_assigned: goal.default_assigned,
            prerequisites: goal.prerequisites.clone(),
            reward: goal.reward.clone(),
            progress: current.map_or(0, |r| r.progress),
            status,
            is_active: row.map_or(goal.default_assigned, |r| r.is_active),
            claimable: false,
            assigned_at: row.and_then(|r| r.assigned_at),
            completed_at: current.and_then(|r| r.completed_at),
            claimed_at: current.and_then(|r| r.claimed_at),
            expires_at: match current {
                Some(r) => r.expires_at,
                None => goal.rotation.period_end(now),
            },
        }
    }
}

/// Sets `claimable` on every goal: completed, active, and every prerequisite claimed (the
/// claim rules of `store::claims::check`, on the current-period view).
pub fn claimable(challenges: &mut [ChallengeView]) {
    let claimed: HashMap<String, bool> = challenges
        .iter()
        .flat_map(|c| &c.goals)
        .map(|g| (g.goal_id.clone(), g.status == GoalStatus::Claimed))
        .collect();
    for goal in challenges.iter_mut().flat_map(|c| &mut c.goals) {
        goal.claimable = goal.status == GoalStatus::Completed
            && goal.is_active
            && goal.prerequisites.iter().all(|p| claimed.get(p).copied().unwrap_or(false));
    }
}
