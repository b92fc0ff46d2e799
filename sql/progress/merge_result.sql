-- What the merge that just ran in this transaction did, beside its row count: the session's
-- pending insert counter (minus its value before the merge: rows inserted), and the goals it
-- completed. Those carry completed_at = $1 and a row version written by this transaction
-- (xmin), found through the partial index user_goal_progress_completed.
SELECT pg_stat_get_xact_tuples_inserted('user_goal_progress'::regclass) AS inserted_so_far,
       coalesce(array_agg(user_id ORDER BY user_id, goal_id), '{}') AS completed_users,
       coalesce(array_agg(goal_id ORDER BY user_id, goal_id), '{}') AS completed_goals
FROM user_goal_progress
WHERE status = 'completed' AND completed_at = $1::timestamptz
  AND xmin = pg_current_xact_id()::xid
