-- One page of dead letters, newest first, after the keyset cursor. Filters optional (NULL: any).
--   $1 topic; $2 reason contains (case-insensitive); $3 created at or after; $4 created before;
--   $5 replayed (true: only replayed, false: only never replayed); $6 only ids below this;
--   $7 page size.
SELECT id, topic, partition, "offset", key, payload, reason, created_at, replayed_at,
       replay_outcome
FROM dead_letters
WHERE ($1::text IS NULL OR topic = $1)
  AND ($2::text IS NULL OR strpos(lower(reason), lower($2)) > 0)
  AND ($3::timestamptz IS NULL OR created_at >= $3)
  AND ($4::timestamptz IS NULL OR created_at < $4)
  AND ($5::bool IS NULL OR (replayed_at IS NOT NULL) = $5)
  AND ($6::int8 IS NULL OR id < $6)
ORDER BY id DESC
LIMIT $7
