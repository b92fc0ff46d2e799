-- Fills the jobs table for the console benchmark: $1 jobs, the newest $2 of every $3 failed
-- for good (dead), the rest mostly completed with some available, retryable, scheduled and
-- running; 10 kinds, 3 queues, 100 tenants; enqueued over the last 7 days in id order.
--   $1 jobs; $2 dead jobs per $3 jobs.
INSERT INTO jobs (kind, queue, tenant, priority, effective_priority, sort_key, args, state,
                  attempt, max_attempts, run_at, created_at, attempted_at, finished_at,
                  last_error, worker_id)
SELECT 'kind-' || (g % 10), 'queue-' || (g % 3), 'tenant-' || (g % 100), 3, 3,
       created, jsonb_build_object('n', g), state,
       CASE WHEN state IN ('available', 'scheduled') THEN 0 ELSE 1 END, 1,
       created, created, created,
       CASE WHEN state IN ('completed', 'failed') THEN created + interval '1 second' END,
       CASE WHEN state = 'failed' THEN 'bench: failed for good' END,
       CASE WHEN state = 'running' THEN 'bench-worker' END
FROM (
    SELECT g,
           now() - (($1::int8 - g) * (interval '7 days' / $1::int8)) AS created,
           CASE WHEN g % $3::int8 < $2::int8 THEN 'failed'
                WHEN g % 100 = 1 THEN 'available'
                WHEN g % 100 = 2 THEN 'retryable'
                WHEN g % 1000 = 3 THEN 'scheduled'
                WHEN g % 1000 = 4 THEN 'running'
                ELSE 'completed' END AS state
    FROM generate_series(1, $1::int8) g
) s
