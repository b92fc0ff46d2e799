-- Rows a flush merge leaves alone although they exist: inactive (goal unassigned) or claimed.
-- Few, so the index is small; the flush asks it why a staged row was skipped
-- (progress/skip_reasons.sql) with a probe that, for the many staged rows not in it, reads a
-- page or two instead of the row itself. Neither column changes in an ordinary flush update,
-- which stays HOT.
CREATE INDEX user_goal_progress_held ON user_goal_progress (user_id, goal_id)
    WHERE NOT is_active OR status = 'claimed';
