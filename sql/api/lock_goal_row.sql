-- Locks one progress row for a claim (concurrent claims and flushes of the row wait).
--   $1 user id; $2 goal id.
SELECT progress, status, is_active, completed_at, claimed_at, expires_at
FROM user_goal_progress
WHERE user_id = $1 AND goal_id = $2
FOR UPDATE
