-- Creates a player's rows for the default-assigned goals; rows that exist are left alone, so
-- calling it twice changes nothing. Returns the goals whose row it created. Rows are inserted
-- in key order, the order the flush merge locks them in.
--   $1 user id; $2 goal ids; $3 expires_at per goal (NULL: never rotates); $4 now.
INSERT INTO user_goal_progress AS p
    (user_id, goal_id, progress, status, is_active, assigned_at, expires_at, updated_at)
SELECT $1::text, g.goal_id, 0, 'not_started', true, $4::timestamptz, g.expires_at, $4::timestamptz
FROM unnest($2::text[], $3::timestamptz[]) AS g(goal_id, expires_at)
ORDER BY g.goal_id
ON CONFLICT (user_id, goal_id) DO NOTHING
RETURNING p.goal_id
