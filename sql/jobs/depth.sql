-- Queue depth for the metrics: live jobs by queue, state and effective priority. Runs every
-- few seconds (never per claim); finished jobs are left out, so it reads the live rows only.
SELECT queue, state, effective_priority, count(*)
FROM jobs
WHERE state IN ('pending', 'scheduled', 'available', 'running', 'retryable')
GROUP BY queue, state, effective_priority
