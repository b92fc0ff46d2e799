-- Records what a replay did.
--   $1 id; $2 outcome.
UPDATE dead_letters SET replay_outcome = $2 WHERE id = $1
