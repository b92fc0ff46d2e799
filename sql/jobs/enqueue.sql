-- Enqueues jobs in input order; returns (id, unique_key, kind) of each job created (a job whose
-- kind and unique key name a live job is not created). Fair start times come from job_tenants.
-- Listening dispatchers of the queues that got available jobs are woken (NOTIFY, delivered at
-- commit).
--   $1 kinds; $2 queues; $3 tenants; $4 priorities; $5 args; $6 max attempts;
--   $7 run_at (NULL: now); $8 unique keys; $9 pending parent counts;
--   $10 aging interval (s); $11 fairness quantum (s);
--   $12 each job's rank among this call's jobs of its queue and tenant (0, 1, ...);
--   $13 how many jobs this call has for the job's queue and tenant.
-- The caller counts ranks and batch sizes (a window over the jobs here cost more than the
-- insert of a few thousand rows).
-- As written, no job has a unique key (the flush's reward jobs); for a call where some job has
-- one, the marked line below becomes enqueue_unique.sql's ON CONFLICT clause. Without
-- it, PostgreSQL inserts each row plainly instead of speculatively (a check of the arbiter
-- index, then a second WAL record to confirm the row): the peak tier's ~20,000 reward jobs/s
-- cost measurably less (docs/BENCHMARKS.md).
WITH input AS (
    SELECT *
    FROM unnest($1::text[], $2::text[], $3::text[], $4::int2[], $5::jsonb[], $6::int4[],
                $7::timestamptz[], $8::text[], $9::int4[], $12::int4[], $13::int4[])
        WITH ORDINALITY AS i(kind, queue, tenant, priority, args, max_attempts, run_at,
                             unique_key, pending_parents, k, batch, n)
), clocks AS (
    -- The new clock is where the tenant's next batch starts; this batch's jobs take the
    -- `batch` quanta just before it.
    INSERT INTO job_tenants AS t (queue, tenant, virtual_clock)
    SELECT queue, tenant, now() + batch * ($11::float8 * interval '1 second') FROM input WHERE k = 0
    ON CONFLICT (queue, tenant) DO UPDATE
    SET virtual_clock = greatest(t.virtual_clock, now()) + (excluded.virtual_clock - now())
    RETURNING queue, tenant, virtual_clock
), created AS (
INSERT INTO jobs AS j (kind, queue, tenant, priority, effective_priority, sort_key, args, state,
                       max_attempts, run_at, pending_parents, unique_key)
SELECT i.kind, i.queue, i.tenant, i.priority, i.priority,
       greatest(c.virtual_clock - (i.batch - i.k) * ($11::float8 * interval '1 second'), coalesce(i.run_at, now()))
           + (i.priority - 1) * ($10::float8 * interval '1 second'),
       i.args,
       CASE WHEN i.pending_parents > 0 THEN 'pending'
            WHEN i.run_at > now() THEN 'scheduled'
            ELSE 'available' END,
       i.max_attempts, coalesce(i.run_at, now()), i.pending_parents, i.unique_key
FROM input i JOIN clocks c USING (queue, tenant)
ORDER BY i.n
-- {unique keys}
RETURNING j.id, j.unique_key, j.kind, j.queue, j.state
)
SELECT id, unique_key, kind FROM created
WHERE (SELECT count(pg_notify('goalstream_jobs', queue))
       FROM (SELECT DISTINCT queue FROM created WHERE state = 'available') q) >= 0
