-- Tuple updates of the progress table so far, and how many of them were HOT.
SELECT coalesce(n_tup_upd, 0) AS updates, coalesce(n_tup_hot_upd, 0) AS hot_updates
FROM pg_stat_user_tables WHERE relid = 'user_goal_progress'::regclass
