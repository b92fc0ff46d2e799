-- Benchmarks: empties the history before a timed phase.
TRUNCATE job_executions
