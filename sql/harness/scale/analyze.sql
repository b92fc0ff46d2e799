-- After a population: statistics for the planner and the visibility map for the flush's probes.
VACUUM (ANALYZE) user_goal_progress
