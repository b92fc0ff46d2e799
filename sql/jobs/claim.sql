-- Claims at most $2 available jobs of queue $1 for worker $3, in sort-key order (the head of
-- the partial index jobs_claim); jobs other dispatchers hold are skipped, never waited for.
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
RETURNING j.id, j.kind, j.queue, j.tenant, j.effective_priority, j.args, j.attempt, j.max_attempts
