-- One job as the API shows it.
--   $1 job id.
SELECT id, kind, queue, tenant, priority, effective_priority, args, state, attempt,
       max_attempts, run_at, pending_parents, unique_key, worker_id, created_at, attempted_at,
       finished_at, last_error
FROM jobs
WHERE id = $1
