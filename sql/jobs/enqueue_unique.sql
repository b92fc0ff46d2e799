-- The clause that enqueue.sql's marked line (unique keys) becomes when a job of the call has a
-- unique key: a job whose kind and unique key name a live job is not created (unique keys are
-- scoped by kind, migration 0008).
ON CONFLICT (kind, unique_key) WHERE unique_key IS NOT NULL
    AND state IN ('pending', 'scheduled', 'available', 'running', 'retryable')
DO NOTHING
