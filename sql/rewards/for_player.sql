-- A player's reward grants, newest first.
--   $1 player id.
SELECT goal_id, nullif(period_end, 'infinity') AS period_end, reward_type, item_id, quantity,
       job_id, granted_at
FROM reward_grants
WHERE user_id = $1
ORDER BY granted_at DESC
