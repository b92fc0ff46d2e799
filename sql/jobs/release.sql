-- Releases the pending children of finished parents, in the parents' transaction: one fewer
-- pending parent per edge; at zero the child is available. Priority inheritance: a child is at
-- least as urgent as its most urgent parent. A separate statement from the parents' update, so
-- it sees edges added by enqueues that were waiting for those parents' row locks.
--   $1 parent ids; $2 aging interval (s); $3 true: only edges whose policy is to run the child
--   when the parent failed; $4 true: only parents this transaction completed (the completion
--   sends both statements at once and passes every id it was asked to complete).
-- Listening dispatchers of the queues that got available children are woken.
WITH released AS (
    SELECT e.child_id, count(*)::int AS n, min(p.effective_priority) AS best
    FROM job_dependencies e
    JOIN jobs p ON p.id = e.parent_id
    WHERE e.parent_id = ANY($1::int8[]) AND (NOT $3 OR e.on_parent_failure = 'run')
      AND (NOT $4 OR (p.state = 'completed' AND p.xmin = pg_current_xact_id()::xid))
    GROUP BY e.child_id
), updated AS (
UPDATE jobs c
SET pending_parents = c.pending_parents - r.n,
    effective_priority = least(c.effective_priority, r.best),
    state = CASE WHEN c.pending_parents = r.n THEN 'available' ELSE c.state END,
    sort_key = CASE WHEN c.pending_parents = r.n
                    THEN now() + (least(c.effective_priority, r.best) - 1) * ($2::float8 * interval '1 second')
                    ELSE c.sort_key END
FROM released r
WHERE c.id = r.child_id AND c.state = 'pending'
RETURNING c.id, c.state, c.queue
)
SELECT id, state FROM updated
WHERE (SELECT count(pg_notify('goalstream_jobs', queue))
       FROM (SELECT DISTINCT queue FROM updated WHERE state = 'available') q) >= 0
