-- Records a batch's event ids ($1 players, $2 ids: no pair twice) at flush time $3 and returns
-- the 1-based positions of those already applied within the window ($4 seconds before $3).
-- An expired id is taken again (its seen_at moves to $3).
WITH batch AS (
    SELECT b.user_id, b.event_id, b.n
    FROM unnest($1::text[], $2::text[]) WITH ORDINALITY AS b (user_id, event_id, n)
), claimed AS (
    INSERT INTO seen_events AS s (user_id, event_id, seen_at)
    SELECT user_id, event_id, $3::timestamptz FROM batch
    ON CONFLICT (user_id, event_id) DO UPDATE SET seen_at = EXCLUDED.seen_at
        WHERE s.seen_at < EXCLUDED.seen_at - make_interval(secs => $4::float8)
    RETURNING s.user_id, s.event_id
)
SELECT batch.n
FROM batch
WHERE NOT EXISTS (
    SELECT 1 FROM claimed
    WHERE claimed.user_id = batch.user_id AND claimed.event_id = batch.event_id
)
