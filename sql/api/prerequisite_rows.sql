-- The rows of a player's prerequisite goals, to check they are claimed.
--   $1 user id; $2 goal ids.
SELECT goal_id, status, expires_at
FROM user_goal_progress
WHERE user_id = $1 AND goal_id = ANY($2::text[])
