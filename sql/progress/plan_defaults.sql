-- Back to the session's planner settings for the rest of the flush transaction, once the merge
-- and its probes (plan_settings.sql) are done: the goal.completed jobs are enqueued with the
-- queue's ordinary cached plan, not one planned again for every flush around thousands of
-- constant array elements.
SET LOCAL enable_hashjoin TO DEFAULT;
SET LOCAL enable_mergejoin TO DEFAULT;
SET LOCAL enable_seqscan TO DEFAULT;
SET LOCAL enable_material TO DEFAULT;
SET LOCAL plan_cache_mode TO DEFAULT;
SET LOCAL jit TO DEFAULT
