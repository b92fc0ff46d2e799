-- Exact rows of the progress table.
SELECT count(*) FROM user_goal_progress
