-- The live job of a kind holding a unique key (the predicate of the partial index
-- jobs_unique_live).
--   $1 kind; $2 unique key.
SELECT id
FROM jobs
WHERE kind = $1
  AND unique_key = $2
  AND state IN ('pending', 'scheduled', 'available', 'running', 'retryable')
