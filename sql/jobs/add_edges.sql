-- Dependency edges of newly enqueued jobs.
--   $1 parent ids; $2 child ids; $3 on_parent_failure policies.
INSERT INTO job_dependencies (parent_id, child_id, on_parent_failure)
SELECT * FROM unnest($1::int8[], $2::int8[], $3::text[])
ON CONFLICT DO NOTHING
