-- The progress table against the server's cache, in bytes: its heap, its primary key, and
-- shared_buffers. A load tier explains a slowdown with them.
SELECT pg_table_size('user_goal_progress'),
       pg_relation_size('user_goal_progress_pkey'),
       pg_size_bytes(current_setting('shared_buffers'))
