-- The operator console: paused queues, a small index for the dead-job list, and the outcome of
-- dead-letter replays.

CREATE TABLE job_queue_pauses (
    queue     text        PRIMARY KEY,
    paused_at timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE job_queue_pauses IS
    'Paused queues: their dispatchers claim nothing until the row is deleted (resume).';
COMMENT ON COLUMN job_queue_pauses.queue IS 'Paused queue.';
COMMENT ON COLUMN job_queue_pauses.paused_at IS 'When it was paused.';

-- Failed-for-good jobs are rare and are what an operator looks for first: a partial index
-- keeps their list (newest first) a short index scan at any table size, and costs nothing on
-- the hot path (only jobs that fail for good enter it).
CREATE INDEX jobs_dead ON jobs (id) WHERE state = 'failed';

-- Reward jobs by player, for support staff ("my reward did not arrive").
CREATE INDEX jobs_reward_user ON jobs ((args ->> 'user_id') COLLATE "C", id)
    WHERE kind = 'goal.completed';

ALTER TABLE dead_letters
    ADD COLUMN replayed_at    timestamptz,
    ADD COLUMN replay_outcome text;
COMMENT ON COLUMN dead_letters.replayed_at IS
    'When an operator replayed it through the pipeline (NULL: never); a dead letter is replayed '
    'at most once.';
COMMENT ON COLUMN dead_letters.replay_outcome IS
    'What the replay did: applied, refused again (with the reason), or in progress.';
