-- Periodic jobs: one row per schedule of the periodic-jobs file, holding the last tick whose
-- job was enqueued (or that was skipped). A round advances it with a conditional UPDATE in the
-- transaction that enqueues the tick's jobs, so two instances never enqueue the same tick.

CREATE TABLE periodic_schedules (
    name             text        PRIMARY KEY,
    cron             text        NOT NULL,
    timezone         text        NOT NULL,
    kind             text        NOT NULL,
    queue            text        NOT NULL,
    catch_up         text        NOT NULL,
    last_tick        timestamptz NOT NULL,
    last_enqueued_at timestamptz,
    ticks_enqueued   bigint      NOT NULL DEFAULT 0,
    ticks_missed     bigint      NOT NULL DEFAULT 0,
    registered_at    timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE periodic_schedules IS
    'Periodic-job schedules as the instances running them last registered them, with the last '
    'tick handled; rows of schedules removed from the file stay until deleted by hand.';
COMMENT ON COLUMN periodic_schedules.name IS 'The schedule''s name in the periodic-jobs file.';
COMMENT ON COLUMN periodic_schedules.cron IS 'Cron pattern (seconds field optional).';
COMMENT ON COLUMN periodic_schedules.timezone IS 'IANA time zone the pattern is read in.';
COMMENT ON COLUMN periodic_schedules.kind IS 'Kind of the jobs it enqueues.';
COMMENT ON COLUMN periodic_schedules.queue IS 'Queue of the jobs it enqueues.';
COMMENT ON COLUMN periodic_schedules.catch_up IS 'Missed ticks: skip or run_once.';
COMMENT ON COLUMN periodic_schedules.last_tick IS
    'The newest tick handled (enqueued, caught up or skipped); at registration, the time of '
    'registration. Only ticks after it are enqueued.';
COMMENT ON COLUMN periodic_schedules.last_enqueued_at IS 'When last_tick last moved.';
COMMENT ON COLUMN periodic_schedules.ticks_enqueued IS 'Jobs enqueued for its ticks, in all.';
COMMENT ON COLUMN periodic_schedules.ticks_missed IS
    'Ticks missed while no instance ran (older than the grace period when seen), in all '
    '(counted up to 10,000 per round).';
COMMENT ON COLUMN periodic_schedules.registered_at IS 'When an instance last registered it.';
