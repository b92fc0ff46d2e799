-- A player's reward jobs (goal.completed), newest first: those that left `available` through
-- index jobs_reward_user, those still waiting by a scan of the available jobs (a backlog's
-- size; migration 0013 says why the flush does not index them).
--   $1 player id; $2 at most this many.
SELECT id, kind, queue, tenant, priority, effective_priority, args, state, attempt,
       max_attempts, run_at, pending_parents, unique_key, worker_id, created_at, attempted_at,
       finished_at, last_error
FROM (
    (SELECT * FROM jobs
     WHERE kind = 'goal.completed' AND state <> 'available'
       AND (args ->> 'user_id') COLLATE "C" = $1
     ORDER BY id DESC
     LIMIT $2)
    UNION ALL
    (SELECT * FROM jobs
     WHERE kind = 'goal.completed' AND state = 'available'
       AND (args ->> 'user_id') COLLATE "C" = $1
     ORDER BY id DESC
     LIMIT $2)
) AS player_jobs
ORDER BY id DESC
LIMIT $2
