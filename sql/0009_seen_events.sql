-- Event ids already applied, per player, for the optional de-duplication of resent events
-- (`goalstream run --dedup-window`). Written in the flush transaction, with the progress and
-- the offsets, so a duplicate is refused exactly when its first copy committed.

CREATE TABLE seen_events (
    user_id  text COLLATE "C" NOT NULL,
    event_id text COLLATE "C" NOT NULL,
    seen_at  timestamptz NOT NULL,
    PRIMARY KEY (user_id, event_id)
) WITH (fillfactor = 90);

-- Expired ids are deleted oldest first, a bounded number per flush.
CREATE INDEX seen_events_seen_at ON seen_events (seen_at);

COMMENT ON TABLE seen_events IS
    'Event ids applied within the de-duplication window; an id seen again inside it is skipped.';
COMMENT ON COLUMN seen_events.user_id IS 'Player the event belongs to (ids are unique per player).';
COMMENT ON COLUMN seen_events.event_id IS
    'The event''s id, or topic/partition/offset when its mapping names none.';
COMMENT ON COLUMN seen_events.seen_at IS
    'Flush time that applied the event; older than the window means expired.';
