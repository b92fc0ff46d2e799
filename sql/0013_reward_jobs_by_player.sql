-- A player's reward jobs are found without an index entry per job at enqueue time.
--
-- jobs_reward_user (migration 0010) indexed every goal.completed job by player when the flush
-- inserted it. Players arrive in random order, so each of those entries went to a random leaf
-- of an index that outgrows shared buffers at peak (68 MB after a minute of the peak tier):
-- a page read, a dirty page to write back, and after each checkpoint a full page in the WAL,
-- for each of ~20,000 reward jobs a second. The peak tier held ~4,000 events/s more without
-- it (docs/BENCHMARKS.md, "Peak tier, 2026-12-05 (seventh session)"); a hash index cost the
-- same as the B-tree.
--
-- The index now holds reward jobs that left `available`: running, retried, completed, failed,
-- cancelled. A job changes state by a non-HOT update (state is in the partial indexes'
-- predicates), so every state change already writes a new entry to each index that covers the
-- row; the worker that claims a job pays for this index's entry instead of the flush. The
-- support view finds the jobs still waiting with a scan of the available ones
-- (sql/console/player_jobs.sql): a backlog's size, small in a healthy queue (0.3-1.1 s with
-- 670k jobs waiting).
--
-- Maintenance window: the CREATE INDEX holds a SHARE lock on jobs (enqueue and claims wait)
-- while it reads the table: 0.7 s for 1.34M jobs, half of them completed, on the project's
-- 2-core machine.

DROP INDEX jobs_reward_user;

CREATE INDEX jobs_reward_user ON jobs ((args ->> 'user_id') COLLATE "C", id)
    WHERE kind = 'goal.completed' AND state <> 'available';
