-- Unique keys are scoped by job kind (issue 19, reward denial).
--
-- A unique key used to be global: anyone who could enqueue a job could take the key a claim
-- would use for its goal.completed job (under any kind, run_at in year 9999) and the claim's
-- reward job was silently deduplicated away. A key now only dedupes jobs of the same kind, so
-- a job of one kind can never pre-empt a job of another.

DROP INDEX jobs_unique_live;
CREATE UNIQUE INDEX jobs_unique_live ON jobs (kind, unique_key)
    WHERE unique_key IS NOT NULL AND state IN ('pending', 'scheduled', 'available', 'running', 'retryable');

COMMENT ON COLUMN jobs.unique_key IS 'At most one live job per kind and key.';
