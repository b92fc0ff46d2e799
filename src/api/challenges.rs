//! `GET /v1/users/{user_id}/challenges`: the player's progress per challenge and goal.

use std::collections::HashMap;

use axum::extract::State;
use axum::Json;
use chrono::Utc;
use serde::Serialize;

use super::error::{ApiError, ErrorCode};
use super::extract::{check_user_id, Params};
use super::view::{claimable, ChallengeView, GoalView};
use super::ApiState;
use crate::store::user_progress;

/// The response.
#[derive(Debug, Serialize)]
pub struct UserChallenges {
    /// The player.
    pub user_id: String,
    /// Every challenge of the catalog, in catalog order.
    pub challenges: Vec<ChallengeView>,
}

/// Lists the catalog joined with the player's rows; goals without a row are not started.
/// A player without any row is unknown (404 `user_not_found`).
pub async fn list(
    State(state): State<ApiState>,
    Params(user_id): Params<String>,
) -> Result<Json<UserChallenges>, ApiError> {
    check_user_id(&user_id)?;
    let client = state.pool.get().await?;
    let rows = user_progress::user_rows(&client, &user_id).await?;
    drop(client);
    if rows.is_empty() {
        return Err(user_not_found(&user_id));
    }
    let now = Utc::now();
    let by_goal: HashMap<&str, &user_progress::ProgressRecord> =
        rows.iter().map(|r| (r.goal_id.as_str(), r)).collect();
    let catalog = &state.catalog;
    let mut challenges: Vec<ChallengeView> = catalog
        .challenges()
        .iter()
        .map(|challenge| ChallengeView {
            challenge_id: challenge.challenge_id.clone(),
            name: challenge.name.clone(),
            goals: challenge
                .goals
                .iter()
                .map(|index| {
                    let goal = &catalog.goals()[*index];
                    GoalView::new(goal, by_goal.get(goal.goal_id.as_str()).copied(), now)
                })
                .collect(),
        })
        .collect();
    claimable(&mut challenges);
    Ok(Json(UserChallenges { user_id, challenges }))
}

/// 404 for a player without rows.
pub fn user_not_found(user_id: &str) -> ApiError {
    ApiError::new(
        ErrorCode::UserNotFound,
        format!(
            "user {user_id:?} has no progress; POST /v1/users/{{user_id}}/initialize creates \
             the default goals"
        ),
    )
}
