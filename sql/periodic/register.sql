-- Registers a schedule, or refreshes the definition of a registered one (keeping its last
-- tick); returns its last tick. A new schedule starts at $7: only later ticks are enqueued.
--   $1 name; $2 cron; $3 time zone; $4 kind; $5 queue; $6 catch-up; $7 initial last tick.
INSERT INTO periodic_schedules AS s (name, cron, timezone, kind, queue, catch_up, last_tick)
VALUES ($1, $2, $3, $4, $5, $6, $7)
ON CONFLICT (name) DO UPDATE
SET cron = excluded.cron, timezone = excluded.timezone, kind = excluded.kind,
    queue = excluded.queue, catch_up = excluded.catch_up, registered_at = now()
RETURNING s.last_tick
