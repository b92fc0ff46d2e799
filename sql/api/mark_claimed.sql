-- Marks a locked, completed row claimed. From now on the flush leaves it alone until its
-- period ends.
--   $1 user id; $2 goal id; $3 now.
UPDATE user_goal_progress
SET status = 'claimed', claimed_at = $3::timestamptz, updated_at = $3::timestamptz
WHERE user_id = $1 AND goal_id = $2
