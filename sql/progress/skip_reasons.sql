-- Why staged rows were left alone by the merge that just ran in this transaction (run only
-- when it skipped some; $2 says how many). A skipped row is untouched, so it still shows why:
--   unassigned: no row, and the goal is not default-assigned (the merge creates the rows of
--               default-assigned goals), so only those staged rows are looked up;
--   inactive / claimed: a row the merge did not write (merged rows carry updated_at = $1)
--               that is inactive, or claimed in its current period. Such rows are the few in
--               the partial index user_goal_progress_held: each staged row asks that small
--               index, and only the rows it holds are read. Skipped only when the unassigned
--               rows account for every skipped row.
-- LATERAL ... OFFSET 0 keeps the probes per row whatever the tables' sizes.
--   $1 timestamptz: the flush time; $2 int8: rows the merge skipped.
SELECT u.unassigned,
       coalesce(h.inactive, 0) AS inactive,
       coalesce(h.claimed, 0)  AS claimed
FROM (
    SELECT count(*) AS unassigned
    FROM goalstream_stage s
    WHERE NOT s.default_assigned
      AND NOT EXISTS (SELECT FROM user_goal_progress p
                      WHERE p.user_id = s.user_id AND p.goal_id = s.goal_id)
) u
LEFT JOIN LATERAL (
    SELECT count(*) FILTER (WHERE NOT e.is_active) AS inactive,
           count(*) FILTER (WHERE e.is_active)     AS claimed
    FROM goalstream_stage s
    JOIN LATERAL (
        SELECT p.is_active, p.updated_at FROM user_goal_progress p
        WHERE p.user_id = s.user_id AND p.goal_id = s.goal_id
          AND (NOT p.is_active OR p.status = 'claimed')
        OFFSET 0
    ) e ON true
    WHERE e.updated_at IS DISTINCT FROM $1::timestamptz
      AND $2::int8 > u.unassigned
) h ON true
