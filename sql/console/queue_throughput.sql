-- Finished attempts per queue over the last $1 seconds, for the operator UI's queue page:
-- completions (completed jobs still in jobs, through jobs_finished) and failures (failed and
-- rescued attempts in job_executions, through its BRIN index on finished_at; joined to their
-- job for its queue). Completed jobs already pruned by the cleaner are not counted.
WITH since AS (SELECT now() - $1::float8 * interval '1 second' AS t)
SELECT queue,
       count(*) FILTER (WHERE outcome = 'completed') AS completed,
       count(*) FILTER (WHERE outcome <> 'completed') AS failed
FROM (
    SELECT j.queue, 'completed' AS outcome
    FROM jobs j, since
    WHERE j.state = 'completed' AND j.finished_at >= since.t
    UNION ALL
    SELECT j.queue, e.outcome
    FROM job_executions e JOIN jobs j ON j.id = e.job_id, since
    WHERE e.finished_at >= since.t AND e.outcome IN ('failed', 'rescued')
) attempts
GROUP BY queue
ORDER BY queue
