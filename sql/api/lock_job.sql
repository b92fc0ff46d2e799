-- Locks a job to cancel it; returns its state.
--   $1 job id.
SELECT state FROM jobs WHERE id = $1 FOR UPDATE
