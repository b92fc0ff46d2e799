-- The progress table on disk, in bytes: heap (with its free-space and visibility maps and
-- TOAST), primary key, the other indexes.
SELECT pg_table_size('user_goal_progress'),
       pg_relation_size('user_goal_progress_pkey'),
       pg_indexes_size('user_goal_progress') - pg_relation_size('user_goal_progress_pkey')
