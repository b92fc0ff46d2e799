-- Per-player goal progress, the consumer offsets that commit with it, and dead letters.
-- Applied by `goalstream migrate` (and by `run` / `demo`) inside one transaction.

CREATE TABLE user_goal_progress (
    user_id      text        NOT NULL,
    goal_id      text        NOT NULL,
    progress     bigint      NOT NULL DEFAULT 0,
    status       text        NOT NULL DEFAULT 'not_started'
                 CHECK (status IN ('not_started', 'in_progress', 'completed', 'claimed')),
    is_active    boolean     NOT NULL DEFAULT true,
    baseline     bigint,
    assigned_at  timestamptz,
    completed_at timestamptz,
    claimed_at   timestamptz,
    expires_at   timestamptz,
    updated_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, goal_id)
) WITH (
    -- Room on every page so a progress update can stay on its page and skip index maintenance
    -- (a HOT update): progress updates change no indexed column.
    -- Measured with `goalstream bench flush --fillfactor`, see docs/BENCHMARKS.md.
    fillfactor = 80,
    -- The table is mostly updates: vacuum it sooner than the default 20 % so freed space is
    -- reused by HOT updates instead of growing the heap.
    autovacuum_vacuum_scale_factor = 0.05,
    autovacuum_analyze_scale_factor = 0.05
);

-- Goals completed at a given time: how a flush finds the goals it completed (PG 15's MERGE has no
-- RETURNING), and operators the recent completions. Partial, so it holds completed rows only and
-- progress updates, which change neither column, stay HOT.
CREATE INDEX user_goal_progress_completed ON user_goal_progress (completed_at)
    WHERE status = 'completed';

COMMENT ON TABLE user_goal_progress IS
    'One row per (player, goal): current-period progress, written by the flush merge and the claim API.';
COMMENT ON COLUMN user_goal_progress.user_id IS 'Player id: the Kafka key of the telemetry events.';
COMMENT ON COLUMN user_goal_progress.goal_id IS 'Goal id from the catalog (config/challenges.json).';
COMMENT ON COLUMN user_goal_progress.progress IS
    'absolute: latest stat value; relative: max(value - baseline, 0); increment: sum of deltas.';
COMMENT ON COLUMN user_goal_progress.status IS
    'not_started -> in_progress -> completed -> claimed; completed is sticky within a period.';
COMMENT ON COLUMN user_goal_progress.is_active IS
    'false: the goal is unassigned for this player and events leave the row untouched.';
COMMENT ON COLUMN user_goal_progress.baseline IS
    'relative goals: stat value at the start of the period; NULL until the first event of a period.';
COMMENT ON COLUMN user_goal_progress.assigned_at IS 'When the goal was assigned (created or re-activated).';
COMMENT ON COLUMN user_goal_progress.completed_at IS 'When the goal completed in this period; set once.';
COMMENT ON COLUMN user_goal_progress.claimed_at IS 'When the reward was claimed in this period.';
COMMENT ON COLUMN user_goal_progress.expires_at IS
    'End of the current rotation period (UTC); NULL for goals that do not rotate. The first event '
    'after it resets the row.';
COMMENT ON COLUMN user_goal_progress.updated_at IS 'Last write by a flush or the API.';

CREATE TABLE consumer_offsets (
    group_id    text        NOT NULL,
    topic       text        NOT NULL,
    partition   integer     NOT NULL CHECK (partition >= 0),
    next_offset bigint      NOT NULL CHECK (next_offset >= 0),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (group_id, topic, partition)
);

COMMENT ON TABLE consumer_offsets IS
    'Kafka position per partition, written in the same transaction as the progress it produced: '
    'the source of truth for where a consumer resumes (exactly-once into Postgres).';
COMMENT ON COLUMN consumer_offsets.group_id IS 'Kafka consumer group id.';
COMMENT ON COLUMN consumer_offsets.topic IS 'Kafka topic.';
COMMENT ON COLUMN consumer_offsets.partition IS 'Kafka partition number.';
COMMENT ON COLUMN consumer_offsets.next_offset IS
    'Offset of the next message to apply; a flush moves it only from the value it expects (fencing).';
COMMENT ON COLUMN consumer_offsets.updated_at IS 'Time of the last flush that moved the offset.';

CREATE TABLE dead_letters (
    id          bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    topic       text,
    partition   integer,
    "offset"    bigint,
    key         bytea,
    payload     bytea       NOT NULL,
    reason      text        NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now()
);

-- A message is dead-lettered at most once, even if a flush is retried after an ambiguous commit.
CREATE UNIQUE INDEX dead_letters_source_key ON dead_letters (topic, partition, "offset");

COMMENT ON TABLE dead_letters IS
    'Events that could not be applied, kept whole with the reason; written in the flush '
    'transaction so their offsets advance with them.';
COMMENT ON COLUMN dead_letters.id IS 'Surrogate key, in arrival order.';
COMMENT ON COLUMN dead_letters.topic IS 'Source topic (file name for `goalstream replay`).';
COMMENT ON COLUMN dead_letters.partition IS 'Source partition; NULL for file replays.';
COMMENT ON COLUMN dead_letters."offset" IS 'Source offset (line number for file replays).';
COMMENT ON COLUMN dead_letters.key IS 'Raw Kafka key, if any.';
COMMENT ON COLUMN dead_letters.payload IS 'Raw message value, byte for byte.';
COMMENT ON COLUMN dead_letters.reason IS 'Why the event was refused, for a human.';
COMMENT ON COLUMN dead_letters.created_at IS 'When the dead letter was written.';
