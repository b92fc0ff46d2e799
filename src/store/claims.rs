//! Claiming a completed goal: one transaction that locks the player's row (`FOR UPDATE`),
//! checks the rules ([`check`]), marks the row claimed and enqueues the reward job. Statements
//! in `sql/api/`.
//!
//! The claim grants the catalog's reward in its own transaction (`reward_grants`, once per
//! player, goal and period), so a claim answered "claimed" has granted, whatever else is in
//! the queue (issue 19: a cancelled or pre-empted reward job used to mean no grant). It also
//! enqueues the flush's `goal.completed` job (same kind, queue and arguments) with a unique key
//! per player, goal and period ([`reward::claim_job`]) for whatever follows a grant; its
//! handler finds the grant (`reward_grants` primary key) and grants nothing again. A second claim in the same period
//! finds the row claimed and returns the first claim's result without enqueueing anything.

use chrono::{DateTime, Utc};
use deadpool_postgres::{Client, GenericClient};
use futures::TryFutureExt;
use tokio_postgres::types::ToSql;

use super::jobs;
use super::rewards::{self, Grant};
use super::StoreError;
use crate::catalog::Goal;
use crate::types::{reward, GoalStatus, QueueSettings};

const LOCK_GOAL_ROW: &str = include_str!("../../sql/api/lock_goal_row.sql");
const PREREQUISITE_ROWS: &str = include_str!("../../sql/api/prerequisite_rows.sql");
const MARK_CLAIMED: &str = include_str!("../../sql/api/mark_claimed.sql");

/// The locked row of the goal being claimed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClaimRow {
    /// Progress in the row's period.
    pub progress: i64,
    /// Status.
    pub status: GoalStatus,
    /// Whether the goal is assigned.
    pub is_active: bool,
    /// When it was claimed, if it was.
    pub claimed_at: Option<DateTime<Utc>>,
    /// End of the row's period; `None`: never rotates.
    pub expires_at: Option<DateTime<Utc>>,
}

/// A prerequisite goal's row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrerequisiteRow {
    /// The prerequisite goal.
    pub goal_id: String,
    /// Its status.
    pub status: GoalStatus,
    /// End of its period.
    pub expires_at: Option<DateTime<Utc>>,
}

impl PrerequisiteRow {
    /// Claimed in its current period.
    pub fn claimed_at(&self, now: DateTime<Utc>) -> bool {
        self.status == GoalStatus::Claimed && self.expires_at.is_none_or(|end| end > now)
    }
}

/// Why a claim is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// The player has no row at all.
    UnknownUser,
    /// The goal is not completed in its current period (`status` is what the row says, or
    /// `not_started` without a row).
    NotCompleted {
        /// Current status.
        status: GoalStatus,
        /// Current progress.
        progress: i64,
    },
    /// The goal is unassigned for this player.
    Inactive,
    /// The row's period ended: its progress counts for nothing now.
    Expired {
        /// When it ended.
        expired_at: DateTime<Utc>,
    },
    /// These prerequisites are not claimed (in their current period).
    PrerequisitesNotClaimed {
        /// The goals to claim first, in catalog order.
        missing: Vec<String>,
    },
}

/// What the rules say about a claim.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Claim it now.
    Claim,
    /// Already claimed in this period: return that claim.
    AlreadyClaimed,
    /// Refused.
    Refused(Refusal),
}

/// The claim rules, in order: the row exists (else the player is unknown or the goal not
/// started), its period has not ended, it is not already claimed (idempotent), it is active,
/// completed, and every prerequisite is claimed in its current period.
pub fn check(
    goal: &Goal,
    row: Option<&ClaimRow>,
    user_known: bool,
    prerequisites: &[PrerequisiteRow],
    now: DateTime<Utc>,
) -> Verdict {
    let Some(row) = row else {
        return Verdict::Refused(if user_known {
            Refusal::NotCompleted { status: GoalStatus::NotStarted, progress: 0 }
        } else {
            Refusal::UnknownUser
        });
    };
    if let Some(end) = row.expires_at.filter(|end| *end <= now) {
        return Verdict::Refused(Refusal::Expired { expired_at: end });
    }
    if row.status == GoalStatus::Claimed {
        return Verdict::AlreadyClaimed;
    }
    if !row.is_active {
        return Verdict::Refused(Refusal::Inactive);
    }
    if row.status != GoalStatus::Completed {
        return Verdict::Refused(Refusal::NotCompleted {
            status: row.status,
            progress: row.progress,
        });
    }
    let missing: Vec<String> = goal
        .prerequisites
        .iter()
        .filter(|id| !prerequisites.iter().any(|p| &p.goal_id == *id && p.claimed_at(now)))
        .cloned()
        .collect();
    if !missing.is_empty() {
        return Verdict::Refused(Refusal::PrerequisitesNotClaimed { missing });
    }
    Verdict::Claim
}

