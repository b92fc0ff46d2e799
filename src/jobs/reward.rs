//! The handler of `goal.completed` jobs (enqueued by the flush for every goal it completes):
//! records the goal's reward in `reward_grants`, once per player, goal and period.

use deadpool_postgres::Pool;

use super::handler::{Handler, HandlerFuture};
use crate::store::rewards::{self, Grant};
use crate::types::reward::{RewardArgs, KIND};
use crate::types::ClaimedJob;

/// Grants rewards for completed goals.
#[derive(Debug, Clone, Copy, Default)]
pub struct RewardGrantHandler;

impl Handler for RewardGrantHandler {
    fn kind(&self) -> &str {
        KIND
    }

    fn run<'a>(&'a self, job: &'a ClaimedJob, pool: &'a Pool) -> HandlerFuture<'a> {
        Box::pin(async move {
            let args: RewardArgs = serde_json::from_value(job.args.clone())
                .map_err(|error| format!("bad goal.completed arguments: {error}"))?;
            let client = pool.get().await.map_err(|error| error.to_string())?;
            let grant = Grant {
                user_id: &args.user_id,
                goal_id: &args.goal_id,
                period_end: args.period_end,
                reward_type: &args.reward.kind,
                item_id: &args.reward.item_id,
                quantity: args.reward.quantity,
                job_id: Some(job.id),
            };
            let granted =
                rewards::grant(&client, &grant).await.map_err(|error| error.to_string())?;
            tracing::debug!(user_id = %args.user_id, goal_id = %args.goal_id, granted, "reward");
            Ok(())
        })
    }
}
