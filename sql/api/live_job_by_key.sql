-- The live job holding a unique key (the predicate of the partial index jobs_unique_live).
--   $1 unique key.
SELECT id
FROM jobs
WHERE unique_key = $1
  AND state IN ('pending', 'scheduled', 'available', 'running', 'retryable')
