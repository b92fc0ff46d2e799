-- Seed 004's single IncrementProgress: one upsert per event, conflict filter "active and not
-- claimed". The baseline `goalstream bench flush` compares the COPY merge against.
--   $1 user_id; $2 goal_id; $3 delta; $4 target.
INSERT INTO user_goal_progress AS p (user_id, goal_id, progress, status, updated_at)
VALUES ($1, $2, $3::int8, CASE WHEN $3::int8 >= $4::int8 THEN 'completed' ELSE 'in_progress' END, now())
ON CONFLICT (user_id, goal_id) DO UPDATE
SET progress = p.progress + excluded.progress,
    status = CASE WHEN p.progress + excluded.progress >= $4::int8 THEN 'completed' ELSE 'in_progress' END,
    updated_at = now()
WHERE p.status <> 'claimed' AND p.is_active
