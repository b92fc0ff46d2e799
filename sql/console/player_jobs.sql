-- A player's reward jobs (goal.completed), newest first (index jobs_reward_user).
--   $1 player id; $2 at most this many.
SELECT id, kind, queue, tenant, priority, effective_priority, args, state, attempt,
       max_attempts, run_at, pending_parents, unique_key, worker_id, created_at, attempted_at,
       finished_at, last_error
FROM jobs
WHERE kind = 'goal.completed' AND (args ->> 'user_id') COLLATE "C" = $1
ORDER BY id DESC
LIMIT $2
