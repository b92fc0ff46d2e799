-- Per queue, seconds since the run_at of its oldest available job (how long work waits).
SELECT queue, extract(epoch FROM now() - min(run_at))::float8
FROM jobs
WHERE state = 'available'
GROUP BY queue
