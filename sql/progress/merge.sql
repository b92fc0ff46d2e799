-- The flush merge: every staged update into user_goal_progress in one statement, joined by a
-- primary-key probe per staged row (plan_settings.sql). DESIGN.md, Merge rules.
--   $1 timestamptz: the flush time. Rotation compares expires_at with it, and it stamps every
--                   row written (updated_at; completed_at of goals completing now).
--
-- No row yet: created only for default-assigned goals, from the staged update alone (the
-- fresh_* values). A row that is inactive, or claimed in its current period, is left alone.
-- Otherwise the row is updated from its live values: if its period ended (expires_at <= $1) it
-- is first reset (progress 0, baseline NULL, not completed, not claimed, next expires_at), which
-- is every "WHEN p.expires_at <= $1" below. NULL expires_at never expires.
--   baseline  relative: the row's, or from the first staged event when unset or reset.
--   progress  absolute: latest value; relative: max(latest - baseline, 0);
--             increment: previous progress + sum of deltas.
--   completed sticky within the period; else reached when the batch's largest value
--             (absolute), largest value - baseline (relative) or the new progress (increment)
--             reaches the target.
MERGE INTO user_goal_progress p
USING (
    SELECT s.*, f.fresh_baseline, f.fresh_progress,
           CASE s.mode WHEN 0 THEN s.max_value >= s.target
                       WHEN 1 THEN s.max_value - f.fresh_baseline >= s.target
                       ELSE s.delta_sum >= s.target END AS fresh_reached
    FROM goalstream_stage s
    CROSS JOIN LATERAL (
        SELECT b.fresh_baseline,
               CASE s.mode WHEN 0 THEN s.last_value
                           WHEN 1 THEN greatest(s.last_value - b.fresh_baseline, 0)
                           ELSE s.delta_sum END AS fresh_progress
        FROM (SELECT CASE WHEN s.mode = 1
                          THEN greatest(s.first_value - s.first_delta, 0) END AS fresh_baseline) b
    ) f
) s
ON p.user_id = s.user_id AND p.goal_id = s.goal_id
WHEN MATCHED AND p.is_active AND (p.status <> 'claimed' OR p.expires_at <= $1::timestamptz) THEN
    UPDATE SET
        baseline = CASE WHEN p.expires_at <= $1::timestamptz OR p.baseline IS NULL
                        THEN s.fresh_baseline ELSE p.baseline END,
        progress = CASE s.mode
            WHEN 0 THEN s.last_value
            WHEN 1 THEN greatest(s.last_value
                - CASE WHEN p.expires_at <= $1::timestamptz OR p.baseline IS NULL
                       THEN s.fresh_baseline ELSE p.baseline END, 0)
            ELSE CASE WHEN p.expires_at <= $1::timestamptz THEN 0 ELSE p.progress END
                 + s.delta_sum END,
        status = CASE
            WHEN p.status = 'completed' AND (p.expires_at <= $1::timestamptz) IS NOT TRUE
                THEN 'completed'
            WHEN CASE s.mode
                WHEN 0 THEN s.max_value >= s.target
                WHEN 1 THEN s.max_value
                    - CASE WHEN p.expires_at <= $1::timestamptz OR p.baseline IS NULL
                           THEN s.fresh_baseline ELSE p.baseline END >= s.target
                ELSE CASE WHEN p.expires_at <= $1::timestamptz THEN 0 ELSE p.progress END
                     + s.delta_sum >= s.target END
                THEN 'completed'
            ELSE 'in_progress' END,
        completed_at = CASE
            WHEN p.status = 'completed' AND (p.expires_at <= $1::timestamptz) IS NOT TRUE
                THEN p.completed_at
            WHEN CASE s.mode
                WHEN 0 THEN s.max_value >= s.target
                WHEN 1 THEN s.max_value
                    - CASE WHEN p.expires_at <= $1::timestamptz OR p.baseline IS NULL
                           THEN s.fresh_baseline ELSE p.baseline END >= s.target
                ELSE CASE WHEN p.expires_at <= $1::timestamptz THEN 0 ELSE p.progress END
                     + s.delta_sum >= s.target END
                THEN $1::timestamptz
            END,
        claimed_at = CASE WHEN p.expires_at <= $1::timestamptz THEN NULL ELSE p.claimed_at END,
        expires_at = CASE WHEN p.expires_at <= $1::timestamptz THEN s.expires_at
                          ELSE coalesce(p.expires_at, s.expires_at) END,
        updated_at = $1::timestamptz
WHEN NOT MATCHED AND s.default_assigned THEN
    INSERT (user_id, goal_id, progress, status, is_active, baseline,
            assigned_at, completed_at, expires_at, updated_at)
    VALUES (s.user_id, s.goal_id, s.fresh_progress,
            CASE WHEN s.fresh_reached THEN 'completed' ELSE 'in_progress' END,
            true, s.fresh_baseline, $1::timestamptz,
            CASE WHEN s.fresh_reached THEN $1::timestamptz END, s.expires_at, $1::timestamptz)
