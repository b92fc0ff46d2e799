-- Every progress row of one player, for the challenges listing (joined with the catalog in
-- Rust). A range scan of the primary key.
--   $1 user id.
SELECT goal_id, progress, status, is_active, assigned_at, completed_at, claimed_at, expires_at,
       updated_at
FROM user_goal_progress
WHERE user_id = $1
