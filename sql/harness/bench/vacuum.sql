VACUUM (ANALYZE) user_goal_progress