/// What a claim did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClaimOutcome {
    /// The goal is claimed (by this call or an earlier one in the same period).
    Claimed {
        /// When it was claimed.
        claimed_at: DateTime<Utc>,
        /// End of the claimed period; `None`: never rotates.
        period_end: Option<DateTime<Utc>>,
        /// Whether this call claimed it.
        newly: bool,
        /// The reward job this call enqueued (`None` when it was already claimed, or when the
        /// completion's reward job was still live and took its place).
        job_id: Option<i64>,
    },
    /// Refused; nothing was written.
    Refused(Refusal),
}

/// Prepares this module's statements on a connection (start-up warm-up).
pub async fn prepare<C: GenericClient>(client: &C) -> Result<(), StoreError> {
    for statement in [LOCK_GOAL_ROW, PREREQUISITE_ROWS, MARK_CLAIMED] {
        client.prepare_cached(statement).await?;
    }
    Ok(())
}

/// Claims `goal` for `user_id` at `now` in one transaction (see the module docs).
pub async fn claim(
    client: &mut Client,
    settings: &QueueSettings,
    goal: &Goal,
    user_id: &str,
    now: DateTime<Utc>,
) -> Result<ClaimOutcome, StoreError> {
    let tx = client.transaction().await?;
    let (lock, prerequisite_rows) =
        futures::try_join!(tx.prepare_cached(LOCK_GOAL_ROW), tx.prepare_cached(PREREQUISITE_ROWS))?;
    // Sent together: the lock first, then the read of the prerequisites (only read, never
    // locked: a claimed prerequisite changes only when its period ends).
    let lock_params: [&(dyn ToSql + Sync); 2] = [&user_id, &goal.goal_id];
    let prerequisite_params: [&(dyn ToSql + Sync); 2] = [&user_id, &goal.prerequisites];
    let (row, prerequisites) = futures::try_join!(
        tx.query_opt(&lock, &lock_params),
        tx.query(&prerequisite_rows, &prerequisite_params),
    )?;
    let row = row.map(|r| ClaimRow {
        progress: r.get("progress"),
        status: r.get("status"),
        is_active: r.get("is_active"),
        claimed_at: r.get("claimed_at"),
        expires_at: r.get("expires_at"),
    });
    let prerequisites: Vec<PrerequisiteRow> = prerequisites
        .iter()
        .map(|r| PrerequisiteRow {
            goal_id: r.get("goal_id"),
            status: r.get("status"),
            expires_at: r.get("expires_at"),
        })
        .collect();
    let user_known = match row {
        Some(_) => true,
        None => super::user_progress::user_exists(&tx, user_id).await?,
    };
    match (check(goal, row.as_ref(), user_known, &prerequisites, now), row) {
        (Verdict::Claim, Some(row)) => {
            let mark = tx.prepare_cached(MARK_CLAIMED).await?;
            let job = reward::claim_job(user_id, goal, row.expires_at);
            let mark_params: [&(dyn ToSql + Sync); 3] = [&user_id, &goal.goal_id, &now];
            let (_, ids) = futures::try_join!(
                tx.execute(&mark, &mark_params).map_err(StoreError::from),
                jobs::enqueue(&tx, settings, std::slice::from_ref(&job)),
            )?;
            // The grant itself, in the claim's transaction, with the catalog's reward: a claim
            // that answers "claimed" has granted, whatever the queue holds or does later.
            let job_id = ids.first().copied().flatten();
            let grant = Grant {
                user_id,
                goal_id: &goal.goal_id,
                period_end: row.expires_at,
                reward_type: &goal.reward.kind,
                item_id: &goal.reward.item_id,
                quantity: goal.reward.quantity,
                job_id,
            };
            rewards::grant(&tx, &grant).await?;
            tx.commit().await?;
            Ok(ClaimOutcome::Claimed {
                claimed_at: now,
                period_end: row.expires_at,
                newly: true,
                job_id,
            })
        }
        (Verdict::AlreadyClaimed, Some(row)) => Ok(ClaimOutcome::Claimed {
            claimed_at: row.claimed_at.unwrap_or(now),
            period_end: row.expires_at,
            newly: false,
            job_id: None,
        }),
        (Verdict::Refused(refusal), _) => Ok(ClaimOutcome::Refused(refusal)),
        (verdict, None) => unreachable!("{verdict:?} without a row"),
    }
}

#[cfg(test)]
mod tests;
