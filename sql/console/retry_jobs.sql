-- Retries now one batch of the jobs a filter selects that can be retried (failed, cancelled,
-- retryable, scheduled), newest first below a keyset cursor: each becomes available (pending
-- while parents are unfinished) at the head of its priority, with one more attempt allowed
-- when it had used them all. A job whose unique key a live job of its kind holds now is left
-- alone. Rows other transactions hold are skipped, never waited for, so a bulk retry never
-- blocks claims or completions. Returns the ids retried and the batch's lowest id (the next batch's cursor;
-- NULL when the filter has no more jobs). Wakes the dispatchers of the queues that got
-- available jobs. Retrying a failed job does not revive the dependents its failure cancelled:
-- retry them too.
--   $1..$7 the filter of jobs_page.sql; $8 only ids below this; $9 batch size;
--   $10 aging interval (s); $11 only these ids (NULL: any).
WITH batch AS (
    SELECT id FROM jobs
    WHERE ($1::text IS NULL OR state = $1)
      AND ($2::text IS NULL OR kind = $2)
      AND ($3::text IS NULL OR queue = $3)
      AND ($4::text IS NULL OR tenant = $4)
      AND ($5::text IS NULL OR unique_key = $5)
      AND ($6::timestamptz IS NULL OR created_at >= $6)
      AND ($7::timestamptz IS NULL OR created_at < $7)
      AND ($8::int8 IS NULL OR id < $8)
      AND ($11::int8[] IS NULL OR id = ANY($11))
      AND state IN ('failed', 'cancelled', 'retryable', 'scheduled')
    ORDER BY id DESC
    LIMIT $9
    FOR UPDATE SKIP LOCKED
), retried AS (
    UPDATE jobs j
    SET state = CASE WHEN j.pending_parents > 0 THEN 'pending' ELSE 'available' END,
        run_at = now(),
        sort_key = now() + (j.effective_priority - 1) * ($10::float8 * interval '1 second'),
        max_attempts = greatest(j.max_attempts, j.attempt + 1),
        finished_at = NULL,
        worker_id = NULL
    FROM batch b
    WHERE j.id = b.id
      AND (j.unique_key IS NULL OR NOT EXISTS (
          SELECT FROM jobs l
          WHERE l.kind = j.kind AND l.unique_key = j.unique_key AND l.id <> j.id
            AND l.state IN ('pending', 'scheduled', 'available', 'running', 'retryable')))
    RETURNING j.id, j.queue, j.state
)
SELECT coalesce((SELECT array_agg(id ORDER BY id DESC) FROM retried), '{}') AS retried,
       (SELECT CASE WHEN count(*) = $9 THEN min(id) END FROM batch) AS next_cursor,
       (SELECT count(pg_notify('goalstream_jobs', queue))
        FROM (SELECT DISTINCT queue FROM retried WHERE state = 'available') q) AS woken
