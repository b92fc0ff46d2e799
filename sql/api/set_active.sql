-- Assigns ($3 true) or unassigns ($3 false) a goal for a player. A missing row is created
-- (not started, so an unassigned default goal stays out of the flush's way); an existing row
-- keeps its progress. Re-activation stamps assigned_at. Returns the row.
--   $1 user id; $2 goal id; $3 active; $4 expires_at of a new row (NULL: never rotates); $5 now.
INSERT INTO user_goal_progress AS p
    (user_id, goal_id, progress, status, is_active, assigned_at, expires_at, updated_at)
VALUES ($1::text, $2::text, 0, 'not_started', $3::boolean,
        CASE WHEN $3::boolean THEN $5::timestamptz END, $4::timestamptz, $5::timestamptz)
ON CONFLICT (user_id, goal_id) DO UPDATE
SET is_active = excluded.is_active,
    assigned_at = CASE WHEN excluded.is_active AND NOT p.is_active THEN $5::timestamptz
                       ELSE p.assigned_at END,
    updated_at = $5::timestamptz
RETURNING p.goal_id, p.progress, p.status, p.is_active, p.assigned_at, p.completed_at,
          p.claimed_at, p.expires_at, p.updated_at
