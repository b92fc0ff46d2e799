-- Cancels a locked job that has not started (pending, scheduled, available or retryable); its
-- unique key is free again. Never a job of a kind the pipeline owns (the caller refuses them
-- first; the condition keeps it so whatever the caller does).
--   $1 job id; $2 the pipeline's kinds.
UPDATE jobs
SET state = 'cancelled', finished_at = now(), last_error = 'cancelled through the API'
WHERE id = $1 AND state IN ('pending', 'scheduled', 'available', 'retryable')
  AND kind <> ALL ($2::text[])
