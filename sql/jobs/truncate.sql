-- Benchmarks: empties the queue's tables between phases.
TRUNCATE jobs, job_dependencies, job_executions, job_tenants, workers
