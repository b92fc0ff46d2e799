-- Locks a job to cancel it; returns its state and kind.
--   $1 job id.
SELECT state, kind FROM jobs WHERE id = $1 FOR UPDATE
