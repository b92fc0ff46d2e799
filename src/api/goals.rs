//! A player's goals: claim (`POST …/goals/{goal_id}/claim`), assign / unassign
//! (`PUT …/goals/{goal_id}/active`) and default assignment (`POST …/initialize`).

use axum::extract::State;
use axum::Json;
use chrono::{DateTime, SubsecRound, Utc};
use serde::{Deserialize, Serialize};

use super::challenges::user_not_found;
use super::error::{ApiError, ErrorCode};
use super::extract::{check_goal_id, check_user_id, Body, Params};
use super::view::GoalView;
use super::ApiState;
use crate::catalog::{Goal, Reward};
use crate::store::claims::{self, ClaimOutcome, Refusal};
use crate::store::user_progress;
use crate::types::GoalStatus;

/// The response of a claim; a repeated claim in the same period gets the same body.
#[derive(Debug, Serialize)]
pub struct ClaimResponse {
    /// The player.
    pub user_id: String,
    /// The goal.
    pub goal_id: String,
    /// Always `claimed`.
    pub status: GoalStatus,
    /// When it was claimed.
    pub claimed_at: DateTime<Utc>,
    /// End of the claimed period; `null` for goals that never rotate.
    pub period_end: Option<DateTime<Utc>>,
    /// What the reward job grants.
    pub reward: Reward,
}

/// Claims a completed goal (see `store::claims`): 200 with the claim, also for a repeated
/// claim in the same period; 409 with a code when the rules refuse it.
pub async fn claim(
    State(state): State<ApiState>,
    Params((user_id, goal_id)): Params<(String, String)>,
) -> Result<Json<ClaimResponse>, ApiError> {
    check_user_id(&user_id)?;
    let goal = find_goal(&state, &goal_id)?;
    let now = now();
    let mut client = state.pool.get().await?;
    let outcome = claims::claim(&mut client, &state.queue, goal, &user_id, now).await?;
    match outcome {
        ClaimOutcome::Claimed { claimed_at, period_end, newly, job_id } => {
            if newly {
                tracing::debug!(%user_id, %goal_id, job_id, "goal claimed");
            }
            Ok(Json(ClaimResponse {
                user_id,
                goal_id,
                status: GoalStatus::Claimed,
                claimed_at,
                period_end,
                reward: goal.reward.clone(),
            }))
        }
        ClaimOutcome::Refused(refusal) => Err(refused(&user_id, goal, refusal)),
    }
}

fn refused(user_id: &str, goal: &Goal, refusal: Refusal) -> ApiError {
    let goal_id = &goal.goal_id;
    match refusal {
        Refusal::UnknownUser => user_not_found(user_id),
        Refusal::NotCompleted { status, progress } => ApiError::new(
            ErrorCode::GoalNotCompleted,
            format!(
                "goal {goal_id:?} is {status} ({progress} of {}); only a completed goal can be \
                 claimed",
                goal.target
            ),
        ),
        Refusal::Inactive => ApiError::new(
            ErrorCode::GoalInactive,
            format!("goal {goal_id:?} is not assigned to user {user_id:?}"),
        ),
        Refusal::Expired { expired_at } => ApiError::new(
            ErrorCode::PeriodExpired,
            format!(
                "the period of goal {goal_id:?} ended at {}; progress starts over",
                expired_at.to_rfc3339()
            ),
        ),
        Refusal::PrerequisitesNotClaimed { missing } => ApiError::new(
            ErrorCode::PrerequisitesNotClaimed,
            format!("claim these goals first: {}", missing.join(", ")),
        ),
    }
}

/// Body of `PUT …/active`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ActiveRequest {
    /// `true` assigns the goal, `false` unassigns it (events then leave it alone).
    pub active: bool,
}

/// Assigns or unassigns a goal; returns the goal as the listing shows it.
pub async fn set_active(
    State(state): State<ApiState>,
    Params((user_id, goal_id)): Params<(String, String)>,
    Body(request): Body<ActiveRequest>,
) -> Result<Json<GoalView>, ApiError> {
    check_user_id(&user_id)?;
    let goal = find_goal(&state, &goal_id)?;
    let now = now();
    let client = state.pool.get().await?;
    let row = user_progress::set_active(
        &client,
        &user_id,
        &goal.goal_id,
        request.active,
        goal.rotation.period_end(now),
        now,
    )
    .await?;
    Ok(Json(GoalView::new(goal, Some(&row), now)))
}

/// The response of `initialize`.
#[derive(Debug, Serialize)]
pub struct InitializeResponse {
    /// The player.
    pub user_id: String,
    /// Default-assigned goals whose row this call created (empty when called again).
    pub created: Vec<String>,
    /// Every default-assigned goal of the catalog.
    pub default_goals: Vec<String>,
}

/// Creates the player's rows for every default-assigned goal; idempotent.
pub async fn initialize(
    State(state): State<ApiState>,
    Params(user_id): Params<String>,
) -> Result<Json<InitializeResponse>, ApiError> {
    check_user_id(&user_id)?;
    let now = now();
    let defaults: Vec<(&str, Option<DateTime<Utc>>)> = state
        .catalog
        .goals()
        .iter()
        .filter(|g| g.default_assigned)
        .map(|g| (g.goal_id.as_str(), g.rotation.period_end(now)))
        .collect();
    let client = state.pool.get().await?;
    let created = user_progress::initialize(&client, &user_id, &defaults, now).await?;
    Ok(Json(InitializeResponse {
        user_id,
        created,
        default_goals: defaults.iter().map(|g| g.0.to_string()).collect(),
    }))
}

fn find_goal<'a>(state: &'a ApiState, goal_id: &str) -> Result<&'a Goal, ApiError> {
    check_goal_id(goal_id)?;
    state.catalog.goal_ref(goal_id).map(|g| state.catalog.goal(g)).ok_or_else(|| {
        ApiError::new(ErrorCode::GoalNotFound, format!("no goal {goal_id:?} in the catalog"))
    })
}

/// Now, at the database's precision (µs), so a time written and read back compares equal.
fn now() -> DateTime<Utc> {
    Utc::now().trunc_subsecs(6)
}
