-- Records a batch's event ids ($1 players, $2 ids: no pair twice) at flush time $3 and returns
-- those already applied within the window ($4 seconds before $3). An expired id is taken again
-- (its seen_at moves to $3); a live one keeps its seen_at, which is how it is told apart. Every
-- row is returned by the insert and filtered in one pass (an anti-join against the batch was
-- planned as a nested loop: quadratic in the batch size).
WITH claimed AS (
    INSERT INTO seen_events AS s (user_id, event_id, seen_at)
    SELECT b.user_id, b.event_id, $3::timestamptz
    FROM unnest($1::text[], $2::text[]) AS b (user_id, event_id)
    ON CONFLICT (user_id, event_id) DO UPDATE SET seen_at = CASE
        WHEN s.seen_at < EXCLUDED.seen_at - make_interval(secs => $4::float8)
            THEN EXCLUDED.seen_at
        ELSE s.seen_at
    END
    RETURNING s.user_id, s.event_id, s.seen_at
)
SELECT user_id, event_id FROM claimed WHERE seen_at <> $3::timestamptz
