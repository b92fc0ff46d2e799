-- The population: rows of players with their default goals, written frozen (the table was
-- truncated in the same transaction), so no later vacuum rewrites every page to freeze them.
COPY user_goal_progress (user_id, goal_id, progress, status, is_active, baseline, assigned_at,
                         expires_at, updated_at)
FROM STDIN (FORMAT binary, FREEZE)
