-- Why staged rows were left alone by the merge that just ran in this transaction (run only
-- when it skipped some). A skipped row is untouched, so it still shows why: no row (goal not
-- assigned), inactive, or claimed in the current period. Merged rows carry updated_at = $1.
-- LATERAL ... OFFSET 0 keeps this a per-row primary-key probe whatever the table's size.
SELECT count(*) FILTER (WHERE e.is_active IS NULL) AS unassigned,
       count(*) FILTER (WHERE NOT e.is_active)     AS inactive,
       count(*) FILTER (WHERE e.is_active)         AS claimed
FROM goalstream_stage s
LEFT JOIN LATERAL (
    SELECT p.is_active, p.updated_at FROM user_goal_progress p
    WHERE p.user_id = s.user_id AND p.goal_id = s.goal_id
    OFFSET 0
) e ON true
WHERE e.updated_at IS DISTINCT FROM $1::timestamptz
