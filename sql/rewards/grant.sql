-- Grants a reward once per player, goal and period. Returns whether this call granted it.
--   $1 user; $2 goal; $3 period end (NULL: never rotates); $4 type; $5 item; $6 quantity; $7 job.
INSERT INTO reward_grants (user_id, goal_id, period_end, reward_type, item_id, quantity, job_id)
VALUES ($1, $2, coalesce($3::timestamptz, 'infinity'), $4, $5, $6, $7)
ON CONFLICT DO NOTHING
