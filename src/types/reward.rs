//! The `goal.completed` job: the one job kind the pipeline owns. The flush enqueues it, in the
//! transaction in which a goal becomes `completed`; a claim enqueues it again with a unique
//! key; its handler (`jobs::reward`) records the reward in `reward_grants` once per player,
//! goal and period, whichever of the two runs first. Its kind, queue, arguments and unique key
//! are defined here and nowhere else.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::job::NewJob;
use crate::catalog::{Goal, Reward};

/// Kind of the job a completed goal enqueues.
pub const KIND: &str = "goal.completed";
/// Queue of those jobs.
pub const QUEUE: &str = "rewards";
/// Every job kind the pipeline owns: no caller may enqueue or cancel one over the API.
pub const PIPELINE_KINDS: &[&str] = &[KIND];
/// Queues the pipeline owns: API callers may not put jobs in them (they would delay rewards).
pub const PIPELINE_QUEUES: &[&str] = &[QUEUE];

/// The job's arguments.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RewardArgs {
    /// The player.
    pub user_id: String,
    /// The goal completed.
    pub goal_id: String,
    /// Its challenge.
    pub challenge_id: String,
    /// End of the period in which it completed; `None` for goals that never rotate.
    pub period_end: Option<DateTime<Utc>>,
    /// The catalog's reward for the goal.
    pub reward: Reward,
}

/// The job of `goal` completed by `user_id` in the period ending at `period_end`.
///
/// The flush enqueues it without a unique key: it writes the job in the transaction in which
/// the goal becomes `completed`, which happens once per period (completion is sticky, a retried
/// flush rolled back entirely), so the job exists once without the cost of a unique index
/// entry per completion. A claim enqueues [`claim_job`] instead.
pub fn job(user_id: &str, goal: &Goal, period_end: Option<DateTime<Utc>>) -> NewJob {
    let args = RewardArgs {
        user_id: user_id.to_string(),
        goal_id: goal.goal_id.clone(),
        challenge_id: goal.challenge_id.clone(),
        period_end,
        reward: goal.reward.clone(),
    };
    NewJob::new(KIND, serde_json::to_value(args).expect("reward arguments serialize"))
        .in_queue(QUEUE)
}

/// The job a claim enqueues: [`job`] with a unique key per player, goal and period, so that
/// claims never queue it twice. It does not dedupe against the flush's job (that one has no
/// key): the handler grants once either way.
pub fn claim_job(user_id: &str, goal: &Goal, period_end: Option<DateTime<Utc>>) -> NewJob {
    let period = period_end.map_or_else(|| "always".to_string(), |t| t.to_rfc3339());
    job(user_id, goal, period_end).unique(format!("{KIND}:{user_id}:{}:{period}", goal.goal_id))
}

#[cfg(test)]
mod tests;
