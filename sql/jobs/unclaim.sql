-- Graceful shutdown: claimed jobs whose handler never started go back to available without
-- spending an attempt.  $1 job ids; $2 attempts.
UPDATE jobs j SET state = 'available', attempt = j.attempt - 1, worker_id = NULL
FROM unnest($1::int8[], $2::int4[]) AS u(id, attempt)
WHERE j.id = u.id AND j.attempt = u.attempt AND j.state = 'running'
