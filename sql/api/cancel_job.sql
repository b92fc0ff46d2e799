-- Cancels a locked job that has not started (pending, scheduled, available or retryable); its
-- unique key is free again.
--   $1 job id.
UPDATE jobs
SET state = 'cancelled', finished_at = now(), last_error = 'cancelled through the API'
WHERE id = $1 AND state IN ('pending', 'scheduled', 'available', 'retryable')
