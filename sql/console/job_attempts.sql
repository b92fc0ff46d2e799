-- Every finished attempt of a job (job_history), oldest first, with its duration.
--   $1 job id.
SELECT attempt, worker_id, started_at, finished_at, outcome, error,
       extract(epoch FROM finished_at - started_at)::float8 AS duration_s
FROM job_history
WHERE job_id = $1
ORDER BY attempt, finished_at
