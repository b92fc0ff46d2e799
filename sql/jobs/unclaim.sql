-- Graceful shutdown: claimed jobs whose handler never started go back to available without
-- spending an attempt, and listening dispatchers of their queues are woken.
--   $1 job ids; $2 attempts. Returns one row per job returned.
-- `lower(j.state) = 'running'` on purpose: written plainly, the condition lets the planner use
-- the partial index jobs_running, whose row estimate (statistics taken while few jobs ran) is
-- ~1, as the outer side of the join and rescan the id list for every running job: quadratic
-- (367 ms instead of 14 ms for 2,000 completions with 2,000 running). This way the only cheap
-- plan is one primary-key probe per id.
WITH returned AS (
UPDATE jobs j SET state = 'available', attempt = j.attempt - 1, worker_id = NULL
FROM unnest($1::int8[], $2::int4[]) AS u(id, attempt)
WHERE j.id = u.id AND j.attempt = u.attempt AND lower(j.state) = 'running'
RETURNING j.id, j.queue
)
SELECT id FROM returned
WHERE (SELECT count(pg_notify('goalstream_jobs', queue))
       FROM (SELECT DISTINCT queue FROM returned) q) >= 0
