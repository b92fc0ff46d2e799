-- One dead letter.
--   $1 id.
SELECT id, topic, partition, "offset", key, payload, reason, created_at, replayed_at,
       replay_outcome
FROM dead_letters
WHERE id = $1
