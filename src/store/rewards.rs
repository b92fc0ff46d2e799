//! Reward grants: what the `goal.completed` handler and a claim write.

use deadpool_postgres::GenericClient;

use super::StoreError;

const GRANT: &str = include_str!("../../sql/rewards/grant.sql");
const COUNT: &str = include_str!("../../sql/rewards/count.sql");
const FOR_PLAYER: &str = include_str!("../../sql/rewards/for_player.sql");

/// A grant as stored.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct GrantRecord {
    /// Completed goal.
    pub goal_id: String,
    /// End of the goal's period; `None` for goals that never rotate.
    pub period_end: Option<chrono::DateTime<chrono::Utc>>,
    /// Reward type.
    pub reward_type: String,
    /// What was granted.
    pub item_id: String,
    /// How many.
    pub quantity: i64,
    /// The job that granted it.
    pub job_id: Option<i64>,
    /// When.
    pub granted_at: chrono::DateTime<chrono::Utc>,
}

/// One reward to grant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grant<'a> {
    /// Player.
    pub user_id: &'a str,
    /// Completed goal.
    pub goal_id: &'a str,
    /// End of the goal's period; `None` for goals that never rotate.
    pub period_end: Option<chrono::DateTime<chrono::Utc>>,
    /// Reward type.
    pub reward_type: &'a str,
    /// What is granted.
    pub item_id: &'a str,
    /// How many.
    pub quantity: i64,
    /// The job granting it (`None`: the claim granted it and enqueued no job).
    pub job_id: Option<i64>,
}

/// Grants once per player, goal and period; returns whether this call granted it.
pub async fn grant<C: GenericClient>(client: &C, grant: &Grant<'_>) -> Result<bool, StoreError> {
    let statement = client.prepare_cached(GRANT).await?;
    let inserted = client
        .execute(
            &statement,
            &[
                &grant.user_id,
                &grant.goal_id,
                &grant.period_end,
                &grant.reward_type,
                &grant.item_id,
                &grant.quantity,
                &grant.job_id,
            ],
        )
        .await?;
    Ok(inserted == 1)
}

/// How many rewards have been granted.
pub async fn count<C: GenericClient>(client: &C) -> Result<i64, StoreError> {
    Ok(client.query_one(COUNT, &[]).await?.get(0))
}

/// The grants of player `user_id`, newest first.
pub async fn for_player<C: GenericClient>(
    client: &C,
    user_id: &str,
) -> Result<Vec<GrantRecord>, StoreError> {
    let statement = client.prepare_cached(FOR_PLAYER).await?;
    let rows = client.query(&statement, &[&user_id]).await?;
    Ok(rows
        .iter()
        .map(|r| GrantRecord {
            goal_id: r.get("goal_id"),
            period_end: r.get("period_end"),
            reward_type: r.get("reward_type"),
            item_id: r.get("item_id"),
            quantity: r.get("quantity"),
            job_id: r.get("job_id"),
            granted_at: r.get("granted_at"),
        })
        .collect())
}
