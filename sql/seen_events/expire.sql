-- Deletes at most $3 ids older than the window ($2 seconds before flush time $1), oldest
-- first: a flush removes about as many as it adds, so the table holds about one window.
DELETE FROM seen_events
WHERE (user_id, event_id) IN (
    SELECT user_id, event_id FROM seen_events
    WHERE seen_at < $1::timestamptz - make_interval(secs => $2::float8)
    ORDER BY seen_at
    LIMIT $3
    FOR UPDATE SKIP LOCKED
)
