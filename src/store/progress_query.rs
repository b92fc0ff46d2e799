//! Reads of user_goal_progress for summaries, checks and reports.

use chrono::{DateTime, Utc};
use deadpool_postgres::GenericClient;

use super::StoreError;

const SAMPLE: &str = include_str!("../../sql/progress/sample.sql");
const BY_GOALS: &str = include_str!("../../sql/progress/by_goals.sql");

/// One row as shown to people.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProgressRow {
    /// Player.
    pub user_id: String,
    /// Goal.
    pub goal_id: String,
    /// Progress.
    pub progress: i64,
    /// Status.
    pub status: String,
    /// Relative goals' baseline.
    pub baseline: Option<i64>,
    /// End of the current period.
    pub expires_at: Option<DateTime<Utc>>,
}

/// The `limit` most recently updated rows.
pub async fn sample<C: GenericClient>(
    client: &C,
    limit: i64,
) -> Result<Vec<ProgressRow>, StoreError> {
    let rows = client.query(SAMPLE, &[&limit]).await?;
    Ok(rows
        .iter()
        .map(|r| ProgressRow {
            user_id: r.get(0),
            goal_id: r.get(1),
            progress: r.get(2),
            status: r.get(3),
            baseline: r.get(4),
            expires_at: r.get(5),
        })
        .collect())
}

/// `(user_id, goal_id, progress, status)` of every row of the goals.
pub async fn by_goals<C: GenericClient>(
    client: &C,
    goal_ids: &[String],
) -> Result<Vec<(String, String, i64, String)>, StoreError> {
    let rows = client.query(BY_GOALS, &[&goal_ids]).await?;
    Ok(rows.iter().map(|r| (r.get(0), r.get(1), r.get(2), r.get(3))).collect())
}
