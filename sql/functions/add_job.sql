-- add_job: enqueue one job from SQL, inside the caller's transaction (graphile-worker's
-- add_job). Same options and the same rules as the REST enqueue: fair start time per (queue,
-- tenant), priority 1..5, max_attempts 1..25, run_at within a year ahead, a unique key that
-- dedupes live jobs of the same kind (then the live job's id is returned), parents that must
-- exist and not have failed. Workers are woken by NOTIFY when the caller commits. Kinds the
-- pipeline owns (goal.completed) and its queue (rewards) are refused.
DROP FUNCTION IF EXISTS add_job(text, jsonb, text, text, integer, timestamptz, integer, text, bigint[]);
DROP FUNCTION IF EXISTS add_jobs(jsonb);

CREATE FUNCTION add_job(
    kind         text,
    args         jsonb       DEFAULT '{}',
    queue        text        DEFAULT 'default',
    tenant       text        DEFAULT '',
    priority     integer     DEFAULT 3,
    run_at       timestamptz DEFAULT NULL,
    max_attempts integer     DEFAULT 5,
    unique_key   text        DEFAULT NULL,
    parents      bigint[]    DEFAULT NULL
) RETURNS bigint
LANGUAGE plpgsql
SET search_path FROM CURRENT
AS $fn$
DECLARE
    pending integer := 0;
    parent  record;
    new_id  bigint;
BEGIN
    IF kind IS NULL OR btrim(kind) = '' OR length(kind) > 200 OR kind ~ '[[:cntrl:]]' THEN
        RAISE EXCEPTION 'add_job: kind must be 1 to 200 characters without control characters'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF kind = 'goal.completed' OR queue = 'rewards' THEN
        RAISE EXCEPTION 'add_job: % jobs and the rewards queue belong to the pipeline', kind
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF queue IS NULL OR btrim(queue) = '' OR queue ~ '[[:cntrl:]]' OR tenant IS NULL
            OR tenant ~ '[[:cntrl:]]' OR coalesce(unique_key, '') ~ '[[:cntrl:]]' THEN
        RAISE EXCEPTION 'add_job: queue, tenant and unique_key refuse control characters (queue not empty)'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF priority IS NULL OR priority NOT BETWEEN 1 AND 5 THEN
        RAISE EXCEPTION 'add_job: priority must be 1 (most urgent) to 5, got %', priority
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF max_attempts IS NULL OR max_attempts NOT BETWEEN 1 AND 25 THEN
        RAISE EXCEPTION 'add_job: max_attempts must be 1 to 25, got %', max_attempts
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF run_at IS NOT NULL AND (run_at > now() + interval '366 days' OR run_at < now() - interval '1 day') THEN
        RAISE EXCEPTION 'add_job: run_at must be within a day ago and a year ahead, got %', run_at
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF args IS NULL OR jsonb_typeof(args) <> 'object' OR octet_length(args::text) > 16384 THEN
        RAISE EXCEPTION 'add_job: args must be a JSON object of at most 16 KiB'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    -- Parents: locked until the caller commits, so none finishes in between (its completion
    -- would miss the new edge).
    IF cardinality(parents) > 0 THEN
        FOR parent IN
            SELECT j.id, j.state FROM jobs j WHERE j.id = ANY(parents) ORDER BY j.id FOR SHARE
        LOOP
            IF parent.state IN ('failed', 'cancelled') THEN
                RAISE EXCEPTION 'add_job: parent job % is %; its dependents would be cancelled',
                    parent.id, parent.state USING ERRCODE = 'invalid_parameter_value';
            END IF;
            IF parent.state <> 'completed' THEN
                pending := pending + 1;
            END IF;
        END LOOP;
        IF (SELECT count(*) FROM jobs j WHERE j.id = ANY(parents))
                <> (SELECT count(DISTINCT p) FROM unnest(parents) p) THEN
            RAISE EXCEPTION 'add_job: unknown parent among %', parents
                USING ERRCODE = 'foreign_key_violation';
        END IF;
    END IF;
    SELECT e.out_id INTO new_id
    FROM goalstream_enqueue(ARRAY[kind], ARRAY[queue], ARRAY[tenant], ARRAY[priority::int2],
                            ARRAY[args], ARRAY[max_attempts], ARRAY[run_at], ARRAY[unique_key],
                            ARRAY[pending], 10, 0.001, ARRAY[0], ARRAY[1]) e;
    IF new_id IS NULL THEN
        -- Deduplicated: the live job of this kind holding the key.
        SELECT j.id INTO new_id FROM jobs j
        WHERE j.kind = add_job.kind AND j.unique_key = add_job.unique_key
          AND j.state IN ('pending', 'scheduled', 'available', 'running', 'retryable');
        RETURN new_id;
    END IF;
    IF cardinality(parents) > 0 THEN
        INSERT INTO job_dependencies (parent_id, child_id)
        SELECT DISTINCT p, new_id FROM unnest(parents) p
        ON CONFLICT DO NOTHING;
    END IF;
    RETURN new_id;
END
$fn$;
COMMENT ON FUNCTION add_job(text, jsonb, text, text, integer, timestamptz, integer, text, bigint[]) IS
    'Enqueues a job in the caller''s transaction (workers woken on commit); returns its id, or the '
    'live job''s id when the unique key deduplicated it. Same rules as POST /v1/jobs.';

-- add_jobs: many jobs in one call, from a JSON array of objects with add_job's parameter names
-- (kind required). Returns the ids in input order.
CREATE FUNCTION add_jobs(specs jsonb) RETURNS SETOF bigint
LANGUAGE plpgsql
SET search_path FROM CURRENT
AS $fn$
DECLARE
    spec jsonb;
BEGIN
    IF jsonb_typeof(specs) IS DISTINCT FROM 'array' THEN
        RAISE EXCEPTION 'add_jobs: specs must be a JSON array of job objects'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    FOR spec IN SELECT value FROM jsonb_array_elements(specs) WITH ORDINALITY ORDER BY ordinality
    LOOP
        RETURN NEXT add_job(
            kind         => spec ->> 'kind',
            args         => coalesce(spec -> 'args', '{}'),
            queue        => coalesce(spec ->> 'queue', 'default'),
            tenant       => coalesce(spec ->> 'tenant', ''),
            priority     => coalesce((spec ->> 'priority')::integer, 3),
            run_at       => (spec ->> 'run_at')::timestamptz,
            max_attempts => coalesce((spec ->> 'max_attempts')::integer, 5),
            unique_key   => spec ->> 'unique_key',
            parents      => (SELECT array_agg(p::bigint) FROM jsonb_array_elements_text(spec -> 'parents') p));
    END LOOP;
END
$fn$;
COMMENT ON FUNCTION add_jobs(jsonb) IS
    'Enqueues a JSON array of jobs (add_job''s parameter names) in the caller''s transaction.';
