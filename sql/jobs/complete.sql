-- Completes running jobs, each only if its attempt is still the one named (a rescued job's
-- stale worker cannot complete it), and records the history. Returns the completed ids.
--   $1 job ids; $2 attempts.
WITH done AS (
    UPDATE jobs j
    SET state = 'completed', finished_at = now()
    FROM unnest($1::int8[], $2::int4[]) AS d(id, attempt)
    WHERE j.id = d.id AND j.attempt = d.attempt AND j.state = 'running'
    RETURNING j.id, j.attempt, j.worker_id, j.attempted_at
), history AS (
    INSERT INTO job_executions (job_id, attempt, worker_id, started_at, outcome)
    SELECT id, attempt, worker_id, attempted_at, 'completed' FROM done
)
SELECT coalesce(array_agg(id ORDER BY id), '{}') AS completed FROM done
