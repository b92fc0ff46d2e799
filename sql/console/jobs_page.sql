-- One page of the job list, newest first, after the keyset cursor (no OFFSET, no count): each
-- page is an index scan that stops after $9 rows. Every filter is optional (NULL: any).
-- A filter on state 'failed' reads the small partial index jobs_dead.
--   $1 state; $2 kind; $3 queue; $4 tenant; $5 unique key; $6 created at or after;
--   $7 created before; $8 only ids below this (the previous page's last id); $9 page size.
SELECT id, kind, queue, tenant, priority, effective_priority, args, state, attempt,
       max_attempts, run_at, pending_parents, unique_key, worker_id, created_at, attempted_at,
       finished_at, last_error
FROM jobs
WHERE ($1::text IS NULL OR state = $1)
  AND ($2::text IS NULL OR kind = $2)
  AND ($3::text IS NULL OR queue = $3)
  AND ($4::text IS NULL OR tenant = $4)
  AND ($5::text IS NULL OR unique_key = $5)
  AND ($6::timestamptz IS NULL OR created_at >= $6)
  AND ($7::timestamptz IS NULL OR created_at < $7)
  AND ($8::int8 IS NULL OR id < $8)
ORDER BY id DESC
LIMIT $9
