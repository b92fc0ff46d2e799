-- Cancels the pending descendants of jobs that failed for good: children on 'cancel' edges,
-- and everything below a cancelled job. Returns the cancelled ids.
--   $1 dead job ids.
WITH RECURSIVE doomed AS (
    SELECT e.child_id AS id
    FROM job_dependencies e
    WHERE e.parent_id = ANY($1::int8[]) AND e.on_parent_failure = 'cancel'
    UNION
    SELECT e.child_id FROM job_dependencies e JOIN doomed d ON e.parent_id = d.id
)
UPDATE jobs j
SET state = 'cancelled', finished_at = now(), last_error = 'a job it depends on failed'
FROM doomed d
WHERE j.id = d.id AND j.state = 'pending'
RETURNING j.id
