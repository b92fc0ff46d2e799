//! The handler of `goal.completed` jobs (enqueued by the flush for every goal it completes):
//! records the goal's reward in `reward_grants`, once per player, goal and period.

use deadpool_postgres::Pool;
use serde::Deserialize;

use super::handler::{Handler, HandlerFuture};
use super::ClaimedJob;
use crate::catalog::Reward;
use crate::store::progress::GOAL_COMPLETED;
use crate::store::rewards::{self, Grant};

/// Grants rewards for completed goals.
#[derive(Debug, Clone, Copy, Default)]
pub struct RewardGrantHandler;

#[derive(Deserialize)]
struct Args {
    user_id: String,
    goal_id: String,
    period_end: Option<chrono::DateTime<chrono::Utc>>,
    reward: Reward,
}

impl Handler for RewardGrantHandler {
    fn kind(&self) -> &str {
        GOAL_COMPLETED
    }

    fn run<'a>(&'a self, job: &'a ClaimedJob, pool: &'a Pool) -> HandlerFuture<'a> {
        Box::pin(async move {
            let args: Args = serde_json::from_value(job.args.clone())
                .map_err(|error| format!("bad goal.completed arguments: {error}"))?;
            let client = pool.get().await.map_err(|error| error.to_string())?;
            let grant = Grant {
                user_id: &args.user_id,
                goal_id: &args.goal_id,
                period_end: args.period_end,
                reward_type: &args.reward.kind,
                item_id: &args.reward.item_id,
                quantity: args.reward.quantity,
                job_id: job.id,
            };
            let granted =
                rewards::grant(&client, &grant).await.map_err(|error| error.to_string())?;
            tracing::debug!(user_id = %args.user_id, goal_id = %args.goal_id, granted, "reward");
            Ok(())
        })
    }
}
