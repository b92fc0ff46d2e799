-- Seed 004's BatchIncrementProgress: one multi-row upsert from arrays (UNNEST).
--   $1 user_ids; $2 goal_ids; $3 deltas; $4 target (one for all rows, as in the seed).
INSERT INTO user_goal_progress AS p (user_id, goal_id, progress, status, updated_at)
SELECT u.user_id, u.goal_id, u.delta,
       CASE WHEN u.delta >= $4::int8 THEN 'completed' ELSE 'in_progress' END, now()
FROM unnest($1::text[], $2::text[], $3::int8[]) AS u(user_id, goal_id, delta)
ORDER BY u.user_id, u.goal_id
ON CONFLICT (user_id, goal_id) DO UPDATE
SET progress = p.progress + excluded.progress,
    status = CASE WHEN p.progress + excluded.progress >= $4::int8 THEN 'completed' ELSE 'in_progress' END,
    updated_at = now()
WHERE p.status <> 'claimed' AND p.is_active
