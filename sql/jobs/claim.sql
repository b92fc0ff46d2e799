-- Claims at most $2 available jobs of queue $1 for worker $3, in sort-key order (the head of
-- the partial index jobs_claim); jobs other dispatchers hold are skipped, never waited for.
-- The locked rows are updated by their address (ctid): they cannot move while this statement
-- holds their locks, and a TID scan costs less than probing the primary key again per job
-- (a claim of 500 jobs: ~25 % less time, measured with pgbench).
-- The claim commits without waiting for its WAL flush (synchronous_commit off for this
-- transaction only): a claim lost in a database crash only puts the job back to available, the
-- worker's completion of it is then refused (the job is no longer running), and the job runs
-- again, as after a rescue. A completion is flushed, and with it every claim before it.
-- A paused queue (job_queue_pauses) gives nothing: the check does not depend on the job rows,
-- so the planner runs it once per statement, before the index scan.
WITH claimed AS (
    UPDATE jobs j
    SET state = 'running', attempt = j.attempt + 1, attempted_at = now(), worker_id = $3
    WHERE j.ctid = ANY (ARRAY(
            SELECT ctid FROM jobs
            WHERE queue = $1 AND state = 'available'
              AND NOT EXISTS (SELECT FROM job_queue_pauses p WHERE p.queue = $1)
            ORDER BY sort_key
            LIMIT $2
            FOR UPDATE SKIP LOCKED))
      AND (SELECT set_config('synchronous_commit', 'off', true)) IS NOT NULL
    RETURNING j.id, j.kind, j.queue, j.tenant, j.effective_priority, j.args, j.attempt,
              j.max_attempts, j.sort_key
)
-- In claim order (the TID scan returns them in table order), so handlers start most urgent
-- first.
SELECT id, kind, queue, tenant, effective_priority, args, attempt, max_attempts
FROM claimed
ORDER BY sort_key
