-- Claims at most $2 available jobs of queue $1 for worker $3, in sort-key order (the head of
-- the partial index jobs_claim); jobs other dispatchers hold are skipped, never waited for.
-- The claim commits without waiting for its WAL flush (synchronous_commit off for this
-- transaction only): a claim lost in a database crash only puts the job back to available, the
-- worker's completion of it is then refused (the job is no longer running), and the job runs
-- again, as after a rescue. A completion is flushed, and with it every claim before it.
WITH next AS (
    SELECT id FROM jobs
    WHERE queue = $1 AND state = 'available'
    ORDER BY sort_key
    LIMIT $2
    FOR UPDATE SKIP LOCKED
)
UPDATE jobs j
SET state = 'running', attempt = j.attempt + 1, attempted_at = now(), worker_id = $3
FROM next
WHERE j.id = next.id
  AND (SELECT set_config('synchronous_commit', 'off', true)) IS NOT NULL
RETURNING j.id, j.kind, j.queue, j.tenant, j.effective_priority, j.args, j.attempt, j.max_attempts
