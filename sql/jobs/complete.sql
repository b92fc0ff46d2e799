-- Completes running jobs, each only if its attempt is still the one named (a rescued job's
-- stale worker cannot complete it). Returns the completed ids. The completed row (attempt,
-- worker, attempted_at, finished_at) is the history record of the attempt (view job_history);
-- the cleaner moves it to job_executions when it prunes the job.
--   $1 job ids; $2 attempts.
-- `lower(j.state) = 'running'` on purpose: written plainly, the condition lets the planner use
-- the partial index jobs_running, whose row estimate (statistics taken while few jobs ran) is
-- ~1, as the outer side of the join and rescan the id list for every running job: quadratic
-- (367 ms instead of 14 ms for 2,000 completions with 2,000 running). This way the only cheap
-- plan is one primary-key probe per id.
WITH done AS (
    UPDATE jobs j
    SET state = 'completed', finished_at = now()
    FROM unnest($1::int8[], $2::int4[]) AS d(id, attempt)
    WHERE j.id = d.id AND j.attempt = d.attempt AND lower(j.state) = 'running'
    RETURNING j.id
)
SELECT coalesce(array_agg(id ORDER BY id), '{}') AS completed FROM done
