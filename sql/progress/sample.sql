-- A few rows of the most active players, for summaries.
--   $1 limit.
SELECT user_id, goal_id, progress, status, baseline, expires_at
FROM user_goal_progress
ORDER BY updated_at DESC, user_id, goal_id
LIMIT $1
