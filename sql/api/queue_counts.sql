-- Jobs per queue and state, with the age (s, since it was enqueued) of the oldest available job.
-- Reads the whole jobs table: an operator's view, not a hot path.
SELECT queue, state, count(*) AS jobs,
       extract(epoch FROM now() - min(created_at) FILTER (WHERE state = 'available'))::float8
           AS oldest_available_s
FROM jobs
GROUP BY queue, state
ORDER BY queue, state
