-- A job's parents and children in the DAG, with their kinds and states.
--   $1 job id.
SELECT 'parent' AS direction, p.id, p.kind, p.state, e.on_parent_failure
FROM job_dependencies e JOIN jobs p ON p.id = e.parent_id
WHERE e.child_id = $1
UNION ALL
SELECT 'child', c.id, c.kind, c.state, e.on_parent_failure
FROM job_dependencies e JOIN jobs c ON c.id = e.child_id
WHERE e.parent_id = $1
ORDER BY direction DESC, id
