-- Execution history as an append-only log: a row per finished attempt, written by every
-- completion, read rarely. Its identity key cost a sequence call and a B-tree insert per
-- job; rows are found by job (job_executions_job) and pruned by age through a block-range
-- index on finished_at, which follows insertion order and costs next to nothing to keep.
ALTER TABLE job_executions DROP COLUMN id;
CREATE INDEX job_executions_finished ON job_executions USING brin (finished_at);
COMMENT ON TABLE job_executions IS
    'One row per finished attempt (history, append-only); pruned by the cleaner by age.';
