-- A completed job's own row is the history record of its completing attempt (attempt, worker,
-- start, end) until the cleaner prunes the job; the cleaner then moves the record into
-- job_executions in the same statement. Completions no longer insert a history row each: that
-- insert (a heap tuple and an index entry per job, ~8 µs of Postgres time) was a fifth of
-- the cost of claim + complete. Failed, rescued and cancelled attempts are still written to
-- job_executions when they happen. The view job_history reads both; no attempt is in both at
-- once (the move is one statement).

-- Completion records written by earlier versions for jobs that are still in the table: the job
-- row now holds them.
DELETE FROM job_executions e
USING jobs j
WHERE e.job_id = j.id AND e.outcome = 'completed' AND j.state = 'completed'
  AND e.attempt = j.attempt;

CREATE VIEW job_history AS
SELECT job_id, attempt, worker_id, started_at, finished_at, outcome, error
FROM job_executions
UNION ALL
SELECT id, attempt, worker_id, attempted_at, finished_at, 'completed', NULL
FROM jobs
WHERE state = 'completed';

COMMENT ON VIEW job_history IS
    'Every finished attempt: job_executions plus the completing attempt of each completed job '
    'still in jobs (moved to job_executions when the cleaner prunes the job).';
COMMENT ON TABLE job_executions IS
    'Finished attempts (append-only): failed, rescued and cancelled ones when they happen, '
    'completed ones when the cleaner prunes their job; read through the view job_history.';
