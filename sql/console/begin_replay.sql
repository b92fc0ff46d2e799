-- Takes a dead letter for a replay, at most once: marks it 'replaying' unless it was replayed
-- already. Returns its topic (whose mapping decodes it) and payload, or nothing when it does not exist or was taken before.
--   $1 id.
UPDATE dead_letters
SET replayed_at = now(), replay_outcome = 'replaying'
WHERE id = $1 AND replayed_at IS NULL
RETURNING topic, payload
