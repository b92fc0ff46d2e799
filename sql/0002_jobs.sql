-- The job queue: jobs, their dependencies (a DAG), workers and execution history.
-- Claim order is a static sort key per available job, so claiming reads the head of one
-- partial index and never scans the queue (see jobs.sort_key).

CREATE TABLE job_tenants (
    queue         text        NOT NULL,
    tenant        text        NOT NULL,
    virtual_clock timestamptz NOT NULL,
    PRIMARY KEY (queue, tenant)
);
COMMENT ON TABLE job_tenants IS
    'Start-time fair queuing: per (queue, tenant), the virtual start of its next job. A batch of '
    'k jobs moves it by k quanta, so one tenant''s backlog spreads into the future and another '
    'tenant''s new job (start = now) is claimed first.';
COMMENT ON COLUMN job_tenants.queue IS 'Queue.';
COMMENT ON COLUMN job_tenants.tenant IS 'Fairness key ('''' for jobs without one).';
COMMENT ON COLUMN job_tenants.virtual_clock IS 'Virtual start time of the tenant''s next job.';

CREATE TABLE jobs (
    id                 bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind               text        NOT NULL CHECK (kind <> ''),
    queue              text        NOT NULL DEFAULT 'default',
    tenant             text        NOT NULL DEFAULT '',
    priority           smallint    NOT NULL DEFAULT 3 CHECK (priority BETWEEN 1 AND 5),
    effective_priority smallint    NOT NULL CHECK (effective_priority BETWEEN 1 AND 5),
    sort_key           timestamptz NOT NULL,
    args               jsonb       NOT NULL DEFAULT '{}',
    state              text        NOT NULL CHECK (state IN ('pending', 'scheduled', 'available',
                                       'running', 'retryable', 'completed', 'failed', 'cancelled')),
    attempt            integer     NOT NULL DEFAULT 0 CHECK (attempt >= 0),
    max_attempts       integer     NOT NULL DEFAULT 5 CHECK (max_attempts >= 1),
    run_at             timestamptz NOT NULL DEFAULT now(),
    pending_parents    integer     NOT NULL DEFAULT 0 CHECK (pending_parents >= 0),
    unique_key         text,
    worker_id          text,
    created_at         timestamptz NOT NULL DEFAULT now(),
    attempted_at       timestamptz,
    finished_at        timestamptz,
    last_error         text
) WITH (
    -- Every job is updated a few times (claim, complete): leave room for HOT updates.
    fillfactor = 85,
    -- High churn: vacuum and analyze early so the claim index stays small and plans current.
    autovacuum_vacuum_scale_factor = 0.02,
    autovacuum_analyze_scale_factor = 0.02
);

-- Claim: the head of the available jobs of a queue, in sort-key order.
CREATE INDEX jobs_claim ON jobs (queue, sort_key) WHERE state = 'available';
-- Scheduler: scheduled and retryable jobs that are due.
CREATE INDEX jobs_due ON jobs (run_at) WHERE state IN ('scheduled', 'retryable');
-- Rescuer: running jobs by worker.
CREATE INDEX jobs_running ON jobs (worker_id) WHERE state = 'running';
-- Cleaner: finished jobs by age.
CREATE INDEX jobs_finished ON jobs (finished_at) WHERE state IN ('completed', 'failed', 'cancelled');
-- Unique keys dedupe live jobs only.
CREATE UNIQUE INDEX jobs_unique_live ON jobs (unique_key)
    WHERE unique_key IS NOT NULL AND state IN ('pending', 'scheduled', 'available', 'running', 'retryable');

COMMENT ON TABLE jobs IS 'Jobs of the queue: pending → available → running → completed | retryable → … | failed | cancelled.';
COMMENT ON COLUMN jobs.id IS 'Job id, in enqueue order.';
COMMENT ON COLUMN jobs.kind IS 'Which handler runs it.';
COMMENT ON COLUMN jobs.queue IS 'Queue; a dispatcher per queue claims from it.';
COMMENT ON COLUMN jobs.tenant IS 'Fairness key: tenants of a queue share it fairly.';
COMMENT ON COLUMN jobs.priority IS 'Requested priority, 1 (most urgent) to 5.';
COMMENT ON COLUMN jobs.effective_priority IS
    'Priority after inheritance: at least as urgent as its most urgent parent.';
COMMENT ON COLUMN jobs.sort_key IS
    'Claim order: fair start time + (effective_priority - 1) × aging interval. A job overtakes '
    'every more urgent job that became available (priority difference) × interval after it.';
COMMENT ON COLUMN jobs.args IS 'Handler arguments.';
COMMENT ON COLUMN jobs.state IS 'Lifecycle state.';
COMMENT ON COLUMN jobs.attempt IS 'Attempts started; a completion must name the current one (fencing).';
COMMENT ON COLUMN jobs.max_attempts IS 'Attempts before the job is failed for good.';
COMMENT ON COLUMN jobs.run_at IS 'When it may run (scheduled, retry backoff).';
COMMENT ON COLUMN jobs.pending_parents IS 'Parents not finished yet; available at 0.';
COMMENT ON COLUMN jobs.unique_key IS 'At most one live job per key.';
COMMENT ON COLUMN jobs.worker_id IS 'Worker running it.';
COMMENT ON COLUMN jobs.created_at IS 'When it was enqueued.';
COMMENT ON COLUMN jobs.attempted_at IS 'When its current attempt started.';
COMMENT ON COLUMN jobs.finished_at IS 'When it completed, failed or was cancelled.';
COMMENT ON COLUMN jobs.last_error IS 'Error of the last failed attempt.';

CREATE TABLE job_dependencies (
    parent_id         bigint NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
    child_id          bigint NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
    on_parent_failure text   NOT NULL DEFAULT 'cancel' CHECK (on_parent_failure IN ('cancel', 'run')),
    PRIMARY KEY (parent_id, child_id),
    CHECK (parent_id <> child_id)
);
CREATE INDEX job_dependencies_child ON job_dependencies (child_id);
COMMENT ON TABLE job_dependencies IS 'Edges of the job DAG: the child waits for the parent.';
COMMENT ON COLUMN job_dependencies.parent_id IS 'Job that must finish first.';
COMMENT ON COLUMN job_dependencies.child_id IS 'Job that waits.';
COMMENT ON COLUMN job_dependencies.on_parent_failure IS
    'When the parent fails for good: cancel the child, or count the parent as done and run it.';

CREATE TABLE workers (
    id           text        PRIMARY KEY,
    queues       text[]      NOT NULL,
    started_at   timestamptz NOT NULL DEFAULT now(),
    heartbeat_at timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE workers IS 'Worker processes; registered before they claim, kept alive by heartbeats.';
COMMENT ON COLUMN workers.id IS 'Worker id (unique per process).';
COMMENT ON COLUMN workers.queues IS 'Queues it claims from.';
COMMENT ON COLUMN workers.started_at IS 'Registration time.';
COMMENT ON COLUMN workers.heartbeat_at IS 'Last heartbeat; stale workers'' jobs are rescued.';

CREATE TABLE job_executions (
    id          bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    job_id      bigint      NOT NULL,
    attempt     integer     NOT NULL,
    worker_id   text,
    started_at  timestamptz,
    finished_at timestamptz NOT NULL DEFAULT now(),
    outcome     text        NOT NULL CHECK (outcome IN ('completed', 'failed', 'rescued', 'cancelled')),
    error       text
) WITH (autovacuum_vacuum_scale_factor = 0.05);
CREATE INDEX job_executions_job ON job_executions (job_id);
COMMENT ON TABLE job_executions IS 'One row per finished attempt (history); pruned by the cleaner.';
COMMENT ON COLUMN job_executions.job_id IS 'The job (no foreign key: history may outlive a pruned job).';
COMMENT ON COLUMN job_executions.attempt IS 'Attempt number.';
COMMENT ON COLUMN job_executions.worker_id IS 'Worker that ran it.';
COMMENT ON COLUMN job_executions.started_at IS 'When the attempt started.';
COMMENT ON COLUMN job_executions.finished_at IS 'When it ended.';
COMMENT ON COLUMN job_executions.outcome IS 'How it ended.';
COMMENT ON COLUMN job_executions.error IS 'Error of a failed attempt.';
