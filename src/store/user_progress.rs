//! A player's progress rows as the REST API reads and writes them: the listing, default
//! assignment (`initialize`) and assign / unassign. Statements in `sql/api/`.

use chrono::{DateTime, Utc};
use deadpool_postgres::GenericClient;
use tokio_postgres::Row;

use super::StoreError;
use crate::types::GoalStatus;

const USER_ROWS: &str = include_str!("../../sql/api/user_rows.sql");
const USER_EXISTS: &str = include_str!("../../sql/api/user_exists.sql");
const INITIALIZE: &str = include_str!("../../sql/api/initialize.sql");
const SET_ACTIVE: &str = include_str!("../../sql/api/set_active.sql");

/// One `user_goal_progress` row of a player.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProgressRecord {
    /// Goal.
    pub goal_id: String,
    /// Progress in the row's period.
    pub progress: i64,
    /// Status in the row's period.
    pub status: GoalStatus,
    /// Whether the goal is assigned.
    pub is_active: bool,
    /// When the goal was (re-)assigned.
    pub assigned_at: Option<DateTime<Utc>>,
    /// When it completed in the row's period.
    pub completed_at: Option<DateTime<Utc>>,
    /// When it was claimed in the row's period.
    pub claimed_at: Option<DateTime<Utc>>,
    /// End of the row's period; `None` for goals that never rotate.
    pub expires_at: Option<DateTime<Utc>>,
    /// Last write.
    pub updated_at: DateTime<Utc>,
}

impl ProgressRecord {
    fn from_row(row: &Row) -> Self {
        ProgressRecord {
            goal_id: row.get("goal_id"),
            progress: row.get("progress"),
            status: row.get("status"),
            is_active: row.get("is_active"),
            assigned_at: row.get("assigned_at"),
            completed_at: row.get("completed_at"),
            claimed_at: row.get("claimed_at"),
            expires_at: row.get("expires_at"),
            updated_at: row.get("updated_at"),
        }
    }

    /// Whether the row's period ended at `now` (the next event resets it).
    pub fn expired(&self, now: DateTime<Utc>) -> bool {
        self.expires_at.is_some_and(|end| end <= now)
    }
}

/// Prepares this module's statements on a connection (start-up warm-up).
pub async fn prepare<C: GenericClient>(client: &C) -> Result<(), StoreError> {
    for statement in [USER_ROWS, USER_EXISTS, INITIALIZE, SET_ACTIVE] {
        client.prepare_cached(statement).await?;
    }
    Ok(())
}

/// Every row of a player, in no particular order.
pub async fn user_rows<C: GenericClient>(
    client: &C,
    user_id: &str,
) -> Result<Vec<ProgressRecord>, StoreError> {
    let statement = client.prepare_cached(USER_ROWS).await?;
    let rows = client.query(&statement, &[&user_id]).await?;
    Ok(rows.iter().map(ProgressRecord::from_row).collect())
}

/// Whether the player has any row.
pub async fn user_exists<C: GenericClient>(client: &C, user_id: &str) -> Result<bool, StoreError> {
    let statement = client.prepare_cached(USER_EXISTS).await?;
    Ok(client.query_one(&statement, &[&user_id]).await?.get(0))
}

/// Creates the player's rows for `goals` (`(goal_id, expires_at)`) where none exists; returns
/// the goals whose row was created.
pub async fn initialize<C: GenericClient>(
    client: &C,
    user_id: &str,
    goals: &[(&str, Option<DateTime<Utc>>)],
    now: DateTime<Utc>,
) -> Result<Vec<String>, StoreError> {
    let ids: Vec<&str> = goals.iter().map(|g| g.0).collect();
    let expires: Vec<Option<DateTime<Utc>>> = goals.iter().map(|g| g.1).collect();
    let statement = client.prepare_cached(INITIALIZE).await?;
    let rows = client.query(&statement, &[&user_id, &ids, &expires, &now]).await?;
    let mut created: Vec<String> = rows.iter().map(|r| r.get(0)).collect();
    created.sort();
    Ok(created)
}

/// Assigns or unassigns a goal; a missing row is created with `expires_at`. Returns the row.
pub async fn set_active<C: GenericClient>(
    client: &C,
    user_id: &str,
    goal_id: &str,
    active: bool,
    expires_at: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Result<ProgressRecord, StoreError> {
    let statement = client.prepare_cached(SET_ACTIVE).await?;
    let row =
        client.query_one(&statement, &[&user_id, &goal_id, &active, &expires_at, &now]).await?;
    Ok(ProgressRecord::from_row(&row))
}
