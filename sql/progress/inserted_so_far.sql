-- Rows this session has inserted into user_goal_progress and not yet handed to the statistics
-- system. Read just before the merge, its rise over the merge is how many rows the merge
-- inserted (PG 15's MERGE reports only a total).
SELECT pg_stat_get_xact_tuples_inserted('user_goal_progress'::regclass)
