-- Resumes a paused queue and wakes its dispatchers. Returns whether it was paused.
--   $1 queue.
WITH resumed AS (DELETE FROM job_queue_pauses WHERE queue = $1 RETURNING queue)
SELECT count(*) > 0 AS resumed, count(pg_notify('goalstream_jobs', queue)) AS woken FROM resumed
