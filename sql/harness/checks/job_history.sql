-- How a job's attempts ended, in order: (attempt, outcome) per row of its history.
--   $1 job id.
SELECT attempt, outcome
FROM job_history
WHERE job_id = $1
ORDER BY attempt, finished_at
