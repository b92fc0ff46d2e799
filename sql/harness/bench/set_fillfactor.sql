-- $1-free: the fillfactor is spliced by the caller as a validated integer (DDL takes no parameters).
ALTER TABLE user_goal_progress SET (fillfactor = FILLFACTOR)
