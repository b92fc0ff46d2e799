-- Whether a player has any progress row (a player is known once initialized, assigned a goal,
-- or fed by a first event of a default-assigned goal).
--   $1 user id.
SELECT EXISTS (SELECT 1 FROM user_goal_progress WHERE user_id = $1)
