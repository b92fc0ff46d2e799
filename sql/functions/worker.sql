-- Workers written in other languages: claim_jobs, complete_job, fail_job. They run the same
-- statements as goalstream's own workers (goalstream_claim, goalstream_complete,
-- goalstream_release, goalstream_fail, goalstream_cancel_descendants), so fencing by attempt,
-- DAG release, priority inheritance, retries with backoff and history are identical.

-- claim_jobs: registers the worker (a heartbeat: call it, or heartbeat_worker, at least every
-- 10 s while jobs run, or the rescuer gives its jobs to another worker) and claims at most
-- max_jobs available jobs of the queue, most urgent first. Pass each job's attempt back to
-- complete_job / fail_job.
DROP FUNCTION IF EXISTS claim_jobs(text, integer, text);
DROP FUNCTION IF EXISTS heartbeat_worker(text, text[]);
DROP FUNCTION IF EXISTS complete_job(bigint, integer);
DROP FUNCTION IF EXISTS fail_job(bigint, integer, text);

CREATE FUNCTION claim_jobs(queue text, max_jobs integer, worker_id text)
RETURNS TABLE (id bigint, kind text, args jsonb, attempt integer, max_attempts integer)
LANGUAGE plpgsql
SET search_path FROM CURRENT
AS $fn$
BEGIN
    IF max_jobs IS NULL OR max_jobs NOT BETWEEN 1 AND 1000 THEN
        RAISE EXCEPTION 'claim_jobs: max_jobs must be 1 to 1000' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF queue = 'rewards' THEN
        RAISE EXCEPTION 'claim_jobs: the rewards queue belongs to the pipeline'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    PERFORM heartbeat_worker(worker_id, ARRAY[queue]);
    RETURN QUERY
    SELECT c.out_id, c.out_kind, c.out_args, c.out_attempt, c.out_max_attempts
    FROM goalstream_claim(queue, max_jobs, worker_id) c;
END
$fn$;

-- heartbeat_worker: the worker is alive (registers it when it is not).
CREATE FUNCTION heartbeat_worker(worker_id text, queues text[]) RETURNS void
LANGUAGE sql
SET search_path FROM CURRENT
AS $fn$
    INSERT INTO workers (id, queues) VALUES (worker_id, queues)
    ON CONFLICT (id) DO UPDATE SET heartbeat_at = now(),
        queues = ARRAY(SELECT DISTINCT q FROM unnest(workers.queues || excluded.queues) q)
$fn$;

-- complete_job: completes the job's attempt (ignored when the attempt is no longer current:
-- the job was rescued) and releases its dependents. Returns whether it completed.
CREATE FUNCTION complete_job(job_id bigint, attempt integer) RETURNS boolean
LANGUAGE plpgsql
SET search_path FROM CURRENT
AS $fn$
DECLARE
    completed bigint[];
BEGIN
    SELECT c.out_completed INTO completed FROM goalstream_complete(ARRAY[job_id], ARRAY[attempt]) c;
    PERFORM goalstream_release(ARRAY[job_id], 10, false, true);
    RETURN cardinality(completed) = 1;
END
$fn$;

-- fail_job: records a failed attempt: retryable after goalstream's backoff (1 s doubling, at
-- most an hour, jittered), or failed for good after max_attempts, when its dependents follow
-- their edge's policy. Returns the job's state afterwards (NULL: the attempt was not current).
CREATE FUNCTION fail_job(job_id bigint, attempt integer, error text) RETURNS text
LANGUAGE plpgsql
SET search_path FROM CURRENT
AS $fn$
DECLARE
    dead   bigint[];
    failed bigint;
    delay  float8 := least(power(2, greatest(attempt, 1) - 1), 3600);
BEGIN
    SELECT f.out_dead, f.out_failed INTO dead, failed
    FROM goalstream_fail(ARRAY[job_id], ARRAY[attempt], ARRAY[left(coalesce(error, ''), 4000)],
                         ARRAY[now() + (delay / 2 + random() * delay / 2) * interval '1 second']) f;
    IF failed = 0 THEN
        RETURN NULL;
    END IF;
    IF cardinality(dead) > 0 THEN
        PERFORM goalstream_release(dead, 10, true, false);
        PERFORM goalstream_cancel_descendants(dead);
        RETURN 'failed';
    END IF;
    RETURN 'retryable';
END
$fn$;
