-- Progress of every player in the given goals (checks and reports).
--   $1 goal ids.
SELECT user_id, goal_id, progress, status
FROM user_goal_progress
WHERE goal_id = ANY($1::text[])
