-- Every progress row's player, goal and progress, to compare with what was produced.
SELECT user_id, goal_id, progress FROM user_goal_progress
